package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/synapsejs/synapse-js/host/server"
	"github.com/synapsejs/synapse-js/internal/names"
	"github.com/synapsejs/synapse-js/internal/text"
)

// remoteFlags locate a synapse-js server: --server and --token, also read
// from SYNAPSE_JS_SERVER and SYNAPSE_JS_ADMIN_TOKEN (never SYNAPSE_JS_TOKEN,
// the end system's token).
type remoteFlags struct {
	server string
	token  string
	output string
}

// add registers the flags on cmd (persistent ones for a command group).
func (f *remoteFlags) add(cmd *cobra.Command, persistent bool) {
	fs := cmd.Flags()
	if persistent {
		fs = cmd.PersistentFlags()
	}
	fs.StringVar(&f.server, "server", "", "the server's base URL, e.g. http://127.0.0.1:8080 (or "+EnvServer+")")
	fs.StringVar(&f.token, "token", "", "the server's bearer token (or "+EnvAdminToken+"; prefer the variable: flags show in ps)")
	readEnv(cmd,
		envVar{EnvServer, "server", "the synapse-js server's base URL"},
		envVar{EnvAdminToken, "token", "the server's bearer token (its admin token; the invoke token suffices for list and versions)"})
}

// hostClient talks to a synapse-js server's JSON API.
type hostClient struct {
	base  *url.URL
	token string
	http  *http.Client
}

// namedClient checks the output format and a synapse name given on the
// command line, then makes the client; the commands that take a NAME share it.
func namedClient(f *remoteFlags, name string) (*hostClient, error) {
	if err := checkOutput(f.output); err != nil {
		return nil, err
	}
	if !names.Valid(name) {
		return nil, usageError("%q is not a valid synapse name", name)
	}
	return newHostClient(f)
}

func newHostClient(f *remoteFlags) (*hostClient, error) {
	if f.server == "" {
		return nil, usageError("--server (or %s) is required, e.g. --server http://127.0.0.1:8080", EnvServer)
	}
	u, err := url.Parse(strings.TrimRight(f.server, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usageError("--server %q: want an http:// or https:// URL", f.server)
	}
	return &hostClient{base: u, token: f.token, http: &http.Client{Timeout: 2 * time.Minute}}, nil
}

// do makes one request; it returns the status and body, or an error when
// the server could not be reached.
func (c *hostClient) do(ctx context.Context, method, path string, body []byte, contentType string) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base.String()+path, rd)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", method, c.base.Redacted()+path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: reading the response: %w", method, path, err)
	}
	return res.StatusCode, b, nil
}

// call makes a request that must answer want, and decodes the body.
func (c *hostClient) call(ctx context.Context, method, path string, body []byte, want int, out any) error {
	ct := ""
	if body != nil {
		ct = "application/json"
	}
	code, b, err := c.do(ctx, method, path, body, ct)
	if err != nil {
		return &ExitError{Code: 1, Err: err}
	}
	if code != want {
		return &ExitError{Code: 1, Err: remoteError(code, b)}
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return &ExitError{Code: 1, Err: fmt.Errorf("the server's answer is not what was expected: %w", err)}
		}
	}
	return nil
}

// remoteError turns a server's JSON error into an error.
func remoteError(code int, body []byte) error {
	var e struct {
		Error struct {
			Message string  `json:"message"`
			Detail  *string `json:"detail"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
		msg := fmt.Sprintf("server answered %d: %s", code, e.Error.Message)
		if e.Error.Detail != nil && *e.Error.Detail != "" {
			msg += ": " + *e.Error.Detail
		}
		return fmt.Errorf("%s", msg)
	}
	return fmt.Errorf("server answered %d: %s", code, text.Truncate(strings.TrimSpace(string(body)), 200))
}

// printJSON writes v indented.
func (a *App) printJSON(v any) {
	b, _ := json.MarshalIndent(v, "", "  ")
	a.Stdout.Write(append(b, '\n'))
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

func (a *App) synapsesCmd() *cobra.Command {
	var f remoteFlags
	cmd := &cobra.Command{
		Use:   "synapses",
		Short: "List, inspect, roll back and delete connectors on a synapse-js server",
		Long: `synapses manages the connectors a synapse-js server holds. The server is
--server (or SYNAPSE_JS_SERVER); the token is --token (or SYNAPSE_JS_ADMIN_TOKEN):
list and versions take the invoke or the admin token, rollback, delete and
source the admin token.`,
		Example: `  export SYNAPSE_JS_SERVER=http://127.0.0.1:8080 SYNAPSE_JS_ADMIN_TOKEN=...
  synapse-js synapses list
  synapse-js synapses versions pipedrive
  synapse-js synapses rollback pipedrive 3
  synapse-js synapses delete pipedrive
  synapse-js synapses list --output json`,
		Args: groupArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	pf := cmd.PersistentFlags()
	f.add(cmd, true)
	outputFlag(cmd, pf, &f.output)

	list := &cobra.Command{
		Use:     "list",
		Short:   "List the connectors, their current and serving versions",
		Example: "  synapse-js synapses list --server http://127.0.0.1:8080 --token $TOKEN",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(f.output); err != nil {
				return err
			}
			c, err := newHostClient(&f)
			if err != nil {
				return err
			}
			var out struct {
				Synapses []server.SynapseView `json:"synapses"`
			}
			if err := c.call(cmd.Context(), "GET", "/v1/synapses", nil, 200, &out); err != nil {
				return err
			}
			if f.output == "json" {
				a.printJSON(out)
				return nil
			}
			tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tVERSION\tSERVING\tSYNAPSE\tUPLOADED\tSHA256\tMETHODS")
			for _, s := range out.Synapses {
				ver, synapse, uploaded, sha, methods := "-", "-", "-", "-", "-"
				if s.Current != nil {
					ver = strconv.Itoa(s.Current.Version)
					synapse, sha = s.Current.Synapse, short(s.Current.SHA256)
					uploaded = s.Current.Uploaded.Local().Format("2006-01-02 15:04:05")
					methods = strings.Join(s.Current.Methods, ",")
				}
				serving := "no"
				if s.Serving != nil {
					serving = strconv.Itoa(s.Serving.Version)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Name, ver, serving, synapse, uploaded, sha, methods)
			}
			tw.Flush()
			for _, s := range out.Synapses {
				if s.Error != "" {
					fmt.Fprintf(a.Stderr, "synapse-js: %s is not serving: %s\n", s.Name, s.Error)
				}
			}
			return nil
		},
	}
	versions := &cobra.Command{
		Use:     "versions NAME",
		Short:   "List every stored version of a connector",
		Example: "  synapse-js synapses versions pipedrive",
		Args:    exactArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			c, err := namedClient(&f, name)
			if err != nil {
				return err
			}
			var sv server.SynapseView
			if err := c.call(cmd.Context(), "GET", "/v1/synapses/"+name, nil, 200, &sv); err != nil {
				return err
			}
			if f.output == "json" {
				a.printJSON(sv)
				return nil
			}
			tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "VERSION\tCURRENT\tSERVING\tUPLOADED\tSIZE\tLANG\tSYNAPSE\tSHA256")
			for _, v := range sv.Versions {
				cur, serving := "", ""
				if sv.Current != nil && sv.Current.Version == v.Version {
					cur = "*"
				}
				if sv.Serving != nil && sv.Serving.Version == v.Version {
					serving = "*"
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", v.Version, cur, serving,
					v.Uploaded.Local().Format("2006-01-02 15:04:05"), v.Size, v.Lang, v.Synapse, short(v.SHA256))
			}
			tw.Flush()
			if sv.Error != "" {
				fmt.Fprintf(a.Stderr, "synapse-js: %s is not serving: %s\n", name, sv.Error)
			}
			return nil
		},
	}
	rollback := &cobra.Command{
		Use:     "rollback NAME VERSION",
		Short:   "Make an earlier version current and serve it now",
		Example: "  synapse-js synapses rollback pipedrive 3",
		Args:    exactArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(f.output); err != nil {
				return err
			}
			name := args[0]
			if !names.Valid(name) {
				return usageError("%q is not a valid synapse name", name)
			}
			n, err := strconv.Atoi(strings.TrimPrefix(args[1], "v"))
			if err != nil || n <= 0 {
				return usageError("VERSION %q: want a version number", args[1])
			}
			c, err := newHostClient(&f)
			if err != nil {
				return err
			}
			var v server.VersionView
			body, _ := json.Marshal(map[string]int{"version": n})
			if err := c.call(cmd.Context(), "POST", "/v1/synapses/"+name+"/rollback", body, 200, &v); err != nil {
				return err
			}
			if f.output == "json" {
				a.printJSON(v)
				return nil
			}
			fmt.Fprintf(a.Stdout, "%s: version %d is live (sha256 %s)\n", name, v.Version, short(v.SHA256))
			return nil
		},
	}
	del := &cobra.Command{
		Use:     "delete NAME",
		Short:   "Stop serving a connector and delete every stored version",
		Example: "  synapse-js synapses delete pipedrive",
		Args:    exactArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			c, err := namedClient(&f, name)
			if err != nil {
				return err
			}
			var out map[string]any
			if err := c.call(cmd.Context(), "DELETE", "/v1/synapses/"+name, nil, 200, &out); err != nil {
				return err
			}
			if f.output == "json" {
				a.printJSON(out)
				return nil
			}
			fmt.Fprintf(a.Stdout, "%s: deleted\n", name)
			return nil
		},
	}
	var srcVersion int
	source := &cobra.Command{
		Use:   "source NAME",
		Short: "Print the source of a connector's current (or given) version",
		Example: `  synapse-js synapses source pipedrive > pipedrive.js
  synapse-js synapses source pipedrive --version 2`,
		Args: exactArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if !names.Valid(name) {
				return usageError("%q is not a valid synapse name", name)
			}
			c, err := newHostClient(&f)
			if err != nil {
				return err
			}
			path := "/v1/synapses/" + name + "/source"
			if srcVersion > 0 {
				path += "?version=" + strconv.Itoa(srcVersion)
			}
			code, b, err := c.do(cmd.Context(), "GET", path, nil, "")
			if err != nil {
				return &ExitError{Code: 1, Err: err}
			}
			if code != 200 {
				return &ExitError{Code: 1, Err: remoteError(code, b)}
			}
			a.Stdout.Write(b)
			return nil
		},
	}
	source.Flags().IntVar(&srcVersion, "version", 0, "the version to print (default: the current one)")
	cmd.AddCommand(list, versions, rollback, del, source)
	return cmd
}
