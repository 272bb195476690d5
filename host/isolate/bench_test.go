package isolate_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/synapsejs/synapse-js/host"
	"github.com/synapsejs/synapse-js/host/isolate"
)

// page500 reads a page of 500 records of a dozen fields each, about
// 0.3 MiB on the wire.
const page500 = `
    const data = [];
    for (let i = 0; i < 500; i++) {
      data.push({id: String(req.watermark.offset + i), name: 'person ' + i, lastModified: 1700000000000 + i,
        values: {id: i, name: 'Person number ' + i, email: 'person' + i + '@example.com', phone: '+1 555 0100 ' + i,
          org_id: i % 17, owner: {id: 7, name: 'Owner Seven', email: 'owner@example.com'}, active: i % 2 === 0,
          add_time: '2024-01-02 03:04:05', labels: [1, 2, 3], score: i * 1.5, notes: null}});
    }
    return {data, watermark: Object.assign({}, req.watermark, {offset: req.watermark.offset + 500}), offsetType: 'RECORD_COUNT'};`

var (
	trivialEnv = []byte(`{"type":"SYNAPSE_INFO","connection":{"name":"bench","authConfig":{}},"body":{}}`)
	pageEnv    = []byte(readEnvelope)
)

func benchPool(b *testing.B) *isolate.Pool {
	p, err := isolate.New(workerOptions(func(o *isolate.Options) { o.MemoryLimit = 512 << 20 }))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(p.Close)
	return p
}

// BenchmarkIsolationCost runs the same calls in process and in a worker,
// interleaved (one of each per iteration), and reports both times and
// their difference (trivial) or ratio (page).
func BenchmarkIsolationCost(b *testing.B) {
	src := []byte(connector("bench", "x", "", "if (req.watermark.limit === 100) {"+page500+"}"))
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		env  []byte
	}{{"trivial", trivialEnv}, {"page500", pageEnv}} {
		b.Run(tc.name, func(b *testing.B) {
			inproc, err := host.New(host.StdOptions(host.Options{})).LoadAs(ctx, "bench", "bench.js", src)
			if err != nil {
				b.Fatal(err)
			}
			iso, err := benchPool(b).Load(ctx, "bench", "bench.js", src)
			if err != nil {
				b.Fatal(err)
			}
			var tIn, tIso time.Duration
			var size int
			for b.Loop() {
				t0 := time.Now()
				r := inproc.Invoke(ctx, tc.env, host.CallOptions{})
				t1 := time.Now()
				ri := iso.Invoke(ctx, tc.env, host.CallOptions{})
				tIso += time.Since(t1)
				tIn += t1.Sub(t0)
				if r.Err != nil || ri.Err != nil || string(r.Body) != string(ri.Body) {
					b.Fatalf("answers differ or failed: %.200s / %.200s", r.Body, ri.Body)
				}
				size = len(r.Body)
			}
			n := float64(b.N)
			b.ReportMetric(float64(tIn.Microseconds())/n, "inproc-µs/call")
			b.ReportMetric(float64(tIso.Microseconds())/n, "isolated-µs/call")
			b.ReportMetric(float64((tIso-tIn).Microseconds())/n, "extra-µs/call")
			b.ReportMetric(float64(tIso)/float64(tIn), "isolated/inproc")
			b.ReportMetric(float64(size), "body-bytes")
		})
	}
}

// BenchmarkIdleConnectors loads 100 connectors under isolation, calls each
// once, and reports the workers that exist and their resident memory.
func BenchmarkIdleConnectors(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		p, err := isolate.New(workerOptions(func(o *isolate.Options) { o.Workers = 0; o.MemoryLimit = 512 << 20 }))
		if err != nil {
			b.Fatal(err)
		}
		var cs []*isolate.Connector
		for i := range 100 {
			name := fmt.Sprintf("idle%03d", i)
			c, err := p.Load(ctx, name, name+".js", []byte(connector(name, name, "", "")))
			if err != nil {
				b.Fatal(err)
			}
			if r := c.Invoke(ctx, pageEnv, host.CallOptions{}); r.Err != nil {
				b.Fatal(string(r.Body))
			}
			cs = append(cs, c)
		}
		n, rss := p.Workers()
		b.ReportMetric(float64(n), "seq-workers")
		b.ReportMetric(float64(rss)/(1<<20), "seq-RSS-MiB")
		// Then every connector called at once: the pool grows to its bound
		// and each worker loads the connectors it is given.
		var wg sync.WaitGroup
		for _, c := range cs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if r := c.Invoke(ctx, pageEnv, host.CallOptions{}); r.Err != nil {
					b.Error(string(r.Body))
				}
			}()
		}
		wg.Wait()
		n, rss = p.Workers()
		b.ReportMetric(float64(n), "burst-workers")
		b.ReportMetric(float64(rss)/(1<<20), "burst-RSS-MiB")
		p.Close()
	}
}
