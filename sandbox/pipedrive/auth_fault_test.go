package pipedrive_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/synapsejs/synapse-js/sandbox/pipedrive"
)

const unauthorizedBody = `{"success":false,"error":"unauthorized access","errorCode":401,"error_info":"Please check developers.pipedrive.com for more information about Pipedrive API."}`

func TestAuth(t *testing.T) {
	e := newEnv(t, 50)
	for name, hdr := range map[string]map[string]string{
		"missing":      {"x-api-token": ""},
		"wrong header": {"x-api-token": "nope"},
		"basic":        {"x-api-token": "", "Authorization": "Basic c2FuZGJveC10b2tlbjo="},
	} {
		r := e.do("GET", "/api/v2/persons", nil, hdr)
		if r.status != 401 || string(r.body) != unauthorizedBody {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
		if r.header.Get("x-ratelimit-limit") == "" {
			t.Errorf("%s: 401 lacks rate-limit headers", name)
		}
	}
	if r := e.do("GET", "/api/v2/persons?api_token=nope", nil, map[string]string{"x-api-token": ""}); r.status != 401 {
		t.Errorf("wrong api_token: %d", r.status)
	}
	e.mustOK(e.do("GET", "/api/v2/persons?api_token=sandbox-token", nil, map[string]string{"x-api-token": ""}))
	e.mustOK(e.do("GET", "/v1/users?api_token=sandbox-token", nil, map[string]string{"x-api-token": ""}))
	// The header wins over the query parameter, both ways.
	e.mustOK(e.do("GET", "/api/v2/persons?api_token=nope", nil, nil))
	if r := e.do("GET", "/api/v2/persons?api_token=sandbox-token", nil, map[string]string{"x-api-token": "nope"}); r.status != 401 {
		t.Errorf("bad header + good query: %d, want 401", r.status)
	}
	// Admin endpoints need no auth.
	if r := e.do("GET", "/_sandbox/stats", nil, map[string]string{"x-api-token": ""}); r.status != 200 {
		t.Errorf("stats: %d", r.status)
	}
}

func TestHeadersAndTokenCosts(t *testing.T) {
	e := newEnv(t, 50)
	remaining := func(r resp) int {
		t.Helper()
		for _, h := range []string{"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset",
			"x-daily-ratelimit-token-limit", "x-daily-ratelimit-token-remaining", "x-correlation-id"} {
			if r.header.Get(h) == "" {
				t.Fatalf("missing header %s", h)
			}
		}
		if ct := r.header.Get("Content-Type"); ct != "application/json" {
			t.Fatalf("content-type %q", ct)
		}
		n, err := strconv.Atoi(r.header.Get("x-daily-ratelimit-token-remaining"))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	r0 := remaining(e.get("/api/v2/persons/1"))
	steps := []struct {
		method, path string
		body         any
		cost         int
	}{
		{"GET", "/api/v2/persons", nil, 10},
		{"GET", "/api/v2/persons/2", nil, 1},
		{"POST", "/api/v2/persons", map[string]any{"name": "Cost Test"}, 5},
		{"PATCH", "/api/v2/persons/2", map[string]any{"name": "Cost Test 2"}, 5},
		{"DELETE", "/api/v2/persons/3", nil, 3},
		{"GET", "/api/v2/persons/search?term=cost", nil, 20},
	}
	prev := r0
	for _, s := range steps {
		r := e.do(s.method, s.path, s.body, nil)
		if r.status/100 != 2 {
			t.Fatalf("%s %s: %d %s", s.method, s.path, r.status, r.body)
		}
		n := remaining(r)
		if prev-n != s.cost {
			t.Errorf("%s %s cost %d, want %d", s.method, s.path, prev-n, s.cost)
		}
		prev = n
	}
	a, b := e.get("/api/v2/persons/1"), e.get("/api/v2/persons/1")
	if a.header.Get("x-correlation-id") == b.header.Get("x-correlation-id") {
		t.Error("correlation ids repeat")
	}
}

func TestFaultModes(t *testing.T) {
	e := newEnv(t, 50)

	e.sb.SetFault(pipedrive.Fault{Mode: pipedrive.FaultBurst429, Count: 2, RetryAfter: 3})
	for i := range 2 {
		r := e.get("/api/v2/persons")
		if r.status != 429 || string(r.body) != `{"success":false,"error":"Request over limit","errorCode":429}` {
			t.Fatalf("burst429 #%d: %d %s", i, r.status, r.body)
		}
		if r.header.Get("Retry-After") != "3" || r.header.Get("x-ratelimit-reset") != "3" || r.header.Get("x-ratelimit-remaining") != "0" {
			t.Fatalf("burst429 headers: %v", r.header)
		}
		if r.header.Get("x-daily-ratelimit-token-remaining") == "0" {
			t.Fatal("burst429 must not look like a spent daily budget")
		}
	}
	e.mustOK(e.get("/api/v2/persons")) // Count used up: cleared

	e.sb.SetFault(pipedrive.Fault{Mode: pipedrive.FaultBurst429, Count: 1})
	if r := e.get("/api/v2/persons"); r.header.Get("Retry-After") != "2" {
		t.Fatalf("default RetryAfter: %q", r.header.Get("Retry-After"))
	}

	e.sb.SetFault(pipedrive.Fault{Mode: pipedrive.FaultDailyBudget, Count: 1})
	r := e.get("/api/v2/persons")
	errorEnvelope(t, r, 429)
	if r.header.Get("x-daily-ratelimit-token-remaining") != "0" {
		t.Fatalf("daily budget header: %q", r.header.Get("x-daily-ratelimit-token-remaining"))
	}

	e.sb.SetFault(pipedrive.Fault{Mode: pipedrive.Fault500, Count: 1})
	genericError(t, e.get("/api/v2/persons"), 500)
	e.sb.SetFault(pipedrive.Fault{Mode: pipedrive.Fault503, Count: 1})
	genericError(t, e.get("/v1/users"), 503)

	e.sb.SetFault(pipedrive.Fault{Mode: pipedrive.FaultHTML403, Count: 1})
	r = e.get("/api/v2/persons")
	if r.status != 403 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") ||
		!bytes.Contains(r.body, []byte("Cloudflare")) || json.Valid(r.body) {
		t.Fatalf("html403: %d %q %.80s", r.status, r.header.Get("Content-Type"), r.body)
	}

	// Paths restricts the fault; Count 0 lasts until cleared.
	e.sb.SetFault(pipedrive.Fault{Mode: pipedrive.Fault503, Paths: "/api/v2/deals"})
	e.mustOK(e.get("/api/v2/persons"))
	for range 3 {
		genericError(t, e.get("/api/v2/deals"), 503)
	}
	e.sb.SetFault(pipedrive.Fault{})
	e.mustOK(e.get("/api/v2/deals"))

	// Slow: waits, then serves normally.
	e.sb.SetFault(pipedrive.Fault{Mode: pipedrive.FaultSlow, Count: 1, Delay: 150 * time.Millisecond})
	start := time.Now()
	e.mustOK(e.get("/api/v2/persons/1"))
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("slow fault took only %v", d)
	}
	// Slow stops waiting when the client gives up.
	e.sb.SetFault(pipedrive.Fault{Mode: pipedrive.FaultSlow, Delay: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/api/v2/persons", nil)
	if _, err := e.hc.Do(req); err == nil {
		t.Fatal("expected the client to time out")
	}
	e.sb.SetFault(pipedrive.Fault{})
	done := make(chan struct{})
	go func() { e.srv.Close(); close(done) }() // hangs if a handler still sleeps
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("slow handler kept sleeping after the client left")
	}
}

func TestAdminEndpoints(t *testing.T) {
	e := newEnv(t, 50)
	post := func(body string) resp {
		return e.do("POST", "/_sandbox/fault", body, map[string]string{"x-api-token": ""})
	}
	if r := post(`{"mode":"burst429","count":1,"retryAfter":4,"delayMs":0,"paths":""}`); r.status != 200 {
		t.Fatalf("set fault: %d %s", r.status, r.body)
	}
	if f := e.sb.CurrentFault(); f.Mode != pipedrive.FaultBurst429 || f.RetryAfter != 4 || f.Count != 1 {
		t.Fatalf("fault = %+v", f)
	}
	if r := e.get("/api/v2/persons"); r.status != 429 || r.header.Get("Retry-After") != "4" {
		t.Fatalf("admin burst429: %d %v", r.status, r.header)
	}
	for _, mode := range []string{"none", "daily_budget", "500", "503", "slow", "html403"} {
		if r := post(`{"mode":"` + mode + `","count":1,"delayMs":1}`); r.status != 200 {
			t.Fatalf("mode %s: %d %s", mode, r.status, r.body)
		}
		if got := e.sb.CurrentFault().Mode.String(); got != mode {
			t.Fatalf("mode %s read back as %s", mode, got)
		}
	}
	for _, bad := range []string{`{"mode":"teapot"}`, `{"mode":"500","count":-1}`, `{"mode":"slow","delayMs":-5}`, `{"mode":`} {
		if r := post(bad); r.status != 400 || r.json(t)["success"] != false {
			t.Fatalf("%s: %d %s", bad, r.status, r.body)
		}
	}
	if r := e.do("PUT", "/_sandbox/fault", `{}`, nil); r.status != 405 {
		t.Fatalf("PUT /_sandbox/fault: %d", r.status)
	}
	if r := e.get("/_sandbox/nothing"); r.status != 404 {
		t.Fatalf("unknown admin endpoint: %d", r.status)
	}
	// A fault on every path leaves the admin endpoints alone, and GET shows
	// what remains of it.
	post(`{"mode":"503","count":3,"paths":"/api/v2/deals"}`)
	genericError(t, e.get("/api/v2/deals"), 503)
	e.mustOK(e.get("/api/v2/persons"))
	r := e.do("GET", "/_sandbox/fault", nil, map[string]string{"x-api-token": ""})
	if d := r.json(t)["data"].(map[string]any); d["mode"] != "503" || d["count"] != 2.0 || d["paths"] != "/api/v2/deals" {
		t.Fatalf("GET /_sandbox/fault: %s", r.body)
	}
	post(`{"mode":"500"}`)
	if r := e.get("/_sandbox/stats"); r.status != 200 {
		t.Fatalf("stats under a fault: %d", r.status)
	}
	post(`{"mode":"slow","delayMs":120,"count":1}`)
	start := time.Now()
	e.mustOK(e.get("/api/v2/persons/1"))
	if d := time.Since(start); d < 120*time.Millisecond {
		t.Fatalf("admin slow fault took %v", d)
	}
	post(`{"mode":"none"}`)
	e.get("/api/v2/persons/1")
	e.get("/api/v2/persons/2")
	e.get("/v1/users/me")
	r = e.do("GET", "/_sandbox/stats", nil, nil)
	var st pipedrive.Stats
	if err := json.Unmarshal(r.body, &st); err != nil {
		t.Fatal(err)
	}
	// Injected: the burst429 and the 503; a slow fault's request is served.
	if st.ByPrefix["/api/v2/persons"] < 3 || st.ByPrefix["/v1/users/me"] != 1 || st.Faults != 2 ||
		st.ByStatus["429"] != 1 || st.ByStatus["503"] != 1 || st.Total != st.ByPrefix["/api/v2/persons"]+st.ByPrefix["/api/v2/deals"]+1 {
		t.Fatalf("stats: %+v", st)
	}
}

func TestServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	base, stop, err := pipedrive.Serve(ctx, "127.0.0.1:0", pipedrive.Options{Records: 20, Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if !strings.HasPrefix(base, "http://127.0.0.1:") || !strings.HasSuffix(base, "/") {
		t.Fatalf("base URL %q", base)
	}
	get := func() (int, error) {
		req, _ := http.NewRequest("GET", base+"api/v2/persons", nil)
		req.Header.Set("x-api-token", "tok")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		_, _ = io.Copy(io.Discard, res.Body)
		return res.StatusCode, nil
	}
	if st, err := get(); err != nil || st != 200 {
		t.Fatalf("GET: %d %v", st, err)
	}
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := get(); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("server still up after ctx ended")
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop() // idempotent
	if _, _, err := pipedrive.Serve(context.Background(), "256.0.0.1:0", pipedrive.Options{}); err == nil {
		t.Fatal("bad address accepted")
	}
}
