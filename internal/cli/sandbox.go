package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/synapsejs/synapse-js/internal/gctune"

	"github.com/synapsejs/synapse-js/sandbox/echo"
	"github.com/synapsejs/synapse-js/sandbox/pipedrive"
)

type sandboxFlags struct {
	addr    string
	records int
	seed    int64
	token   string
	output  string
	public  bool
}

func (a *App) sandboxCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Run a local fake API to develop and test connectors against",
		Long: `sandbox serves an in-memory fake API on loopback until Ctrl-C:

  pipedrive   Pipedrive's REST API (v1 and v2, API token and OAuth), the
              target of scripts/pipedrive.js
  echo        a tiny JSON REST API (/items with cursor paging and CRUD), the
              target of the connector 'synapse-js init' scaffolds

It prints the base URL and the token to use. Data is generated from --seed,
so the same flags give the same records.`,
		Example: `  synapse-js sandbox pipedrive --records 5000
  synapse-js sandbox echo --addr 127.0.0.1:9000 --token dev`,
		Args: groupArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(a.sandboxSub("pipedrive", "127.0.0.1:8089", pipedrive.DefaultRecords, pipedrive.DefaultToken,
		"the Pipedrive API fake",
		`  synapse-js sandbox pipedrive
  synapse-js sandbox pipedrive --addr 127.0.0.1:0 --records 50000 --seed 7 --output json`,
		func(ctx context.Context, f sandboxFlags) (string, func(), error) {
			return pipedrive.Serve(ctx, f.addr, pipedrive.Options{Records: f.records, Seed: f.seed, Token: f.token})
		}, "scripts/pipedrive.js"))
	cmd.AddCommand(a.sandboxSub("echo", "127.0.0.1:8090", echo.DefaultRecords, echo.DefaultToken,
		"the echo API, target of the scaffolded connector",
		`  synapse-js sandbox echo
  synapse-js sandbox echo --records 1000 --output json`,
		func(ctx context.Context, f sandboxFlags) (string, func(), error) {
			return echo.Serve(ctx, f.addr, echo.Options{Records: f.records, Seed: f.seed, Token: f.token})
		}, "NAME.js"))
	return cmd
}

func (a *App) sandboxSub(name, addr string, records int, token, short, example string,
	serve func(context.Context, sandboxFlags) (string, func(), error), script string) *cobra.Command {
	f := sandboxFlags{}
	cmd := &cobra.Command{
		Use:               name,
		Short:             "Serve " + short,
		Example:           example,
		Args:              cobra.NoArgs,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(f.output); err != nil {
				return err
			}
			if err := loopbackOnly(f.addr, f.public); err != nil {
				return err
			}
			// The process's soft memory limit is for connectors; a
			// sandbox's data is its working set.
			gctune.Unlimited(a.Getenv)
			ctx := cmd.Context()
			base, stop, err := serve(ctx, f)
			if err != nil {
				if errors.Is(err, syscall.EADDRINUSE) {
					err = listenError(f.addr, err)
				}
				return &ExitError{Code: 1, Err: err}
			}
			defer stop()
			tok := f.token
			if tok == "" {
				tok = token
			}
			type authConfig struct {
				Endpoint string `json:"endpoint"`
				Token    string `json:"token"`
			}
			conn, _ := json.Marshal(struct {
				Name       string     `json:"name"`
				AuthConfig authConfig `json:"authConfig"`
			}{name + "-sandbox", authConfig{base, tok}})
			// A token taken from SYNAPSE_JS_TOKEN may be a real one, meant
			// for another command: never print it.
			shown := tok
			if env := a.Getenv(EnvToken); env != "" && env == tok {
				shown = "$" + EnvToken
				conn = []byte(strings.ReplaceAll(string(conn), tok, shown))
			}
			if f.output == "json" {
				b, _ := json.Marshal(map[string]any{"sandbox": name, "baseUrl": base, "token": shown, "connection": json.RawMessage(conn)})
				fmt.Fprintf(a.Stdout, "%s\n", b)
			} else {
				fmt.Fprintf(a.Stdout, `%s sandbox serving at %s
  token:      %s
  connection: %s
  try:        synapse-js check %s --endpoint %s --token %s
Ctrl-C stops it.
`, name, base, shown, conn, script, base, shown)
			}
			<-ctx.Done()
			fmt.Fprintf(a.Stderr, "%s sandbox stopped\n", name)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", addr, "address to listen on (host:port; port 0 picks a free one)")
	fl.IntVar(&f.records, "records", records, "how many records to generate")
	fl.Int64Var(&f.seed, "seed", 1, "random seed for the generated data")
	fl.StringVar(&f.token, "token", token, "the API token the sandbox accepts")
	fl.BoolVar(&f.public, "public", false, "listen on a non-loopback --addr too (the sandbox's token is well known: only on a trusted network)")
	readEnv(cmd, envVar{EnvToken, "token", "the token the sandbox accepts"})
	outputFlag(cmd, fl, &f.output)
	for _, n := range []string{"addr", "records", "seed", "token"} {
		_ = cmd.RegisterFlagCompletionFunc(n, cobra.NoFileCompletions)
	}
	return cmd
}
