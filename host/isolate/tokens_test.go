package isolate_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/synapsejs/synapse-js/host/isolate"
)

// oauthEnd is an end system with a rotating OAuth2 token endpoint: each
// refresh spends the refresh token and retires the access token.
type oauthEnd struct {
	mu       sync.Mutex
	n        int             // refreshes granted
	attempts int             // refresh requests
	valid    map[string]bool // access tokens the API accepts
	refresh  map[string]bool // refresh tokens not yet spent
	seen     []string        // "who:token" of each API call
}

func newOAuthEnd() (*oauthEnd, *httptest.Server) {
	o := &oauthEnd{valid: map[string]bool{} /* acc-0 has expired */, refresh: map[string]bool{"ref-0": true}}
	mux := http.NewServeMux()
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		o.mu.Lock()
		defer o.mu.Unlock()
		rt := r.Form.Get("refresh_token")
		o.attempts++
		if !o.refresh[rt] {
			w.WriteHeader(400)
			fmt.Fprint(w, `{"error":"invalid_grant"}`)
			return
		}
		delete(o.refresh, rt)
		o.n++
		acc, ref := fmt.Sprintf("acc-%d", o.n), fmt.Sprintf("ref-%d", o.n)
		o.valid = map[string]bool{acc: true}
		o.refresh[ref] = true
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": acc, "refresh_token": ref, "expires_in": 3600})
	})
	mux.HandleFunc("/api", func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		o.mu.Lock()
		defer o.mu.Unlock()
		o.seen = append(o.seen, r.URL.Query().Get("who")+":"+tok)
		if !o.valid[tok] {
			w.WriteHeader(401)
			return
		}
		fmt.Fprint(w, `{"ok":true}`)
	})
	return o, httptest.NewServer(mux)
}

func (o *oauthEnd) saw(entry string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, s := range o.seen {
		if s == entry {
			return true
		}
	}
	return false
}

// oauthConnector calls the API with the connection's OAuth tokens; both
// uploads below share its synapse_info name.
func oauthConnector(base string) string {
	return connector("same-name", "ok", "const http = require('synapse/http'); const auth = require('synapse/auth');", fmt.Sprintf(`
    const a = ctx.connection.authConfig;
    const o = auth.oauth2({tokenUrl: %q, clientId: 'cid', clientSecret: 'csecret', accessToken: a.accessToken, refreshToken: a.refreshToken});
    http.get(%q + '?who=' + ctx.connection.metaConfig.who, {auth: o, retry: 0});`, base+"/token", base+"/api"))
}

func oauthEnvelope(who string) string {
	return strings.Replace(readEnvelope, `{"name":"c","authConfig":{}}`,
		fmt.Sprintf(`{"name":"c","authConfig":{"accessToken":"acc-0","refreshToken":"ref-0"},"metaConfig":{"who":%q}}`, who), 1)
}

// TestTokensPerServingNameAcrossWorkers: every call runs in a new worker
// (MaxCalls 1), so the token memory can only be the server's; two uploads
// whose synapse_info names agree never see each other's tokens.
func TestTokensPerServingNameAcrossWorkers(t *testing.T) {
	o, end := newOAuthEnd()
	defer end.Close()
	h := newHarness(t, func(opts *isolate.Options) { opts.MaxCalls = 1 })
	h.mustUpload("one", oauthConnector(end.URL))
	h.mustUpload("two", oauthConnector(end.URL))

	// one: acc-0 is refused, the refresh rotates to acc-1/ref-1.
	r := h.invoke("one", oauthEnvelope("one-first"))
	if tag := tagOf(t, r); tag != "ok" || !o.saw("one-first:acc-1") {
		t.Fatalf("first call: %s; API saw %v", r.body, o.seen)
	}
	// one again, in another worker, still carrying the retired tokens:
	// the server's memory hands it acc-1 without a refresh.
	r = h.invoke("one", oauthEnvelope("one-second"))
	if tag := tagOf(t, r); tag != "ok" || !o.saw("one-second:acc-1") || o.saw("one-second:acc-0") {
		t.Fatalf("second call: %s; API saw %v", r.body, o.seen)
	}
	// two carries the same retired tokens under the same connection
	// name, but it is another serving name: it must not get one's tokens.
	r = h.invoke("two", oauthEnvelope("two"))
	if o.saw("two:acc-1") {
		t.Fatalf("two used one's rotated token; API saw %v", o.seen)
	}
	if !o.saw("two:acc-0") {
		t.Fatalf("two did not call with its own token; API saw %v (answer %s)", o.seen, r.body)
	}
	if st, _, _ := wireErr(t, r); st != 401 {
		t.Errorf("two's spent refresh token: want 401, got %d %s", st, r.body)
	}
}

// TestConcurrentRefreshesAcrossWorkers: two calls in two workers meet the
// same expired token at once; the server's refresh lock lets one refresh
// and hands the other the result, so the refresh token is spent once and
// both calls succeed.
func TestConcurrentRefreshesAcrossWorkers(t *testing.T) {
	o, end := newOAuthEnd()
	defer end.Close()
	var arrived sync.WaitGroup
	arrived.Add(2)
	release := make(chan struct{})
	// Hold the first two API requests (both with the expired token) until
	// both calls have made theirs: they refresh at the same time.
	gate := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.Header.Get("Authorization"), "acc-0") {
			arrived.Done()
			<-release
		}
		proxy, _ := http.NewRequest(r.Method, end.URL+r.URL.Path+"?"+r.URL.RawQuery, r.Body)
		proxy.Header = r.Header
		res, err := http.DefaultClient.Do(proxy)
		if err != nil {
			w.WriteHeader(502)
			return
		}
		defer res.Body.Close()
		w.WriteHeader(res.StatusCode)
		_, _ = io.Copy(w, res.Body)
	}))
	defer gate.Close()
	go func() { arrived.Wait(); close(release) }()
	h := newHarness(t, nil)
	h.mustUpload("one", strings.Replace(oauthConnector(end.URL), end.URL+"/api", gate.URL+"/api", 1))
	var wg sync.WaitGroup
	answers := make([]resp, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i] = h.invoke("one", oauthEnvelope(fmt.Sprintf("c%d", i)))
		}()
	}
	wg.Wait()
	for i, r := range answers {
		if tag := tagOf(t, r); tag != "ok" {
			t.Errorf("call %d: %s", i, r.body)
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.n != 1 || o.attempts != 1 {
		t.Errorf("%d refresh requests, %d granted; want one of each (API saw %v)", o.attempts, o.n, o.seen)
	}
}
