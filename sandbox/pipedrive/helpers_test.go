package pipedrive_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/synapsejs/synapse-js/sandbox/pipedrive"
)

// epoch is the pinned creation time of test sandboxes.
var epoch = time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)

// clock is a settable clock for Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// env is a sandbox behind a real loopback server.
type env struct {
	t     *testing.T
	sb    *pipedrive.Sandbox
	srv   *httptest.Server
	clock *clock
	hc    *http.Client
}

func newEnv(t *testing.T, records int) *env {
	t.Helper()
	return newEnvWith(t, pipedrive.Options{Records: records})
}

// newEnvWith is newEnv with more options; Now is always the env's clock,
// starting at epoch.
func newEnvWith(t *testing.T, opts pipedrive.Options) *env {
	t.Helper()
	c := &clock{t: epoch}
	opts.Now = c.Now
	sb := pipedrive.New(opts)
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	return &env{t: t, sb: sb, srv: srv, clock: c, hc: srv.Client()}
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

// do sends a request with the sandbox token in x-api-token unless hdr sets
// auth itself (pass "x-api-token": "" to send none).
func (e *env) do(method, path string, body any, hdr map[string]string) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("x-api-token", e.sb.Token())
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	res, err := e.hc.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp{status: res.StatusCode, header: res.Header, body: raw}
}

func (e *env) get(path string) resp { e.t.Helper(); return e.do("GET", path, nil, nil) }

// mustOK asserts a 2xx success envelope and returns it decoded.
func (e *env) mustOK(r resp) map[string]any {
	e.t.Helper()
	if r.status/100 != 2 {
		e.t.Fatalf("status %d: %s", r.status, r.body)
	}
	m := r.json(e.t)
	if m["success"] != true {
		e.t.Fatalf("success != true: %s", r.body)
	}
	return m
}

// listAll pages a v2 list through next_cursor and returns every item.
func (e *env) listAll(path string, params url.Values) (items []map[string]any, pages int) {
	e.t.Helper()
	cursor := ""
	for {
		q := url.Values{}
		for k, v := range params {
			q[k] = v
		}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		m := e.mustOK(e.get(path + "?" + q.Encode()))
		pages++
		for _, it := range m["data"].([]any) {
			items = append(items, it.(map[string]any))
		}
		nc := m["additional_data"].(map[string]any)["next_cursor"]
		if nc == nil {
			return items, pages
		}
		cursor = nc.(string)
		if pages > 10000 {
			e.t.Fatal("paging does not end")
		}
	}
}

func num(v any) int64 { return int64(v.(float64)) }

func ts(t *testing.T, v any) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, v.(string))
	if err != nil {
		t.Fatalf("bad time %v: %v", v, err)
	}
	return tm
}

func errorEnvelope(t *testing.T, r resp, status int) map[string]any {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d: %s", r.status, status, r.body)
	}
	m := r.json(t)
	if m["success"] != false || m["error"] == nil {
		t.Fatalf("not an error envelope: %s", r.body)
	}
	return m
}

// genericError asserts Pipedrive's generic error envelope.
func genericError(t *testing.T, r resp, status int) string {
	t.Helper()
	m := errorEnvelope(t, r, status)
	for _, k := range []string{"error_info", "data", "additional_data"} {
		if _, ok := m[k]; !ok {
			t.Fatalf("error envelope lacks %q: %s", k, r.body)
		}
	}
	return m["error"].(string)
}
