package pgstore_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/synapsejs/synapse-js/connection"
	"github.com/synapsejs/synapse-js/host/store/pgstore"
)

// oauthServer is a token endpoint with single-use refresh tokens (each
// refresh rotates both tokens) and an API that wants a live access token.
type oauthServer struct {
	*httptest.Server
	mu        sync.Mutex
	n         int
	access    map[string]bool
	refresh   map[string]bool
	refreshes int // successful refreshes
	reused    int // refresh tokens presented again after being spent
}

func newOAuthServer(t *testing.T, access, refresh string) *oauthServer {
	o := &oauthServer{access: map[string]bool{}, refresh: map[string]bool{refresh: true}}
	_ = access // the first access token is expired: it is not in o.access
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		o.mu.Lock()
		defer o.mu.Unlock()
		rt := r.PostForm.Get("refresh_token")
		if r.PostForm.Get("grant_type") != "refresh_token" || !o.refresh[rt] {
			o.reused++
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"invalid_grant"}`)
			return
		}
		delete(o.refresh, rt)
		o.n++
		o.refreshes++
		na, nr := fmt.Sprintf("access-%d-%s", o.n, strings.Repeat("x", 8)), fmt.Sprintf("refresh-%d-%s", o.n, strings.Repeat("y", 8))
		o.access[na], o.refresh[nr] = true, true
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":%q,"refresh_token":%q,"expires_in":3600,"token_type":"Bearer"}`, na, nr)
	})
	mux.HandleFunc("GET /api", func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		ok := o.access[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		o.mu.Unlock()
		if !ok {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"who":"me"}`)
	})
	o.Server = httptest.NewServer(mux)
	t.Cleanup(o.Close)
	return o
}

func oauthConnector(base string) string {
	return fmt.Sprintf(`const http = require('synapse/http');
const auth = require('synapse/auth');
module.exports = {
  synapse_info() { return {name: 'oauthy', metadata: {displayName: 'O'}, supportedAuthTypes: [{authType: 'Oauth'}]}; },
  test(c) { return c; },
  describe(req) { return [{apiName: 'thing', displayName: 'Thing', attributes: []}]; },
  read(req, ctx) {
    const a = ctx.connection.authConfig;
    const api = http.client({baseUrl: %q, auth: auth.oauth2({tokenUrl: %q, clientId: 'id', clientSecret: 'client-secret',
      accessToken: a.accessToken, refreshToken: a.refreshToken})});
    const who = api.get('/api').json().who;
    return {data: [{id: '1', name: 'thing', values: {tag: who}, lastModified: 1}], watermark: req.watermark, offsetType: 'RECORD_COUNT'};
  },
};
`, base, base+"/token")
}

const oauthEnvelope = `{"type":"READ","connection":{"name":"conn-1","authConfig":{"accessToken":"access-0-expired","refreshToken":"refresh-0-first"}},"body":{"entity":{"apiName":"thing"},"entityWithMappedFields":{"apiName":"thing"},"watermark":{"start":0,"end":10,"offset":0,"limit":100}}}`

// A token refreshed through A is what B uses: calls on both hosts that
// carry the same expired tokens at once make one refresh between them
// (the refresh token is spent once), and the row holding the rotation,
// keyed by the serving name (not synapse_info's name), is sealed: no token
// appears in it, and another key does not open it.
func TestTokensSharedBetweenHosts(t *testing.T) {
	t.Parallel()
	url, key := pgtestDB(t), testKey()
	o := newOAuthServer(t, "access-0-expired", "refresh-0-first")
	a, b := startHost(t, "a", url, key), startHost(t, "b", url, key)
	if _, _, err := upload(a.ts.URL, "oauth-prod", oauthConnector(o.URL)); err != nil {
		t.Fatal(err)
	}
	waitServing(t, b.ts.URL, "oauth-prod")

	// First through A alone: it refreshes once.
	if code, body := post(t, a.ts.URL+"/oauth-prod", oauthEnvelope); code != 200 || !strings.Contains(body, `"tag":"me"`) {
		t.Fatalf("call on A: %d %s", code, body)
	}
	// Then B, carrying the same old tokens the platform has not replaced
	// yet, and several calls on both at once: nobody refreshes again.
	var wg sync.WaitGroup
	for i := range 8 {
		h := []*testHost{a, b}[i%2]
		wg.Go(func() {
			if code, body := post(t, h.ts.URL+"/oauth-prod", oauthEnvelope); code != 200 || !strings.Contains(body, `"tag":"me"`) {
				t.Errorf("call on %s: %d %s", h.name, code, body)
			}
		})
	}
	wg.Wait()
	o.mu.Lock()
	refreshes, reused := o.refreshes, o.reused
	o.mu.Unlock()
	if refreshes != 1 || reused != 0 {
		t.Fatalf("%d refreshes and %d reuses of a spent refresh token; want 1 and 0", refreshes, reused)
	}

	var sealed []byte
	if err := a.st.Pool().QueryRow(context.Background(), `SELECT sealed FROM synapse_js_tokens WHERE serving_name = 'oauth-prod' AND connection = 'conn-1'`).Scan(&sealed); err != nil {
		t.Fatalf("no token row: %v", err)
	}
	for _, tok := range []string{"access-1-xxxxxxxx", "refresh-1-yyyyyyyy", "refresh-0-first", "access-0-expired"} {
		for _, enc := range []string{tok, base64.StdEncoding.EncodeToString([]byte(tok)), hex.EncodeToString([]byte(tok))} {
			if bytes.Contains(sealed, []byte(enc)) {
				t.Fatalf("the token row holds %s in the clear", tok)
			}
		}
	}
	// Another key does not open it: that store knows no rotation.
	var logs syncBuffer
	other, err := pgstore.NewTokenStore(context.Background(), a.st, testKey(), zerolog.New(&logs))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, ok, _ := other.Newer(context.Background(), connection.Key{Synapse: "oauth-prod", Connection: "conn-1"}, connection.Tokens{AccessToken: "access-0-expired", RefreshToken: "refresh-0-first"}); ok {
		t.Fatal("a token store with another key read the rotation")
	}
	if !strings.Contains(logs.String(), "does not open") {
		t.Fatalf("the unreadable row was not reported: %s", logs.String())
	}
	// The right key, in a fresh store (a host started later), does.
	fresh, err := pgstore.NewTokenStore(context.Background(), a.st, key, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	n, ok, _ := fresh.Newer(context.Background(), connection.Key{Synapse: "oauth-prod", Connection: "conn-1"}, connection.Tokens{AccessToken: "access-0-expired", RefreshToken: "refresh-0-first"})
	if !ok || n.AccessToken != "access-1-xxxxxxxx" || n.RefreshToken != "refresh-1-yyyyyyyy" {
		t.Fatalf("Newer = %+v %v; want the tokens of the one refresh", n, ok)
	}
	for _, h := range []*testHost{a, b} {
		if strings.Contains(h.logs.String(), "refresh-1-yyyyyyyy") || strings.Contains(h.logs.String(), "client-secret") {
			t.Fatalf("a secret reached %s's log", h.name)
		}
	}
}

func waitServing(t *testing.T, base, name string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, body := get(base + "/v1/synapses/" + name)
		if code == 200 && strings.Contains(body, `"serving"`) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not serve %s: %d %s", base, name, code, body)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestParseKey(t *testing.T) {
	t.Parallel()
	raw := bytes.Repeat([]byte{0xab}, 32)
	for _, in := range []string{hex.EncodeToString(raw), base64.StdEncoding.EncodeToString(raw), " " + hex.EncodeToString(raw) + "\n"} {
		k, err := pgstore.ParseKey(in)
		if err != nil || !bytes.Equal(k, raw) {
			t.Fatalf("ParseKey(%q) = %x, %v", in, k, err)
		}
	}
	for _, in := range []string{"", "abc", hex.EncodeToString(raw[:16]), base64.StdEncoding.EncodeToString(raw[:31])} {
		_, err := pgstore.ParseKey(in)
		if err == nil || !strings.Contains(err.Error(), pgstore.KeyEnv) || !strings.Contains(err.Error(), "openssl rand -hex 32") {
			t.Fatalf("ParseKey(%q) error %v; want one naming %s and openssl", in, err, pgstore.KeyEnv)
		}
	}
}
