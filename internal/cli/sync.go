package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/host"
)

type syncFlags struct {
	engineFlags
	conn   connFlags
	entity string
	since  string
	until  string
	state  string
	out    string
	limit  int
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

A progress line (records, pages, rate) is shown on stderr when it is a
terminal. A connector that returns an offset or cursor it already returned
is stopped with an error instead of looping.`,
		Example: `  synapse-js sync scripts/pipedrive.js --entity person --connection conn.json --out persons.ndjson
  synapse-js sync scripts/pipedrive.js --entity deal --endpoint http://127.0.0.1:8089/ \
      --since 2024-01-01 --state deals.state.json --out deals.ndjson
  synapse-js sync scripts/pipedrive.js --entity person --connection conn.json --out - | jq .values.name`,
		Args: cobra.ExactArgs(1),
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
	fl.DurationVar(&f.timeout, "timeout", host.DefaultTimeout, "each read call's deadline")
	_ = cmd.MarkFlagFilename("state", "json")
	_ = cmd.MarkFlagFilename("out", "ndjson", "jsonl")
	for _, n := range []string{"entity", "since", "until", "limit"} {
		_ = cmd.RegisterFlagCompletionFunc(n, cobra.NoFileCompletions)
	}
	return cmd
}

// syncState is the state file. It is rewritten atomically after every page,
// after that page's records are flushed and fsynced, so it never claims
// records the output does not hold.
type syncState struct {
	Version int    `json:"version"`
	Synapse string `json:"synapse"`
	Entity  string `json:"entity"`
	// Window is the window being read, or the last one read.
	Window stateWindow `json:"window"`
	// Next is the watermark the next read sends; null once Window is
	// complete, when a rerun starts a new window at HighWater.
	Next *watermark `json:"next"`
	// HighWater is the highest lastModified written so far and the ids
	// written with it: the next window starts there and skips those ids.
	HighWater *highWater `json:"highWater,omitempty"`
	// Output is the NDJSON file and how much of it this state covers.
	Output stateOutput `json:"output"`
	// Pages and Records count every read page and written record.
	Pages     int64  `json:"pages"`
	Records   int64  `json:"records"`
	UpdatedAt string `json:"updatedAt"`
}

type stateWindow struct {
	Start int64 `json:"start"`
	End   int64 `json:"end"`
	// SkipIDs were written by the previous window with lastModified ==
	// Start; the connector returns them again and they are dropped.
	SkipIDs []string `json:"skipIds,omitempty"`
}

type highWater struct {
	LastModified int64    `json:"lastModified"`
	IDs          []string `json:"ids"`
}

type stateOutput struct {
	Path    string `json:"path"`
	Bytes   int64  `json:"bytes"`
	Records int64  `json:"records"`
}

const stateVersion = 1

// errWriter stops the reader when the writer failed; run reports the
// writer's own error.
var errWriter = errors.New("the output writer failed")

// syncRun is one sync in progress.
type syncRun struct {
	c       *host.Connector
	conn    json.RawMessage
	schema  json.RawMessage
	timeout time.Duration
	until   int64 // the end of every window this run reads
	limit   int64 // watermark.limit of every window

	st        syncState
	resume    bool // st came from a state file
	statePath string
	skip      map[string]bool // Window.SkipIDs
	hwIDs     map[string]bool // HighWater.IDs

	// Counters the progress line reads.
	written atomic.Int64
	pages   atomic.Int64
}

// pageJob is one page for the writer: the records to append and the state
// to save once they are on disk.
type pageJob struct {
	lines [][]byte
	st    syncState
}

func (a *App) sync(ctx context.Context, file string, f *syncFlags) error {
	now := time.Now()
	until := now.UnixMilli()
	if f.until != "" {
		t, err := parseTime(f.until, now)
		if err != nil {
			return usageError("--until: %v", err)
		}
		until = t
	}
	var since int64
	if f.since != "" {
		t, err := parseTime(f.since, now)
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
	run := &syncRun{c: c, conn: conn.raw, timeout: f.timeout, until: until, limit: int64(f.limit), statePath: f.state}
	if err := run.loadState(f.state, c.Name(), f.entity, since); err != nil {
		return err
	}
	if f.since != "" && run.resumed() {
		a.log.Info().Str("state", f.state).Msg("resuming from the state file; --since applies only to a new sync")
	}
	schema, err := describeOne(ctx, c, conn.raw, f.entity, f.timeout)
	if err != nil {
		if isCancel(ctx, err) {
			return &ExitError{Code: 130, Err: errors.New("interrupted")}
		}
		return &ExitError{Code: 1, Err: redactErr(conn.secrets, err)}
	}
	run.schema = schema

	out, closeOut, err := run.openOutput(f.out, a.Stdout, conn.secrets)
	if err != nil {
		return err
	}
	stopProgress := a.startProgress(outs.err, f.entity, run)
	sum, err := run.run(ctx, out)
	stopProgress()
	if cerr := closeOut(); cerr != nil && err == nil {
		err = cerr
	}
	if err != nil {
		where := ""
		if f.state != "" {
			where = fmt.Sprintf("; %s holds the position, rerun to resume", f.state)
		}
		if isCancel(ctx, err) {
			return &ExitError{Code: 130, Err: fmt.Errorf("interrupted after %d records in %d pages%s", sum.records, sum.pages, where)}
		}
		return &ExitError{Code: 1, Err: fmt.Errorf("%w (after %d records in %d pages%s)", redactErr(conn.secrets, err), sum.records, sum.pages, where)}
	}
	a.log.Debug().Str("entity", f.entity).Int64("records", sum.records).Int64("pages", sum.pages).
		Dur("took", sum.took).Msg("sync done")
	return nil
}

// redactErr drops secrets from an error's text.
func redactErr(s *bindings.Secrets, err error) error {
	msg := s.Redact(err.Error())
	if msg == err.Error() {
		return err
	}
	return errors.New(msg)
}

func (r *syncRun) resumed() bool { return r.resume }

// loadState reads the state file, or starts a new state at since.
func (r *syncRun) loadState(path, synapse, entity string, since int64) error {
	fresh := syncState{Version: stateVersion, Synapse: synapse, Entity: entity, Window: stateWindow{Start: since}}
	r.st = fresh
	if path == "" {
		return nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return usageError("--state: %v", err)
	}
	var st syncState
	if err := json.Unmarshal(data, &st); err != nil {
		return usageError("--state %s: not a sync state file: %v", path, err)
	}
	if st.Version != stateVersion {
		return usageError("--state %s: version %d, want %d", path, st.Version, stateVersion)
	}
	if st.Entity != entity {
		return usageError("--state %s is for entity %q, not %q", path, st.Entity, entity)
	}
	if st.Synapse != synapse {
		return usageError("--state %s is for synapse %q, not %q", path, st.Synapse, synapse)
	}
	r.st = st
	r.resume = true
	return nil
}

// openOutput opens the NDJSON output so it matches the state: a new sync
// truncates the file; a resumed one truncates it back to the length the
// state covers (dropping a tail written after the last save) and appends.
func (r *syncRun) openOutput(path string, stdout io.Writer, secrets *bindings.Secrets) (*output, func() error, error) {
	if path == "-" {
		if r.resumed() && r.st.Output.Path != "-" && r.st.Next != nil {
			return nil, nil, usageError("--state %s is in the middle of a window written to %s; pass --out %s", r.statePath, r.st.Output.Path, r.st.Output.Path)
		}
		o := &output{w: bufio.NewWriterSize(stdout, 256<<10), redact: secrets}
		if r.st.Output.Path != "-" {
			r.st.Output = stateOutput{Path: "-"}
		}
		return o, o.flush, nil
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, nil, usageError("--out: %v", err)
	}
	same := r.st.Output.Path != "" && r.st.Output.Path == abs
	flags := os.O_WRONLY | os.O_CREATE
	switch {
	case !r.resumed():
		flags |= os.O_TRUNC
	case !same && r.st.Next != nil:
		return nil, nil, usageError("--state %s is in the middle of a window written to %s; pass --out %s", r.statePath, r.st.Output.Path, r.st.Output.Path)
	}
	fh, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		return nil, nil, usageError("--out: %v", err)
	}
	size, err := fh.Seek(0, io.SeekEnd)
	if err != nil {
		fh.Close()
		return nil, nil, fmt.Errorf("--out: %w", err)
	}
	if r.resumed() && same {
		if size < r.st.Output.Bytes {
			fh.Close()
			return nil, nil, &ExitError{Code: 1, Err: fmt.Errorf("%s has %d bytes but %s says %d were written: the output was changed; delete the state file to start over", path, size, r.statePath, r.st.Output.Bytes)}
		}
		if size > r.st.Output.Bytes {
			// A page written after the last state save: it is read again.
			if err := fh.Truncate(r.st.Output.Bytes); err != nil {
				fh.Close()
				return nil, nil, fmt.Errorf("--out: %w", err)
			}
		}
		if _, err := fh.Seek(r.st.Output.Bytes, io.SeekStart); err != nil {
			fh.Close()
			return nil, nil, fmt.Errorf("--out: %w", err)
		}
	} else {
		r.st.Output = stateOutput{Path: abs, Bytes: size}
	}
	o := &output{w: bufio.NewWriterSize(fh, 256<<10), file: fh, bytes: r.st.Output.Bytes}
	return o, func() error {
		err := o.flush()
		if cerr := fh.Close(); err == nil {
			err = cerr
		}
		return err
	}, nil
}

// output is the NDJSON sink: buffered, and fsynced before each state save
// when it is a file.
type output struct {
	w     *bufio.Writer
	file  *os.File
	bytes int64
	// redact, for stdout, replaces secrets in each record: what is
	// printed never shows them. A file gets the records as they are.
	redact *bindings.Secrets
}

func (o *output) flush() error { return o.w.Flush() }

// writePage appends lines and makes them durable.
func (o *output) writePage(lines [][]byte) error {
	for _, l := range lines {
		if o.redact != nil {
			l = []byte(o.redact.Redact(string(l)))
		}
		if _, err := o.w.Write(l); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
		if err := o.w.WriteByte('\n'); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
		o.bytes += int64(len(l)) + 1
	}
	if err := o.w.Flush(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	if o.file != nil {
		if err := o.file.Sync(); err != nil {
			return fmt.Errorf("sync output: %w", err)
		}
	}
	return nil
}

type syncSummary struct {
	records, pages int64
	took           time.Duration
}

// run reads windows until one completes, handing each page to a writer
// goroutine: the next page is read while the last one is written, fsynced
// and checkpointed, so writing costs (almost) no throughput.
func (r *syncRun) run(ctx context.Context, out *output) (syncSummary, error) {
	start := time.Now()
	jobs := make(chan pageJob, 1)
	failed := make(chan struct{})
	var werr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for j := range jobs {
			if werr != nil {
				continue // drain
			}
			werr = r.writeJob(out, &j)
			if werr != nil {
				close(failed)
			}
		}
	}()
	err := r.read(ctx, jobs, failed)
	close(jobs)
	wg.Wait()
	if werr != nil {
		err = werr
	}
	return syncSummary{records: r.written.Load(), pages: r.pages.Load(), took: time.Since(start)}, err
}

// writeJob appends a page and then, only then, saves the state that
// covers it.
func (r *syncRun) writeJob(out *output, j *pageJob) error {
	if err := out.writePage(j.lines); err != nil {
		return err
	}
	r.written.Add(int64(len(j.lines)))
	if r.statePath == "" {
		return nil
	}
	j.st.Output.Bytes = out.bytes
	j.st.Output.Records += int64(len(j.lines))
	return saveState(r.statePath, &j.st)
}

func saveState(path string, st *syncState) error {
	st.UpdatedAt = time.Now().UTC().Format(time.RFC3339Nano)
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	data = append(data, '\n')
	if err := writeFileAtomic(path, data, 0o644); err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	return nil
}

// read is the reader side of run.
func (r *syncRun) read(ctx context.Context, jobs chan<- pageJob, failed <-chan struct{}) error {
	st := &r.st
	outRecords := st.Output.Records // the writer counts from here
	if st.Next == nil {
		r.nextWindow()
	}
	r.skip = toSet(st.Window.SkipIDs)
	r.hwIDs = map[string]bool{}
	if st.HighWater != nil {
		r.hwIDs = toSet(st.HighWater.IDs)
	}
	for {
		p := newPager(r.c, r.conn, r.schema, r.timeout, *st.Next)
		wrote := int64(0)
		for !p.done {
			if err := ctx.Err(); err != nil {
				return err
			}
			page, _, err := p.next(ctx)
			if err != nil {
				return err
			}
			lines := make([][]byte, 0, len(page.records))
			pageMax, anyLM := int64(0), false
			for i := range page.records {
				rec := &page.records[i]
				if rec.hasLM && rec.lastModified == st.Window.Start && rec.hasID && len(r.skip) > 0 && r.skip[string(rec.idKey())] {
					rec.hasLM = false // not written: it must not count below
					continue          // written by the previous window
				}
				lines = append(lines, rec.raw)
				if rec.hasLM && (!anyLM || rec.lastModified > pageMax) {
					pageMax, anyLM = rec.lastModified, true
				}
			}
			if anyLM {
				r.raise(pageMax, page.records)
			}
			wrote += int64(len(lines))
			st.Pages++
			st.Records += int64(len(lines))
			r.pages.Add(1)
			if p.done {
				st.Next = nil
			} else {
				next := p.wm
				st.Next = &next
			}
			if st.HighWater != nil {
				st.HighWater.IDs = setKeys(r.hwIDs)
			}
			snap := *st
			snap.Output.Records = outRecords
			outRecords += int64(len(lines))
			snap.Window.SkipIDs = slices.Clone(st.Window.SkipIDs)
			if st.HighWater != nil {
				hw := *st.HighWater
				snap.HighWater = &hw
			}
			select {
			case jobs <- pageJob{lines: lines, st: snap}:
			case <-failed:
				return errWriter
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if !p.capped {
			return nil
		}
		// The window hit its limit: go on from the high-water mark, as the
		// platform's next cycle would.
		if wrote == 0 {
			return &pagingError{fmt.Sprintf("stuck: a window of %d records brought nothing new (more records than the limit share lastModified %s?)", p.records, formatMs(st.Window.Start))}
		}
		r.nextWindow()
		r.skip = toSet(st.Window.SkipIDs)
	}
}

// nextWindow moves the state to the window after a complete one: from the
// high-water mark (or the old start, if nothing was ever read) to until.
func (r *syncRun) nextWindow() {
	st := &r.st
	if st.HighWater != nil {
		st.Window = stateWindow{Start: st.HighWater.LastModified, SkipIDs: slices.Clone(st.HighWater.IDs)}
	} else {
		st.Window = stateWindow{Start: st.Window.Start}
	}
	st.Window.End = max(r.until, st.Window.Start)
	wm := newWatermark(st.Window.Start, st.Window.End)
	wm.Limit = r.limit
	st.Next = &wm
}

// raise moves the high-water mark for a page whose highest written
// lastModified is pageMax: only the records at the mark need their ids.
func (r *syncRun) raise(pageMax int64, recs []rawRecord) {
	st := &r.st
	switch {
	case st.HighWater == nil || pageMax > st.HighWater.LastModified:
		st.HighWater = &highWater{LastModified: pageMax}
		clear(r.hwIDs)
	case pageMax < st.HighWater.LastModified:
		return
	}
	for i := range recs {
		if rec := &recs[i]; rec.hasLM && rec.lastModified == pageMax && rec.hasID {
			r.hwIDs[string(rec.idKey())] = true
		}
	}
}

func toSet(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

func setKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// startProgress shows "entity: N records, P pages, R rec/s" on stderr when
// it is a terminal, and nothing otherwise. The returned func stops it and
// leaves the final figures on their own line.
func (a *App) startProgress(w io.Writer, entity string, r *syncRun) func() {
	if !isTerminal(a.Stderr) {
		return func() {}
	}
	start := time.Now()
	line := func() string {
		n := r.written.Load()
		secs := time.Since(start).Seconds()
		rate := 0.0
		if secs > 0 {
			rate = float64(n) / secs
		}
		return fmt.Sprintf("\r\x1b[K%s: %d records, %d pages, %.0f rec/s", entity, n, r.pages.Load(), rate)
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
