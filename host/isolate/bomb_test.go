package isolate_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/synapsejs/synapse-js/host/isolate"
)

// healthyLoad invokes a healthy connector over and over until stop closes,
// counting answers that are not its page.
func healthyLoad(t *testing.T, h *harness, name string, stop <-chan struct{}) (wait func() (ok, bad int64)) {
	var okN, badN atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			r := h.invoke(name, readEnvelope)
			if r.status == 200 && strings.Contains(string(r.body), `"tag":"healthy"`) {
				okN.Add(1)
			} else {
				badN.Add(1)
				t.Errorf("the healthy connector answered %d %s", r.status, r.body)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	return func() (int64, int64) { wg.Wait(); return okN.Load(), badN.Load() }
}

func TestMemoryBombsFailOnlyTheirCall(t *testing.T) {
	h := newHarness(t, nil)
	h.mustUpload("healthy", connector("healthy", "healthy", "", ""))
	bombs := map[string]string{
		"repeat": `if (req.entity.apiName === 'bomb') 'x'.repeat(2**40);`,
		"concat": `if (req.entity.apiName === 'bomb') { let s = 'xy'; for (;;) s += s; }`,
		"array":  `if (req.entity.apiName === 'bomb') { const a = []; for (;;) a.push({n: a.length, s: 'p' + a.length}); }`,
	}
	for name, body := range bombs {
		h.mustUpload(name, connector(name, "bomb", "", body))
	}
	stop := make(chan struct{})
	wait := healthyLoad(t, h, "healthy", stop)
	bombEnv := strings.Replace(readEnvelope, `"apiName":"thing"}`, `"apiName":"bomb"}`, 1)
	for name := range bombs {
		r := h.invoke(name, bombEnv, "X-Synapse-Timeout", "30s")
		st, msg, _ := wireErr(t, r)
		if st != 500 || !strings.Contains(msg, "out of memory") || !strings.Contains(msg, "256 MiB") {
			t.Errorf("%s bomb: want 500 naming out of memory and the 256 MiB limit, got %d %q", name, st, msg)
		}
		// The bomb's own connector still answers its other calls.
		if tag := tagOf(t, h.invoke(name, readEnvelope)); tag != "bomb" {
			t.Errorf("%s after its bomb: tag %q", name, tag)
		}
	}
	close(stop)
	ok, bad := wait()
	if ok == 0 || bad != 0 {
		t.Errorf("healthy connector during the bombs: %d answered, %d failed", ok, bad)
	}
}

func TestNativeCodeKilledAtDeadline(t *testing.T) {
	h := newHarness(t, func(o *isolate.Options) {
		if raceBuild {
			// The race detector's shadow memory would put the deep
			// stringify over 256 MiB before its deadline.
			o.MemoryLimit = 2 << 30
		}
	})
	h.mustUpload("healthy", connector("healthy", "healthy", "", ""))
	slow := map[string]string{
		"regex":     `/^(?=a)(a+)+$/.test('a'.repeat(28) + '!');`,
		"stringify": `let a = []; for (let i = 0; i < 100000; i++) a = [a]; JSON.stringify(a);`,
	}
	for name, body := range slow {
		h.mustUpload(name, connector(name, "slow", "", "if (req.entity.apiName === 'slow') { "+body+" }"))
	}
	stop := make(chan struct{})
	wait := healthyLoad(t, h, "healthy", stop)
	slowEnv := strings.Replace(readEnvelope, `"apiName":"thing"}`, `"apiName":"slow"}`, 1)
	const deadline = 2 * time.Second
	for name := range slow {
		start := time.Now()
		r := h.invoke(name, slowEnv, "X-Synapse-Timeout", "2s")
		took := time.Since(start)
		st, msg, detail := wireErr(t, r)
		if took > deadline+time.Second {
			t.Errorf("%s: answered after %s, want within the deadline + 1 s", name, took)
		}
		if st != 504 || !strings.Contains(msg, "deadline") {
			t.Errorf("%s: want 504 at the deadline, got %d %q %q", name, st, msg, detail)
		}
		if tag := tagOf(t, h.invoke(name, readEnvelope)); tag != "slow" {
			t.Errorf("%s after the kill: tag %q", name, tag)
		}
	}
	close(stop)
	if ok, bad := wait(); ok == 0 || bad != 0 {
		t.Errorf("healthy connector meanwhile: %d answered, %d failed", ok, bad)
	}
}

func TestUploadBombsAre422(t *testing.T) {
	h := newHarness(t, nil)
	h.mustUpload("healthy", connector("healthy", "healthy", "", ""))
	for name, top := range map[string]string{
		"topbomb": `'x'.repeat(2**40);`,
		"toploop": `for (;;) {}`,
		"topgrow": `const a = []; for (;;) a.push([a.length]);`,
	} {
		r := h.upload(name, connector(name, "x", top, ""))
		if r.status != 422 {
			t.Errorf("%s: want 422, got %d %s", name, r.status, r.body)
			continue
		}
		body := string(r.body)
		if !strings.Contains(body, "out of memory") && !strings.Contains(body, "load timeout") {
			t.Errorf("%s: the 422 does not say why: %s", name, body)
		}
	}
	if tag := tagOf(t, h.invoke("healthy", readEnvelope)); tag != "healthy" {
		t.Errorf("healthy after the uploads: %q", tag)
	}
}

func TestTimeBombAcrossRestart(t *testing.T) {
	h := newHarness(t, nil)
	h.mustUpload("healthy", connector("healthy", "healthy", "", ""))
	at := time.Now().Add(1500 * time.Millisecond).UnixMilli()
	h.mustUpload("timebomb", connector("timebomb", "tb", fmt.Sprintf("if (Date.now() > %d) 'x'.repeat(2**40);", at), ""))
	if tag := tagOf(t, h.invoke("timebomb", readEnvelope)); tag != "tb" {
		t.Fatalf("before its time: %q", tag)
	}
	time.Sleep(time.Until(time.UnixMilli(at)) + 100*time.Millisecond)
	h.restart()
	if tag := tagOf(t, h.invoke("healthy", readEnvelope)); tag != "healthy" {
		t.Fatalf("healthy after the restart: %q", tag)
	}
	list := h.do("GET", "/v1/synapses", "")
	var l struct {
		Synapses []struct {
			Name  string `json:"name"`
			Error string `json:"error"`
		} `json:"synapses"`
	}
	if err := json.Unmarshal(list.body, &l); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range l.Synapses {
		if s.Name == "timebomb" {
			found = true
			if !strings.Contains(s.Error, "out of memory") {
				t.Errorf("timebomb is listed with error %q, want out of memory", s.Error)
			}
		} else if s.Error != "" {
			t.Errorf("%s is failed too: %s", s.Name, s.Error)
		}
	}
	if !found {
		t.Fatalf("timebomb is not listed: %s", list.body)
	}
	r := h.invoke("timebomb", readEnvelope)
	if r.status != 404 || !strings.Contains(string(r.body), "is failed") || !strings.Contains(string(r.body), "out of memory") {
		t.Errorf("a call of the failed connector: %d %s", r.status, r.body)
	}
	h.mustUpload("timebomb", connector("timebomb", "fixed", "", ""))
	if tag := tagOf(t, h.invoke("timebomb", readEnvelope)); tag != "fixed" {
		t.Errorf("after a new upload: %q", tag)
	}
}

// children lists this process's child processes.
func children(t *testing.T) []string {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc")
	}
	var out []string
	me := strconv.Itoa(os.Getpid())
	for _, e := range ents {
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) > 1 && f[1] == me && f[0] != "Z" {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestNoWorkerLeftBehind(t *testing.T) {
	h := newHarness(t, nil)
	h.mustUpload("a", connector("a", "a", "", ""))
	h.mustUpload("b", connector("b", "b", "", `if (req.entity.apiName === 'bomb') 'x'.repeat(2**40);`))
	wireErr(t, h.invoke("b", strings.Replace(readEnvelope, `"apiName":"thing"}`, `"apiName":"bomb"}`, 1)))
	tagOf(t, h.invoke("a", readEnvelope)) // in a new worker
	if len(children(t)) == 0 {
		t.Fatal("no worker processes while serving")
	}
	h.stop()
	if c := children(t); len(c) != 0 {
		t.Fatalf("worker processes left after Close: %v", c)
	}
}

// TestHungConnectorLeavesWorkersForOthers: a connector whose calls all run
// native code until their deadline holds at most half the workers, so
// another connector's calls are answered while they hang.
func TestHungConnectorLeavesWorkersForOthers(t *testing.T) {
	h := newHarness(t, func(o *isolate.Options) { o.PerConnector = 0 }) // 4 workers, 2 per connector
	h.mustUpload("healthy", connector("healthy", "healthy", "", ""))
	h.mustUpload("regex", connector("regex", "slow", "", `if (req.entity.apiName === 'slow') /^(?=a)(a+)+$/.test('a'.repeat(28) + '!');`))
	slowEnv := strings.Replace(readEnvelope, `"apiName":"thing"}`, `"apiName":"slow"}`, 1)
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.invoke("regex", slowEnv, "X-Synapse-Timeout", "3s")
		}()
	}
	running := func() int {
		var v struct {
			Serving struct {
				Running int `json:"running"`
			} `json:"serving"`
		}
		_ = json.Unmarshal(h.do("GET", "/v1/synapses/regex", "").body, &v)
		return v.Serving.Running
	}
	for running() < 4 { // the server runs 4 calls of a connector at once (its pool size)
		time.Sleep(5 * time.Millisecond)
	}
	for range 5 {
		if tag := tagOf(t, h.invoke("healthy", readEnvelope)); tag != "healthy" {
			t.Errorf("healthy: %q", tag)
		}
	}
	if n := running(); n == 0 {
		t.Error("the hung calls ended before the healthy ones were answered: the test proved nothing")
	}
	wg.Wait()
}
