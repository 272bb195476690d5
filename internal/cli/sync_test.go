package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// pagedJS is a source with n records (metaConfig.n, default 50), ids 1..n,
// whose lastModified come in pairs (2k-1 and 2k share one), paged by
// RECORD_COUNT in pages of metaConfig.size. metaConfig.failAt makes the
// read at that offset throw; metaConfig.spin busy-waits that many ms per
// page, so a test can interrupt it.
const pagedJS = `
const BASE = 1700000000000;
function lm(i) { return BASE + Math.floor((i + 1) / 2) * 1000; }
module.exports = {
  synapse_info() {
    return { name: 'paged', metadata: { displayName: 'Paged' }, supportedAuthTypes: [{ authType: 'None' }] };
  },
  test(c) { return c; },
  describe(req) {
    const names = req.entities && req.entities.length ? req.entities : ['item'];
    return names.map((n) => ({ apiName: n, displayName: n, attributes: [
      { apiName: 'id', displayName: 'Id', isIdField: true },
      { apiName: 'updated', displayName: 'Updated', dataType: 'datetime', isWatermarkField: true },
    ] }));
  },
  read(req, ctx) {
    const m = ctx.connection.metaConfig || {};
    const n = Number(m.n || 50), size = Number(m.size || 7), spin = Number(m.spin || 0);
    if (req.entity.attributes.length !== 2) throw new Error('want the described schema');
    const w = req.watermark;
    const off = w.offset || 0;
    if (m.failAt !== undefined && off === Number(m.failAt)) throw new Error('boom at offset ' + off);
    const t0 = Date.now();
    while (Date.now() - t0 < spin) {}
    const recs = [];
    for (let i = 1; i <= n; i++) {
      if (lm(i) >= w.start && lm(i) <= w.end) recs.push({ id: String(i), name: 'item', values: { n: i, text: 'line\nbreak "q"' }, lastModified: lm(i) });
    }
    const page = recs.slice(off, off + size);
    const next = off + page.length < recs.length ? off + page.length : 0;
    return { data: page, watermark: Object.assign({}, w, { offset: next }), offsetType: 'RECORD_COUNT' };
  },
};
`

func seq(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, strconv.Itoa(i))
	}
	return out
}

func syncArgs(file, out, state string, extra ...string) []string {
	return append([]string{"sync", file, "--entity", "item", "--out", out, "--state", state, "--log-level", "error"}, extra...)
}

func readIDs(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return ndjsonIDs(t, data)
}

func TestSyncWritesEveryRecordOnce(t *testing.T) {
	dir := t.TempDir()
	js := writeFile(t, filepath.Join(dir, "paged.js"), pagedJS)
	out, state := filepath.Join(dir, "out.ndjson"), filepath.Join(dir, "state.json")
	// One pager, so the pages are the platform's.
	r := run(t, nil, syncArgs(js, out, state, "--parallel", "1")...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	// Not a terminal: no progress line, one summary line on stderr.
	summary := regexp.MustCompile(`^synapse-js: item: 50 records in 8 pages, (<1ms|[0-9.]+m?s), [0-9.]+[kM]? rec/s, to \S+out\.ndjson; state in \S+state\.json\n$`)
	if r.stdout != "" || !summary.MatchString(r.stderr) || strings.Contains(r.stderr, "\r") {
		t.Errorf("want one summary line, got stdout %q stderr %q", r.stdout, r.stderr)
	}
	if got := readIDs(t, out); !slices.Equal(got, seq(1, 50)) {
		t.Fatalf("ids = %v", got)
	}
	st := readState(t, state)
	fi, _ := os.Stat(out)
	switch {
	case st.Next != nil:
		t.Errorf("window not complete: next %+v", st.Next)
	case st.Output.Bytes != fi.Size() || st.Output.Records != 50:
		t.Errorf("output %+v, file has %d bytes", st.Output, fi.Size())
	case st.HighWater == nil || st.HighWater.LastModified != 1700000000000+25000 || !slices.Equal(st.HighWater.IDs, []string{"49", "50"}):
		t.Errorf("high water %+v", st.HighWater)
	case st.Pages != 8 || st.Records != 50:
		t.Errorf("pages %d records %d", st.Pages, st.Records)
	}
	// A record is the connector's bytes: escapes survive.
	data, _ := os.ReadFile(out)
	if !strings.Contains(string(data), `"text":"line\nbreak \"q\""`) {
		t.Errorf("records re-encoded: %s", strings.SplitN(string(data), "\n", 2)[0])
	}

	// A rerun is incremental: the boundary records 49 and 50 come back
	// and are not written again; new ones are.
	if r := run(t, nil, syncArgs(js, out, state)...); r.code != 0 {
		t.Fatalf("rerun: exit %d: %s", r.code, r.stderr)
	}
	if got := readIDs(t, out); !slices.Equal(got, seq(1, 50)) {
		t.Fatalf("after an empty incremental run: %v", got[45:])
	}
	if r := run(t, nil, syncArgs(js, out, state, "--meta", "n=53")...); r.code != 0 {
		t.Fatalf("rerun: exit %d: %s", r.code, r.stderr)
	}
	if got := readIDs(t, out); !slices.Equal(got, seq(1, 53)) {
		t.Fatalf("after new records: %v", got[45:])
	}
	st = readState(t, state)
	if st.Window.Start != 1700000000000+25000 || !slices.Equal(st.Window.SkipIDs, []string{"49", "50"}) {
		t.Errorf("window %+v", st.Window)
	}
}

func TestSyncResumesAfterAFailure(t *testing.T) {
	dir := t.TempDir()
	js := writeFile(t, filepath.Join(dir, "paged.js"), pagedJS)
	out, state := filepath.Join(dir, "out.ndjson"), filepath.Join(dir, "state.json")
	r := run(t, nil, syncArgs(js, out, state, "--meta", "failAt=21", "--parallel", "1")...)
	if r.code != 1 || !strings.Contains(r.stderr, "boom at offset 21") || !strings.Contains(r.stderr, "rerun to resume") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if got := readIDs(t, out); !slices.Equal(got, seq(1, 21)) {
		t.Fatalf("before resume: %v", got)
	}
	st := readState(t, state)
	if st.Next == nil || st.Next.Offset != 21 {
		t.Fatalf("next %+v", st.Next)
	}
	// A crash after a page was written but before its state was saved
	// leaves a tail the state does not cover: resume drops it.
	f, _ := os.OpenFile(out, os.O_APPEND|os.O_WRONLY, 0)
	fmt.Fprint(f, `{"id":"22","values":{}}`+"\n"+`{"id":"23","val`)
	f.Close()
	if r := run(t, nil, syncArgs(js, out, state)...); r.code != 0 {
		t.Fatalf("resume: exit %d: %s", r.code, r.stderr)
	}
	if got := readIDs(t, out); !slices.Equal(got, seq(1, 50)) {
		t.Fatalf("after resume: %v", got)
	}
}

func TestSyncSurvivesAnInterrupt(t *testing.T) {
	dir := t.TempDir()
	js := writeFile(t, filepath.Join(dir, "paged.js"), pagedJS)
	out, state := filepath.Join(dir, "out.ndjson"), filepath.Join(dir, "state.json")
	// 100 pages of 15 ms each: the interrupt lands mid-sync even when the
	// poll below is slow to notice the fifth page.
	args := syncArgs(js, out, state, "--meta", "n=400", "--meta", "size=4", "--meta", "spin=15")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan result, 1)
	go func() { done <- runCLI(ctx, t, nil, args...) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var st struct{ Pages int64 }
		if data, err := os.ReadFile(state); err == nil && json.Unmarshal(data, &st) == nil && st.Pages >= 5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no progress")
		}
		time.Sleep(2 * time.Millisecond)
	}
	cancel()
	r := <-done
	if r.code != 130 || !strings.Contains(r.stderr, "interrupted") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	st := readState(t, state)
	if st.Next == nil || st.Output.Records >= 400 {
		t.Fatalf("state after interrupt: %+v", st)
	}
	if got := readIDs(t, out); !slices.Equal(got, seq(1, int(st.Output.Records))) {
		t.Fatalf("after interrupt: %v", got)
	}
	if r := run(t, nil, syncArgs(js, out, state, "--meta", "n=400", "--meta", "size=4")...); r.code != 0 {
		t.Fatalf("resume: exit %d: %s", r.code, r.stderr)
	}
	if got := readIDs(t, out); !slices.Equal(got, seq(1, 400)) {
		t.Fatalf("after resume: %d records", len(got))
	}
}

// --parallel reads the window in slices and writes what one pager writes;
// the summary says how many slices.
func TestSyncParallelWritesWhatOnePagerWrites(t *testing.T) {
	dir := t.TempDir()
	js := writeFile(t, filepath.Join(dir, "paged.js"), pagedJS)
	meta := []string{"--meta", "n=400", "--meta", "size=4"}
	one, oneState := filepath.Join(dir, "one.ndjson"), filepath.Join(dir, "one.json")
	if r := run(t, nil, syncArgs(js, one, oneState, append(meta, "--parallel", "1")...)...); r.code != 0 || strings.Contains(r.stderr, "slice") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	want, _ := os.ReadFile(one)
	out, state := filepath.Join(dir, "out.ndjson"), filepath.Join(dir, "state.json")
	r := run(t, nil, syncArgs(js, out, state, append(meta, "--parallel", "3")...)...)
	if r.code != 0 || !regexp.MustCompile(`400 records in \d+ pages \(\d+ slices\)`).MatchString(r.stderr) {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if got, _ := os.ReadFile(out); string(got) != string(want) {
		t.Fatalf("parallel output differs: %d ids, want %d", len(ndjsonIDs(t, got)), len(ndjsonIDs(t, want)))
	}
	st, oneSt := readState(t, state), readState(t, oneState)
	if st.Next != nil || fmt.Sprint(st.HighWater) != fmt.Sprint(oneSt.HighWater) || st.Output.Bytes != oneSt.Output.Bytes {
		t.Errorf("state %+v, one pager's %+v", st, oneSt)
	}
	if r := run(t, nil, syncArgs(js, out, state, "--parallel", "0")...); r.code != 2 || !strings.Contains(r.stderr, "--parallel 0: want 1 or more") {
		t.Errorf("--parallel 0: exit %d: %s", r.code, r.stderr)
	}
}

func TestSyncWindowLimitRestartsAtTheHighWaterMark(t *testing.T) {
	dir := t.TempDir()
	js := writeFile(t, filepath.Join(dir, "paged.js"), pagedJS)
	out, state := filepath.Join(dir, "out.ndjson"), filepath.Join(dir, "state.json")
	// Windows of at most 10 records: each restarts at the highest
	// lastModified written and skips the ids already written there.
	r := run(t, nil, syncArgs(js, out, state, "--limit", "10", "--meta", "size=3")...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if got := readIDs(t, out); !slices.Equal(got, seq(1, 50)) {
		t.Fatalf("ids = %v", got)
	}
}

func TestSyncToStdoutWithoutState(t *testing.T) {
	dir := t.TempDir()
	js := writeFile(t, filepath.Join(dir, "paged.js"), pagedJS)
	r := run(t, nil, "sync", js, "--entity", "item", "--since", "1700000010000", "--until", "1700000012000")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if got := ndjsonIDs(t, []byte(r.stdout)); !slices.Equal(got, seq(19, 24)) {
		t.Fatalf("ids = %v", got)
	}
}

func TestSyncStopsOnARepeatedOffset(t *testing.T) {
	js := filepath.Join(repoRoot(t), "testdata", "broken", "repeat_offset.js")
	r := run(t, nil, "sync", js, "--entity", "thing", "--out", filepath.Join(t.TempDir(), "o.ndjson"))
	if r.code != 1 || !strings.Contains(r.stderr, "returned offset 3 again") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
}

func TestSyncStateMismatch(t *testing.T) {
	dir := t.TempDir()
	js := writeFile(t, filepath.Join(dir, "paged.js"), pagedJS)
	out, state := filepath.Join(dir, "out.ndjson"), filepath.Join(dir, "state.json")
	if r := run(t, nil, syncArgs(js, out, state, "--meta", "failAt=14")...); r.code != 1 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	r := run(t, nil, "sync", js, "--entity", "other", "--out", out, "--state", state)
	if r.code != 2 || !strings.Contains(r.stderr, `is for entity "item"`) {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	r = run(t, nil, syncArgs(js, filepath.Join(dir, "elsewhere.ndjson"), state)...)
	if r.code != 2 || !strings.Contains(r.stderr, "in the middle of a window") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	os.Truncate(out, 10)
	r = run(t, nil, syncArgs(js, out, state)...)
	if r.code != 1 || !strings.Contains(r.stderr, "the output was changed") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
}
