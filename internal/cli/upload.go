package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/synapsejs/synapse-js/host"
	"github.com/synapsejs/synapse-js/host/server"
	"github.com/synapsejs/synapse-js/internal/names"
)

func (a *App) uploadCmd() *cobra.Command {
	var f remoteFlags
	var name string
	cmd := &cobra.Command{
		Use:   "upload FILE",
		Short: "Validate a connector file and upload it to a synapse-js server",
		Long: `upload validates FILE locally (the same checks and messages as validate),
then uploads it to the server, which validates it again, stores it as a new
version and serves it at once. Calls already running finish on the version
they started with.

The connector is served under --name, by default the name its synapse_info
gives. The server is --server (or SYNAPSE_JS_SERVER); the admin token is
--token (or SYNAPSE_JS_ADMIN_TOKEN). A .ts file is uploaded as TypeScript.`,
		Example: `  synapse-js upload scripts/pipedrive.js --server http://127.0.0.1:8080
  SYNAPSE_JS_SERVER=https://synapses.example.com SYNAPSE_JS_ADMIN_TOKEN=... synapse-js upload pipedrive.ts
  synapse-js upload scripts/pipedrive.js --name pipedrive-staging --output json`,
		Args: exactArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.upload(cmd.Context(), args[0], name, &f)
		},
	}
	f.add(cmd, false)
	cmd.Flags().StringVar(&name, "name", "", "the name to serve it under (default: synapse_info's name)")
	outputFlag(cmd, cmd.Flags(), &f.output)
	return cmd
}

// printProblems prints a LoadError's problems as file:line:col: message.
func (a *App) printProblems(path string, problems []host.Problem) {
	for _, p := range problems {
		p.File = path
		fmt.Fprintln(a.Stderr, p.String())
	}
}

func (a *App) upload(ctx context.Context, path, name string, f *remoteFlags) error {
	if err := checkOutput(f.output); err != nil {
		return err
	}
	if name != "" && !names.Valid(name) {
		return usageError("--name %q: want lower-case letters, digits, '_' or '-', starting with a letter or digit, at most 63", name)
	}
	c, err := newHostClient(f)
	if err != nil {
		return err
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return &ExitError{Code: 1, Err: fmt.Errorf("read connector: %w", err)}
	}
	e := a.newEngine(engineFlags{})
	conn, err := e.Load(ctx, path, src)
	if err != nil {
		var le *host.LoadError
		if errors.As(err, &le) {
			a.printProblems(path, le.Problems)
			return &ExitError{Code: 1, Err: fmt.Errorf("%s is not a valid connector; nothing uploaded", path)}
		}
		return &ExitError{Code: 1, Err: err}
	}
	conn.Close()
	if name == "" {
		name = conn.Name()
	}
	ct := "application/javascript"
	switch strings.ToLower(filepath.Ext(path)) {
	case ".ts", ".mts", ".cts":
		ct = "application/typescript"
	}
	code, body, err := c.do(ctx, "PUT", "/v1/synapses/"+name, src, ct)
	if err != nil {
		return &ExitError{Code: 1, Err: err}
	}
	switch code {
	case 201:
	case 422:
		var out struct {
			Problems []server.ProblemView `json:"problems"`
		}
		if json.Unmarshal(body, &out) == nil && len(out.Problems) > 0 {
			ps := make([]host.Problem, len(out.Problems))
			for i, p := range out.Problems {
				ps[i] = host.Problem{Line: p.Line, Column: p.Column, Message: p.Message}
			}
			a.printProblems(path, ps)
			return &ExitError{Code: 1, Err: fmt.Errorf("the server refused %s; the version it serves is unchanged", path)}
		}
		return &ExitError{Code: 1, Err: remoteError(code, body)}
	default:
		return &ExitError{Code: 1, Err: remoteError(code, body)}
	}
	var v server.VersionView
	if err := json.Unmarshal(body, &v); err != nil {
		return &ExitError{Code: 1, Err: fmt.Errorf("the server's answer is not what was expected: %w", err)}
	}
	if f.output == "json" {
		a.printJSON(v)
		return nil
	}
	also := ""
	if v.Synapse != "" && v.Synapse != v.Name {
		also = fmt.Sprintf("; synapse_info name %s", v.Synapse)
	}
	fmt.Fprintf(a.Stdout, "%s: version %d is live (sha256 %s%s)\n", v.Name, v.Version, short(v.SHA256), also)
	return nil
}
