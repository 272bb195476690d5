package platform

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
)

// A parallel sync reads one window as several slices of time side by
// side, the output still in the order one pager would write it.
//
// It starts with one slice, the whole window, paged as the platform does.
// A worker with nothing to read splits the running slice with the most
// records likely left at the middle of the time it has not reached yet
// (on a whole second: most APIs filter by seconds) and reads the upper
// half. A slice's calls ask for the rest of the window, from its start;
// which records it keeps is decided here, from their lastModified: a
// slice keeps [start, end) (the first slice has no lower bound, the last
// no upper one), so a connector that reads past its window's end, or
// rounds its bounds, still writes every record once. A slice stops at its
// first record past its end, which is only right because READ lists
// records in ascending lastModified order: that is why a parallel sync is
// asked for (--parallel), not the default. A window whose records come
// out of order, or with a record without a lastModified, is not cut, or
// fails (OrderError) once it is.
//
// The first slice's pages go to the output as they come, with the state
// saved after each. A later slice's pages wait in an unlinked temporary
// file until every slice before it is written; then they are copied to
// the output in one go, and its next pages go straight there. So the
// state always describes a prefix of the window: either the first
// unwritten slice's next watermark, bounded by State.SliceStart and
// SliceEnd, or a time before which everything is written.

// splitSecond is the grain of split points, and the narrowest time left
// worth a split is two of them.
const splitSecond = 1000

// slice is one part of a window, [start, end) in epoch ms.
type slice struct {
	start, end int64
	first      bool      // keeps records before start (the window's own first slice)
	next       Watermark // the watermark it sends next (its first, until it starts)
	running    bool
	done       bool

	seen    bool  // it kept a record with a lastModified
	low     int64 // the lowest lastModified it kept
	top     int64 // the highest lastModified it kept
	kept    int64 // records it kept with a lastModified
	page    int   // its longest page
	ordered bool  // every lastModified so far came in ascending order

	head bool // its pages go straight to the output
	// spill holds its pages until it is the head.
	spill   *os.File
	spillW  *bufio.Writer
	spillN  int64
	spillHW mark // of the records in spill
}

// slicer reads one window in slices.
type slicer struct {
	r      *Sync
	out    *Output
	jobs   chan<- pageJob
	failed <-chan struct{}
	dir    string // where spill files go

	mu     sync.Mutex
	cond   *sync.Cond
	queue  []*slice // in time order; written slices leave the front
	win    Window
	flags  Watermark // IsResync and Initial of the window's first watermark
	err    error
	outRec int64 // records the output holds, for the next state
	// untimed: a record came without a lastModified, which no slice can
	// place: no more splits.
	untimed bool
	broken  bool // a job was not sent: nothing more goes to the writer
}

// readSlices reads the current window (st.Next on) with n workers.
func (r *Sync) readSlices(ctx context.Context, n int, out *Output, jobs chan<- pageJob, failed <-chan struct{}) error {
	st := &r.st
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sl := &slicer{r: r, out: out, jobs: jobs, failed: failed, dir: out.spillDir(), win: st.Window, flags: *st.Next, outRec: st.Output.Records}
	sl.cond = sync.NewCond(&sl.mu)
	end := st.Window.End
	if st.SliceEnd > 0 {
		end = st.SliceEnd
	}
	head := &slice{start: st.Window.Start, end: end, first: true, next: *st.Next, head: true, ordered: true}
	if st.SliceStart > 0 {
		head.start, head.first = st.SliceStart, false
	}
	sl.queue = append(sl.queue, head)
	r.slices.Add(1)
	if end < st.Window.End {
		sl.queue = append(sl.queue, sl.newSlice(end, st.Window.End))
	}
	stop := context.AfterFunc(ctx, func() {
		sl.mu.Lock()
		sl.cond.Broadcast()
		sl.mu.Unlock()
	})
	defer stop()
	defer sl.closeSpills()

	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				s := sl.claim(ctx)
				if s == nil {
					return
				}
				if err := sl.read(ctx, s); err != nil {
					if perr := parent.Err(); perr != nil {
						err = perr // interrupted: the calls it cut short say so too
					}
					sl.fail(err)
					cancel()
					return
				}
			}
		}()
	}
	wg.Wait()
	sl.mu.Lock()
	defer sl.mu.Unlock()
	if sl.err != nil {
		return sl.err
	}
	return parent.Err()
}

func (sl *slicer) newSlice(start, end int64) *slice {
	sl.r.slices.Add(1)
	// The call asks for the rest of the window: the slice's own end is
	// enforced here, so a connector whose end filter is coarser than a
	// split (whole minutes, say) cannot leave a gap below it.
	wm := sl.sliceWM(start, sl.win.End)
	return &slice{start: start, end: end, next: wm, ordered: true}
}

// sliceWM is the first watermark of a slice: the window's, with the
// slice's bounds.
func (sl *slicer) sliceWM(start, end int64) Watermark {
	wm := NewWatermark(start, end)
	wm.IsResync, wm.Initial = sl.flags.IsResync, sl.flags.Initial
	return wm
}

func (sl *slicer) fail(err error) {
	sl.mu.Lock()
	if sl.err == nil {
		sl.err = err
	}
	sl.cond.Broadcast()
	sl.mu.Unlock()
}

// claim returns the next slice to read: one not started, or a new one
// split off a running slice; nil when the window is read or failed.
func (sl *slicer) claim(ctx context.Context) *slice {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	for {
		if sl.err != nil || ctx.Err() != nil {
			return nil
		}
		busy := false
		for _, s := range sl.queue {
			if !s.running && !s.done {
				s.running = true
				return s
			}
			busy = busy || s.running
		}
		if s := sl.split(); s != nil {
			s.running = true
			return s
		}
		if !busy {
			return nil
		}
		sl.cond.Wait()
	}
}

// split cuts the running slice with the most records likely ahead of it
// in two and returns the upper half, or nil when none is worth cutting: a
// split costs a call, so a slice is cut only when, at the rate its
// records have come so far, at least two of its pages are left.
func (sl *slicer) split() *slice {
	if sl.untimed {
		return nil
	}
	at, best := -1, 0.0
	for i, s := range sl.queue {
		if !s.running || !s.seen || !s.ordered || s.end-s.top < 2*splitSecond {
			continue
		}
		left := float64(s.kept) * float64(s.end-s.top) / float64(max(1, s.top-s.low))
		if left >= 2*float64(s.page) && left > best {
			at, best = i, left
		}
	}
	if at < 0 {
		return nil
	}
	v := sl.queue[at]
	mid := (v.top + (v.end-v.top)/2) / splitSecond * splitSecond
	if mid <= v.top || mid >= v.end {
		return nil
	}
	n := sl.newSlice(mid, v.end)
	v.end = mid
	sl.queue = slices.Insert(sl.queue, at+1, n)
	return n
}

// read pages through slice s.
func (sl *slicer) read(ctx context.Context, s *slice) error {
	r := sl.r
	p := NewPager(r.Connector, r.Connection, r.Schema, r.Timeout, s.next)
	// A resumed watermark's limit is the connector's page size, not a cap:
	// a sliced window has none.
	p.limit = 0
	p.Prefetch = true
	defer p.Close()
	for !p.Done() {
		page, _, err := p.Next(ctx)
		if err != nil {
			return err
		}
		stop, err := sl.deliver(ctx, s, page.Records, p.NextWatermark(), p.Done())
		if err != nil || stop {
			return err
		}
	}
	return nil
}

// keep filters a page of slice s down to the records that are its own,
// in place, and reports whether one lay past its end and whether the
// slice's records still come in ascending order. It runs under sl.mu: a
// split moves s.end.
func (sl *slicer) keep(s *slice, recs []Record) (kept []Record, past, ordered bool, err error) {
	lo, hi, bounded := s.start, s.end, s.end < sl.win.End
	skip := sl.r.skip
	kept = recs[:0]
	ordered, prev := s.ordered, s.top
	if !s.seen {
		prev = minInt64
	}
	for i := range recs {
		rec := &recs[i]
		cut := len(sl.queue) > 1 || !s.first
		if !rec.HasLM {
			if cut {
				// Slices exist: each may list it, and none can tell it is
				// its own.
				return nil, false, false, fmt.Errorf("record %q has no lastModified, so a window read in slices cannot place it: read this entity with --parallel 1", rec.ID())
			}
			sl.untimed = true // the window stays one slice
		} else {
			if rec.LastModified < prev {
				if cut {
					// A slice may already have stopped before records
					// listed like this one: what was written may miss some.
					return nil, false, false, &OrderError{ID: rec.ID(), LastModified: rec.LastModified, After: prev}
				}
				ordered = false
			}
			prev = max(prev, rec.LastModified)
			if bounded && rec.LastModified >= hi {
				past = true
				continue
			}
			if !s.first && rec.LastModified < lo {
				continue
			}
			if rec.LastModified == sl.win.Start && rec.HasID && len(skip) > 0 && skip[string(rec.IDKey())] {
				continue // written by the previous window
			}
		}
		kept = append(kept, *rec)
	}
	return kept, past, ordered, nil
}

const minInt64 = -1 << 63

// OrderError is a parallel sync that met a record listed after one
// modified later, once the window was cut into slices. A slice stops at
// its first record past its end, so records listed out of order may be
// missing from what was written: the entity must be read again, from the
// start, one call after another.
type OrderError struct {
	// ID and LastModified are the record's.
	ID           string
	LastModified int64
	// After is the lastModified of a record listed before it.
	After int64
}

// Error implements error.
func (e *OrderError) Error() string {
	return fmt.Sprintf("read listed record %q (lastModified %s) after one modified at %s, once the window was cut into slices, so the output may miss records listed out of order: sync this entity again from the start with --parallel 1 (remove the state file), or not in slices at all",
		e.ID, FormatMs(e.LastModified), FormatMs(e.After))
}

// deliver hands the records of a slice's page that are its own on: to
// the writer when the slice is the head, else to its spill file. It
// reports whether the slice stops here (a record past its end, in
// order).
func (sl *slicer) deliver(ctx context.Context, s *slice, page []Record, next Watermark, done bool) (stop bool, err error) {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	recs, past, ordered, err := sl.keep(s, page)
	if err != nil {
		return false, err
	}
	stop = past && ordered
	done = done || stop
	r, st := sl.r, &sl.r.st
	st.Pages++
	r.pages.Add(1)
	s.ordered = ordered
	s.next = next
	s.page = max(s.page, len(page))
	for i := range recs {
		if rec := &recs[i]; rec.HasLM {
			if !s.seen || rec.LastModified < s.low {
				s.low = rec.LastModified
			}
			if !s.seen || rec.LastModified > s.top {
				s.top = rec.LastModified
			}
			s.kept++
			s.seen = true
		}
	}
	if r.OnPage != nil {
		r.OnPage(recs)
	}
	if s.head {
		r.hw.add(recs)
		st.Records += int64(len(recs))
		sl.position(s, done)
		if err := sl.send(ctx, pageJob{lines: rawLines(recs)}); err != nil {
			return false, err
		}
	} else if err := sl.spillPage(s, recs); err != nil {
		return false, err
	}
	if done {
		s.done, s.running = true, false
		if s.head {
			if err := sl.advance(ctx); err != nil {
				return false, err
			}
		}
	}
	sl.cond.Broadcast()
	return stop, nil
}

// position sets the state's resume point once slice s, the head, is
// written up to its last page (all of it when done).
func (sl *slicer) position(s *slice, done bool) {
	st := &sl.r.st
	switch {
	case !done:
		next := s.next
		sl.resumeAt(&next, s)
	case s.end < sl.win.End:
		// Everything before s.end is written: the rest of the window is
		// a slice of its own.
		n := &slice{start: s.end, end: sl.win.End, next: sl.sliceWM(s.end, sl.win.End)}
		sl.resumeAt(&n.next, n)
	default:
		st.Next, st.SliceStart, st.SliceEnd = nil, 0, 0
	}
}

// resumeAt makes the state resume slice s with watermark next.
func (sl *slicer) resumeAt(next *Watermark, s *slice) {
	st := &sl.r.st
	st.Next, st.SliceStart, st.SliceEnd = next, 0, 0
	if !s.first {
		st.SliceStart = s.start
	}
	if s.end < sl.win.End {
		st.SliceEnd = s.end
	}
}

// send queues a job for the writer with a snapshot of the state.
func (sl *slicer) send(ctx context.Context, j pageJob) error {
	j.st = sl.r.snapshot(sl.outRec)
	sl.outRec += int64(len(j.lines)) + j.spillRecords
	// Once a job is not sent, none after it may be: the output would
	// have a gap where it belonged.
	if sl.broken {
		return errWriter
	}
	if err := ctx.Err(); err != nil {
		sl.broken = true
		return err
	}
	select {
	case sl.jobs <- j:
		return nil
	case <-sl.failed:
		sl.broken = true
		return errWriter
	case <-ctx.Done():
		sl.broken = true
		return ctx.Err()
	}
}

// advance makes the first slice not yet written the head: its spilled
// pages go to the writer, and from then on its pages go straight there.
func (sl *slicer) advance(ctx context.Context) error {
	r, st := sl.r, &sl.r.st
	for len(sl.queue) > 0 {
		if h := sl.queue[0]; h.head && h.done {
			sl.queue = sl.queue[1:]
			continue
		}
		n := sl.queue[0]
		n.head = true
		var j pageJob
		if n.spill != nil {
			if err := n.spillW.Flush(); err != nil {
				return fmt.Errorf("sync: spill file: %w", err)
			}
			j.spill, j.spillRecords = n.spill, n.spillN
			n.spill, n.spillW = nil, nil
			st.Records += n.spillN
			r.hw.merge(&n.spillHW)
		}
		if !n.running && !n.done {
			// Not started: the state says where it starts.
			next := n.next
			sl.resumeAt(&next, n)
		} else {
			sl.position(n, n.done)
		}
		if err := sl.send(ctx, j); err != nil {
			if j.spill != nil {
				j.spill.Close() // no writer will
			}
			return err
		}
		if !n.done {
			return nil
		}
	}
	return nil
}

// spillPage keeps a page of a slice that is not the head yet.
func (sl *slicer) spillPage(s *slice, recs []Record) error {
	if len(recs) == 0 {
		return nil
	}
	if s.spill == nil {
		f, err := os.CreateTemp(sl.dir, ".synapse-js-sync-*.ndjson")
		if err != nil {
			return fmt.Errorf("sync: spill file: %w", err)
		}
		// Unlinked at once: the file goes away with the process, however
		// it ends.
		_ = os.Remove(f.Name())
		s.spill, s.spillW = f, bufio.NewWriterSize(f, 256<<10)
	}
	if _, err := writeLines(s.spillW, rawLines(recs), sl.out.redact); err != nil {
		return fmt.Errorf("sync: spill file: %w", err)
	}
	s.spillN += int64(len(recs))
	s.spillHW.add(recs)
	return nil
}

func (sl *slicer) closeSpills() {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	for _, s := range sl.queue {
		if s.spill != nil {
			s.spill.Close()
			s.spill = nil
		}
	}
}

// rawLines is the records' NDJSON lines.
func rawLines(recs []Record) [][]byte {
	lines := make([][]byte, len(recs))
	for i := range recs {
		lines[i] = recs[i].Raw
	}
	return lines
}
