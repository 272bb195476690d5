package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/connection"
)

// connFlags build the Connection a command calls the connector with: a JSON
// file, stdin, or a few flags for the common fields. Flags given with a file
// override the file's fields, so a checked-in connection.json can leave the
// token out and take it from SYNAPSE_JS_TOKEN.
type connFlags struct {
	file     string
	endpoint string
	token    string
	user     string
	password string
	meta     []string
}

// register adds the connection flags to cmd.
func (cf *connFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&cf.file, "connection", "", "Connection JSON file, or - for stdin")
	fl.StringVar(&cf.endpoint, "endpoint", "", "authConfig.endpoint: the end system's base URL")
	fl.StringVar(&cf.token, "token", "", "authConfig.token (better: the "+EnvToken+" environment variable; flags show in ps)")
	fl.StringVar(&cf.user, "user", "", "authConfig.userName")
	fl.StringVar(&cf.password, "password", "", "authConfig.password (better: the "+EnvPassword+" environment variable)")
	fl.StringArrayVar(&cf.meta, "meta", nil, "metaConfig key=value (repeatable)")
	readEnv(cmd,
		envVar{EnvToken, "token", "the end system's token (authConfig.token)"},
		envVar{EnvPassword, "password", "the end system's password (authConfig.password)"})
	_ = cmd.MarkFlagFilename("connection", "json")
	for _, f := range []string{"endpoint", "token", "user", "password", "meta"} {
		_ = cmd.RegisterFlagCompletionFunc(f, cobra.NoFileCompletions)
	}
}

// given reports whether any connection flag was set.
func (cf *connFlags) given() bool {
	return cf.file != "" || cf.endpoint != "" || cf.token != "" || cf.user != "" || cf.password != "" || len(cf.meta) > 0
}

// builtConnection is a built Connection and the secrets in it.
type builtConnection struct {
	raw     json.RawMessage
	secrets *bindings.Secrets
}

// buildConnection reads the file (if any, else starts from base, which may
// be empty), applies the flags and returns the Connection JSON. A connection
// with no name is called "cli".
func (a *App) buildConnection(cf *connFlags, stdinTaken bool, base json.RawMessage) (*builtConnection, error) {
	m := map[string]any{}
	if cf.file == "" && len(base) > 0 {
		dec := json.NewDecoder(bytes.NewReader(base))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil || m == nil {
			m = map[string]any{}
		}
	}
	if cf.file != "" {
		if cf.file == "-" && stdinTaken {
			return nil, usageError("--connection - : stdin is already used by another flag")
		}
		raw, err := a.readJSONArg("connection", cf.file)
		if err != nil {
			return nil, err
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil || m == nil {
			return nil, usageError("--connection %s: want a JSON object (a Connection)", cf.file)
		}
	}
	ac, _ := m["authConfig"].(map[string]any)
	if ac == nil {
		ac = map[string]any{}
	}
	set := func(k, v string) {
		if v != "" {
			ac[k] = v
		}
	}
	set("endpoint", cf.endpoint)
	set("token", cf.token)
	set("userName", cf.user)
	set("password", cf.password)
	m["authConfig"] = ac
	if len(cf.meta) > 0 {
		mc, _ := m["metaConfig"].(map[string]any)
		if mc == nil {
			mc = map[string]any{}
		}
		for _, kv := range cf.meta {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return nil, usageError("--meta %q: want key=value", kv)
			}
			mc[k] = v
		}
		m["metaConfig"] = mc
	}
	if n, _ := m["name"].(string); n == "" {
		m["name"] = "cli"
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("build connection: %w", err)
	}
	return &builtConnection{raw: raw, secrets: connectionSecrets(m)}, nil
}

// connectionSecrets collects the values that must never be printed: the
// connection's secrets as the host knows them (package connection).
func connectionSecrets(m map[string]any) *bindings.Secrets {
	s := bindings.NewSecrets()
	if c, err := connection.FromMap(m); err == nil {
		s.Add(c.Secrets()...)
	}
	return s
}

// secretsOf parses a connection JSON for its secrets.
func secretsOf(raw json.RawMessage) *bindings.Secrets {
	s := bindings.NewSecrets()
	if c, err := connection.Parse(raw); err == nil {
		s.Add(c.Secrets()...)
	}
	return s
}

// redactWriter replaces secrets by value in every Write. Callers write
// whole lines (fmt.Fprintf, zerolog events), so a secret never straddles
// two writes.
type redactWriter struct {
	w       io.Writer
	secrets *bindings.Secrets
}

// Write writes p with the secrets redacted.
func (r *redactWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(r.w, r.secrets.Redact(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// outputs are a command's stdout and stderr with secrets redacted.
type outputs struct {
	out, err io.Writer
}

// redacted returns stdout and stderr wrapped to redact secrets, and points
// the App's logger (hence the engine's and the scripts' log lines) at the
// redacted stderr. Call it before newEngine.
func (a *App) redacted(secrets *bindings.Secrets) outputs {
	o := outputs{
		out: &redactWriter{w: a.Stdout, secrets: secrets},
		err: &redactWriter{w: a.Stderr, secrets: secrets},
	}
	var lw io.Writer = o.err
	if isTerminal(a.Stderr) {
		lw = zerolog.ConsoleWriter{Out: o.err, TimeFormat: "15:04:05"}
	}
	a.log = a.log.Output(lw)
	return o
}

// isTerminal reports whether w is a terminal (progress lines, colours).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
