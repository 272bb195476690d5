package http

import (
	"context"
	"fmt"
	nethttp "net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/synapsejs/synapse-js/connection"

	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/bindings/auth"
	"github.com/synapsejs/synapse-js/bindings/bindingstest"
)

// oauthServer is a token endpoint plus an API that accepts only the
// newest access token. Each refresh rotates both tokens.
type oauthServer struct {
	*httptest.Server
	mu          sync.Mutex
	access      string
	refresh     string
	gen         int
	tokenHits   atomic.Int32
	apiHits     atomic.Int32
	tokenDelay  time.Duration
	badClient   atomic.Int32
	rejectGrant bool
}

func newOAuthServer(t *testing.T) *oauthServer {
	s := &oauthServer{access: "access-0-abcdef", refresh: "refresh-0-abcdef"}
	s.Server = httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		switch r.URL.Path {
		case "/token":
			s.tokenHits.Add(1)
			time.Sleep(s.tokenDelay)
			user, pass, ok := r.BasicAuth()
			if !ok || user != "client-id" || pass != "client-secret-xyz" {
				s.badClient.Add(1)
				w.WriteHeader(401)
				return
			}
			_ = r.ParseForm()
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.rejectGrant || r.PostForm.Get("grant_type") != "refresh_token" || r.PostForm.Get("refresh_token") != s.refresh {
				w.WriteHeader(400)
				fmt.Fprintf(w, `{"error":"invalid_grant","refresh_token":%q}`, r.PostForm.Get("refresh_token"))
				return
			}
			s.gen++
			s.access = fmt.Sprintf("access-%d-abcdef", s.gen)
			s.refresh = fmt.Sprintf("refresh-%d-abcdef", s.gen)
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"access_token":%q,"refresh_token":%q,"expires_in":3600,"token_type":"bearer"}`, s.access, s.refresh)
		default:
			s.apiHits.Add(1)
			s.mu.Lock()
			want := "Bearer " + s.access
			s.mu.Unlock()
			if r.Header.Get("Authorization") != want {
				w.WriteHeader(401)
				fmt.Fprint(w, `{"error":"expired"}`)
				return
			}
			fmt.Fprint(w, `{"ok":true}`)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// expire makes the API reject the current access token (as if it had
// expired early), without the client knowing.
func (s *oauthServer) expire() {
	s.mu.Lock()
	s.access = "revoked-" + s.access
	s.mu.Unlock()
}

func oauthJS(s *oauthServer, expiresAt string) string {
	return fmt.Sprintf(`auth.oauth2({tokenUrl: %q, clientId: "client-id", clientSecret: "client-secret-xyz",
		accessToken: "access-0-abcdef", refreshToken: "refresh-0-abcdef", expiresAt: %s})`, s.URL+"/token", expiresAt)
}

func TestOAuth2RefreshOn401(t *testing.T) {
	s := newOAuthServer(t)
	s.expire()
	vu := newVU(t)
	vu.Call().ConnectionName = "conn-1"
	v := vu.MustRun(t, fmt.Sprintf(`var c = http.client({baseUrl: %q, auth: %s}); c.get("/api/x").json().ok`, s.URL, oauthJS(s, "undefined")))
	if !v.ToBoolean() {
		t.Fatal("request failed")
	}
	if s.tokenHits.Load() != 1 || s.apiHits.Load() != 2 {
		t.Errorf("token hits %d, api hits %d; want 1 and 2", s.tokenHits.Load(), s.apiHits.Load())
	}
	call := vu.Call()
	if call.Rotated == nil || call.Rotated.AccessToken != "access-1-abcdef" || call.Rotated.RefreshToken != "refresh-1-abcdef" {
		t.Fatalf("Call.Rotated = %+v", call.Rotated)
	}
	if until := time.Until(call.Rotated.ExpiresAt); until < 59*time.Minute || until > time.Hour {
		t.Errorf("rotated expiry in %v, want ~1h", until)
	}
	n, ok, _ := vu.Env().Tokens.Newer(context.Background(), connection.Key{Synapse: "test", Connection: "conn-1"}, connection.Tokens{AccessToken: "access-0-abcdef", RefreshToken: "refresh-0-abcdef"})
	if !ok || n.RefreshToken != "refresh-1-abcdef" {
		t.Errorf("token store: %+v %v", n, ok)
	}
	if got := call.Secrets.Redact("access-1-abcdef refresh-1-abcdef client-secret-xyz"); strings.Contains(got, "abcdef") || strings.Contains(got, "xyz") {
		t.Errorf("new tokens are not secrets: %q", got)
	}
	// A 401 that a refresh does not cure is an AuthError, after one retry.
	s.mu.Lock()
	s.rejectGrant = true
	s.mu.Unlock()
	s.expire()
	e := thrown(t, vu, `c.get("/api/y")`)
	if str(e, "name") != "AuthError" || num(e, "status") != 401 {
		t.Errorf("threw %s %d: %s", str(e, "name"), num(e, "status"), str(e, "message"))
	}
	contains(t, "message", str(e, "message"), "oauth2 refresh at "+s.URL+"/token: 400 Bad Request")
	if strings.Contains(str(e, "message"), "refresh-1-abcdef") {
		t.Errorf("message leaks the refresh token: %s", str(e, "message"))
	}
}

func TestOAuth2RefreshBeforeExpiryOnce(t *testing.T) {
	s := newOAuthServer(t)
	vu := newVU(t)
	// An hour-long token with 30 s left: within the 60 s leeway, so
	// refreshed before use, and then good for an hour: ten requests, one
	// token request.
	issued := fmt.Sprint(time.Now().Add(30*time.Second - time.Hour).UnixMilli())
	v := vu.MustRun(t, fmt.Sprintf(`var a = auth.fromConnection({name: "c", authConfig: {clientId: "client-id", clientSecret: "client-secret-xyz",
		accessToken: "access-0-abcdef", refreshToken: "refresh-0-abcdef", tokenUrl: %q, expiresIn: "3600", lastRefreshed: %s}}), n = 0;
		for (var i = 0; i < 10; i++) { if (http.get(%q, {auth: a}).json().ok) n++ }
		n`, s.URL+"/token", issued, s.URL+"/api"))
	if v.ToInteger() != 10 || s.tokenHits.Load() != 1 || s.apiHits.Load() != 10 {
		t.Errorf("%v ok, %d token hits, %d api hits; want 10, 1, 10", v, s.tokenHits.Load(), s.apiHits.Load())
	}
	// The margin is at most half the lifetime: a token known only to
	// expire in 30 s has lived at least that long, so it is used for
	// another 15 s, not refreshed at once.
	s1 := newOAuthServer(t)
	exp := fmt.Sprint(time.Now().Add(30 * time.Second).UnixMilli())
	newVU(t).MustRun(t, fmt.Sprintf(`http.get(%q, {auth: %s})`, s1.URL+"/api", oauthJS(s1, exp)))
	if s1.tokenHits.Load() != 0 || s1.apiHits.Load() != 1 {
		t.Errorf("30 s left of an unknown lifetime: %d token requests, %d api requests; want 0, 1", s1.tokenHits.Load(), s1.apiHits.Load())
	}
	// A Date works as expiresAt too.
	s2 := newOAuthServer(t)
	newVU(t).MustRun(t, fmt.Sprintf(`http.get(%q, {auth: %s})`, s2.URL+"/api", oauthJS(s2, "new Date(Date.now() - 1000)")))
	if s2.tokenHits.Load() != 1 {
		t.Errorf("expired Date: %d token requests, want 1", s2.tokenHits.Load())
	}
}

func TestOAuth2ConcurrentRuntimesRefreshOnce(t *testing.T) {
	s := newOAuthServer(t)
	s.tokenDelay = 50 * time.Millisecond
	httpMod, authMod := New(), auth.New()
	env := &bindings.Env{HTTP: &bindings.HTTPConfig{RetryBaseWait: 5 * time.Millisecond}, Tokens: connection.NewMemTokenStore()}
	const n = 8
	vus := make([]*bindingstest.VU, n)
	for i := range vus {
		vus[i] = newVUEnv(t, env, httpMod, authMod)
		vus[i].Call().ConnectionName = "shared-conn"
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := make(chan struct{})
	for i, vu := range vus {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = vu.Run(fmt.Sprintf(`http.get(%q, {auth: %s}).json()`, s.URL+"/api", oauthJS(s, "1000")))
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("runtime %d: %v", i, err)
		}
	}
	if s.tokenHits.Load() != 1 {
		t.Errorf("%d token requests, want 1", s.tokenHits.Load())
	}
	// The runtime that refreshed and those that adopted its tokens all
	// report the rotation, so each caller learns the new tokens.
	for i, vu := range vus {
		if r := vu.Call().Rotated; r == nil || r.RefreshToken != "refresh-1-abcdef" {
			t.Errorf("runtime %d: rotated %+v", i, r)
		}
	}
	// A later call carrying the old tokens uses the new ones at once.
	late := newVUEnv(t, env, httpMod, authMod)
	late.Call().ConnectionName = "shared-conn"
	late.MustRun(t, fmt.Sprintf(`http.get(%q, {auth: %s})`, s.URL+"/api", oauthJS(s, "undefined")))
	if s.tokenHits.Load() != 1 {
		t.Errorf("late call refreshed again: %d token requests", s.tokenHits.Load())
	}
	if r := late.Call().Rotated; r == nil || r.AccessToken != "access-1-abcdef" {
		t.Errorf("late call: rotated %+v", r)
	}
}

func TestAuthObjectOutlivesCall(t *testing.T) {
	s := newOAuthServer(t)
	vu := newVU(t)
	vu.MustRun(t, fmt.Sprintf(`var c = http.client({baseUrl: %q, auth: %s}); c.get("/api")`, s.URL, oauthJS(s, "undefined")))
	// Next call: fresh secrets, its own logger; the refresh it triggers
	// is reported on this call and its secrets learn the tokens.
	first := vu.Call()
	next := *first
	next.Secrets = bindings.NewSecrets()
	next.Rotated = nil
	var logs bindingstest.SyncBuffer
	next.Log = first.Log.Output(&logs)
	vu.SetCall(&next)
	s.expire()
	vu.MustRun(t, `c.get("/api", {query: {echo: "access-1-abcdef"}})`)
	if next.Rotated == nil || first.Rotated != nil {
		t.Errorf("rotation reported on the wrong call: first %+v next %+v", first.Rotated, next.Rotated)
	}
	if strings.Contains(logs.String(), "access-1-abcdef") || !strings.Contains(logs.String(), "oauth2 token refresh") {
		t.Errorf("logs of the second call:\n%s", logs.String())
	}
	if next.Secrets.Redact("client-secret-xyz") != bindings.Redacted {
		t.Error("the second call's secrets lack the client secret")
	}
}

func TestSecretsNeverLogged(t *testing.T) {
	var seenQuery, seenHeader string
	srv := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		seenQuery, seenHeader = r.URL.Query().Get("api_token"), r.Header.Get("Authorization")
		w.Header().Set("X-Echo", r.Header.Get("Authorization"))
		w.WriteHeader(500)
		fmt.Fprintf(w, "bad token %s / %s", r.URL.Query().Get("api_token"), r.Header.Get("Authorization"))
	}))
	defer srv.Close()
	vu := newVU(t)
	e := thrown(t, vu, fmt.Sprintf(`
		var q = auth.apiKey({query: "api_token", value: "qtok/with+odd=chars"});
		var b = auth.bearer("hdr-token-123456");
		var c = http.client({baseUrl: %q, auth: q});
		try { c.get("/a", {retry: 0, headers: {"Authorization": "Bearer hdr-token-123456"}}) } catch (e) { log1 = e.message }
		http.get(%q + "/b?api_token=" + encodeURIComponent("qtok/with+odd=chars"), {auth: b, retry: 0})`, srv.URL, srv.URL))
	if seenQuery != "qtok/with+odd=chars" || seenHeader != "Bearer hdr-token-123456" {
		t.Fatalf("server saw query %q header %q", seenQuery, seenHeader)
	}
	everything := vu.Logs.String() + str(e, "message") + str(e, "body") + str(e, "detail") +
		vu.MustRun(t, "log1 + JSON.stringify(e0 = null)").String()
	for _, secret := range []string{"qtok", "hdr-token-123456", "qtok%2Fwith%2Bodd%3Dchars"} {
		if strings.Contains(everything, secret) {
			t.Errorf("%q leaked into logs or errors:\n%s", secret, everything)
		}
	}
	contains(t, "message", str(e, "message"), "api_token="+bindings.Redacted)
	contains(t, "logs", vu.Logs.String(), bindings.Redacted)
	// The error's headers object is redacted too.
	if h := e.Get("headers").ToObject(vu.RT); str(h, "x-echo") != "Bearer "+bindings.Redacted {
		t.Errorf("x-echo = %q", str(h, "x-echo"))
	}
}
