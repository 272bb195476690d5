package scripts_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/synapsejs/synapse-js/host"
	"github.com/synapsejs/synapse-js/sandbox/pipedrive"
)

// BenchmarkReadPersonsPage is one 500-record READ page of persons through
// pipedrive.js (Connector.Invoke of a wire READ envelope), the same page
// every time. The sandbox's answers are recorded on first use and replayed,
// so the process's CPU time is the engine's, not the sandbox's rendering:
// this is the figure to compare a change to the read path by
//
//	go test -run '^$' -bench ReadPersonsPage -count 10 ./scripts/ | benchstat -
//
// "small" sends the entity as the benchmarks do ({apiName, displayName, no
// attributes}); "described" sends the schema describe answers, as sync
// does, so the request body's cost is in the figure.
func BenchmarkReadPersonsPage(b *testing.B) {
	e := newEnvWrapped(b, pipedrive.Options{Records: 2000, Now: aMinuteAgo}, replay)
	conn := mustJSON(b, e.connection(nil))
	var described []json.RawMessage
	if err := json.Unmarshal(e.call("describe", e.connection(nil), map[string]any{"entities": []string{"person"}}), &described); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		entity json.RawMessage
	}{
		{"small", json.RawMessage(`{"apiName":"person","displayName":"Person","attributes":[]}`)},
		{"described", described[0]},
	} {
		b.Run(c.name, func(b *testing.B) {
			envl := mustJSON(b, map[string]any{
				"type": "READ", "connection": conn, "requestId": "bench",
				"body": map[string]any{"entity": c.entity, "watermark": benchWindow()},
			})
			page := func() int {
				r := e.conn.Invoke(context.Background(), envl, host.CallOptions{})
				if r.Err != nil {
					b.Fatalf("READ: %v", r.Err)
				}
				n, _ := scanPage(b, r.Body)
				return n
			}
			if n := page(); n != 500 {
				b.Fatalf("read %d records, want 500", n)
			}
			b.ReportAllocs()
			cpu := cpuTime()
			n := 0
			for b.Loop() {
				n += page()
			}
			b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/1e3/float64(n), "cpu-µs/rec")
		})
	}
}

// replay answers each GET the sandbox answered before with the same
// status, headers and body, and passes everything else through.
func replay(h http.Handler) http.Handler {
	type answer struct {
		status int
		header http.Header
		body   []byte
	}
	var mu sync.Mutex
	seen := map[string]*answer{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			h.ServeHTTP(w, r)
			return
		}
		key := r.URL.String()
		mu.Lock()
		a := seen[key]
		mu.Unlock()
		if a == nil {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			a = &answer{status: rec.Code, header: rec.Header().Clone(), body: bytes.Clone(rec.Body.Bytes())}
			mu.Lock()
			seen[key] = a
			mu.Unlock()
		}
		for k, v := range a.header {
			w.Header()[k] = v
		}
		w.WriteHeader(a.status)
		_, _ = w.Write(a.body)
	})
}
