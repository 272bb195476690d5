package platform

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

	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/host"
	"github.com/synapsejs/synapse-js/internal/fsutil"
)

// State is the state file. It is rewritten atomically after every page,
// after that page's records are flushed and fsynced, so it never claims
// records the Output does not hold.
type State struct {
	// Version is the state file format; see StateVersion.
	Version int `json:"version"`
	// Synapse is the connector's name: a state file is refused for another.
	Synapse string `json:"synapse"`
	// Entity is the entity read: a state file is refused for another.
	Entity string `json:"entity"`
	// Window is the window being read, or the last one read.
	Window Window `json:"window"`
	// Next is the Watermark the next read sends; null once Window is
	// complete, when a rerun starts a new window at HighWater.
	Next *Watermark `json:"next"`
	// SliceStart and SliceEnd, when not 0, bound the part of Window that
	// Next reads: a parallel sync reads a window in slices of time, and
	// saves the first one not yet written. Records before SliceStart are
	// written; those from SliceEnd on are read after it.
	SliceStart int64 `json:"sliceStart,omitempty"`
	SliceEnd   int64 `json:"sliceEnd,omitempty"`
	// HighWater is the highest lastModified written so far and the ids
	// written with it: the next window starts there and skips those ids.
	HighWater *HighWater `json:"highWater,omitempty"`
	// Output is the NDJSON file and how much of it this state covers.
	Output OutputState `json:"output"`
	// Pages counts every page read.
	Pages int64 `json:"pages"`
	// Records counts every record written.
	Records int64 `json:"records"`
	// UpdatedAt is when the state was last saved (RFC 3339, UTC).
	UpdatedAt string `json:"updatedAt"`
}

// Window is one read window, [Start, End] in epoch ms, as the READ
// watermark carries it.
type Window struct {
	// Start is the window's first instant, the READ watermark's start.
	Start int64 `json:"start"`
	// End is the window's last instant, the READ watermark's end.
	End int64 `json:"end"`
	// SkipIDs were written by the previous window with lastModified ==
	// Start; the connector returns them again and they are dropped.
	SkipIDs []string `json:"skipIds,omitempty"`
}

// HighWater is the highest lastModified written and the ids written with
// it, so the next window can start there without writing them twice.
type HighWater struct {
	// LastModified is the highest record lastModified written (epoch ms).
	LastModified int64 `json:"lastModified"`
	// IDs are the ids of the records written with that lastModified.
	IDs []string `json:"ids"`
}

// OutputState is the NDJSON output a State covers: a rerun truncates the
// file back to Bytes before it appends, so a crash mid-page loses nothing
// and repeats nothing.
type OutputState struct {
	// Path is the NDJSON file.
	Path string `json:"path"`
	// Bytes is the file's length when the state was saved; a rerun
	// truncates back to it.
	Bytes int64 `json:"bytes"`
	// Records counts the records in those Bytes.
	Records int64 `json:"records"`
}

// StateVersion is the State.Version this package writes; a state file
// with another version is refused rather than misread.
const StateVersion = 1

// errWriter stops the reader when the writer failed; run reports the
// writer's own error.
var errWriter = errors.New("the Output writer failed")

// Sync reads one entity as the platform does: window after window, each
// paged by the watermark the connector returns, the next window starting at
// the highest lastModified written. Records go to an Output; with a state
// file the position is saved after every page, once its records are on
// disk, so a crash or an interrupt loses nothing and repeats nothing.
type Sync struct {
	// Connector is the loaded connector.
	Connector *host.Connector
	// Connection is the Connection the connector gets.
	Connection json.RawMessage
	// Schema is the entity's Schema, as describe answered it.
	Schema json.RawMessage
	// Timeout is each read call's deadline.
	Timeout time.Duration
	// Until is the end of every window this run reads (epoch ms).
	Until int64
	// Limit is watermark.limit of every window: the platform's cap on
	// records per cycle (0: none).
	Limit int64
	// Parallel is how many slices of a window are read at once. With 0 or
	// 1 the window is paged from start to end, call after call, exactly as
	// the platform does. With more, a window is split by time into slices
	// read side by side (see slices.go): the output is the same records in
	// the same order, the state file as resumable, provided the connector
	// lists records in ascending lastModified order, as READ should. A
	// window with a Limit is always read as the platform does.
	Parallel int
	// OnPage, if set, is given each page's written records once they are
	// written (the demo keeps a few ids this way). In a parallel sync it
	// is given every page as it is read instead, before it is written, in
	// no set order, and a page of an interrupted run may never be
	// written. It must not keep recs.
	OnPage func(recs []Record)

	st        State
	resume    bool // st came from a state file
	statePath string
	skip      map[string]bool // Window.SkipIDs
	hw        mark            // State.HighWater as it stands

	// Counters the progress line reads.
	written atomic.Int64
	pages   atomic.Int64
	slices  atomic.Int64
}

// pageJob is one page for the writer: the records to append and the state
// to save once they are on disk.
type pageJob struct {
	lines [][]byte
	recs  []Record // the written records, for OnPage
	st    State
	// spill, if set, holds spillRecords lines of a parallel sync's slice,
	// written before lines. The writer closes it.
	spill        *os.File
	spillRecords int64
}

// Resumed reports whether the sync continues a saved state.
func (r *Sync) Resumed() bool { return r.resume }

// State returns the sync's state as it stands.
func (r *Sync) State() State { return r.st }

// Continue makes the sync go on from st, the state of an earlier sync of
// the same entity whose window completed: it reads what changed since.
func (r *Sync) Continue(st State) {
	r.st, r.resume = st, true
	r.st.Next, r.st.SliceStart, r.st.SliceEnd = nil, 0, 0
}

// Progress returns the records written and the pages read so far; safe to
// call while Run runs.
func (r *Sync) Progress() (records, pages int64) { return r.written.Load(), r.pages.Load() }

// LoadState reads the state file at path (saved to after every page from
// then on), or starts a new state at since when there is none. With path
// "" the sync keeps no state.
func (r *Sync) LoadState(path, synapse, entity string, since int64) error {
	fresh := State{Version: StateVersion, Synapse: synapse, Entity: entity, Window: Window{Start: since}}
	r.st = fresh
	r.statePath = path
	if path == "" {
		return nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return inputError("state file: %w", err)
	}
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		return inputError("state file %s is not a sync state file: %w", path, err)
	}
	if st.Version != StateVersion {
		return inputError("state file %s has version %d, want %d", path, st.Version, StateVersion)
	}
	if st.Entity != entity {
		return inputError("state file %s is for entity %q, not %q", path, st.Entity, entity)
	}
	if st.Synapse != synapse {
		return inputError("state file %s is for synapse %q, not %q", path, st.Synapse, synapse)
	}
	r.st = st
	r.resume = true
	return nil
}

// OpenOutput opens the NDJSON output so it matches the state: a new sync
// truncates the file; a resumed one truncates it back to the length the
// state covers (dropping a tail written after the last save) and appends.
func (r *Sync) OpenOutput(path string, stdout io.Writer, secrets *bindings.Secrets) (*Output, func() error, error) {
	if path == "-" {
		if r.Resumed() && r.st.Output.Path != "-" && r.st.Next != nil {
			return nil, nil, inputError("state file %s is in the middle of a window written to %s: write the output there to go on", r.statePath, r.st.Output.Path)
		}
		o := &Output{w: bufio.NewWriterSize(stdout, 256<<10), redact: secrets}
		if r.st.Output.Path != "-" {
			r.st.Output = OutputState{Path: "-"}
		}
		return o, o.flush, nil
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, nil, inputError("output: %w", err)
	}
	same := r.st.Output.Path != "" && r.st.Output.Path == abs
	flags := os.O_WRONLY | os.O_CREATE
	switch {
	case !r.Resumed():
		flags |= os.O_TRUNC
	case !same && r.st.Next != nil:
		return nil, nil, inputError("state file %s is in the middle of a window written to %s: write the output there to go on", r.statePath, r.st.Output.Path)
	}
	fh, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		return nil, nil, inputError("output: %w", err)
	}
	size, err := fh.Seek(0, io.SeekEnd)
	if err != nil {
		fh.Close()
		return nil, nil, fmt.Errorf("--out: %w", err)
	}
	if r.Resumed() && same {
		if size < r.st.Output.Bytes {
			fh.Close()
			return nil, nil, fmt.Errorf("%s has %d bytes but %s says %d were written: the output was changed; delete the state file to start over", path, size, r.statePath, r.st.Output.Bytes)
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
		r.st.Output = OutputState{Path: abs, Bytes: size}
	}
	o := &Output{w: bufio.NewWriterSize(fh, 256<<10), file: fh, bytes: r.st.Output.Bytes, hinted: r.st.Output.Bytes}
	return o, func() error {
		err := o.flush()
		if serr := fh.Sync(); err == nil {
			err = serr
		}
		if cerr := fh.Close(); err == nil {
			err = cerr
		}
		return err
	}, nil
}

// NewOutput is an NDJSON sink writing to w, without a state to match
// (stdout, or a writer of the caller's).
func NewOutput(w io.Writer) *Output { return &Output{w: bufio.NewWriterSize(w, 256<<10)} }

// Output is the NDJSON sink: buffered, flushed after every page, and,
// when it is a file, fsynced before each state save and at close (without
// a state file, each page is handed to the disk to write as it goes, so
// the fsync at close has little left to wait for).
type Output struct {
	w     *bufio.Writer
	file  *os.File
	bytes int64
	// hinted is how far the file was handed to the disk to write (see
	// writePage).
	hinted int64
	// redact, for stdout, replaces secrets in each record: what is
	// printed never shows them. A file gets the records as they are.
	redact *bindings.Secrets
}

func (o *Output) flush() error { return o.w.Flush() }

// spillDir is where a parallel sync keeps the pages it cannot write yet:
// beside the output file, so copying them in stays on one file system.
func (o *Output) spillDir() string {
	if o.file != nil {
		return filepath.Dir(o.file.Name())
	}
	return os.TempDir()
}

// appendFile appends the whole of f, a parallel sync's spill file.
func (o *Output) appendFile(f *os.File) error {
	if err := o.w.Flush(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("sync: spill file: %w", err)
	}
	var n int64
	var err error
	if o.file != nil {
		n, err = io.Copy(o.file, f) // copy_file_range where the kernel can
	} else {
		n, err = io.Copy(o.w, f)
	}
	o.bytes += n
	if err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

// writePage appends lines and, when durable, fsyncs them: a state file
// is saved next, and it must never cover records the disk may not hold.
// Without one there is nothing to resume, and the fsync at close is
// enough.
func (o *Output) writePage(lines [][]byte, durable bool) error {
	n, err := writeLines(o.w, lines, o.redact)
	o.bytes += n
	if err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	if err := o.w.Flush(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	if o.file == nil {
		return nil
	}
	if durable {
		if err := o.file.Sync(); err != nil {
			return fmt.Errorf("sync output: %w", err)
		}
		o.hinted = o.bytes
		return nil
	}
	// The disk starts on the page now, so the fsync at close waits for
	// the last few pages only. (What the buffer held before this page
	// was flushed with it: start from the last hint.)
	fsutil.StartWriteback(o.file, o.hinted, o.bytes-o.hinted)
	o.hinted = o.bytes
	return nil
}

// writeLines writes NDJSON lines, with secrets redacted when redact is
// set, and returns the bytes written.
func writeLines(w *bufio.Writer, lines [][]byte, redact *bindings.Secrets) (int64, error) {
	var n int64
	for _, l := range lines {
		if redact != nil {
			l = []byte(redact.Redact(string(l)))
		}
		if _, err := w.Write(l); err != nil {
			return n, err
		}
		if err := w.WriteByte('\n'); err != nil {
			return n, err
		}
		n += int64(len(l)) + 1
	}
	return n, nil
}

// Summary is what a Run did.
type Summary struct {
	// Records and Pages count what this run wrote and read.
	Records, Pages int64
	// Slices counts the slices a parallel sync read its windows in (0
	// when it paged through them as the platform does).
	Slices int64
	// Took is the run's wall-clock time.
	Took time.Duration
}

// Run reads windows until one completes, handing each page to a writer
// goroutine: the next page is read while the last one is written, fsynced
// and checkpointed, so writing costs (almost) no throughput.
func (r *Sync) Run(ctx context.Context, out *Output) (Summary, error) {
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
				if j.spill != nil {
					j.spill.Close()
				}
				continue // drain
			}
			werr = r.writeJob(out, &j)
			if werr != nil {
				close(failed)
			}
		}
	}()
	err := r.read(ctx, out, jobs, failed)
	close(jobs)
	wg.Wait()
	if werr != nil {
		err = werr
	}
	return Summary{Records: r.written.Load(), Pages: r.pages.Load(), Slices: r.slices.Load(), Took: time.Since(start)}, err
}

// writeJob appends a page and then, only then, saves the state that
// covers it.
func (r *Sync) writeJob(out *Output, j *pageJob) error {
	if j.spill != nil {
		err := out.appendFile(j.spill)
		j.spill.Close()
		if err != nil {
			return err
		}
	}
	if err := out.writePage(j.lines, r.statePath != ""); err != nil {
		return err
	}
	n := int64(len(j.lines)) + j.spillRecords
	r.written.Add(n)
	if r.OnPage != nil && j.recs != nil {
		r.OnPage(j.recs)
	}
	if r.statePath == "" {
		return nil
	}
	j.st.Output.Bytes = out.bytes
	j.st.Output.Records += n
	return saveState(r.statePath, &j.st)
}

func saveState(path string, st *State) error {
	st.UpdatedAt = time.Now().UTC().Format(time.RFC3339Nano)
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	data = append(data, '\n')
	if err := fsutil.WriteFileAtomic(path, data, 0o644); err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	return nil
}

// read is the reader side of run.
func (r *Sync) read(ctx context.Context, out *Output, jobs chan<- pageJob, failed <-chan struct{}) error {
	st := &r.st
	outRecords := st.Output.Records // the writer counts from here
	if st.Next == nil {
		r.nextWindow()
	}
	r.skip = toSet(st.Window.SkipIDs)
	r.hw = mark{}
	if st.HighWater != nil {
		r.hw = mark{set: true, top: st.HighWater.LastModified, ids: toSet(st.HighWater.IDs)}
	}
	sliced := st.SliceStart > 0 || st.SliceEnd > 0
	if sliced && r.Limit > 0 {
		return inputError("state file %s is in the middle of a window read in slices (sync --parallel): go on without --limit", r.statePath)
	}
	if r.Limit == 0 && (r.Parallel > 1 || sliced) {
		return r.readSlices(ctx, max(1, r.Parallel), out, jobs, failed)
	}
	var p *Pager
	defer func() {
		if p != nil {
			p.Close() // a call may be running ahead
		}
	}()
	for {
		p = NewPager(r.Connector, r.Connection, r.Schema, r.Timeout, *st.Next)
		// The window's cap is the run's: a resumed watermark's limit is
		// what the connector returned (its page size).
		p.limit = r.Limit
		// The next page's call runs while this one is encoded, scanned
		// and handed to the writer.
		p.Prefetch = true
		wrote := int64(0)
		for !p.Done() {
			if err := ctx.Err(); err != nil {
				return err
			}
			page, _, err := p.Next(ctx)
			if err != nil {
				return err
			}
			lines := make([][]byte, 0, len(page.Records))
			var written []Record
			if r.OnPage != nil {
				written = make([]Record, 0, len(page.Records))
			}
			for i := range page.Records {
				rec := &page.Records[i]
				if rec.HasLM && rec.LastModified == st.Window.Start && rec.HasID && len(r.skip) > 0 && r.skip[string(rec.IDKey())] {
					rec.HasLM = false // not written: it must not count below
					continue          // written by the previous window
				}
				lines = append(lines, rec.Raw)
				if written != nil {
					written = append(written, *rec)
				}
			}
			r.hw.add(page.Records)
			wrote += int64(len(lines))
			st.Pages++
			st.Records += int64(len(lines))
			r.pages.Add(1)
			if p.Done() {
				st.Next = nil
			} else {
				next := p.NextWatermark()
				st.Next = &next
			}
			snap := r.snapshot(outRecords)
			outRecords += int64(len(lines))
			select {
			case jobs <- pageJob{lines: lines, recs: written, st: snap}:
			case <-failed:
				return errWriter
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if !p.Capped() {
			return nil
		}
		// The window hit its limit: go on from the high-water mark, as the
		// platform's next cycle would.
		if wrote == 0 {
			return &PagingError{fmt.Sprintf("stuck: a window of %d records brought nothing new (more records than the limit share lastModified %s?)", p.Records(), FormatMs(st.Window.Start))}
		}
		r.nextWindow()
		r.skip = toSet(st.Window.SkipIDs)
	}
}

// nextWindow moves the state to the window after a complete one: from the
// high-water mark (or the old start, if nothing was ever read) to until.
func (r *Sync) nextWindow() {
	st := &r.st
	if st.HighWater != nil {
		st.Window = Window{Start: st.HighWater.LastModified, SkipIDs: slices.Clone(st.HighWater.IDs)}
	} else {
		st.Window = Window{Start: st.Window.Start}
	}
	st.Window.End = max(r.Until, st.Window.Start)
	wm := NewWatermark(st.Window.Start, st.Window.End)
	wm.Limit = r.Limit
	st.Next, st.SliceStart, st.SliceEnd = &wm, 0, 0
}

// snapshot brings State.HighWater up to date and returns a copy of the
// state for the writer to save once the output holds outRecords records.
func (r *Sync) snapshot(outRecords int64) State {
	st := &r.st
	st.HighWater = r.hw.highWater() // a new one: saved copies share it
	snap := *st
	snap.Output.Records = outRecords
	snap.Window.SkipIDs = slices.Clone(st.Window.SkipIDs)
	return snap
}

// mark is the high-water rule: the highest lastModified written and the
// ids written with it, which the next window, starting there, skips.
type mark struct {
	set bool
	top int64
	ids map[string]bool
}

// add takes in records written; those without a lastModified do not count.
func (m *mark) add(recs []Record) {
	top, any := pageTop(recs)
	if !any || !m.raise(top) {
		return
	}
	for i := range recs {
		if rec := &recs[i]; rec.HasLM && rec.LastModified == top && rec.HasID {
			m.ids[string(rec.IDKey())] = true
		}
	}
}

// merge takes in the mark of records written after m's (a parallel
// sync's spilled slice).
func (m *mark) merge(o *mark) {
	if !o.set || !m.raise(o.top) {
		return
	}
	for id := range o.ids {
		m.ids[id] = true
	}
}

// raise moves the mark up to top, and reports whether records written at
// top now stand at it.
func (m *mark) raise(top int64) bool {
	switch {
	case !m.set || top > m.top:
		m.set, m.top = true, top
		if m.ids == nil {
			m.ids = map[string]bool{}
		}
		clear(m.ids)
	case top < m.top:
		return false
	}
	return true
}

// highWater is the mark as the state file keeps it (nil before any).
func (m *mark) highWater() *HighWater {
	if !m.set {
		return nil
	}
	return &HighWater{LastModified: m.top, IDs: setKeys(m.ids)}
}

// pageTop is the highest lastModified of recs.
func pageTop(recs []Record) (int64, bool) {
	top, any := int64(0), false
	for i := range recs {
		if rec := &recs[i]; rec.HasLM && (!any || rec.LastModified > top) {
			top, any = rec.LastModified, true
		}
	}
	return top, any
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

// InputError is bad input to a sync: a state file that does not fit the
// sync asked for, or an output that cannot match it. Commands report it as
// a usage error.
type InputError struct{ err error }

// Error implements error.
func (e *InputError) Error() string { return e.err.Error() }

// Unwrap returns the cause (a missing or unreadable file), for errors.Is.
func (e *InputError) Unwrap() error { return e.err }

func inputError(format string, args ...any) error {
	return &InputError{fmt.Errorf(format, args...)}
}
