package isolate_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/synapsejs/synapse-js/host"
	"github.com/synapsejs/synapse-js/host/isolate"
)

// liveChildren is the set of this process's children: the workers (a
// script cannot tell its worker's pid, having no file system).
func liveChildren(t *testing.T) map[string]bool {
	out := map[string]bool{}
	for _, c := range children(t) {
		out[c] = true
	}
	return out
}

func TestWorkersRecycled(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		opts      func(*isolate.Options)
		top, read string
		calls     int
	}{
		// After MaxCalls calls a worker is replaced.
		{"after N calls", func(o *isolate.Options) { o.MaxCalls = 2; o.Workers = 1 }, "", "", 6},
		// A worker whose memory stays above 60% of its limit for three
		// calls in a row is replaced, though it never reached the limit.
		{"high memory", func(o *isolate.Options) { o.Workers = 1 }, "const hog = [];", "if (hog.length === 0) hog.push('y'.repeat(170 << 20));", 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.top != "" && raceBuild {
				t.Skip("the race detector's shadow memory doubles a worker's resident size")
			}
			p, err := isolate.New(workerOptions(tc.opts))
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			c, err := p.Load(ctx, "r", "r.js", []byte(connector("r", "r", tc.top, tc.read)))
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for range tc.calls {
				r := c.Invoke(ctx, []byte(readEnvelope), host.CallOptions{})
				if r.Err != nil || !strings.Contains(string(r.Body), `"tag":"r"`) {
					t.Fatalf("call: %s", r.Body)
				}
				for pid := range liveChildren(t) {
					seen[pid] = true
				}
			}
			if len(seen) < 2 {
				t.Errorf("one worker served all %d calls; want it recycled", tc.calls)
			}
			if n, _ := p.Workers(); n > 1 {
				t.Errorf("%d workers alive, the bound is 1", n)
			}
		})
	}
}

// TestCallerGoneStopsTheCallNotTheWorker: a caller that goes away has its
// call interrupted in the worker, which stays to serve the next call.
func TestCallerGoneStopsTheCallNotTheWorker(t *testing.T) {
	h := newHarness(t, func(o *isolate.Options) { o.Workers = 1; o.PerConnector = 1 })
	h.mustUpload("spin", connector("spin", "spin", "", "if (req.entity.apiName === 'spin') for (;;) {}"))
	tagOf(t, h.invoke("spin", readEnvelope))
	before := liveChildren(t)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", h.ts.URL+"/spin", strings.NewReader(strings.Replace(readEnvelope, `"apiName":"thing"}`, `"apiName":"spin"}`, 1)))
	req.Header.Set("X-Synapse-Timeout", "60s")
	done := make(chan struct{})
	go func() {
		defer close(done)
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
		}
	}()
	// Wait until the call runs, then leave.
	for !strings.Contains(string(h.do("GET", "/v1/synapses/spin", "").body), `"running":1`) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	// The one worker is free again without a restart: the next call is
	// answered by the same process.
	if tag := tagOf(t, h.invoke("spin", readEnvelope)); tag != "spin" {
		t.Fatalf("after the cancelled call: %q", tag)
	}
	after := liveChildren(t)
	for pid := range after {
		if !before[pid] {
			t.Errorf("the worker was replaced (before %v, after %v): a cancelled call should be interrupted, not killed", before, after)
		}
	}
}
