package server

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// benchHarness is a harness whose logs are written (JSON, as in
// production) and thrown away.
func benchHarness(b *testing.B, tune func(*Options)) *harness {
	h := &harness{t: b, dir: b.TempDir(), gate: newGate(), logs: &syncBuffer{}}
	h.srv = newServer(b, h.dir, h.gate, io.Discard, tune)
	h.ts = httptest.NewServer(h.srv.Handler())
	b.Cleanup(h.stop)
	return h
}

// BenchmarkInvokeHTTP measures synapse_info invokes over HTTP on loopback
// from 32 concurrent clients, reporting invokes/s and latency percentiles.
//
//	go test -run '^$' -bench InvokeHTTP -benchtime 20000x ./host/server/
func BenchmarkInvokeHTTP(b *testing.B) {
	const clients = 32
	h := benchHarness(b, nil)
	h.mustUpload("trivial", connector("trivial", "t"))
	url := h.ts.URL + "/trivial"
	tr := &http.Transport{MaxIdleConns: clients * 2, MaxIdleConnsPerHost: clients * 2}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	env := `{"type":"SYNAPSE_INFO","connection":{"name":"c","authConfig":{}},"body":{}}`
	call := func() (time.Duration, error) {
		req, _ := http.NewRequest("POST", url, strings.NewReader(env))
		req.Header.Set("Authorization", "Bearer "+invokeTok)
		start := time.Now()
		res, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			return 0, fmt.Errorf("status %d", res.StatusCode)
		}
		return time.Since(start), nil
	}
	for range clients * 4 { // warm the connections and the runtime pool
		if _, err := call(); err != nil {
			b.Fatal(err)
		}
	}
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				d, err := call()
				if err != nil {
					b.Error(err)
					return
				}
				lat[i] = d
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(float64(len(lat))*p))]) / float64(time.Millisecond)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "invokes/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(pct(0.999), "p99.9-ms")
}

// BenchmarkUploadToFirstCall measures from the start of an upload request
// to the first call of the new version answering.
func BenchmarkUploadToFirstCall(b *testing.B) {
	h := benchHarness(b, nil)
	h.mustUpload("swap", connector("swap", "v0"))
	var total time.Duration
	b.ResetTimer()
	for i := range b.N {
		tag := fmt.Sprint("v", i+1)
		src := connector("swap", tag)
		start := time.Now()
		h.mustUpload("swap", src)
		if got := h.readTag("swap"); got != tag {
			b.Fatalf("answered %q, want %q", got, tag)
		}
		total += time.Since(start)
	}
	b.ReportMetric(float64(total)/float64(b.N)/float64(time.Millisecond), "ms/upload-to-call")
}

// BenchmarkIdleMemory reports the heap in use, after GC, with 100
// connectors uploaded and idle.
func BenchmarkIdleMemory(b *testing.B) {
	for range b.N {
		h := benchHarness(b, nil)
		var before runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := range 100 {
			name := fmt.Sprintf("c%03d", i)
			h.mustUpload(name, connector(name, "t"))
		}
		runtime.GC()
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapInuse)/(1<<20), "MiB-heap-in-use")
		b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/(1<<20)/100, "MiB-per-connector")
		h.stop()
	}
}
