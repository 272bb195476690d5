package server

import (
	"encoding/json"
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
// from 32 concurrent clients, reporting invokes/s and latency percentiles,
// against a baseline measured in the same run with the same clients: a
// plain net/http handler that reads the envelope, decodes it with
// encoding/json and writes the same answer. host/baseline is the share of
// the baseline's rate the server keeps. The two alternate in chunks, so a
// busy machine slows both alike.
//
//	go test -run '^$' -bench InvokeHTTP -benchtime 20000x ./host/server/
func BenchmarkInvokeHTTP(b *testing.B) {
	const clients = 32
	h := benchHarness(b, nil)
	h.mustUpload("trivial", connector("trivial", "t"))
	tr := &http.Transport{MaxIdleConns: clients * 4, MaxIdleConnsPerHost: clients * 2}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	env := `{"type":"SYNAPSE_INFO","connection":{"name":"c","authConfig":{}},"body":{}}`
	var answer []byte
	call := func(url string) (time.Duration, error) {
		req, _ := http.NewRequest("POST", url, strings.NewReader(env))
		req.Header.Set("Authorization", "Bearer "+invokeTok)
		start := time.Now()
		res, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			return 0, fmt.Errorf("status %d", res.StatusCode)
		}
		if answer == nil {
			answer = body
		}
		return time.Since(start), nil
	}
	hostURL := h.ts.URL + "/trivial"
	if _, err := call(hostURL); err != nil { // the answer the baseline copies
		b.Fatal(err)
	}
	base := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var e struct {
			Type       string          `json:"type"`
			Connection json.RawMessage `json:"connection"`
			Body       json.RawMessage `json:"body"`
		}
		if err := json.NewDecoder(r.Body).Decode(&e); err != nil || e.Type != "SYNAPSE_INFO" {
			http.Error(w, "bad envelope", 400)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(answer)
	}))
	defer base.Close()
	for range clients * 4 { // warm the connections and the runtime pool
		for _, u := range []string{hostURL, base.URL} {
			if _, err := call(u); err != nil {
				b.Fatal(err)
			}
		}
	}
	// load runs n calls from the clients and returns their latencies.
	load := func(url string, lat []time.Duration) time.Duration {
		var next atomic.Int64
		var wg sync.WaitGroup
		start := time.Now()
		for range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := next.Add(1) - 1
					if i >= int64(len(lat)) {
						return
					}
					d, err := call(url)
					if err != nil {
						b.Error(err)
						return
					}
					lat[i] = d
				}
			}()
		}
		wg.Wait()
		return time.Since(start)
	}
	lat := make([]time.Duration, b.N)
	baseLat := make([]time.Duration, b.N)
	var elapsed, baseElapsed time.Duration
	const chunks = 4
	b.ResetTimer()
	for c := range chunks {
		lo, hi := b.N*c/chunks, b.N*(c+1)/chunks
		if c%2 == 0 {
			elapsed += load(hostURL, lat[lo:hi])
			baseElapsed += load(base.URL, baseLat[lo:hi])
		} else {
			baseElapsed += load(base.URL, baseLat[lo:hi])
			elapsed += load(hostURL, lat[lo:hi])
		}
	}
	b.StopTimer()
	pct := func(lat []time.Duration, p float64) float64 {
		slices.Sort(lat)
		return float64(lat[min(len(lat)-1, int(float64(len(lat))*p))]) / float64(time.Millisecond)
	}
	rate := float64(b.N) / elapsed.Seconds()
	baseRate := float64(b.N) / baseElapsed.Seconds()
	b.ReportMetric(rate, "invokes/s")
	b.ReportMetric(pct(lat, 0.50), "p50-ms")
	b.ReportMetric(pct(lat, 0.99), "p99-ms")
	b.ReportMetric(pct(lat, 0.999), "p99.9-ms")
	b.ReportMetric(baseRate, "baseline-req/s")
	b.ReportMetric(pct(baseLat, 0.99), "baseline-p99-ms")
	b.ReportMetric(rate/baseRate, "host/baseline")
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
