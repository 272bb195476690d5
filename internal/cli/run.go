package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/synapsejs/synapse-js/host"
)

type runFlags struct {
	engineFlags
	connection string
	request    string
	envelope   string
	wire       bool
}

func (a *App) runCmd() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run FILE TYPE",
		Short: "Run one synapse call and print its result",
		Long: `run loads FILE and makes one call. TYPE is a wire request type (READ,
GET_BY_ID, ...) or an export name (read, get_by_id, ...).

The result is printed as indented JSON on stdout, or with --wire as the exact
body the platform would receive. Exit status: 0 on success, 1 when the call
answered an error (the error object is still printed), 2 on a usage error.`,
		Example: `  synapse-js run scripts/pipedrive.js synapse_info
  synapse-js run scripts/pipedrive.js test --connection conn.json
  synapse-js run scripts/pipedrive.js READ --connection conn.json --request read.json --wire
  synapse-js run scripts/pipedrive.js read --envelope envelope.json --timeout 10s`,
		Args: cobra.ExactArgs(2),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) == 1 {
				return host.Methods(), cobra.ShellCompDirectiveNoFileComp
			}
			return nil, cobra.ShellCompDirectiveDefault
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.run(cmd, args[0], args[1], f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.connection, "connection", "", "Connection JSON file, or - for stdin")
	fl.StringVar(&f.request, "request", "", "request body JSON file, or - for stdin")
	fl.StringVar(&f.envelope, "envelope", "", "a whole wire envelope JSON file (type, connection, body, ...)")
	fl.DurationVar(&f.timeout, "timeout", host.DefaultTimeout, "the call's deadline")
	fl.BoolVar(&f.wire, "wire", false, "print the exact wire body instead of indented JSON")
	return cmd
}

func (a *App) readJSONArg(what, path string) (json.RawMessage, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(a.Stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, usageError("--%s: %v", what, err)
	}
	if !json.Valid(data) {
		var v any
		jerr := json.Unmarshal(data, &v)
		return nil, usageError("--%s %s: not valid JSON: %v", what, path, jerr)
	}
	return data, nil
}

func (a *App) run(cmd *cobra.Command, file, typ string, f runFlags) error {
	method, wireType, ok := resolveMethod(typ)
	if !ok {
		return usageError("%q is not a synapse method or request type (want one of %s)", typ, strings.Join(host.Methods(), ", "))
	}
	if f.connection == "-" && f.request == "-" {
		return usageError("--connection and --request cannot both read stdin")
	}
	env := &host.Envelope{Type: wireType}
	if f.envelope != "" {
		raw, err := a.readJSONArg("envelope", f.envelope)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(raw, env); err != nil {
			return usageError("--envelope: %v", err)
		}
		if env.Type == "" {
			env.Type = wireType
		}
	}
	if f.connection != "" {
		raw, err := a.readJSONArg("connection", f.connection)
		if err != nil {
			return err
		}
		env.Connection = raw
	}
	if f.request != "" {
		raw, err := a.readJSONArg("request", f.request)
		if err != nil {
			return err
		}
		env.Body = raw
	}
	if len(env.Connection) == 0 {
		env.Connection = json.RawMessage(`{"name":"cli","authConfig":{}}`)
	}
	e := a.newEngine(f.engineFlags)
	c, err := a.loadFile(cmd.Context(), e, file)
	if err != nil {
		return &ExitError{Code: 1, Err: err}
	}
	defer c.Close()
	_ = method
	resp := c.InvokeEnvelope(cmd.Context(), env, host.CallOptions{Timeout: f.timeout}, f.wire)
	if resp.Connection != nil {
		a.saveRotated(f.connection, resp.Connection)
	}
	if f.wire {
		a.Stdout.Write(resp.Body)
		fmt.Fprintln(a.Stdout)
	} else {
		var buf bytes.Buffer
		if err := json.Indent(&buf, resp.Body, "", "  "); err != nil {
			buf.Reset()
			buf.Write(resp.Body)
		}
		buf.WriteByte('\n')
		a.Stdout.Write(buf.Bytes())
	}
	if resp.Err != nil {
		return &ExitError{Code: 1}
	}
	return nil
}

// saveRotated writes a connection whose OAuth tokens rotated back to the
// --connection file, so the next run uses the new ones; otherwise it says so
// on stderr (without the tokens).
func (a *App) saveRotated(path string, conn json.RawMessage) {
	if path == "" || path == "-" {
		fmt.Fprintln(a.Stderr, "synapse-js: the call rotated the connection's OAuth tokens; pass --connection FILE to have them saved")
		return
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, conn, "", "  "); err != nil {
		return
	}
	buf.WriteByte('\n')
	if err := writeFileAtomic(path, buf.Bytes(), 0o600); err != nil {
		fmt.Fprintf(a.Stderr, "synapse-js: the call rotated the connection's OAuth tokens but saving %s failed: %v\n", path, err)
		return
	}
	fmt.Fprintf(a.Stderr, "synapse-js: the call rotated the connection's OAuth tokens; %s now holds the new ones\n", path)
}

func resolveMethod(typ string) (method, wireType string, ok bool) {
	if t, ok := host.TypeForMethod(typ); ok {
		return typ, t, true
	}
	if m, ok := host.MethodForType(strings.ToUpper(typ)); ok {
		return m, strings.ToUpper(typ), true
	}
	return "", "", false
}
