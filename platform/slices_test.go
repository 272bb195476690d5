package platform

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/synapsejs/synapse-js/host"
)

// timedJS is a source of metaConfig.n records (default 600) whose
// lastModified crowd towards the end of their span, as real data does,
// and repeat now and then (records 7k and 7k+1 share one), paged by a
// cursor in pages of metaConfig.size (default 20). By default it keeps to
// the window, [start, end); metaConfig.ignoreEnd reads to the end of its
// data whatever the window says; metaConfig.floorEndMin filters the end
// on whole minutes, as a coarse API would; metaConfig.reverse lists each
// page newest first; metaConfig.swap swaps the listing's records at
// every multiple of it with the next; metaConfig.untimed adds that many records without a
// lastModified to the end of every listing; metaConfig.failStart makes a
// read of a window starting at or after it fail on its second page;
// metaConfig.gate is a URL the first call of every window but the first
// GETs before it answers.
const timedJS = `
const http = require('synapse/http');
const BASE = 1700000000000;
function lm(i, n) { const k = i - (i % 7 === 1 ? 1 : 0); return BASE + Math.floor(Math.sqrt(k / n) * 3600000); }
module.exports = {
  synapse_info() {
    return { name: 'timed', metadata: { displayName: 'Timed' }, supportedAuthTypes: [{ authType: 'None' }] };
  },
  test(c) { return c; },
  describe(req) {
    return [{ apiName: 'item', displayName: 'Item', attributes: [{ apiName: 'id', displayName: 'Id', isIdField: true }] }];
  },
  read(req, ctx) {
    const m = ctx.connection.metaConfig || {};
    const n = Number(m.n || 600), size = Number(m.size || 20);
    const w = req.watermark;
    const off = w.cursor ? Number(w.cursor) : 0;
    if (m.failStart !== undefined && w.start >= Number(m.failStart) && off > 0) throw new Error('failing at ' + w.start);
    if (m.gate && w.start > 0 && off === 0) http.get(m.gate + '?start=' + w.start);
    const end = m.floorEndMin ? Math.floor(w.end / 60000) * 60000 : w.end;
    const recs = [];
    for (let i = 1; i <= n; i++) {
      const t = lm(i, n);
      if (t >= w.start && (m.ignoreEnd || t < end)) recs.push({ id: String(i), name: 'item', values: { i: i }, lastModified: t });
    }
    for (let k = 1; k <= Number(m.untimed || 0); k++) recs.push({ id: 'u' + k, name: 'item', values: { u: k } });
    if (m.swap) for (let k = Number(m.swap); k + 1 < recs.length; k += Number(m.swap)) { const x = recs[k]; recs[k] = recs[k + 1]; recs[k + 1] = x; }
    const page = recs.slice(off, off + size);
    if (m.reverse) page.reverse();
    const next = off + page.length < recs.length ? String(off + page.length) : null;
    return { data: page, watermark: Object.assign({}, w, { cursor: next, limit: size }), offsetType: 'CUSTOM' };
  },
};
`

type sliceEnv struct {
	t    *testing.T
	c    *host.Connector
	dir  string
	end  int64
	runs int
}

func newSliceEnv(t *testing.T) *sliceEnv {
	t.Helper()
	e := host.New(host.StdOptions(host.Options{Logger: zerolog.Nop()}))
	c, err := e.Load(context.Background(), "timed.js", []byte(timedJS))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return &sliceEnv{t: t, c: c, dir: t.TempDir(), end: 1700000000000 + 2*3600000}
}

// sync runs one sync with the given metaConfig and parallelism, saving
// state to statePath ("" for none) and appending to out; stop, if set,
// is called with the pages delivered so far and may end the run.
func (e *sliceEnv) sync(ctx context.Context, meta map[string]any, parallel int, out, statePath string, onPage func()) (Summary, State, error) {
	e.t.Helper()
	conn, _ := json.Marshal(map[string]any{"name": "t", "authConfig": map[string]any{}, "metaConfig": meta})
	r := &Sync{Connector: e.c, Connection: conn, Schema: json.RawMessage(`{"apiName":"item"}`), Timeout: time.Minute, Until: e.end, Parallel: parallel}
	if onPage != nil {
		r.OnPage = func([]Record) { onPage() }
	}
	if err := r.LoadState(statePath, "timed", "item", 0); err != nil {
		e.t.Fatal(err)
	}
	o, closeOut, err := r.OpenOutput(out, nil, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	sum, err := r.Run(ctx, o)
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	return sum, r.State(), err
}

// onePager is the output of the sync one pager makes with meta.
func (e *sliceEnv) onePager(meta map[string]any) []byte {
	e.t.Helper()
	out := e.file("seq")
	if _, _, err := e.sync(context.Background(), meta, 1, out, "", nil); err != nil {
		e.t.Fatal(err)
	}
	return read(e.t, out)
}

// file is a fresh output path.
func (e *sliceEnv) file(name string) string {
	e.runs++
	return filepath.Join(e.dir, fmt.Sprintf("%s-%d", name, e.runs))
}

func read(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// sameOutput fails unless got holds want's lines, byte for byte.
func sameOutput(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if bytes.Equal(got, want) {
		return
	}
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			t.Fatalf("%s: line %d is %s, want %s (%d lines, want %d)", what, i+1, g[i], w[i], len(g), len(w))
		}
	}
	t.Fatalf("%s: %d lines, want %d", what, len(g), len(w))
}

func TestParallelSyncWritesWhatOnePagerWrites(t *testing.T) {
	e := newSliceEnv(t)
	ctx := context.Background()
	for _, meta := range []map[string]any{
		{},
		{"ignoreEnd": true}, // slices read past their end: the sync drops what is not theirs
		{"size": 7, "n": 300},
		{"floorEndMin": true}, // an end filter coarser than a split
		{"reverse": true},     // out of order: read in one slice
	} {
		t.Run(fmt.Sprint(meta), func(t *testing.T) {
			seqOut := e.file("seq")
			seq, seqSt, err := e.sync(ctx, meta, 1, seqOut, e.file("seq.state"), nil)
			if err != nil {
				t.Fatal(err)
			}
			if seq.Slices != 0 {
				t.Errorf("one pager read %d slices", seq.Slices)
			}
			want := read(t, seqOut)
			for _, n := range []int{2, 3, 8} {
				out := e.file("par")
				sum, st, err := e.sync(ctx, meta, n, out, e.file("par.state"), nil)
				if err != nil {
					t.Fatal(err)
				}
				sameOutput(t, fmt.Sprintf("parallel %d", n), read(t, out), want)
				if meta["reverse"] != nil {
					if sum.Slices != 1 {
						t.Errorf("parallel %d split an unordered window into %d slices", n, sum.Slices)
					}
				} else if sum.Slices < 2 {
					t.Errorf("parallel %d read %d slices, want several", n, sum.Slices)
				}
				if sum.Records != seq.Records || st.Records != seqSt.Records || st.Output != (OutputState{Path: st.Output.Path, Bytes: seqSt.Output.Bytes, Records: seqSt.Output.Records}) {
					t.Errorf("parallel %d: %d records, state %+v; one pager: %d, %+v", n, sum.Records, st.Output, seq.Records, seqSt.Output)
				}
				if st.Next != nil || st.SliceStart != 0 || st.SliceEnd != 0 {
					t.Errorf("parallel %d: window not complete: next %+v slice [%d, %d)", n, st.Next, st.SliceStart, st.SliceEnd)
				}
				if fmt.Sprint(st.HighWater) != fmt.Sprint(seqSt.HighWater) {
					t.Errorf("parallel %d: high water %+v, one pager %+v", n, st.HighWater, seqSt.HighWater)
				}
			}
		})
	}
}

func TestParallelSyncToStdout(t *testing.T) {
	e := newSliceEnv(t)
	ctx := context.Background()
	want := e.onePager(nil)
	conn, _ := json.Marshal(map[string]any{"name": "t", "authConfig": map[string]any{}})
	r := &Sync{Connector: e.c, Connection: conn, Schema: json.RawMessage(`{}`), Timeout: time.Minute, Until: e.end, Parallel: 2}
	if err := r.LoadState("", "timed", "item", 0); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	o, closeOut, err := r.OpenOutput("-", &buf, nil)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := r.Run(ctx, o)
	if err := errors.Join(err, closeOut()); err != nil {
		t.Fatal(err)
	}
	if sum.Slices < 2 {
		t.Errorf("%d slices", sum.Slices)
	}
	sameOutput(t, "stdout", buf.Bytes(), want)
}

// An interrupt at any page leaves a state a rerun finishes from, in
// parallel or not, with the output one pager writes.
func TestParallelSyncResumesFromAnyPage(t *testing.T) {
	e := newSliceEnv(t)
	meta := map[string]any{"n": 400, "size": 10}
	seqOut := e.file("seq")
	seq, _, err := e.sync(context.Background(), meta, 1, seqOut, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := read(t, seqOut)
	sliced := 0
	for k := 1; k <= int(seq.Pages)+4; k += 3 {
		out, statePath := e.file("out"), e.file("state")
		ctx, cancel := context.WithCancel(context.Background())
		pages := 0
		_, st, err := e.sync(ctx, meta, 2, out, statePath, func() {
			if pages++; pages == k {
				cancel()
			}
		})
		cancel()
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted at page %d: %v", k, err)
		}
		if st.SliceStart > 0 || st.SliceEnd > 0 {
			sliced++
		}
		// What the state covers is a prefix of the whole output. (An
		// interrupt before the first page was written leaves no state.)
		if _, err := os.Stat(statePath); err == nil {
			if saved := readState(t, statePath); !bytes.HasPrefix(want, read(t, out)[:saved.Output.Bytes]) {
				t.Fatalf("interrupted at page %d: the output the state covers is not a prefix of the whole", k)
			}
		}
		resume := 1 + k%2
		if _, _, err := e.sync(context.Background(), meta, resume, out, statePath, nil); err != nil {
			t.Fatalf("resume (parallel %d) after page %d: %v", resume, k, err)
		}
		sameOutput(t, fmt.Sprintf("interrupted at page %d, resumed with parallel %d", k, resume), read(t, out), want)
	}
	t.Logf("%d of the interrupted states were inside a slice", sliced)
}

// A state saved inside a slice resumes that slice, then reads the rest of
// the window, with one pager or several.
func TestParallelSyncResumesASlice(t *testing.T) {
	e := newSliceEnv(t)
	ctx := context.Background()
	want := e.onePager(nil)
	lines := bytes.SplitAfter(want, []byte("\n"))
	// The first 150 records are written; the state resumes the slice
	// [lm of record 151, lm of record 400) at its second page.
	lmOf := func(line []byte) int64 {
		var r struct{ LastModified int64 }
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatal(err)
		}
		return r.LastModified
	}
	written := 150
	for lmOf(lines[written]) == lmOf(lines[written-1]) {
		written++ // a slice starts where a lastModified does
	}
	lo, hi := lmOf(lines[written]), lmOf(lines[400])
	for _, parallel := range []int{1, 2} {
		out, statePath := e.file("out"), e.file("state")
		var rs []byte
		cursor := "0"
		for _, l := range lines[:written] {
			rs = append(rs, l...)
		}
		if err := os.WriteFile(out, rs, 0o644); err != nil {
			t.Fatal(err)
		}
		next := NewWatermark(lo, hi)
		next.Cursor = &cursor
		st := State{Version: StateVersion, Synapse: "timed", Entity: "item", Window: Window{Start: 0, End: e.end},
			Next: &next, SliceStart: lo, SliceEnd: hi, Output: OutputState{Path: out, Bytes: int64(len(rs)), Records: int64(written)}}
		if err := saveState(statePath, &st); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.sync(ctx, nil, parallel, out, statePath, nil); err != nil {
			t.Fatalf("parallel %d: %v", parallel, err)
		}
		sameOutput(t, fmt.Sprintf("parallel %d", parallel), read(t, out), want)
	}
}

func TestParallelSyncFailureKeepsAPrefix(t *testing.T) {
	e := newSliceEnv(t)
	ctx := context.Background()
	want := e.onePager(nil)
	out, statePath := e.file("out"), e.file("state")
	// Any slice but the first fails on its second page.
	_, _, err := e.sync(ctx, map[string]any{"failStart": 1}, 2, out, statePath, nil)
	if err == nil || !strings.Contains(err.Error(), "failing at") {
		t.Fatalf("err = %v", err)
	}
	saved := readState(t, statePath)
	if !bytes.HasPrefix(want, read(t, out)[:saved.Output.Bytes]) {
		t.Fatal("the output the state covers is not a prefix of the whole")
	}
	if _, _, err := e.sync(ctx, nil, 2, out, statePath, nil); err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(saved)
	t.Logf("state after the failure: %s", data)
	sameOutput(t, "after the failure and a rerun", read(t, out), want)
}

func readState(t *testing.T, path string) State {
	t.Helper()
	var st State
	if err := json.Unmarshal(read(t, path), &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// The spill files leave nothing behind.
func TestParallelSyncLeavesNoFiles(t *testing.T) {
	e := newSliceEnv(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "out.ndjson")
	if sum, _, err := e.sync(context.Background(), nil, 4, out, "", nil); err != nil || sum.Slices < 2 {
		t.Fatalf("%+v %v", sum, err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		var names []string
		for _, de := range ents {
			names = append(names, de.Name())
		}
		t.Fatalf("files left: %v", names)
	}
}

// A record without a lastModified keeps a window in one slice; once the
// window is cut, it stops the sync with an error, instead of being
// written by every slice that lists it.
func TestParallelSyncRecordsWithoutLastModified(t *testing.T) {
	e := newSliceEnv(t)
	ctx := context.Background()
	// Listed first: the window is never cut.
	first := map[string]any{"untimed": 3, "reverse": true, "n": 2, "size": 5}
	want := e.onePager(first)
	out := e.file("par")
	sum, _, err := e.sync(ctx, first, 2, out, "", nil)
	if err != nil || sum.Slices != 1 {
		t.Fatalf("slices %d, err %v", sum.Slices, err)
	}
	sameOutput(t, "untimed first", read(t, out), want)
	// Listed last, after the window was cut.
	_, _, err = e.sync(ctx, map[string]any{"untimed": 3}, 2, e.file("par"), "", nil)
	if err == nil || !strings.Contains(err.Error(), `record "u1" has no lastModified`) || !strings.Contains(err.Error(), "--parallel 1") {
		t.Fatalf("err = %v", err)
	}
}

// A state saved while a slice that has become the head is in its first
// call resumes that slice from its first watermark.
func TestParallelSyncResumesAHeadBeforeItsFirstPage(t *testing.T) {
	e := newSliceEnv(t)
	e.end = 1700000000000 + 3600000 + 1000 // the data fills the window
	want := e.onePager(nil)
	out, statePath := e.file("out"), e.file("state")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		first := false
		once.Do(func() { first = true })
		if !first {
			return
		}
		// The first later slice's first call: held until the state has
		// moved into this slice, then the run is interrupted.
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			if data, err := os.ReadFile(statePath); err == nil {
				var st State
				if json.Unmarshal(data, &st) == nil && st.SliceStart > 0 {
					break
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}))
	defer srv.Close()
	if _, _, err := e.sync(ctx, map[string]any{"gate": srv.URL}, 2, out, statePath, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("first run: %v", err)
	}
	st := readState(t, statePath)
	if st.SliceStart == 0 || st.Next == nil || st.Next.Start != st.SliceStart || st.Next.End != e.end {
		t.Fatalf("saved: next %+v, slice [%d, %d)", st.Next, st.SliceStart, st.SliceEnd)
	}
	if _, _, err := e.sync(context.Background(), nil, 1, out, statePath, nil); err != nil {
		t.Fatal(err)
	}
	sameOutput(t, "resumed", read(t, out), want)
}

// A spill file handed to a job that cannot be sent is closed.
func TestParallelSyncClosesASpillNotSent(t *testing.T) {
	r := &Sync{}
	sl := &slicer{r: r, out: &Output{}, jobs: make(chan pageJob, 1), failed: make(chan struct{}), dir: t.TempDir(), win: Window{End: 10000}}
	sl.cond = sync.NewCond(&sl.mu)
	h := &slice{end: 5000, first: true, head: true, done: true}
	n := &slice{start: 5000, end: 10000, done: true}
	sl.queue = []*slice{h, n}
	if err := sl.spillPage(n, []Record{{Raw: []byte(`{}`)}}); err != nil {
		t.Fatal(err)
	}
	f := n.spill
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // interrupted
	sl.mu.Lock()
	err := sl.advance(ctx)
	sl.mu.Unlock()
	sl.closeSpills()
	if err == nil {
		t.Fatal("advance sent after an interrupt")
	}
	if err := f.Close(); err == nil {
		t.Fatal("the spill file is still open")
	}
}

// Records listed out of order once the window is cut stop the sync with
// an OrderError: a slice may have stopped before such records.
func TestParallelSyncRecordsOutOfOrder(t *testing.T) {
	e := newSliceEnv(t)
	// Every 97th record swapped with the next: the first page is in order,
	// a later one is not.
	_, _, err := e.sync(context.Background(), map[string]any{"swap": 97}, 2, e.file("par"), "", nil)
	var oe *OrderError
	if !errors.As(err, &oe) || !strings.Contains(err.Error(), "--parallel 1") {
		t.Fatalf("err = %v", err)
	}
	// One pager writes them as listed.
	if _, _, err := e.sync(context.Background(), map[string]any{"swap": 97}, 1, e.file("seq"), "", nil); err != nil {
		t.Fatal(err)
	}
}
