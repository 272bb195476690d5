package http

import (
	"fmt"
	nethttp "net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/bindings/bindingstest"
)

// counting serves body(n) for the n-th request (from 1) and counts them.
func counting(t *testing.T, body func(n int64, r *nethttp.Request) string) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, body(n.Add(1), r))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// guardVU is a runtime whose host sets cfg (a fast retry backoff added).
func guardVU(t *testing.T, cfg bindings.HTTPConfig) *bindingstest.VU {
	t.Helper()
	if cfg.RetryBaseWait == 0 {
		cfg.RetryBaseWait = time.Millisecond
	}
	return newVUEnv(t, &bindings.Env{HTTP: &cfg})
}

// newCall starts a new call on vu (a new *bindings.Call), as the host does
// for each call.
func newCall(vu *bindingstest.VU) {
	c := *vu.Call()
	vu.SetCall(&c)
}

func TestRequestBudget(t *testing.T) {
	// Every answer differs (the repeat guard stays out of it): only the
	// budget can stop the loop.
	srv, n := counting(t, func(n int64, _ *nethttp.Request) string { return fmt.Sprintf(`{"n":%d}`, n) })
	vu := guardVU(t, bindings.HTTPConfig{MaxRequestsPerCall: 25})
	e := thrown(t, vu, fmt.Sprintf(`for (let i = 0; ; i++) http.get(%q + "/page?i=" + i)`, srv.URL))
	if got := n.Load(); got != 25 {
		t.Errorf("the server saw %d requests, want 25 (the budget)", got)
	}
	msg := str(e, "message")
	contains(t, "message", msg, "request budget spent")
	contains(t, "message", msg, "25 requests")
	contains(t, "message", msg, "the last was GET "+srv.URL+"/page?i=24")
	if str(e, "name") != "SynapseError" || num(e, "status") != 400 || num(e, "requests") != 25 {
		t.Errorf("error %s status %d requests %d, want SynapseError 400 25", str(e, "name"), num(e, "status"), num(e, "requests"))
	}

	// A new call has a new budget.
	newCall(vu)
	vu.MustRun(t, fmt.Sprintf(`for (let i = 0; i < 25; i++) http.get(%q + "/again?i=" + i)`, srv.URL))

	// Retries count: each attempt reached the server.
	var tries atomic.Int64
	busy := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		tries.Add(1)
		w.WriteHeader(503)
	}))
	defer busy.Close()
	vu = guardVU(t, bindings.HTTPConfig{MaxRequestsPerCall: 5})
	e = thrown(t, vu, fmt.Sprintf(`http.get(%q, {retry: 3, throwOnError: false}); http.get(%q + "/b", {retry: 3, throwOnError: false})`, busy.URL, busy.URL))
	contains(t, "message", str(e, "message"), "request budget spent: this call already made 5 requests")
	if tries.Load() != 5 {
		t.Errorf("%d attempts reached the server, want 5", tries.Load())
	}

	// The default is 1,000.
	vu = guardVU(t, bindings.HTTPConfig{})
	n.Store(0)
	e = thrown(t, vu, fmt.Sprintf(`for (let i = 0; ; i++) http.get(%q + "/d?i=" + i)`, srv.URL))
	if got := n.Load(); got != DefaultMaxRequestsPerCall {
		t.Errorf("default budget let %d requests through, want %d", got, DefaultMaxRequestsPerCall)
	}
	contains(t, "message", str(e, "message"), "1000 requests")

	// Negative: no budget.
	vu = guardVU(t, bindings.HTTPConfig{MaxRequestsPerCall: -1})
	vu.MustRun(t, fmt.Sprintf(`for (let i = 0; i < 1100; i++) http.get(%q + "/u?i=" + i)`, srv.URL))
}

func TestClientRequestBudget(t *testing.T) {
	srv, n := counting(t, func(n int64, _ *nethttp.Request) string { return fmt.Sprintf(`{"n":%d}`, n) })
	vu := newVU(t)
	e := thrown(t, vu, fmt.Sprintf(`var c = http.client({baseUrl: %q, maxRequests: 7});
		for (let i = 0; i < 3; i++) http.get(%q + "/other?i=" + i); // not the client's
		for (let i = 0; ; i++) c.get("/p?i=" + i)`, srv.URL, srv.URL))
	if got := n.Load(); got != 10 {
		t.Errorf("server saw %d requests, want 3 + 7", got)
	}
	contains(t, "message", str(e, "message"), "the client's request budget is spent: it already made 7 requests in this call (http.client({maxRequests: 7}))")
	contains(t, "message", str(e, "message"), "/p?i=6")
	// The call's budget still applies to a client with a larger one.
	vu = guardVU(t, bindings.HTTPConfig{MaxRequestsPerCall: 4})
	e = thrown(t, vu, fmt.Sprintf(`var d = http.client({baseUrl: %q, maxRequests: 100}); for (let i = 0; ; i++) d.get("/q?i=" + i)`, srv.URL))
	contains(t, "message", str(e, "message"), "this call already made 4 requests")
	for _, bad := range []string{`0`, `-1`, `1.5`, `"10"`} {
		e := thrown(t, vu, `http.client({maxRequests: `+bad+`})`)
		contains(t, "message", str(e, "message"), "maxRequests must be a whole number from 1")
	}
	e = thrown(t, vu, `http.client({maxRepeat: 3})`)
	contains(t, "message", str(e, "message"), "maxRepeats")
}

func TestRepeatGuard(t *testing.T) {
	// A server whose cursor never moves: every page says "more after X".
	srv, n := counting(t, func(_ int64, r *nethttp.Request) string {
		return `{"data":[{"id":1}],"additional_data":{"next_cursor":"X"}}`
	})
	vu := newVU(t)
	e := thrown(t, vu, fmt.Sprintf(`var c = http.client({baseUrl: %q}), cursor = null, pages = 0;
		do { const b = c.get("/items", {query: cursor ? {cursor} : {}}).json(); cursor = b.additional_data.next_cursor; pages++ } while (cursor)`, srv.URL))
	// One first page, then DefaultMaxIdenticalRepeats identical answers to
	// ?cursor=X, then the refusal.
	if got := n.Load(); got != 1+DefaultMaxIdenticalRepeats {
		t.Errorf("server saw %d requests, want %d", got, 1+DefaultMaxIdenticalRepeats)
	}
	msg := str(e, "message")
	contains(t, "message", msg, "GET "+srv.URL+"/items?cursor=X was already sent 10 times in this call and answered the same each time")
	if str(e, "name") != "SynapseError" || num(e, "requests") != 10 {
		t.Errorf("got %s with requests=%d", str(e, "name"), num(e, "requests"))
	}

	// Answers that change (a job's progress) are not repeats.
	prog, _ := counting(t, func(n int64, _ *nethttp.Request) string { return fmt.Sprintf(`{"done":%d}`, n) })
	newCall(vu)
	vu.MustRun(t, fmt.Sprintf(`for (let i = 0; i < 50; i++) http.get(%q + "/job")`, prog.URL))

	// A different body is a different request; the same body is not.
	newCall(vu)
	vu.MustRun(t, fmt.Sprintf(`for (let i = 0; i < 30; i++) http.post(%q + "/q", {i})`, srv.URL))
	e = thrown(t, vu, fmt.Sprintf(`for (let i = 0; i < 30; i++) http.post(%q + "/q", {same: true})`, srv.URL))
	contains(t, "message", str(e, "message"), "POST "+srv.URL+"/q was already sent 10 times")

	// The host sets the limit; a client's maxRepeats overrides it; a new
	// call starts over.
	vu = guardVU(t, bindings.HTTPConfig{MaxIdenticalRepeats: 3})
	n.Store(0)
	thrown(t, vu, fmt.Sprintf(`for (;;) http.get(%q + "/same")`, srv.URL))
	if n.Load() != 3 {
		t.Errorf("host limit 3: server saw %d", n.Load())
	}
	newCall(vu)
	n.Store(0)
	e = thrown(t, vu, fmt.Sprintf(`var p = http.client({baseUrl: %q, maxRepeats: 20}); for (;;) p.get("/same")`, srv.URL))
	if n.Load() != 20 {
		t.Errorf("client maxRepeats 20: server saw %d", n.Load())
	}
	contains(t, "message", str(e, "message"), "http.client({maxRepeats})")
	vu = guardVU(t, bindings.HTTPConfig{MaxIdenticalRepeats: -1})
	vu.MustRun(t, fmt.Sprintf(`for (let i = 0; i < 40; i++) http.get(%q + "/same")`, srv.URL))

	// Errors the script catches still count: a loop on a 404 stops too.
	nf := httptest.NewServer(nethttp.NotFoundHandler())
	defer nf.Close()
	vu = guardVU(t, bindings.HTTPConfig{})
	e = thrown(t, vu, fmt.Sprintf(`for (;;) { try { http.get(%q + "/gone") } catch (e) { if (e.name !== "NotFoundError") throw e } }`, nf.URL))
	if !strings.Contains(str(e, "message"), "answered the same each time") {
		t.Errorf("a caught 404 loop ended with %q", str(e, "message"))
	}
}

// TestGuardRedactsSecrets: the guard's messages carry URLs, which may hold
// a secret query parameter.
func TestGuardRedactsSecrets(t *testing.T) {
	srv, _ := counting(t, func(int64, *nethttp.Request) string { return `{}` })
	vu := guardVU(t, bindings.HTTPConfig{MaxRequestsPerCall: 2})
	e := thrown(t, vu, fmt.Sprintf(`var c = http.client({baseUrl: %q, auth: auth.apiKey({query: "api_token", value: "s3cr3t-token-value"})});
		for (let i = 0; ; i++) c.get("/x?i=" + i)`, srv.URL))
	if strings.Contains(str(e, "message"), "s3cr3t-token-value") || strings.Contains(str(e, "url"), "s3cr3t-token-value") {
		t.Errorf("the secret leaked: %q", str(e, "message"))
	}
	contains(t, "message", str(e, "message"), "request budget spent")
}
