package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/host"
	"github.com/synapsejs/synapse-js/internal/gctune"
	"github.com/synapsejs/synapse-js/internal/text"
	"github.com/synapsejs/synapse-js/internal/timearg"
	"github.com/synapsejs/synapse-js/platform"
)

type syncFlags struct {
	engineFlags
	conn     connFlags
	entity   string
	since    string
	until    string
	state    string
	out      string
	limit    int
	parallel int
}

func (a *App) syncCmd() *cobra.Command {
	var f syncFlags
	cmd := &cobra.Command{
		Use:   "sync FILE --entity E",
		Short: "Read an entity as the platform would, into NDJSON, resumably",
		Long: `sync pages through the connector's read exactly as the sync platform does:
it sends the watermark the connector returned until the connector says the
window is done (offset 0 for PAGE_NUMBER/RECORD_COUNT, no cursor or a short
page otherwise, an empty page, or the window's limit), and the next window
starts at the highest lastModified written. Records are written as NDJSON,
one Record JSON per line, byte for byte what the connector returned.

With --state, the position is saved after every page, atomically and only
once the page's records are on disk, together with the output's length. A
crash or Ctrl-C loses nothing: a rerun truncates any partial tail of the
output and resumes where the state says, without duplicates or gaps. Once a
window is complete, a rerun reads what changed since (an incremental sync).
Records that share the boundary lastModified are not written twice.

Without --since and without a state file, sync reads all history (from
epoch 0). The entity's Schema comes from the connector's describe. --limit
sends watermark.limit, the platform's cap on records per cycle: a window
that reaches it is followed at once by the next, from the high-water mark.
With --out -, a rerun after a crash may repeat the last page (stdout cannot
be truncated); with a file it never does.

--parallel N reads a window in up to N slices of time side by side, and
writes the same records in the same order as one pager would, faster on
several CPUs. It starts as the platform does, with one call
for the whole window; a reader with nothing to do takes the upper half of
the time another has not reached yet. Which records a slice writes is
decided by their lastModified, and a slice stops at its first record past
its end: that needs a connector whose read lists records in ascending
lastModified order, as READ should (pipedrive.js's do, but for deal_product,
read deal by deal). Records out of order before the window is cut keep it
whole; after, they stop the sync with an error. One listed after the point
where a slice stopped is missed without a word, so slices are asked for,
not the default. A window with --limit is always
read one call after another.
`,
		Example: `  synapse-js sync scripts/pipedrive.js --entity person --connection conn.json --out persons.ndjson
  synapse-js sync scripts/pipedrive.js --entity deal --endpoint http://127.0.0.1:8089/ \
      --since 2024-01-01 --state deals.state.json --out deals.ndjson
  synapse-js sync scripts/pipedrive.js --entity person --connection conn.json --out - | jq .values.name`,
		Args: exactArgs,
		ValidArgsFunction: func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return []string{"js", "ts", "mjs", "cjs"}, cobra.ShellCompDirectiveFilterFileExt
			}
			return nil, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.entity == "" {
				return usageError("sync needs --entity (the entity to read)")
			}
			return a.sync(cmd.Context(), args[0], &f)
		},
	}
	f.conn.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&f.entity, "entity", "", "the entity to read (required)")
	fl.StringVar(&f.since, "since", "", "start of the first window (RFC 3339, a date, epoch ms or an age like 30d); default all history")
	fl.StringVar(&f.until, "until", "", "end of the window (default now)")
	fl.StringVar(&f.state, "state", "", "state file: resume from it and save the position after every page")
	fl.StringVar(&f.out, "out", "-", "NDJSON output file, or - for stdout")
	fl.IntVar(&f.limit, "limit", 0, "watermark.limit of each window: the platform's cap on records per cycle (0: none)")
	fl.IntVar(&f.parallel, "parallel", 1, "slices of a window read at once (1: call after call, exactly as the platform does; more needs a read that lists in ascending lastModified order)")
	fl.DurationVar(&f.timeout, "timeout", host.DefaultTimeout, "each read call's deadline")
	_ = cmd.MarkFlagFilename("state", "json")
	_ = cmd.MarkFlagFilename("out", "ndjson", "jsonl")
	for _, n := range []string{"entity", "since", "until", "limit", "parallel"} {
		_ = cmd.RegisterFlagCompletionFunc(n, cobra.NoFileCompletions)
	}
	return cmd
}

func (a *App) sync(ctx context.Context, file string, f *syncFlags) error {
	now := time.Now()
	until := now.UnixMilli()
	if f.until != "" {
		t, err := timearg.Parse(f.until, now)
		if err != nil {
			return usageError("--until: %v", err)
		}
		until = t
	}
	if f.parallel < 1 {
		return usageError("--parallel %d: want 1 or more", f.parallel)
	}
	if f.parallel > 1 {
		gctune.Parallel(a.Getenv) // N slices keep N pages live
	}
	var since int64
	if f.since != "" {
		t, err := timearg.Parse(f.since, now)
		if err != nil {
			return usageError("--since: %v", err)
		}
		since = t
	}
	conn, err := a.buildConnection(&f.conn, false, nil)
	if err != nil {
		return err
	}
	outs := a.redacted(conn.secrets)
	e := a.newEngine(f.engineFlags)
	c, err := a.loadFile(ctx, e, file)
	if err != nil {
		return &ExitError{Code: 1, Err: err}
	}
	defer c.Close()
	if !c.Has("read") {
		return &ExitError{Code: 1, Err: fmt.Errorf("%s does not export read: it is not a source", file)}
	}
	run := &platform.Sync{Connector: c, Connection: conn.raw, Timeout: f.timeout, Until: until, Limit: int64(f.limit), Parallel: f.parallel}
	if err := run.LoadState(f.state, c.Name(), f.entity, since); err != nil {
		return inputErr(err)
	}
	if f.since != "" && run.Resumed() {
		a.log.Info().Str("state", f.state).Msg("resuming from the state file; --since applies only to a new sync")
	}
	schema, err := platform.DescribeOne(ctx, c, conn.raw, f.entity, f.timeout)
	if err != nil {
		if platform.IsCancel(ctx, err) {
			return &ExitError{Code: 130, Err: errors.New("interrupted")}
		}
		return &ExitError{Code: 1, Err: redactErr(conn.secrets, err)}
	}
	run.Schema = schema

	out, closeOut, err := run.OpenOutput(f.out, a.Stdout, conn.secrets)
	if err != nil {
		return inputErr(err)
	}
	stopProgress := a.startProgress(outs.err, f.entity, run)
	sum, err := run.Run(ctx, out)
	stopProgress()
	if cerr := closeOut(); cerr != nil && err == nil {
		err = cerr
	}
	where := ""
	if f.state != "" {
		where = fmt.Sprintf("; %s holds the position, rerun to resume", f.state)
	}
	if err != nil {
		if platform.IsCancel(ctx, err) {
			return &ExitError{Code: 130, Err: fmt.Errorf("interrupted after %s in %s%s", platform.Plural(sum.Records, "record"), platform.Plural(sum.Pages, "page"), where)}
		}
		return &ExitError{Code: 1, Err: fmt.Errorf("%w (after %s in %s%s)", redactErr(conn.secrets, err), platform.Plural(sum.Records, "record"), platform.Plural(sum.Pages, "page"), where)}
	}
	// One line on success, so a script or CI log shows what happened.
	dest := f.out
	if dest == "-" {
		dest = "stdout"
	}
	state := ""
	if f.state != "" {
		state = "; state in " + f.state
	}
	pages := platform.Plural(sum.Pages, "page")
	if sum.Slices > 1 {
		pages += " (" + platform.Plural(sum.Slices, "slice") + ")"
	}
	fmt.Fprintf(outs.err, "synapse-js: %s: %s in %s, %s, %s, to %s%s\n", f.entity, platform.Plural(sum.Records, "record"),
		pages, fmtDur(sum.Took), rate(sum.Records, sum.Took), dest, state)
	return nil
}

// inputErr turns the platform's bad-input errors into usage errors (exit 2).
func inputErr(err error) error {
	var ie *platform.InputError
	if errors.As(err, &ie) {
		return usageError("%s", ie.Error())
	}
	return err
}

// redactErr drops secrets from an error's text.
func redactErr(s *bindings.Secrets, err error) error {
	msg := s.Redact(err.Error())
	if msg == err.Error() {
		return err
	}
	return errors.New(msg)
}

// startProgress shows "entity: N records, P pages, R rec/s" on stderr when
// it is a terminal, and nothing otherwise. The returned func stops it and
// leaves the final figures on their own line.
func (a *App) startProgress(w io.Writer, entity string, r *platform.Sync) func() {
	if !isTerminal(a.Stderr) {
		return func() {}
	}
	start := time.Now()
	line := func() string {
		n, pages := r.Progress()
		wm := ""
		if st := r.State(); st.Next != nil {
			wm = ", at " + platform.FormatMs(st.Window.Start)
			if c := st.Next.CursorString(); c != "" {
				wm += " cursor " + truncate(c, 24)
			} else if st.Next.Offset > 0 {
				wm += fmt.Sprintf(" offset %d", st.Next.Offset)
			}
		}
		return fmt.Sprintf("\r\x1b[K%s: %s, %s, %s%s", entity, platform.Plural(n, "record"), platform.Plural(pages, "page"), rate(n, time.Since(start)), wm)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				fmt.Fprint(w, line())
			case <-done:
				fmt.Fprint(w, line()+"\n")
				return
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// truncate shortens what a progress line shows.
func truncate(s string, n int) string { return text.Truncate(s, n) }
