package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/synapsejs/synapse-js/host"
	"github.com/synapsejs/synapse-js/internal/timearg"
	"github.com/synapsejs/synapse-js/platform"
)

type checkFlags struct {
	engineFlags
	conn       connFlags
	entities   []string
	since      string
	write      bool
	writeData  string
	maxRecords int
	output     string
}

func (a *App) checkCmd() *cobra.Command {
	var f checkFlags
	cmd := &cobra.Command{
		Use:   "check FILE",
		Short: "Run the conformance suite against a real or sandbox system",
		Long: `check runs a connector through what the platform will do with it and
reports a pass, fail or skip line per check, with the reason:

  validate        the file loads: exports, synapse_info
  synapse_info    answers a valid SynapseInfo
  test            accepts the connection
  describe        answers a Schema for every entity asked, in order
  describe E      exactly one id field; a source entity has a datetime
                  watermark field
  read E          a recent window (--since, default the last 30 days; all
                  history when that is empty), paged as the platform does:
                  records in ascending lastModified, inside the window, each
                  with an id and a lastModified, no id twice, paging ends
  get_by_id E     returns a record the read returned (skipped without
                  get_by_id)
  with --write, on a throwaway record of the first entity (or each --entity):
  create, update, get_by_id, delete
                  a round trip; the create payload fills the required (else
                  one name-like) string fields from describe's attributes, or
                  is --write-data

It exits 1 if any check failed. Secrets given in the connection are
redacted from everything printed.`,
		Example: `  synapse-js check scripts/pipedrive.js --endpoint http://127.0.0.1:8089/ --token sandbox-token
  SYNAPSE_JS_TOKEN=... synapse-js check scripts/pipedrive.js --connection conn.json --entity person --write
  synapse-js check my.js --connection conn.json --since 2024-01-01 --output json`,
		Args: exactArgs,
		ValidArgsFunction: func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return []string{"js", "ts", "mjs", "cjs"}, cobra.ShellCompDirectiveFilterFileExt
			}
			return nil, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.check(cmd.Context(), args[0], &f)
		},
	}
	f.conn.register(cmd)
	fl := cmd.Flags()
	fl.StringArrayVar(&f.entities, "entity", nil, "check only this entity (repeatable; default all that describe lists)")
	fl.StringVar(&f.since, "since", "30d", "start of the read window (RFC 3339, a date, epoch ms or an age like 30d)")
	fl.BoolVar(&f.write, "write", false, "also create, update, read back and delete a throwaway record")
	fl.StringVar(&f.writeData, "write-data", "", "the values of the throwaway record (a JSON object, or @FILE)")
	fl.IntVar(&f.maxRecords, "max-records", 20000, "stop reading an entity after this many records")
	outputFlag(cmd, fl, &f.output)
	fl.DurationVar(&f.timeout, "timeout", host.DefaultTimeout, "each call's deadline")
	for _, n := range []string{"entity", "since", "write-data", "max-records"} {
		_ = cmd.RegisterFlagCompletionFunc(n, cobra.NoFileCompletions)
	}
	return cmd
}

func (a *App) check(ctx context.Context, file string, f *checkFlags) error {
	if err := checkOutput(f.output); err != nil {
		return err
	}
	now := time.Now()
	since, err := timearg.Parse(f.since, now)
	if err != nil {
		return usageError("--since: %v", err)
	}
	var writeValues map[string]any
	if f.writeData != "" {
		recs, err := a.recordsArg(f.writeData, f.conn.file == "-")
		if err != nil {
			return err
		}
		if len(recs) != 1 {
			return usageError("--write-data: want one object, got %d", len(recs))
		}
		writeValues, _ = recs[0]["values"].(map[string]any)
	}
	conn, err := a.buildConnection(&f.conn, false, nil)
	if err != nil {
		return err
	}
	outs := a.redacted(conn.secrets)
	opts := platform.CheckOptions{
		File:        file,
		Connection:  conn.raw,
		Secrets:     conn.secrets,
		Timeout:     f.timeout,
		Entities:    f.entities,
		Since:       since,
		Write:       f.write,
		WriteValues: writeValues,
		MaxRecords:  f.maxRecords,
		Now:         now,
	}
	e := a.newEngine(f.engineFlags)
	opts.Load = func(ctx context.Context) (*host.Connector, error) { return a.loadFile(ctx, e, file) }
	paint := a.painter()
	if f.output == outputText {
		// Lines go out as checks finish, so a slow system shows progress.
		opts.OnResult = func(r platform.CheckResult) {
			fmt.Fprintf(outs.out, "%s  %-28s %s%s\n", paint.status(r.Status), r.Name, r.Reason, msSuffix(r.Millis))
		}
	}
	rep := platform.Check(ctx, opts)
	if f.output == "json" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		b = append(b, '\n')
		outs.out.Write(b)
	} else {
		fmt.Fprintf(outs.out, "\n%d passed, %d failed, %d skipped\n", rep.Passed, rep.Failed, rep.Skipped)
	}
	if ctx.Err() != nil {
		return &ExitError{Code: 130, Err: errors.New("interrupted")}
	}
	if rep.Failed > 0 {
		return &ExitError{Code: 1}
	}
	return nil
}

func msSuffix(ms int64) string {
	if ms < 1 {
		return ""
	}
	return fmt.Sprintf(" (%s)", (time.Duration(ms) * time.Millisecond).String())
}
