package isolate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/synapsejs/synapse-js/host"
	"github.com/synapsejs/synapse-js/host/isolate"
	"github.com/synapsejs/synapse-js/host/server"
	"github.com/synapsejs/synapse-js/host/store"
)

// The test binary doubles as the worker: started with this variable set,
// it runs WorkerMain instead of the tests.
const workerEnv = "SYNAPSE_JS_ISOLATE_TEST_WORKER"

func TestMain(m *testing.M) {
	if os.Getenv(workerEnv) == "1" {
		os.Exit(isolate.WorkerMain(os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// workerOptions are pool options that start this test binary as worker.
func workerOptions(tune func(*isolate.Options)) isolate.Options {
	o := isolate.Options{Command: []string{os.Args[0]}, Env: []string{workerEnv + "=1"}, Workers: 4, MemoryLimit: 256 << 20}
	if raceBuild {
		o.AddressSpace = -1
	}
	if tune != nil {
		tune(&o)
	}
	return o
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
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

// harness is a real server on loopback whose calls run in workers.
type harness struct {
	t    testing.TB
	dir  string
	srv  *server.Server
	ts   *httptest.Server
	logs *syncBuffer
	iso  func(*isolate.Options)
	eng  func(*host.Options)
	none bool // in-process instead
}

func newHarness(t testing.TB, iso func(*isolate.Options)) *harness {
	h := &harness{t: t, dir: t.TempDir(), logs: &syncBuffer{}, iso: iso}
	h.start()
	t.Cleanup(h.stop)
	return h
}

func (h *harness) start() {
	h.t.Helper()
	st, err := store.OpenFile(h.dir)
	if err != nil {
		h.t.Fatal(err)
	}
	eo := host.StdOptions(host.Options{Timeout: 5 * time.Second, LoadTimeout: 2 * time.Second, Logger: zerolog.New(h.logs).Level(zerolog.DebugLevel)})
	if h.eng != nil {
		h.eng(&eo)
	}
	opts := server.Options{Store: st, Engine: eo, Logger: zerolog.New(h.logs)}
	if !h.none {
		opts.NewLoader = isolate.ServerLoader(workerOptions(h.iso))
	}
	h.srv, err = server.New(opts)
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.srv.Load(context.Background()); err != nil {
		h.t.Fatal(err)
	}
	h.ts = httptest.NewServer(h.srv.Handler())
}

func (h *harness) stop() {
	if h.ts != nil {
		h.ts.Close()
		h.srv.Close()
		h.ts = nil
	}
}

// restart stops the server and starts a new one on the same data dir.
func (h *harness) restart() {
	h.stop()
	h.start()
}

type resp struct {
	status int
	body   []byte
}

func (r resp) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("answer is not a JSON object: %v: %s", err, r.body)
	}
	return m
}

func (h *harness) do(method, path, body string, hdr ...string) resp {
	h.t.Helper()
	req, err := http.NewRequest(method, h.ts.URL+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, b}
}

func (h *harness) upload(name, src string) resp {
	h.t.Helper()
	return h.do("PUT", "/v1/synapses/"+name, src, "Content-Type", "application/javascript")
}

func (h *harness) mustUpload(name, src string) {
	h.t.Helper()
	if r := h.upload(name, src); r.status != 201 {
		h.t.Fatalf("upload %s: %d %s", name, r.status, r.body)
	}
}

func (h *harness) invoke(name, envelope string, hdr ...string) resp {
	h.t.Helper()
	return h.do("POST", "/"+name, envelope, hdr...)
}

// connector is a small source whose read runs body (a statement list that
// may use req) and then answers one record tagged tag.
func connector(name, tag, top, read string) string {
	return fmt.Sprintf(`%s
module.exports = {
  synapse_info() { return {name: %q, metadata: {displayName: 'X'}, supportedAuthTypes: [{authType: 'None'}]}; },
  test(c) { return c; },
  describe(req) { return [{apiName: 'thing', displayName: 'Thing', attributes: []}]; },
  read(req, ctx) {
    %s
    return {data: [{id: '1', name: 'thing', values: {tag: %q}, lastModified: 1}], watermark: req.watermark, offsetType: 'RECORD_COUNT'};
  },
};
`, top, name, read, tag)
}

const readEnvelope = `{"type":"READ","connection":{"name":"c","authConfig":{}},"body":{"entity":{"apiName":"thing"},"entityWithMappedFields":{"apiName":"thing"},"watermark":{"start":0,"end":10,"offset":0,"limit":100}}}`

// wireErr decodes a wire error answer.
func wireErr(t testing.TB, r resp) (int, string, string) {
	t.Helper()
	var e struct {
		Status  int     `json:"status_code"`
		Message string  `json:"message"`
		Detail  *string `json:"detail"`
	}
	if r.status != 200 || json.Unmarshal(r.body, &e) != nil || e.Status == 0 {
		t.Fatalf("want a wire error, got %d %s", r.status, r.body)
	}
	d := ""
	if e.Detail != nil {
		d = *e.Detail
	}
	return e.Status, e.Message, d
}

func tagOf(t testing.TB, r resp) string {
	t.Helper()
	var page struct {
		Data []struct {
			Values map[string]any `json:"values"`
		} `json:"data"`
	}
	if r.status != 200 || json.Unmarshal(r.body, &page) != nil || len(page.Data) == 0 {
		t.Fatalf("want a READ page, got %d %s", r.status, r.body)
	}
	return fmt.Sprint(page.Data[0].Values["tag"])
}
