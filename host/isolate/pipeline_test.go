package isolate

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/synapsejs/synapse-js/host"
)

// These tests drive the pool from inside the package, to see a worker's
// queue and kill its process. The test binary is the worker, as in the
// package's other tests (TestMain in helpers_test.go).

const pipelineWorkerEnv = "SYNAPSE_JS_ISOLATE_TEST_WORKER"

// blockingEnd is an end system whose /block answers only once released,
// and says when a request has arrived.
type blockingEnd struct {
	*httptest.Server
	arrived chan struct{}
	release chan struct{}
}

func newBlockingEnd(t *testing.T) *blockingEnd {
	e := &blockingEnd{arrived: make(chan struct{}, 16), release: make(chan struct{})}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.arrived <- struct{}{}
		select {
		case <-e.release:
		case <-r.Context().Done():
		}
		fmt.Fprint(w, `{"ok":true}`)
	}))
	t.Cleanup(func() {
		select {
		case <-e.release:
		default:
			close(e.release)
		}
		e.Close()
	})
	return e
}

func (e *blockingEnd) waitArrived(t *testing.T) {
	t.Helper()
	select {
	case <-e.arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the call did not reach the end system")
	}
}

// pipelinePool is a pool of one worker, so a connector's second call
// waits in the queue of the worker running its first.
func pipelinePool(t *testing.T, end string) (*Pool, *Connector) {
	t.Helper()
	// A call queues behind the blocked one however long that has run:
	// with the 5 ms default, whether it queued would depend on how fast
	// the machine got the second call there.
	p, err := New(Options{Command: []string{os.Args[0]}, Env: []string{pipelineWorkerEnv + "=1"}, Workers: 1,
		MemoryLimit: 256 << 20, AddressSpace: -1, QueueBehind: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	src := fmt.Sprintf(`const http = require('synapse/http');
module.exports = {
  synapse_info() { return {name: 'queue', metadata: {displayName: 'Q'}, supportedAuthTypes: [{authType: 'None'}]}; },
  test(c) { return c; },
  describe(req) { return [{apiName: 'thing', displayName: 'Thing', attributes: []}]; },
  read(req) {
    if (req.entity.apiName === 'block') http.get(%q, {retry: 0});
    return {data: [{id: '1', name: 'thing', values: {tag: req.entity.apiName}, lastModified: 1}], watermark: req.watermark, offsetType: 'RECORD_COUNT'};
  },
};
`, end+"/block")
	c, err := p.Load(context.Background(), "queue", "queue.js", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return p, c
}

func readOf(entity string) []byte {
	return []byte(`{"type":"READ","connection":{"name":"c","authConfig":{}},"body":{"entity":{"apiName":"` + entity +
		`"},"entityWithMappedFields":{"apiName":"` + entity + `"},"watermark":{"start":0,"end":10,"offset":0,"limit":100}}}`)
}

// onlyWorker returns the pool's one live worker.
func onlyWorker(t *testing.T, p *Pool) *proc {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.live) != 1 {
		t.Fatalf("%d workers alive, want 1", len(p.live))
	}
	for w := range p.live {
		return w
	}
	return nil
}

// waitQueued waits until w has n requests sent and not answered.
func waitQueued(t *testing.T, w *proc, n int) {
	t.Helper()
	for start := time.Now(); ; time.Sleep(time.Millisecond) {
		w.mu.Lock()
		got := len(w.queue)
		w.mu.Unlock()
		if got == n {
			return
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("the worker has %d requests queued, want %d", got, n)
		}
	}
}

func invokeAsync(c *Connector, env []byte, opts host.CallOptions) <-chan *host.Response {
	ch := make(chan *host.Response, 1)
	go func() { ch <- c.Invoke(context.Background(), env, opts) }()
	return ch
}

func answer(t *testing.T, ch <-chan *host.Response) *host.Response {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(20 * time.Second):
		t.Fatal("no answer")
		return nil
	}
}

// A worker that dies fails the call it was running; the call waiting in
// its queue never started, so it runs in a new worker and succeeds.
func TestQueuedCallRunsElsewhereWhenItsWorkerDies(t *testing.T) {
	end := newBlockingEnd(t)
	p, c := pipelinePool(t, end.URL)
	first := invokeAsync(c, readOf("block"), host.CallOptions{})
	end.waitArrived(t)
	w := onlyWorker(t, p)
	second := invokeAsync(c, readOf("thing"), host.CallOptions{})
	waitQueued(t, w, 2)
	_ = w.cmd.Process.Kill() // as the OS would kill it
	r1 := answer(t, first)
	if r1.Err == nil || r1.Err.Status != 500 || !strings.Contains(*r1.Err.Detail, "crashed") {
		t.Errorf("the running call: want 500 saying its worker crashed, got %s", r1.Body)
	}
	r2 := answer(t, second)
	if r2.Err != nil || !strings.Contains(string(r2.Body), `"tag":"thing"`) {
		t.Errorf("the queued call: want its page, got %s", r2.Body)
	}
	if w2 := onlyWorker(t, p); w2 == w || w2.pid == w.pid {
		t.Error("the queued call did not run in a new worker")
	}
}

// A call still queued at its deadline is answered 504 "did not start";
// the worker, busy with an earlier call that is within its own deadline,
// is not killed, and that call answers.
func TestQueuedCallPastItsDeadlineLeavesTheWorker(t *testing.T) {
	end := newBlockingEnd(t)
	p, c := pipelinePool(t, end.URL)
	first := invokeAsync(c, readOf("block"), host.CallOptions{Timeout: 30 * time.Second})
	end.waitArrived(t)
	w := onlyWorker(t, p)
	second := invokeAsync(c, readOf("thing"), host.CallOptions{Timeout: 200 * time.Millisecond})
	r2 := answer(t, second)
	if r2.Err == nil || r2.Err.Status != 504 || !strings.Contains(r2.Err.Message, "did not start") ||
		!strings.Contains(*r2.Err.Detail, "queue") {
		t.Errorf("the queued call: want 504 did not start, waiting in a queue; got %s", r2.Body)
	}
	if !w.alive() || w.endCause() != causeNone {
		t.Fatalf("the worker was stopped (%q)", w.endCause())
	}
	close(end.release)
	r1 := answer(t, first)
	if r1.Err != nil || !strings.Contains(string(r1.Body), `"tag":"block"`) {
		t.Errorf("the running call: want its page, got %s", r1.Body)
	}
	// The worker answered the expired call when it got to it, and serves on.
	waitQueued(t, w, 0)
	r3 := c.Invoke(context.Background(), readOf("thing"), host.CallOptions{})
	if r3.Err != nil || onlyWorker(t, p) != w {
		t.Errorf("after: %s, same worker %v", r3.Body, onlyWorker(t, p) == w)
	}
}
