package pgstore_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/synapsejs/synapse-js/host"
	"github.com/synapsejs/synapse-js/host/server"
	"github.com/synapsejs/synapse-js/host/store/pgstore"
	"github.com/synapsejs/synapse-js/internal/pgtest"
)

// A host of a shared store, in this test process: its own connections,
// token store, server and HTTP listener.
type testHost struct {
	t      testing.TB
	name   string
	st     *pgstore.Store
	tokens *pgstore.TokenStore
	srv    *server.Server
	ts     *httptest.Server
	logs   *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func testKey() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return k
}

func startHost(t testing.TB, name, url string, key []byte) *testHost {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := pgstore.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	h := &testHost{t: t, name: name, st: st, logs: &syncBuffer{}}
	log := zerolog.New(h.logs).With().Str("host", name).Logger()
	h.tokens, err = pgstore.NewTokenStore(ctx, st, key, log)
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	h.srv, err = server.New(server.Options{
		Store:  st,
		Engine: host.StdOptions(host.Options{PoolSize: 2, Timeout: 20 * time.Second, Tokens: h.tokens, Logger: log}),
		Logger: log,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.srv.Load(ctx); err != nil {
		t.Fatal(err)
	}
	h.ts = httptest.NewServer(h.srv.Handler())
	t.Cleanup(h.close)
	return h
}

func (h *testHost) close() {
	if h.ts == nil {
		return
	}
	h.ts.Close()
	h.srv.Close()
	h.tokens.Close()
	h.st.Close()
	h.ts = nil
}

// connectorSrc is a connector whose read answers tag.
func connectorSrc(tag string) string {
	return fmt.Sprintf(`module.exports = {
  synapse_info() { return {name: 'shared', metadata: {displayName: 'Shared'}, supportedAuthTypes: [{authType: 'None'}]}; },
  test(c) { return c; },
  describe(req) { return [{apiName: 'thing', displayName: 'Thing', attributes: []}]; },
  read(req) { return {data: [{id: '1', name: 'thing', values: {tag: %q}, lastModified: 1}], watermark: req.watermark, offsetType: 'RECORD_COUNT'}; },
};
`, tag)
}

const readEnvelope = `{"type":"READ","connection":{"name":"c","authConfig":{}},"body":{"entity":{"apiName":"thing"},"entityWithMappedFields":{"apiName":"thing"},"watermark":{"start":0,"end":10,"offset":0,"limit":100}}}`

var client = &http.Client{Timeout: 30 * time.Second}

// upload PUTs src as name on base; it returns the version or the status.
func upload(base, name, src string) (int, int, error) {
	req, _ := http.NewRequest(http.MethodPut, base+"/v1/synapses/"+name, strings.NewReader(src))
	req.Header.Set("Content-Type", "application/javascript")
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return 0, resp.StatusCode, fmt.Errorf("upload: %d %s", resp.StatusCode, body)
	}
	var v struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return 0, resp.StatusCode, err
	}
	return v.Version, resp.StatusCode, nil
}

// readTag calls name's read on base through the wire route and returns
// the tag it answered ("" and the reason when it did not).
func readTag(base, name string) (string, error) {
	resp, err := client.Post(base+"/"+name, "application/json", strings.NewReader(readEnvelope))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var out struct {
		Data []struct {
			Values map[string]string `json:"values"`
		} `json:"data"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(body, &out) != nil || len(out.Data) != 1 {
		return "", fmt.Errorf("read: %d %s", resp.StatusCode, body)
	}
	return out.Data[0].Values["tag"], nil
}

// waitTag polls until base serves tag, returning how long it took. The
// bound is generous for a loaded machine; the benchmark measures the
// typical delay.
func waitTag(t testing.TB, base, name, tag string) time.Duration {
	t.Helper()
	start := time.Now()
	var last string
	var lastErr error
	for time.Since(start) < 15*time.Second {
		last, lastErr = readTag(base, name)
		if last == tag {
			return time.Since(start)
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("%s never served %s=%q (last %q, %v)", base, name, tag, last, lastErr)
	return 0
}

func post(t testing.TB, url, body string) (int, string) {
	t.Helper()
	resp, err := client.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func get(url string) (int, string) {
	resp, err := client.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Two hosts on one database: an upload on A serves on B, a rollback on B
// serves on A, a delete on A stops B serving.
func TestTwoHostsUploadRollbackDelete(t *testing.T) {
	t.Parallel()
	url, key := pgtestDB(t), testKey()
	a, b := startHost(t, "a", url, key), startHost(t, "b", url, key)
	if v, _, err := upload(a.ts.URL, "shared", connectorSrc("one")); err != nil || v != 1 {
		t.Fatalf("upload on A: %d %v", v, err)
	}
	d := waitTag(t, b.ts.URL, "shared", "one")
	t.Logf("upload on A served by B after %v", d)
	if _, _, err := upload(a.ts.URL, "shared", connectorSrc("two")); err != nil {
		t.Fatal(err)
	}
	waitTag(t, b.ts.URL, "shared", "two")
	if code, body := post(t, b.ts.URL+"/v1/synapses/shared/rollback", `{"version":1}`); code != 200 {
		t.Fatalf("rollback on B: %d %s", code, body)
	}
	d = waitTag(t, a.ts.URL, "shared", "one")
	t.Logf("rollback on B served by A after %v", d)
	req, _ := http.NewRequest(http.MethodDelete, a.ts.URL+"/v1/synapses/shared", nil)
	resp, err := client.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("delete on A: %v %v", resp, err)
	}
	resp.Body.Close()
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, err := readTag(b.ts.URL, "shared"); err != nil && strings.Contains(err.Error(), "404") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("B still serves the connector A deleted")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// B shows the uploader that stored the version (host and client).
	if _, _, err := upload(b.ts.URL, "shared", connectorSrc("three")); err != nil {
		t.Fatal(err)
	}
	cur, err := a.st.Current(context.Background(), "shared")
	if err != nil || cur.Version != 1 || !strings.Contains(cur.Uploader, "127.0.0.1") {
		t.Fatalf("after delete and upload: %+v %v; want version 1 with an uploader", cur, err)
	}
}

// Concurrent uploads of one name on both hosts: every acknowledged upload
// has its own version holding its own source, none is lost, and both
// hosts end up serving the store's current version.
func TestTwoHostsConcurrentUploads(t *testing.T) {
	t.Parallel()
	url, key := pgtestDB(t), testKey()
	hosts := []*testHost{startHost(t, "a", url, key), startHost(t, "b", url, key)}
	const each = 8
	var mu sync.Mutex
	acked := map[int]string{}
	var wg sync.WaitGroup
	for i := range 4 {
		h := hosts[i%2]
		wg.Go(func() {
			for j := range each {
				tag := fmt.Sprintf("%s-%d-%d", h.name, i, j)
				v, _, err := upload(h.ts.URL, "race", connectorSrc(tag))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if prev, dup := acked[v]; dup {
					t.Errorf("version %d acknowledged for %s and %s", v, prev, tag)
				}
				acked[v] = tag
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	vs, err := hosts[0].st.Versions(context.Background(), "race")
	if err != nil || len(vs) != 4*each || len(acked) != 4*each {
		t.Fatalf("%d versions stored, %d acknowledged (%v); want %d", len(vs), len(acked), err, 4*each)
	}
	for v, tag := range acked {
		_, src, err := hosts[1].st.Get(context.Background(), "race", v)
		if err != nil || string(src) != connectorSrc(tag) {
			t.Fatalf("version %d does not hold %s: %v", v, tag, err)
		}
	}
	cur, _ := hosts[0].st.Current(context.Background(), "race")
	for _, h := range hosts {
		waitTag(t, h.ts.URL, "race", acked[cur.Version])
	}
}

// The store stopped and started again: loaded connectors keep serving,
// /readyz fails, uploads answer 503, and after the restart both hosts
// take uploads and serve each other's again.
func TestDatabaseOutage(t *testing.T) {
	c := pgtestCluster(t)
	url, key := c.URL(), testKey()
	a, b := startHost(t, "a", url, key), startHost(t, "b", url, key)
	if _, _, err := upload(a.ts.URL, "out", connectorSrc("before")); err != nil {
		t.Fatal(err)
	}
	waitTag(t, b.ts.URL, "out", "before")
	c.Stop()
	for _, h := range []*testHost{a, b} {
		if code, body := get(h.ts.URL + "/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "store unreachable") {
			t.Fatalf("%s /readyz during the outage: %d %s", h.name, code, body)
		}
		if code, _ := get(h.ts.URL + "/healthz"); code != 200 {
			t.Fatalf("%s /healthz during the outage: %d", h.name, code)
		}
		for range 3 {
			if tag, err := readTag(h.ts.URL, "out"); tag != "before" {
				t.Fatalf("%s stopped serving a loaded connector during the outage: %q %v", h.name, tag, err)
			}
		}
		_, code, err := upload(h.ts.URL, "out", connectorSrc("during"))
		if code != http.StatusServiceUnavailable || !strings.Contains(err.Error(), "store is unreachable") {
			t.Fatalf("%s upload during the outage: %d %v; want 503 saying the store is unreachable", h.name, code, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	for _, h := range []*testHost{a, b} {
		deadline := time.Now().Add(30 * time.Second)
		for {
			code, body := get(h.ts.URL + "/readyz")
			if code == 200 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s not ready after the restart: %d %s", h.name, code, body)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// The pool may hand out a connection that died with the server once;
	// an upload soon succeeds.
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, _, err := upload(b.ts.URL, "out", connectorSrc("after"))
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("upload after the restart: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	waitTag(t, a.ts.URL, "out", "after")
}

const childEnv = "PGSTORE_TEST_CHILD_HOST"

// runChildHost is a host in a process of its own (the test binary run
// again), so a test can kill -9 it: it prints its address and serves
// until killed.
func runChildHost(url string) int {
	ctx := context.Background()
	st, err := pgstore.Open(ctx, url)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	srv, err := server.New(server.Options{Store: st, Engine: host.StdOptions(host.Options{PoolSize: 2}), Logger: zerolog.Nop()})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if _, err := srv.Load(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("LISTEN http://%s\n", l.Addr())
	_ = http.Serve(l, srv.Handler())
	return 0
}

// startChild runs a host subprocess on url and returns its base URL. The
// child dies with this process (Pdeathsig) and is killed at cleanup.
func startChild(t *testing.T, url string) (string, *os.Process) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+url)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.SysProcAttr = pgtest.ChildProcAttr()
	started := make(chan error, 1)
	exited := make(chan struct{})
	go func() {
		// Pdeathsig follows the starting thread: keep it for the child's life.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		defer close(exited)
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		_ = cmd.Wait()
	}()
	if err := <-started; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	base, ok := strings.CutPrefix(strings.TrimSpace(line), "LISTEN ")
	if err != nil || !ok {
		t.Fatalf("the child host did not start: %q %v", line, err)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	return base, cmd.Process
}

// kill -9 of host A in the middle of uploads: every upload A acknowledged
// is in the store, and B serves throughout and then serves the store's
// current version.
func TestKillHostMidUploads(t *testing.T) {
	t.Parallel()
	url, key := pgtestDB(t), testKey()
	b := startHost(t, "b", url, key)
	aURL, aProc := startChild(t, url)
	if _, _, err := upload(aURL, "k", connectorSrc("k-0")); err != nil {
		t.Fatal(err)
	}
	waitTag(t, b.ts.URL, "k", "k-0")

	stopCalls := make(chan struct{})
	callErrs := make(chan error, 1)
	calls := 0
	go func() {
		defer close(callErrs)
		for {
			select {
			case <-stopCalls:
				return
			default:
			}
			if _, err := readTag(b.ts.URL, "k"); err != nil {
				callErrs <- err
				return
			}
			calls++
		}
	}()

	acked := map[int]string{}
	var uploadsDone sync.WaitGroup
	var mu sync.Mutex
	var kill sync.Once
	for w := range 3 {
		uploadsDone.Go(func() {
			for j := 1; ; j++ {
				tag := fmt.Sprintf("k-%d-%d", w, j)
				v, _, err := upload(aURL, "k", connectorSrc(tag))
				if err != nil {
					return // A is gone
				}
				mu.Lock()
				acked[v] = tag
				n := len(acked)
				mu.Unlock()
				if n >= 15 {
					kill.Do(func() { _ = aProc.Signal(syscall.SIGKILL) })
				}
			}
		})
	}
	uploadsDone.Wait()
	close(stopCalls)
	if err := <-callErrs; err != nil {
		t.Fatalf("B failed a call while A died: %v", err)
	}
	if len(acked) < 15 {
		t.Fatalf("only %d uploads acknowledged before the kill", len(acked))
	}
	for v, tag := range acked {
		_, src, err := b.st.Get(context.Background(), "k", v)
		if err != nil || string(src) != connectorSrc(tag) {
			t.Fatalf("acknowledged version %d (%s) is not in the store: %v", v, tag, err)
		}
	}
	// The current version may be one A committed but died before
	// acknowledging; B serves it either way.
	_, src, err := b.st.Get(context.Background(), "k", mustCurrent(t, b.st, "k"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(src), `{tag: "`)
	tag, _, _ := strings.Cut(rest, `"`)
	waitTag(t, b.ts.URL, "k", tag)
	t.Logf("%d uploads acknowledged before kill -9; B answered %d calls meanwhile", len(acked), calls)
}

func mustCurrent(t *testing.T, st *pgstore.Store, name string) int {
	t.Helper()
	v, err := st.Current(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return v.Version
}
