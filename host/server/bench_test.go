package server

import (
	"fmt"
	"io"
	"net/http/httptest"
	"runtime"
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
