package http

import (
	"fmt"
	"io"
	nethttp "net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/synapsejs/synapse-js/bindings"
)

// echo answers with what it received, as JSON.
func echo() *httptest.Server {
	return httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Add("X-Multi", "a")
		w.Header().Add("X-Multi", "b")
		w.Header().Set("X-Request-Method", r.Method)
		h := map[string]string{}
		for k := range r.Header {
			h[strings.ToLower(k)] = r.Header.Get(k)
		}
		hb, _ := jsonMarshal(h)
		fmt.Fprintf(w, `{"method":%q,"uri":%q,"body":%q,"headers":%s,"big":9007199254740993,"neg":-12345678901234567890,"small":42}`,
			r.Method, r.URL.RequestURI(), body, hb)
	}))
}

func TestResponseShape(t *testing.T) {
	srv := echo()
	defer srv.Close()
	vu := newVU(t)
	var got struct {
		Status  int
		OK      bool
		Headers map[string]any
		Same    bool
		Text    string
		Big     string
		Neg     string
		Small   float64
		Fresh   bool
	}
	runJSON(t, vu, fmt.Sprintf(`(function () {
		var r = http.get(%q);
		var a = r.json(), b = r.json();
		return JSON.stringify({status: r.status, ok: r.ok, headers: r.headers, same: r.text() === r.text(),
			text: r.text(), big: a.big, neg: a.neg, small: a.small, fresh: a !== b});
	})()`, srv.URL+"/x"), &got)
	if got.Status != 200 || !got.OK {
		t.Errorf("status %d ok %v", got.Status, got.OK)
	}
	if got.Headers["x-multi"] != "a, b" || got.Headers["content-type"] != "application/json" || got.Headers["x-request-method"] != "GET" {
		t.Errorf("headers = %v, want lower-case names and joined values", got.Headers)
	}
	for k := range got.Headers {
		if k != strings.ToLower(k) {
			t.Errorf("header name %q is not lower case", k)
		}
	}
	if !got.Same || !strings.HasPrefix(got.Text, `{"method":"GET"`) {
		t.Errorf("text() = %q (stable %v)", got.Text, got.Same)
	}
	if got.Big != "9007199254740993" || got.Neg != "-12345678901234567890" || got.Small != 42 {
		t.Errorf("big integers: big=%q neg=%q small=%v, want exact digits as strings", got.Big, got.Neg, got.Small)
	}
	if !got.Fresh {
		t.Error("json() should return a fresh value on each call")
	}
}

func TestMethodsAndBodies(t *testing.T) {
	srv := echo()
	defer srv.Close()
	vu := newVU(t)
	type echoed struct {
		Method  string
		URI     string
		Body    string
		Headers map[string]string
	}
	cases := []struct {
		name, js string
		want     echoed
	}{
		{"post object as JSON", `http.post(U + "/p", {a: 1, b: [true, null], d: new Date(0)})`,
			echoed{Method: "POST", URI: "/p", Body: `{"a":1,"b":[true,null],"d":"1970-01-01T00:00:00.000Z"}`, Headers: map[string]string{"content-type": "application/json"}}},
		{"put raw string", `http.put(U + "/p", "plain text", {headers: {"Content-Type": "text/plain"}})`,
			echoed{Method: "PUT", URI: "/p", Body: "plain text", Headers: map[string]string{"content-type": "text/plain"}}},
		{"patch json option", `http.patch(U + "/p", undefined, {json: [1, 2]})`,
			echoed{Method: "PATCH", URI: "/p", Body: "[1,2]"}},
		{"del", `http.del(U + "/p/7")`, echoed{Method: "DELETE", URI: "/p/7"}},
		{"request form", `http.request({method: "post", url: U + "/f", form: {a: "x y", ids: [1, 2]}})`,
			echoed{Method: "POST", URI: "/f", Body: "a=x+y&ids=1&ids=2", Headers: map[string]string{"content-type": "application/x-www-form-urlencoded"}}},
		{"query arrays and scalars", `http.get(U + "/q?x=0", {query: {ids: [1, 2, 3], on: true, n: 1.5, skip: null}})`,
			echoed{Method: "GET", URI: "/q?x=0&ids=1&ids=2&ids=3&n=1.5&on=true"}},
		{"binary body", `http.post(U + "/b", new Uint8Array([104, 105]).buffer)`,
			echoed{Method: "POST", URI: "/b", Body: "hi"}},
		{"Uint8Array body option", `http.request({method: "PUT", url: U + "/b", body: new Uint8Array([104, 105])})`,
			echoed{Method: "PUT", URI: "/b", Body: "hi"}},
		{"scalar shorthand body as JSON", `http.post(U + "/n", 42)`,
			echoed{Method: "POST", URI: "/n", Body: "42", Headers: map[string]string{"content-type": "application/json"}}},
		{"json null", `http.request({method: "POST", url: U + "/n", json: null})`,
			echoed{Method: "POST", URI: "/n", Body: "null"}},
	}
	vu.MustRun(t, fmt.Sprintf("var U = %q;", srv.URL))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got echoed
			runJSON(t, vu, "JSON.stringify("+c.js+".json())", &got)
			if got.Method != c.want.Method || got.URI != c.want.URI || got.Body != c.want.Body {
				t.Errorf("got %s %s body %q, want %s %s body %q", got.Method, got.URI, got.Body, c.want.Method, c.want.URI, c.want.Body)
			}
			for k, v := range c.want.Headers {
				if !strings.HasPrefix(got.Headers[k], v) {
					t.Errorf("header %s = %q, want %q", k, got.Headers[k], v)
				}
			}
		})
	}
}

func TestClientJoinsBaseURL(t *testing.T) {
	srv := echo()
	defer srv.Close()
	vu := newVU(t)
	cases := []struct{ base, path, want string }{
		{"/api", "/v2/persons", "/api/v2/persons"},
		{"/api", "v2/persons", "/api/v2/persons"},
		{"/api/", "/v2/persons", "/api/v2/persons"},
		{"/api/", "//v2/persons", "/api/v2/persons"},
		{"", "/v2/persons", "/v2/persons"},
		{"/api", "", "/api"},
		{"/api", "?start=5", "/api?start=5"},
		{"/api?api_token=k", "persons", "/api/persons?api_token=k"},
		{"/api", srv.URL + "/elsewhere", "/elsewhere"},
	}
	for _, c := range cases {
		var got struct{ URI string }
		runJSON(t, vu, fmt.Sprintf(`JSON.stringify(http.client({baseUrl: %q}).get(%q).json())`, srv.URL+c.base, c.path), &got)
		if got.URI != c.want {
			t.Errorf("baseUrl %q + %q requested %q, want %q", c.base, c.path, got.URI, c.want)
		}
	}
	// unit cases of the joiner itself
	for _, c := range []struct{ base, p, want string }{
		{"https://x/api", "/v2/persons", "https://x/api/v2/persons"},
		{"https://x", "/v2", "https://x/v2"},
		{"https://x/api", "v2/", "https://x/api/v2/"},
	} {
		if got := joinURL(c.base, c.p); got != c.want {
			t.Errorf("joinURL(%q, %q) = %q, want %q", c.base, c.p, got, c.want)
		}
	}
}

func TestClientMergesHeadersAndQuery(t *testing.T) {
	srv := echo()
	defer srv.Close()
	vu := newVU(t)
	var got struct {
		URI     string
		Headers map[string]string
	}
	runJSON(t, vu, fmt.Sprintf(`(function () {
		var c = http.client({baseUrl: %q, headers: {"X-A": "1", "X-B": "2", "X-Gone": "3"}, query: {limit: 100, start: 0}});
		return JSON.stringify(c.get("/items", {headers: {"x-b": "override", "X-Gone": null}, query: {start: 100}}).json());
	})()`, srv.URL), &got)
	if got.URI != "/items?limit=100&start=100" {
		t.Errorf("uri = %q", got.URI)
	}
	if got.Headers["x-a"] != "1" || got.Headers["x-b"] != "override" {
		t.Errorf("headers = %v", got.Headers)
	}
	if _, ok := got.Headers["x-gone"]; ok {
		t.Errorf("a null header should remove the client's default: %v", got.Headers)
	}
}

func TestStatusErrors(t *testing.T) {
	srv := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		var code int
		fmt.Sscanf(strings.TrimPrefix(r.URL.Path, "/"), "%d", &code)
		w.Header().Set("X-Code", fmt.Sprint(code))
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"error":"status %d"}`, code)
	}))
	defer srv.Close()
	vu := newVU(t)
	vu.MustRun(t, fmt.Sprintf("var U = %q;", srv.URL))
	for _, c := range []struct {
		code   int
		class  string
		status int64
	}{
		{401, "AuthError", 401}, {403, "AuthError", 403}, {404, "NotFoundError", 404},
		{400, "HttpError", 400}, {500, "HttpError", 500}, {422, "HttpError", 422},
	} {
		e := thrown(t, vu, fmt.Sprintf(`http.get(U + "/%d")`, c.code))
		if str(e, "name") != c.class || num(e, "status") != c.status {
			t.Errorf("%d: threw %s status %d, want %s %d", c.code, str(e, "name"), num(e, "status"), c.class, c.status)
		}
		contains(t, "message", str(e, "message"), fmt.Sprintf("GET %s/%d: %d %s", srv.URL, c.code, c.code, nethttp.StatusText(c.code)))
		contains(t, "body", str(e, "body"), fmt.Sprintf(`"status %d"`, c.code))
		if h := e.Get("headers").ToObject(vu.RT); str(h, "x-code") != fmt.Sprint(c.code) {
			t.Errorf("%d: error headers lack x-code", c.code)
		}
	}
	// instanceof works, and throwOnError: false hands the response back.
	v := vu.MustRun(t, `
		var ok = false;
		try { http.get(U + "/404") } catch (e) { ok = e instanceof NotFoundError && e instanceof SynapseError && e instanceof Error }
		var r = http.get(U + "/404", {throwOnError: false});
		ok && r.status === 404 && r.ok === false && r.json().error === "status 404"`)
	if !v.ToBoolean() {
		t.Error("instanceof or throwOnError: false failed")
	}
}

func Test429RetryAfterThenSuccess(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		if hits.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(429)
			return
		}
		fmt.Fprint(w, `{"ok":true}`)
	}))
	defer srv.Close()
	vu := newVU(t)
	start := time.Now()
	v := vu.MustRun(t, fmt.Sprintf(`http.post(%q, {a: 1}).json().ok`, srv.URL))
	if !v.ToBoolean() || hits.Load() != 2 {
		t.Fatalf("result %v after %d hits, want true after 2", v, hits.Load())
	}
	if el := time.Since(start); el < 900*time.Millisecond || el > 5*time.Second {
		t.Errorf("took %v, want about the 1 s Retry-After", el)
	}
	contains(t, "logs", vu.Logs.String(), `"retries":1`)
}

func Test429WaitPastDeadlineThrowsAtOnce(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		hits.Add(1)
		w.Header().Set("Retry-After", "30")
		w.Header().Set("X-Ratelimit-Remaining", "0")
		w.WriteHeader(429)
		fmt.Fprint(w, `{"error":"slow down"}`)
	}))
	defer srv.Close()
	vu := newVU(t)
	withDeadline(t, vu, 3*time.Second)
	start := time.Now()
	e := thrown(t, vu, fmt.Sprintf(`http.get(%q)`, srv.URL))
	if el := time.Since(start); el > time.Second {
		t.Errorf("took %v: the wait past the deadline should not be slept", el)
	}
	if str(e, "name") != "QuotaExceededError" || num(e, "status") != 429 || num(e, "retryAfter") != 30 {
		t.Errorf("threw %s status %d retryAfter %d", str(e, "name"), num(e, "status"), num(e, "retryAfter"))
	}
	contains(t, "body", str(e, "body"), "slow down")
	if h := e.Get("headers").ToObject(vu.RT); str(h, "x-ratelimit-remaining") != "0" {
		t.Error("headers of the last response missing")
	}
	if hits.Load() != 1 {
		t.Errorf("%d hits, want 1", hits.Load())
	}
	// With throwOnError: false the script gets the 429 itself, at once.
	start = time.Now()
	if v := vu.MustRun(t, fmt.Sprintf(`var r = http.get(%q, {throwOnError: false}); r.status + " " + r.headers["retry-after"]`, srv.URL)); v.String() != "429 30" {
		t.Errorf("got %q", v)
	}
	if time.Since(start) > time.Second {
		t.Error("throwOnError: false slept past the deadline")
	}
}

func Test429RateLimitResetHeader(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		hits.Add(1)
		w.Header().Set("X-Ratelimit-Reset", "45")
		w.WriteHeader(429)
	}))
	defer srv.Close()
	vu := newVU(t)
	withDeadline(t, vu, 2*time.Second)
	e := thrown(t, vu, fmt.Sprintf(`http.get(%q)`, srv.URL))
	if str(e, "name") != "QuotaExceededError" || num(e, "retryAfter") != 45 {
		t.Errorf("threw %s retryAfter %d, want QuotaExceededError 45", str(e, "name"), num(e, "retryAfter"))
	}
}

func Test429ExhaustsRetries(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		hits.Add(1)
		w.WriteHeader(429)
	}))
	defer srv.Close()
	vu := newVU(t)
	e := thrown(t, vu, fmt.Sprintf(`http.get(%q, {retry: 2})`, srv.URL))
	if str(e, "name") != "QuotaExceededError" || hits.Load() != 3 {
		t.Errorf("threw %s after %d hits, want QuotaExceededError after 3", str(e, "name"), hits.Load())
	}
	hits.Store(0)
	thrown(t, vu, fmt.Sprintf(`http.get(%q, {retry: 0})`, srv.URL))
	if hits.Load() != 1 {
		t.Errorf("retry: 0 made %d requests", hits.Load())
	}
}

func Test503ThenSuccess(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		if hits.Add(1) <= 2 {
			w.WriteHeader(503)
			return
		}
		fmt.Fprint(w, "done")
	}))
	defer srv.Close()
	vu := newVU(t)
	if v := vu.MustRun(t, fmt.Sprintf(`http.get(%q).text()`, srv.URL)); v.String() != "done" || hits.Load() != 3 {
		t.Errorf("got %q after %d hits", v, hits.Load())
	}
}

func TestPostNotRetriedOn503(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		hits.Add(1)
		w.WriteHeader(503)
	}))
	defer srv.Close()
	vu := newVU(t)
	for _, m := range []string{"post", "patch"} {
		hits.Store(0)
		e := thrown(t, vu, fmt.Sprintf(`http.%s(%q, {a: 1})`, m, srv.URL))
		if str(e, "name") != "HttpError" || num(e, "status") != 503 || hits.Load() != 1 {
			t.Errorf("%s: threw %s %d after %d hits, want HttpError 503 after 1", m, str(e, "name"), num(e, "status"), hits.Load())
		}
	}
	hits.Store(0)
	thrown(t, vu, fmt.Sprintf(`http.put(%q, {a: 1}, {retry: 1})`, srv.URL))
	if hits.Load() != 2 {
		t.Errorf("put: %d hits, want 2 (PUT is retried)", hits.Load())
	}
	hits.Store(0)
	thrown(t, vu, fmt.Sprintf(`http.post(%q, {a: 1}, {retry: 1, headers: {"Idempotency-Key": "k-1"}})`, srv.URL))
	if hits.Load() != 2 {
		t.Errorf("post with an Idempotency-Key: %d hits, want 2", hits.Load())
	}
}

func TestConnectionResetRetried(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		if hits.Add(1) == 1 {
			conn, _, err := w.(nethttp.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		fmt.Fprint(w, "second time lucky")
	}))
	defer srv.Close()
	vu := newVU(t)
	if v := vu.MustRun(t, fmt.Sprintf(`http.get(%q).text()`, srv.URL)); v.String() != "second time lucky" || hits.Load() != 2 {
		t.Errorf("got %q after %d hits", v, hits.Load())
	}
	// A POST whose request reached the server is not repeated.
	hits.Store(0)
	e := thrown(t, vu, fmt.Sprintf(`http.post(%q, "x")`, srv.URL))
	if hits.Load() != 1 {
		t.Errorf("post: %d hits, want 1", hits.Load())
	}
	contains(t, "message", str(e, "message"), "http POST "+srv.URL)
}

func TestPostRetriedWhenNothingWasSent(t *testing.T) {
	// Nothing listens on this port once the server is closed: every dial
	// fails, so even a POST may be repeated.
	srv := httptest.NewServer(nethttp.NotFoundHandler())
	u := srv.URL
	srv.Close()
	vu := newVU(t)
	e := thrown(t, vu, fmt.Sprintf(`http.post(%q, "x", {retry: 2})`, u))
	contains(t, "message", str(e, "message"), "connection refused")
	if n := strings.Count(vu.Logs.String(), `"message":"http retry"`); n != 2 {
		t.Errorf("%d retries logged, want 2:\n%s", n, vu.Logs.String())
	}
}

func TestSlowServerEndsAtDeadline(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		case <-time.After(10 * time.Second):
		}
	}))
	defer srv.Close()
	defer close(release)
	vu := newVU(t)
	withDeadline(t, vu, 300*time.Millisecond)
	start := time.Now()
	e := thrown(t, vu, fmt.Sprintf(`http.get(%q)`, srv.URL))
	if el := time.Since(start); el > 1300*time.Millisecond {
		t.Errorf("took %v, want it to end at the 300 ms deadline", el)
	}
	contains(t, "message", str(e, "message"), "call deadline exceeded")
	if vu.Call().Ctx.Err() == nil {
		t.Error("the call's context should be done")
	}
}

func TestRequestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	vu := newVU(t)
	start := time.Now()
	e := thrown(t, vu, fmt.Sprintf(`http.get(%q, {timeout: 100})`, srv.URL))
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("took %v", el)
	}
	contains(t, "message", str(e, "message"), "timeout")
}

func TestBodyOverCap(t *testing.T) {
	srv := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		big := strings.Repeat("x", 4096)
		if r.URL.Path == "/chunked" {
			for i := 0; i < 4; i++ {
				io.WriteString(w, big[:1024])
				w.(nethttp.Flusher).Flush()
			}
			return
		}
		io.WriteString(w, big)
	}))
	defer srv.Close()
	vu := newVUEnv(t, &bindings.Env{HTTP: &bindings.HTTPConfig{RetryBaseWait: 5 * time.Millisecond, MaxResponseBytes: 1024}})
	for _, p := range []string{"/sized", "/chunked"} {
		e := thrown(t, vu, fmt.Sprintf(`http.get(%q)`, srv.URL+p))
		contains(t, p, str(e, "message"), "response body exceeds the 1 KiB cap")
	}
	// maxBytes raises the cap for one request.
	if v := vu.MustRun(t, fmt.Sprintf(`http.get(%q, {maxBytes: 8192}).text().length`, srv.URL+"/chunked")); v.ToInteger() != 4096 {
		t.Errorf("length %v", v)
	}
	// The default is 32 MiB.
	if got := formatBytes(bindings.DefaultMaxResponseBytes); got != "32 MiB" {
		t.Errorf("formatBytes = %q", got)
	}
}

func TestMalformedJSON(t *testing.T) {
	srv := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		io.WriteString(w, `{"data": [1, 2,, 3]}`)
	}))
	defer srv.Close()
	vu := newVU(t)
	e := thrown(t, vu, fmt.Sprintf(`var r = http.get(%q); r.json()`, srv.URL))
	msg := str(e, "message")
	contains(t, "message", msg, "byte offset 15")
	contains(t, "message", msg, `{\"data\": [1, 2,, 3]}`)
	if v := vu.MustRun(t, `r.text()`); v.String() != `{"data": [1, 2,, 3]}` {
		t.Errorf("text() after a failed json() = %q", v)
	}
}

func TestRedirects(t *testing.T) {
	other := echo()
	defer other.Close()
	srv := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		switch r.URL.Path {
		case "/old":
			nethttp.Redirect(w, r, "/new", nethttp.StatusFound)
		case "/new":
			fmt.Fprintf(w, "auth=%s key=%s", r.Header.Get("Authorization"), r.Header.Get("X-Api-Token"))
		case "/away":
			nethttp.Redirect(w, r, other.URL+"/landed", nethttp.StatusFound)
		case "/loop":
			nethttp.Redirect(w, r, "/loop", nethttp.StatusFound)
		case "/meta":
			nethttp.Redirect(w, r, "http://169.254.169.254/latest/meta-data", nethttp.StatusFound)
		}
	}))
	defer srv.Close()
	vu := newVU(t)
	vu.MustRun(t, fmt.Sprintf(`var U = %q, B = auth.bearer("tok-same-host-1234"), K = auth.apiKey({header: "x-api-token", value: "key-abcdef"});`, srv.URL))
	if v := vu.MustRun(t, `http.get(U + "/old", {auth: B}).text()`); v.String() != "auth=Bearer tok-same-host-1234 key=" {
		t.Errorf("same-host redirect: %q", v)
	}
	var got struct {
		URI     string
		Headers map[string]string
	}
	for _, a := range []string{"B", "K"} {
		runJSON(t, vu, `JSON.stringify(http.get(U + "/away", {auth: `+a+`}).json())`, &got)
		if got.URI != "/landed" || got.Headers["authorization"] != "" || got.Headers["x-api-token"] != "" {
			t.Errorf("cross-host redirect with %s: uri %q headers %v: credentials must not follow", a, got.URI, got.Headers)
		}
	}
	e := thrown(t, vu, `http.get(U + "/loop")`)
	contains(t, "message", str(e, "message"), "stopped after 10 redirects")
	e = thrown(t, vu, `http.get(U + "/meta")`)
	contains(t, "message", str(e, "message"), "destination 169.254.169.254 is denied")
}

func TestOutboundPolicy(t *testing.T) {
	srv := echo()
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]

	vu := newVU(t)
	start := time.Now()
	e := thrown(t, vu, `http.get("http://169.254.169.254/latest/meta-data/iam")`)
	if str(e, "message") != "http: destination 169.254.169.254 is denied by the host's outbound policy (a link-local address, where cloud metadata services live)" {
		t.Errorf("message = %q", str(e, "message"))
	}
	if time.Since(start) > time.Second {
		t.Error("a denied destination should fail at once")
	}
	for _, u := range []string{"http://[fe80::1]/", "http://[::ffff:169.254.169.254]/"} {
		e = thrown(t, vu, fmt.Sprintf(`http.get(%q)`, u))
		contains(t, u, str(e, "message"), "is denied by the host's outbound policy")
	}

	cases := []struct {
		name string
		cfg  bindings.HTTPConfig
		url  string
		deny string // "" when allowed
	}{
		{"allow list without the host", bindings.HTTPConfig{Allow: []string{"api.example.com", "*.pipedrive.com"}}, srv.URL, "127.0.0.1"},
		{"allow list with the CIDR", bindings.HTTPConfig{Allow: []string{"127.0.0.0/8"}}, srv.URL, ""},
		{"allow by name", bindings.HTTPConfig{Allow: []string{"localhost"}}, "http://localhost:" + port, ""},
		{"allow CIDR reached by name", bindings.HTTPConfig{Allow: []string{"127.0.0.1", "::1"}}, "http://localhost:" + port, ""},
		{"deny name", bindings.HTTPConfig{Deny: []string{"*.internal", "localhost"}}, "http://localhost:" + port, "localhost"},
		{"deny wildcard", bindings.HTTPConfig{Deny: []string{"*.internal"}}, "http://db.prod.internal/", "db.prod.internal"},
		// The name passes; the address it resolves to does not.
		{"deny resolved address", bindings.HTTPConfig{Deny: []string{"127.0.0.0/8", "::1/128"}}, "http://localhost:" + port, "localhost ("},
		{"metadata allowed when asked", bindings.HTTPConfig{AllowMetadata: true, Allow: []string{"127.0.0.1/32"}}, srv.URL, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := c.cfg
			vu := newVUEnv(t, &bindings.Env{HTTP: &cfg})
			src := fmt.Sprintf(`http.get(%q, {retry: 0}).status`, c.url)
			if c.deny == "" {
				if v := vu.MustRun(t, src); v.ToInteger() != 200 {
					t.Errorf("status %v", v)
				}
				return
			}
			e := thrown(t, vu, src)
			contains(t, "message", str(e, "message"), "http: destination "+c.deny)
			contains(t, "message", str(e, "message"), "denied by the host's outbound policy")
		})
	}
	vu = newVUEnv(t, &bindings.Env{HTTP: &bindings.HTTPConfig{Deny: []string{"not a host!"}}})
	e = thrown(t, vu, fmt.Sprintf(`http.get(%q)`, srv.URL))
	contains(t, "message", str(e, "message"), "outbound HTTP policy is invalid")
}

func TestRequireUnknownModule(t *testing.T) {
	vu := newVU(t)
	e := thrown(t, vu, `require('synapse/nope')`)
	contains(t, "message", str(e, "message"), `require("synapse/nope"): no such module; the host provides only synapse/auth, synapse/errors, synapse/http`)
}

func TestValidation(t *testing.T) {
	srv := echo()
	defer srv.Close()
	vu := newVU(t)
	vu.MustRun(t, fmt.Sprintf("var U = %q;", srv.URL))
	for _, c := range []struct{ js, want string }{
		{`http.get(42)`, "http.get: url must be a string, got an integer"},
		{`http.get("/relative")`, "http.get: url must be an absolute http(s) URL"},
		{`http.get("ftp://x/y")`, "http.get: url must be an absolute http(s) URL"},
		{`http.request()`, "http.request: options must be an object"},
		{`http.request({url: U, header: {}})`, `http.request: unknown option "header"`},
		{`http.request({method: "GET"})`, "http.request: url is required"},
		{`http.request({url: U, method: "GE T"})`, "not a valid HTTP method"},
		{`http.get(U, {headers: {"bad name": "x"}})`, `"bad name" is not a valid header name`},
		{`http.get(U, {headers: {"x-a": "a\r\nb"}})`, "must not contain line breaks"},
		{`http.get(U, {query: {a: {b: 1}}})`, "query.a must be a string, number or boolean"},
		{`http.get(U, {query: "a=1"})`, "query must be an object, got a string"},
		{`http.get(U, {timeout: -1})`, "timeout must be a positive number"},
		{`http.get(U, {retry: 1.5})`, "retry must be a whole number"},
		{`http.get(U, {auth: {scheme: "bearer"}})`, "auth must be an object made by require('synapse/auth')"},
		{`http.get(U, {url: U})`, `option "url" belongs to http.request`},
		{`http.post(U, {a: 1}, {json: {b: 2}})`, "json: the body is already given by body"},
		{`http.request({url: U, json: 1, form: {a: 1}})`, "form: the body is already given by json"},
		{`var o = {}; o.o = o; http.post(U, o)`, "cannot be encoded as JSON"},
		{`http.get(U, {throwOnError: "no"})`, "throwOnError must be a boolean"},
		{`http.request({url: U, body: 42})`, "body must be a string, an ArrayBuffer, a typed array (Uint8Array...), a DataView or an object"},
		{`http.client({baseUrl: "x"})`, "baseUrl must be an absolute http(s) URL"},
		{`http.client({base: U})`, `http.client: unknown option "base"`},
	} {
		e := thrown(t, vu, c.js)
		if str(e, "name") != "TypeError" {
			t.Errorf("%s threw %s: %s, want a TypeError", c.js, str(e, "name"), str(e, "message"))
		}
		contains(t, c.js, str(e, "message"), c.want)
	}
}

func TestOnHTTPAndLogs(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		if hits.Add(1) == 1 {
			w.WriteHeader(502)
			return
		}
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	var seen []string
	vu := newVUEnv(t, &bindings.Env{
		HTTP:   &bindings.HTTPConfig{RetryBaseWait: 5 * time.Millisecond},
		OnHTTP: func(_, method string, status int) { seen = append(seen, fmt.Sprint(method, status)) },
	})
	vu.MustRun(t, fmt.Sprintf(`http.get(%q)`, srv.URL+"/x"))
	if strings.Join(seen, ",") != "GET502,GET200" {
		t.Errorf("OnHTTP saw %v", seen)
	}
	logs := vu.Logs.String()
	for _, want := range []string{`"message":"http retry"`, `"method":"GET"`, `"url":"` + srv.URL + `/x"`, `"status":200`, `"retries":1`, `"duration_ms":`, `"request_id":"req-1"`} {
		contains(t, "logs", logs, want)
	}
}

func TestInstanceUsesCurrentCall(t *testing.T) {
	srv := echo()
	defer srv.Close()
	vu := newVU(t)
	vu.MustRun(t, fmt.Sprintf(`var c = http.client({baseUrl: %q}); c.get("/1")`, srv.URL))
	// A later call, with its own context and logger: the module instance
	// and the client made earlier use it, not the first call's.
	first := vu.Call()
	next := *first
	var buf strings.Builder
	next.Log = first.Log.Output(&buf)
	vu.SetCall(&next)
	vu.MustRun(t, `c.get("/2")`)
	contains(t, "second call's log", buf.String(), `/2"`)
	if strings.Contains(buf.String(), `/1"`) {
		t.Error("second call's log has the first call's request")
	}
	// A call whose context already ended fails at once.
	withDeadline(t, vu, time.Nanosecond)
	time.Sleep(time.Millisecond)
	e := thrown(t, vu, `c.get("/3")`)
	contains(t, "message", str(e, "message"), "call deadline exceeded")
}

func TestResponseObject(t *testing.T) {
	srv := echo()
	defer srv.Close()
	vu := newVU(t)
	v := vu.MustRun(t, fmt.Sprintf(`(function () {
		"use strict";
		var r = http.get(%q);
		var s = JSON.parse(JSON.stringify(r));
		var keys = Object.keys(r).join(",");
		r.page = 2;
		var threw = false;
		try { r.status = 500 } catch (e) { threw = e instanceof TypeError }
		var {status, ok} = r;
		var detached = false;
		try { var t = r.text; t() } catch (e) { detached = e instanceof TypeError && e.message.indexOf("resp.text()") >= 0 }
		return [keys, s.status, s.ok, typeof s.headers, r.page, threw, status, ok, detached, "json" in r, typeof r.json].join("|");
	})()`, srv.URL))
	if v.String() != "status,ok,url,headers,text,json,bytes,arrayBuffer|200|true|object|2|true|200|true|true|true|function" {
		t.Errorf("got %q", v)
	}
}

func TestServerWait(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	h := func(kv ...string) nethttp.Header {
		out := nethttp.Header{}
		for i := 0; i < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	for _, c := range []struct {
		status int
		h      nethttp.Header
		want   time.Duration
		found  bool
	}{
		{429, h(), 0, false},
		{429, h("Retry-After", "7"), 7 * time.Second, true},
		{503, h("Retry-After", now.Add(90*time.Second).Format(nethttp.TimeFormat)), 90 * time.Second, true},
		{429, h("Retry-After", "2", "X-Ratelimit-Reset", "5"), 5 * time.Second, true},
		{429, h("X-Ratelimit-Reset", fmt.Sprint(now.Unix()+30)), 30 * time.Second, true},
		{503, h("X-Ratelimit-Reset", "5"), 0, false}, // only a 429 means the rate limit
		{429, h("Retry-After", "soon"), 0, false},
		{429, h("Retry-After", "-3"), 0, true},
	} {
		got, found := serverWait(c.status, c.h, now)
		if got != c.want || found != c.found {
			t.Errorf("%d %v: got %v %v, want %v %v", c.status, c.h, got, found, c.want, c.found)
		}
	}
}

func TestBackoff(t *testing.T) {
	for attempt := 0; attempt < 5; attempt++ {
		step := 100 * time.Millisecond << attempt
		for i := 0; i < 50; i++ {
			if d := backoff(100*time.Millisecond, attempt); d < step/2 || d > step {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", attempt, d, step/2, step)
			}
		}
	}
	if d := backoff(time.Second, 40); d > time.Minute {
		t.Errorf("backoff is not capped: %v", d)
	}
}

func TestRetryIfStopsRetriesThatCannotHelp(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		hits.Add(1)
		w.Header().Set("Retry-After", "0")
		if r.URL.Path == "/budget" {
			w.Header().Set("X-Daily-Ratelimit-Token-Remaining", "0")
		}
		w.WriteHeader(429)
		fmt.Fprint(w, `{"error":"over"}`)
	}))
	defer srv.Close()
	vu := newVU(t)
	_ = vu.RT.Set("U", srv.URL)
	// A spent daily budget: the predicate says no, so one request and a
	// QuotaExceededError at once.
	e := thrown(t, vu, `http.client({baseUrl: U, retry: 3, retryIf: (r) => r.headers['x-daily-ratelimit-token-remaining'] !== '0'}).get('/budget')`)
	if str(e, "name") != "QuotaExceededError" || hits.Load() != 1 {
		t.Errorf("threw %s after %d requests, want QuotaExceededError after 1", str(e, "name"), hits.Load())
	}
	// A burst: the predicate says yes, so the retries happen.
	hits.Store(0)
	e = thrown(t, vu, `http.get(U + '/burst', {retry: 2, retryIf: (r) => r.status === 429 && r.json().error === 'over'})`)
	if str(e, "name") != "QuotaExceededError" || hits.Load() != 3 {
		t.Errorf("threw %s after %d requests, want QuotaExceededError after 3", str(e, "name"), hits.Load())
	}
	// An exception in the predicate is the script's own.
	e = thrown(t, vu, `http.get(U + '/burst', {retryIf: () => { throw new ValidationError('no retries today') }})`)
	if str(e, "name") != "ValidationError" {
		t.Errorf("predicate exception: threw %s", str(e, "name"))
	}
	e = thrown(t, vu, `http.get(U, {retryIf: 3})`)
	contains(t, "message", str(e, "message"), "retryIf must be a function")
}
