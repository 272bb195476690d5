package isolate_test

import (
	"context"
	"strings"
	"testing"

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
