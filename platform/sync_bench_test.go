package platform

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/synapsejs/synapse-js/host"
	"github.com/synapsejs/synapse-js/internal/jsjson"
	"github.com/synapsejs/synapse-js/sandbox/pipedrive"
	"github.com/synapsejs/synapse-js/scripts"
)

// BenchmarkSyncVsRead compares, in one run, reading 50,000 sandbox persons
// through the engine and throwing the pages away (paging needs only the
// watermark and the record count) with sync writing them to an NDJSON file,
// fsynced and checkpointed to a state file after every page, one call after
// another (sync) and in two slices at once (psync, --parallel 2). It reports
// the rates, sync/read (which should stay at or above 0.9) and psync/read. The two
// passes alternate (and swap order every iteration), so drift in the
// machine's speed hits both alike; use -benchtime 6x or more on a busy
// machine.
//
//	go test -run '^$' -bench SyncVsRead -benchtime 3x ./platform/
func BenchmarkSyncVsRead(b *testing.B) {
	const persons = 50000
	ctx := context.Background()
	sb := pipedrive.New(pipedrive.Options{Records: persons, Seed: 1})
	base, stop, err := sb.Start(ctx, "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer stop()
	e := host.New(host.StdOptions(host.Options{Logger: zerolog.Nop()}))
	c, err := e.Load(ctx, "pipedrive.js", scripts.Pipedrive())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	conn, _ := json.Marshal(map[string]any{"name": "bench",
		"authConfig": map[string]any{"endpoint": base, "token": pipedrive.DefaultToken},
		"metaConfig": map[string]any{"readSkewSeconds": 0}})
	schema, err := DescribeOne(ctx, c, conn, "person", time.Minute)
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()

	readOnly := func() int64 {
		p := NewPager(c, conn, schema, time.Minute, NewWatermark(0, time.Now().UnixMilli()))
		var n int64
		for !p.done {
			resp := c.Call(ctx, "read", conn, ReadBody(schema, p.wm), host.CallOptions{Timeout: time.Minute})
			if resp.Err != nil {
				b.Fatal(resp.Err)
			}
			page, count := &Page{OffsetType: "RECORD_COUNT"}, 0
			err := jsjson.EachField(resp.Body, func(key, val []byte) error {
				switch string(key) {
				case "data":
					return jsjson.EachElem(val, func([]byte) error { count++; return nil })
				case "watermark":
					return json.Unmarshal(val, &page.Watermark)
				case "offsetType":
					return json.Unmarshal(val, &page.OffsetType)
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			page.Records = make([]Record, count)
			p.pages++
			p.records += int64(count)
			if err := p.advance(p.wm, page); err != nil {
				b.Fatal(err)
			}
			n += int64(count)
		}
		return n
	}
	syncWith := func(parallel int) int64 {
		out := filepath.Join(dir, "persons.ndjson")
		state := filepath.Join(dir, "state.json")
		_ = os.Remove(state)
		r := &Sync{Connector: c, Connection: conn, Schema: schema, Timeout: time.Minute, Until: time.Now().UnixMilli(), Parallel: parallel}
		if err := r.LoadState(state, c.Name(), "person", 0); err != nil {
			b.Fatal(err)
		}
		o, closeOut, err := r.OpenOutput(out, nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		sum, err := r.Run(ctx, o)
		if cerr := closeOut(); err == nil {
			err = cerr
		}
		if err != nil {
			b.Fatal(err)
		}
		return sum.Records
	}
	syncToFile := func() int64 { return syncWith(1) }
	syncParallel := func() int64 { return syncWith(2) }
	if n := readOnly(); n != persons {
		b.Fatalf("read %d persons, want %d", n, persons)
	}
	if n := syncToFile(); n != persons {
		b.Fatalf("synced %d persons, want %d", n, persons)
	}
	if n := syncParallel(); n != persons {
		b.Fatalf("synced %d persons in parallel, want %d", n, persons)
	}
	var readDur, syncDur, parDur time.Duration
	var readN, syncN, parN int64
	timed := func(f func() int64, n *int64, d *time.Duration) {
		runtime.GC() // no garbage carried from one pass into the other
		t0 := time.Now()
		*n += f()
		*d += time.Since(t0)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// Alternate which pass goes first, so neither always inherits the
		// other's leftovers (page cache, heap).
		if i%2 == 0 {
			timed(readOnly, &readN, &readDur)
			timed(syncToFile, &syncN, &syncDur)
			timed(syncParallel, &parN, &parDur)
		} else {
			timed(syncParallel, &parN, &parDur)
			timed(syncToFile, &syncN, &syncDur)
			timed(readOnly, &readN, &readDur)
		}
	}
	b.StopTimer()
	readRate := float64(readN) / readDur.Seconds()
	syncRate := float64(syncN) / syncDur.Seconds()
	b.ReportMetric(readRate, "read-rec/s")
	b.ReportMetric(syncRate, "sync-rec/s")
	b.ReportMetric(syncRate/readRate, "sync/read")
	parRate := float64(parN) / parDur.Seconds()
	b.ReportMetric(parRate, "psync-rec/s")
	b.ReportMetric(parRate/readRate, "psync/read")
}
