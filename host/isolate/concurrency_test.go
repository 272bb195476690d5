package isolate_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/synapsejs/synapse-js/host/isolate"
)

// Under isolation the server admits as many calls of one connector as the
// pool takes (its workers per connector, each running one call and
// holding three more), not the in-process engine's pool size: with four
// workers, eight calls of a connector are admitted and the ninth waits.
func TestServerAdmitsWhatThePoolTakes(t *testing.T) {
	arrived := make(chan struct{}, 64)
	release := make(chan struct{})
	end := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
		fmt.Fprint(w, `{"ok":true}`)
	}))
	defer end.Close()
	var once sync.Once
	open := func() { once.Do(func() { close(release) }) }
	defer open()
	h := newHarness(t, func(o *isolate.Options) { o.Workers = 4 })
	h.mustUpload("held", connector("held", "held", "const http = require('synapse/http');",
		fmt.Sprintf("if (req.entity.apiName === 'block') http.get(%q, {retry: 0});", end.URL)))
	blockEnv := strings.Replace(readEnvelope, `"apiName":"thing"}`, `"apiName":"block"}`, 1)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if tag := tagOf(t, h.invoke("held", blockEnv, "X-Synapse-Timeout", "30s")); tag != "held" {
				t.Errorf("a held call answered tag %q", tag)
			}
		}()
	}
	// Two run (a connector holds half of the four workers); the other six
	// were admitted and wait for them (they do not queue behind calls that
	// have run for long).
	for range 2 {
		select {
		case <-arrived:
		case <-time.After(10 * time.Second):
			t.Fatal("the held calls did not reach the end system")
		}
	}
	for start := time.Now(); !strings.Contains(string(h.do("GET", "/metrics", "").body), `synapse_js_runtimes_in_use{synapse="held"} 8`); time.Sleep(5 * time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("the server never had the 8 calls in the pool:\n%s", h.do("GET", "/metrics", "").body)
		}
	}
	r := h.invoke("held", readEnvelope, "X-Synapse-Timeout", "300ms")
	st, msg, detail := wireErr(t, r)
	if st != 504 || !strings.Contains(msg, "did not start") || !strings.Contains(detail, "8 calls running") {
		t.Errorf("the ninth call: want 504 did not start, with 8 calls running; got %d %q %q", st, msg, detail)
	}
	open()
	wg.Wait()
}
