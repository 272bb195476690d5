package scripts_test

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"runtime"
	"testing"
	"time"

	"github.com/synapsejs/synapse-js/host"
	"github.com/synapsejs/synapse-js/internal/benchkit"
	"github.com/synapsejs/synapse-js/sandbox/pipedrive"
)

// The READ benchmark: every live person of a 50,000-person sandbox, in
// pages of 500, once through pipedrive.js (each page a full READ envelope
// through Connector.Invoke, wire response encoded) and once through a plain
// Go client that makes the same requests, builds the same records and
// encodes the same wire JSON. Both run against the same in-process sandbox
// on loopback, in the same benchmark run.
//
//	go test -run '^$' -bench ReadPersons -benchtime 5x ./scripts/
const benchRecords = 50000

// readFn reads one whole window and returns the records and wire bytes.
type readFn func(tb testing.TB, wm Watermark) (records, wireBytes int)

// benchEnv is the sandbox, the loaded connector, and both readers.
type benchEnv struct {
	*env
	conn json.RawMessage
}

func newBenchEnv(tb testing.TB, records int) *benchEnv {
	e := newEnv(tb, pipedrive.Options{Records: records, Now: aMinuteAgo})
	return &benchEnv{env: e, conn: mustJSON(tb, e.connection(nil))}
}

// window is the whole history, 500 per page; what the platform sends for
// a resync.
func benchWindow() Watermark {
	return Watermark{Start: 0, End: time.Now().UnixMilli(), Limit: 500, IsResync: true}
}

// readJS pages through the window with wire READ calls, as the platform
// would: it only looks at the returned watermark to make the next call.
func (be *benchEnv) readJS(tb testing.TB, wm Watermark) (records, wireBytes int) {
	entity := json.RawMessage(`{"apiName":"person","displayName":"Person","attributes":[]}`)
	for {
		envl, err := json.Marshal(map[string]any{
			"type": "READ", "connection": be.conn, "requestId": "bench",
			"body": map[string]any{"entity": entity, "watermark": wm},
		})
		if err != nil {
			tb.Fatal(err)
		}
		r := be.env.conn.Invoke(context.Background(), envl, host.CallOptions{})
		if r.Err != nil {
			tb.Fatalf("READ: %v", r.Err)
		}
		wireBytes += len(r.Body)
		n, next := scanPage(tb, r.Body)
		records += n
		if n == 0 || n < int(wm.Limit) {
			return records, wireBytes
		}
		wm = next
	}
}

// scanPage reads a READ answer's record count and watermark without
// decoding the records: the data array comes first, then the watermark.
func scanPage(tb testing.TB, body []byte) (int, Watermark) {
	i := bytes.LastIndex(body, []byte(`"watermark":`))
	if i < 0 {
		tb.Fatalf("no watermark in %s", truncate(body, 200))
	}
	var wm Watermark
	if err := json.NewDecoder(bytes.NewReader(body[i+len(`"watermark":`):])).Decode(&wm); err != nil {
		tb.Fatal(err)
	}
	// Records are counted by their "lastModified" keys; values cannot hold
	// that sequence unescaped at the top level of a record.
	return bytes.Count(body[:i], []byte(`,"lastModified":`)), wm
}

// goReader is the baseline: the fastest reasonable plain-Go client
// (internal/benchkit: a reused fastjson parser, values copied as JSON)
// doing exactly what pipedrive.js does for a READ of persons, so js/go
// says how far the engine is from Go, not from encoding/json.
type goReader struct{ r *benchkit.GoReader }

func (g *goReader) read(tb testing.TB, wm Watermark) (records, wireBytes int) {
	for {
		body, n, next, err := g.page(wm)
		if err != nil {
			tb.Fatal(err)
		}
		records += n
		wireBytes += len(body)
		if n == 0 || n < int(wm.Limit) {
			return records, wireBytes
		}
		wm = next
	}
}

// page is one READ; the wire answer is valid until the next call.
func (g *goReader) page(wm Watermark) (wire []byte, n int, next Watermark, err error) {
	wire, n, bn, err := g.r.Page(benchkit.Watermark{Start: wm.Start, End: wm.End, Limit: wm.Limit, Cursor: wm.Cursor, IsResync: wm.IsResync})
	next = wm
	next.End, next.Cursor = bn.End, bn.Cursor
	return wire, n, next, err
}

// cost is what one read took: wall time, process CPU time and bytes
// allocated (by the whole process, the in-process sandbox included).
type cost struct {
	wall, cpu time.Duration
	alloc     uint64
}

func (c cost) add(o cost) cost { return cost{c.wall + o.wall, c.cpu + o.cpu, c.alloc + o.alloc} }

// measure runs read once and returns its records and cost.
func measure(tb testing.TB, read readFn, wm Watermark) (int, cost) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu := cpuTime()
	start := time.Now()
	records, _ := read(tb, wm)
	c := cost{wall: time.Since(start), cpu: cpuTime() - cpu}
	runtime.ReadMemStats(&after)
	c.alloc = after.TotalAlloc - before.TotalAlloc
	return records, c
}

func (be *benchEnv) goReader() *goReader {
	return &goReader{benchkit.NewGoReader(be.srv.URL, be.sb.Token())}
}

// BenchmarkReadPersons compares both paths in one run: each iteration reads
// the 50,000 persons through pipedrive.js and then through plain Go. The
// metrics, for each path: records/s (wall clock), CPU µs per record (the
// process's user+system time, steadier on a busy machine) and bytes
// allocated per record; and the ratios js/go of wall and CPU time (the
// target is at most 2).
func BenchmarkReadPersons(b *testing.B) {
	be := newBenchEnv(b, benchRecords)
	g := be.goReader()
	want := be.sb.Count("person")
	// Warm up both: runtimes, connections, the sandbox's rendered JSON.
	be.readJS(b, benchWindow())
	g.read(b, benchWindow())
	var js, gc cost
	var n int
	b.ResetTimer()
	for b.Loop() {
		rj, cj := measure(b, be.readJS, benchWindow())
		rg, cg := measure(b, g.read, benchWindow())
		if rj != want || rg != want {
			b.Fatalf("read %d (js) and %d (go) persons, want %d", rj, rg, want)
		}
		js, gc, n = js.add(cj), gc.add(cg), n+want
	}
	b.ReportMetric(float64(n)/js.wall.Seconds(), "js-rec/s")
	b.ReportMetric(float64(n)/gc.wall.Seconds(), "go-rec/s")
	b.ReportMetric(js.wall.Seconds()/gc.wall.Seconds(), "js/go-wall")
	if gc.cpu > 0 {
		b.ReportMetric(float64(js.cpu.Microseconds())/float64(n), "js-cpu-µs/rec")
		b.ReportMetric(float64(gc.cpu.Microseconds())/float64(n), "go-cpu-µs/rec")
		b.ReportMetric(js.cpu.Seconds()/gc.cpu.Seconds(), "js/go-cpu")
	}
	b.ReportMetric(float64(js.alloc)/float64(n), "js-B/rec")
	b.ReportMetric(float64(gc.alloc)/float64(n), "go-B/rec")
}

// BenchmarkReadPersonsJS is the connector path alone, for profiling:
//
//	go test -run '^$' -bench ReadPersonsJS -cpuprofile cpu.out ./scripts/
func BenchmarkReadPersonsJS(b *testing.B) {
	be := newBenchEnv(b, benchRecords)
	be.readJS(b, benchWindow())
	benchOne(b, be.readJS)
}

// BenchmarkReadPersonsGo is the plain Go path alone.
func BenchmarkReadPersonsGo(b *testing.B) {
	be := newBenchEnv(b, benchRecords)
	g := be.goReader()
	g.read(b, benchWindow())
	benchOne(b, g.read)
}

func benchOne(b *testing.B, read readFn) {
	b.ReportAllocs()
	var n, wire int
	start := time.Now()
	for b.Loop() {
		r, w := read(b, benchWindow())
		n, wire = n+r, wire+w
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "rec/s")
	b.ReportMetric(float64(wire)/float64(n), "wire-B/rec")
}

// TestGoBaselineMatches holds the benchmark's two paths to the same work:
// the same records, values, times and watermarks, page by page.
func TestGoBaselineMatches(t *testing.T) {
	t.Parallel()
	be := newBenchEnv(t, 1200)
	g := be.goReader()
	wm := benchWindow()
	wm.Limit = 250
	for page := 0; ; page++ {
		envl := mustJSON(t, map[string]any{"type": "READ", "connection": be.conn,
			"body": map[string]any{"entity": map[string]any{"apiName": "person", "displayName": "Person", "attributes": []any{}}, "watermark": wm}})
		r := be.env.conn.Invoke(context.Background(), envl, host.CallOptions{})
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		goWire, n, next, err := g.page(wm)
		if err != nil {
			t.Fatal(err)
		}
		var js, gw any
		if err := json.Unmarshal(r.Body, &js); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(goWire, &gw); err != nil {
			t.Fatal(err)
		}
		// The watermark's end is now - skew for each; only data must match
		// exactly, and the cursors.
		jm, gm := js.(map[string]any), gw.(map[string]any)
		if !reflect.DeepEqual(jm["data"], gm["data"]) {
			t.Fatalf("page %d: records differ:\njs %s\ngo %s", page, truncate(r.Body, 600), truncate(goWire, 600))
		}
		jw, gwm := jm["watermark"].(map[string]any), gm["watermark"].(map[string]any)
		if jw["cursor"] != gwm["cursor"] || jm["offsetType"] != gm["offsetType"] {
			t.Fatalf("page %d: watermarks differ: %v vs %v", page, jw, gwm)
		}
		if cnt, _ := scanPage(t, r.Body); cnt != n {
			t.Fatalf("scanPage counted %d records, want %d", cnt, n)
		}
		if n < int(wm.Limit) {
			return
		}
		wm = next
	}
}
