package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/synapsejs/synapse-js/host"
	"github.com/synapsejs/synapse-js/internal/fsutil"
)

type runFlags struct {
	engineFlags
	conn     connFlags
	req      reqFlags
	request  string
	envelope string
	wire     bool
	cas      cassetteFlags
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
answered an error (the error object is still printed), 2 on a usage error.

The connection comes from --connection FILE (or - for stdin) and/or the
flags --endpoint, --token, --user, --password and --meta key=value, which
override the file's fields. Secrets are best passed in the environment
(SYNAPSE_JS_TOKEN, SYNAPSE_JS_PASSWORD); they are redacted from everything
printed.

The request body comes from --request FILE, or is built from flags:
  read       --entity E [--since T] [--until T] [--limit N] [--cursor C] [--offset N]
  get_by_id  --entity E --id ID [--id ID ...]
  create     --entity E --data JSON|@FILE
  update     --entity E --data JSON|@FILE [--id ID ...]
  delete     --entity E --id ID [--id ID ...]  (or --data)
  describe   [--entity E ...]
Times are RFC 3339, a date (UTC), epoch ms, "now" or an age (30d, 12h).
--data is an object or an array of objects; an object with a "values"
object is a Record, any other object is the values of one (its "id", if
any, becomes the Record's id). The entity is sent as a minimal Schema
{apiName, displayName, attributes: []}; sync and check send describe's.`,
		Example: `  synapse-js run scripts/pipedrive.js synapse_info
  SYNAPSE_JS_TOKEN=sandbox-token synapse-js run scripts/pipedrive.js test --endpoint http://127.0.0.1:8089/
  synapse-js run scripts/pipedrive.js read --connection conn.json --entity person --since 2024-01-01 --limit 50
  synapse-js run scripts/pipedrive.js get_by_id --connection conn.json --entity person --id 42 --id 43
  synapse-js run scripts/pipedrive.js create --connection conn.json --entity person --data '{"name":"Ann"}'
  synapse-js run scripts/pipedrive.js update --connection conn.json --entity person --id 42 --data '{"name":"Ann B"}'
  synapse-js run scripts/pipedrive.js delete --connection conn.json --entity person --id 42
  synapse-js run scripts/pipedrive.js describe --connection conn.json --entity person --entity deal
  synapse-js run scripts/pipedrive.js READ --connection conn.json --request read.json --wire
  synapse-js run scripts/pipedrive.js read --envelope envelope.json --timeout 10s`,
		Args: exactArgs,
		ValidArgsFunction: func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) == 1 {
				return host.MethodNames(), cobra.ShellCompDirectiveNoFileComp
			}
			return nil, cobra.ShellCompDirectiveDefault
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.run(cmd, args[0], args[1], f)
		},
	}
	f.conn.register(cmd)
	f.req.register(cmd)
	f.cas.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&f.request, "request", "", "request body JSON file, or - for stdin")
	fl.StringVar(&f.envelope, "envelope", "", "a whole wire envelope JSON file (type, connection, body, ...)")
	fl.DurationVar(&f.timeout, "timeout", host.DefaultTimeout, "the call's deadline")
	fl.BoolVar(&f.wire, "wire", false, "print the exact wire body instead of indented JSON")
	_ = cmd.MarkFlagFilename("request", "json")
	_ = cmd.MarkFlagFilename("envelope", "json")
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
		return nil, usageError("--%s %s%s: not valid JSON: %v", what, path, jsonErrorPos(data, jerr), jerr)
	}
	return data, nil
}

// jsonErrorPos says where in data a JSON syntax error is, as ":line:col",
// so a hand-written file's mistake is found at once.
func jsonErrorPos(data []byte, err error) string {
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return ""
	}
	off := min(int(se.Offset), len(data))
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := off - (bytes.LastIndexByte(before, '\n') + 1)
	return fmt.Sprintf(":%d:%d", line, max(col, 1))
}

func (a *App) run(cmd *cobra.Command, file, typ string, f runFlags) error {
	m, ok := host.ResolveMethod(typ)
	if !ok {
		return usageError("%q is not a synapse method or request type (want one of %s)", typ, strings.Join(host.MethodNames(), ", "))
	}
	method, wireType := m.Export, m.Type
	if f.timeout <= 0 {
		return usageError("--timeout %s: want a positive duration such as 30s", f.timeout)
	}
	if f.conn.file == "-" && f.request == "-" {
		return usageError("--connection and --request cannot both read stdin")
	}
	explicit := f.req.explicit()
	if explicit && (f.request != "" || f.envelope != "") {
		return usageError("request flags (--entity, --since, --id, --data, ...) cannot be combined with --request or --envelope")
	}
	sess, err := f.cas.start()
	if err != nil {
		return err
	}
	now := time.Now()
	if sess != nil {
		now = sess.Now() // recorded, so a replay builds the same request
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
		if env.Type != wireType {
			return usageError("--envelope %s says type %s, but the command asks for %s (%s); give the matching TYPE", f.envelope, env.Type, wireType, method)
		}
	}
	secrets := secretsOf(env.Connection)
	if f.conn.given() {
		conn, err := a.buildConnection(&f.conn, f.request == "-" || f.envelope == "-", env.Connection)
		if err != nil {
			return err
		}
		env.Connection = conn.raw
		secrets = conn.secrets
	}
	if f.request != "" {
		raw, err := a.readJSONArg("request", f.request)
		if err != nil {
			return err
		}
		env.Body = raw
	} else if f.envelope == "" && (explicit || len(m.Body) > 0) {
		body, err := a.buildRequest(method, &f.req, now, f.conn.file == "-")
		if err != nil {
			return err
		}
		env.Body = body
	}
	if len(env.Connection) == 0 {
		env.Connection = json.RawMessage(`{"name":"cli","authConfig":{}}`)
	}
	out := a.redacted(secrets)
	e := a.engineWith(f.engineFlags, sess)
	if sess != nil {
		sess.Connection(env.Connection)
	}
	c, err := a.loadFile(cmd.Context(), e, file)
	if err != nil {
		return &ExitError{Code: 1, Err: err}
	}
	defer c.Close()
	resp := c.InvokeEnvelope(cmd.Context(), env, host.CallOptions{Timeout: f.timeout}, f.wire)
	if resp.Connection != nil {
		if sess != nil {
			sess.Connection(resp.Connection)
		}
		a.saveRotated(out.err, f.conn.file, resp.Connection)
	}
	if err := f.cas.finish(sess, out.err); err != nil {
		return err
	}
	if f.wire {
		var buf bytes.Buffer
		buf.Write(resp.Body)
		buf.WriteByte('\n')
		out.out.Write(buf.Bytes())
	} else {
		var buf bytes.Buffer
		if err := json.Indent(&buf, resp.Body, "", "  "); err != nil {
			buf.Reset()
			buf.Write(resp.Body)
		}
		buf.WriteByte('\n')
		out.out.Write(buf.Bytes())
	}
	if resp.Err != nil {
		return &ExitError{Code: 1}
	}
	return nil
}

// saveRotated writes a connection whose OAuth tokens rotated back to the
// --connection file, so the next run uses the new ones; otherwise it says so
// on stderr (without the tokens).
func (a *App) saveRotated(stderr io.Writer, path string, conn json.RawMessage) {
	if path == "" || path == "-" {
		fmt.Fprintln(stderr, "synapse-js: the call rotated the connection's OAuth tokens; pass --connection FILE to have them saved")
		return
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, conn, "", "  "); err != nil {
		return
	}
	buf.WriteByte('\n')
	if err := fsutil.WriteFileAtomic(path, buf.Bytes(), 0o600); err != nil {
		fmt.Fprintf(stderr, "synapse-js: the call rotated the connection's OAuth tokens but saving %s failed: %v\n", path, err)
		return
	}
	fmt.Fprintf(stderr, "synapse-js: the call rotated the connection's OAuth tokens; %s now holds the new ones\n", path)
}
