package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dop251/goja"
	"github.com/rs/zerolog"

	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/connection"
	"github.com/synapsejs/synapse-js/host"
	"github.com/synapsejs/synapse-js/host/store"
)

const (
	adminTok  = "admin-secret-token"
	invokeTok = "invoke-secret-token"
)

// gate is a test module: a script's gate.wait(key) blocks until the test
// opens the gate for key (or the call's deadline passes), and tells the
// test it has arrived. It puts a call in flight for as long as a test
// needs.
type gate struct {
	mu      sync.Mutex
	arrived map[string]chan struct{}
	open    map[string]chan struct{}
}

func newGate() *gate {
	return &gate{arrived: map[string]chan struct{}{}, open: map[string]chan struct{}{}}
}

func (g *gate) chans(key string) (arrived, open chan struct{}) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.arrived[key] == nil {
		g.arrived[key] = make(chan struct{}, 1024)
		g.open[key] = make(chan struct{})
	}
	return g.arrived[key], g.open[key]
}

// Arrived waits until a call reached gate.wait(key).
func (g *gate) Arrived(t testing.TB, key string) {
	t.Helper()
	a, _ := g.chans(key)
	select {
	case <-a:
	case <-time.After(10 * time.Second):
		t.Fatalf("no call reached gate %q", key)
	}
}

// Open lets every call waiting at key (and any later one) through.
func (g *gate) Open(key string) {
	_, o := g.chans(key)
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-o:
	default:
		close(o)
	}
}

func (g *gate) Name() string { return "test/gate" }

func (g *gate) NewInstance(vu bindings.VU) (goja.Value, error) {
	rt := vu.Runtime()
	obj := rt.NewObject()
	_ = obj.Set("wait", func(key string) bool {
		a, o := g.chans(key)
		a <- struct{}{}
		select {
		case <-o:
			return true
		case <-vu.Call().Context().Done():
			// As real bindings do: a call past its deadline throws.
			panic(rt.NewGoError(vu.Call().Context().Err()))
		}
	})
	// rotate makes the call report rotated OAuth tokens, as synapse/auth
	// does after a refresh.
	_ = obj.Set("rotate", func(access, refresh string) {
		vu.Call().Rotated = &connection.Tokens{AccessToken: access, RefreshToken: refresh}
	})
	return obj, nil
}

// connector returns a small connector whose read answers tag, and waits at
// the gate first when the entity is "slow".
func connector(name, tag string) string {
	return fmt.Sprintf(`const gate = require('test/gate');
module.exports = {
  synapse_info() { return {name: %q, metadata: {displayName: 'X'}, supportedAuthTypes: [{authType: 'None'}]}; },
  test(c) { return c; },
  describe(req) { return [{apiName: 'thing', displayName: 'Thing', attributes: []}]; },
  read(req) {
    if (req.entity.apiName === 'slow') gate.wait(%q);
    return {data: [{id: '1', name: 'thing', values: {tag: %q}, lastModified: 1}], watermark: req.watermark, offsetType: 'RECORD_COUNT'};
  },
  create(req) { return req.data.map((r) => ({id: 'new'})); },
  extract_webhook_identifier(req) { return 'hook-' + %q; },
};
`, name, tag, tag, tag)
}

const readEnvelope = `{"type":"READ","connection":{"name":"c","authConfig":{}},"body":{"entity":{"apiName":"thing"},"entityWithMappedFields":{"apiName":"thing"},"watermark":{"start":0,"end":10,"offset":0,"limit":100}}}`

func slowEnvelope() string {
	return strings.ReplaceAll(readEnvelope, `"apiName":"thing"`, `"apiName":"slow"`)
}

type harness struct {
	t    testing.TB
	srv  *Server
	ts   *httptest.Server
	dir  string
	st   *store.FileStore
	gate *gate
	logs *syncBuffer
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

func testEngineOptions(g *gate) host.Options {
	return host.Options{Modules: []bindings.Module{g}, PoolSize: 4, Timeout: 10 * time.Second}
}

// newServer makes a Server on dir (a fresh one if empty) and loads it.
func newServer(t testing.TB, dir string, g *gate, logs io.Writer, tune func(*Options)) *Server {
	t.Helper()
	st, err := store.OpenFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{
		Store:       st,
		Engine:      testEngineOptions(g),
		Logger:      zerolog.New(logs),
		AdminToken:  adminTok,
		InvokeToken: invokeTok,
	}
	if tune != nil {
		tune(&opts)
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return srv
}

func newHarness(t testing.TB, tune func(*Options)) *harness {
	t.Helper()
	h := &harness{t: t, dir: t.TempDir(), gate: newGate(), logs: &syncBuffer{}}
	h.start(tune)
	return h
}

func (h *harness) start(tune func(*Options)) {
	h.srv = newServer(h.t, h.dir, h.gate, h.logs, tune)
	h.st = h.srv.store.(*store.FileStore)
	h.ts = httptest.NewServer(h.srv.Handler())
	h.t.Cleanup(h.stop)
}

func (h *harness) stop() {
	if h.ts != nil {
		h.ts.Close()
		h.srv.Close()
		h.ts = nil
	}
}

type resp struct {
	code   int
	header http.Header
	body   []byte
}

func (r resp) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response is not a JSON object: %v: %s", err, r.body)
	}
	return m
}

func (h *harness) do(method, path, token string, body string, hdr ...string) resp {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, h.ts.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := h.ts.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp{res.StatusCode, res.Header, b}
}

func (h *harness) upload(name, src string) resp {
	h.t.Helper()
	return h.do("PUT", "/v1/synapses/"+name, adminTok, src, "Content-Type", "application/javascript")
}

func (h *harness) mustUpload(name, src string) map[string]any {
	h.t.Helper()
	r := h.upload(name, src)
	if r.code != http.StatusCreated {
		h.t.Fatalf("upload %s: %d %s", name, r.code, r.body)
	}
	return r.json(h.t)
}

func (h *harness) invoke(name, envelope string) resp {
	h.t.Helper()
	return h.do("POST", "/"+name, invokeTok, envelope)
}

// readTag invokes READ and returns the tag the connector answered.
func (h *harness) readTag(name string) string {
	h.t.Helper()
	r := h.invoke(name, readEnvelope)
	return tagOf(h.t, r)
}

func tagOf(t testing.TB, r resp) string {
	t.Helper()
	var out struct {
		Data []struct {
			Values struct {
				Tag string `json:"tag"`
			} `json:"values"`
		} `json:"data"`
	}
	if r.code != 200 || json.Unmarshal(r.body, &out) != nil || len(out.Data) != 1 {
		t.Fatalf("read answered %d %s", r.code, r.body)
	}
	return out.Data[0].Values.Tag
}
