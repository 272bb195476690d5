package cassette_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/internal/cassette"
)

const (
	token    = "tok-s3cr3t/+value=="
	password = "pa ss:w0rd&x"
	fresh    = "fresh-access-token-42"
)

func get(t *testing.T, rt http.RoundTripper, method, u, body string, h http.Header) (int, string, error) {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), method, u, strings.NewReader(body))
	for k, vs := range h {
		req.Header[k] = vs
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

// TestRecordReplay records against a real server, closes it, and replays:
// same answers, in order for a repeated request, and a miss names the
// closest recorded request.
func TestRecordReplay(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		k := n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Location", "http://"+r.Host+"/next")
		if r.URL.Path == "/bin" {
			w.Write([]byte{0xff, 0x00, 0xfe})
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"n": k, "path": r.URL.Path, "body": string(b), "big": json.Number("12345678901234567890.10")})
	}))
	s := cassette.NewSession(nil)
	s.Start(cassette.Record, nil)
	s.Connection(json.RawMessage(`{"authConfig":{"endpoint":"` + srv.URL + `/api/","token":"` + token + `"}}`))
	var recorded []string
	for _, r := range []struct{ m, p, b string }{{"GET", "/a", ""}, {"GET", "/a", ""}, {"POST", "/b?x=1", `{"q":1}`}, {"GET", "/bin", ""}} {
		_, body, err := get(t, s, r.m, srv.URL+r.p, r.b, nil)
		if err != nil {
			t.Fatal(err)
		}
		recorded = append(recorded, body)
	}
	c := s.Finish()
	path := filepath.Join(t.TempDir(), "c.json")
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	loaded, err := cassette.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := loaded.Interactions[0].Request.URL; got != cassette.Origin+"/a" {
		t.Errorf("recorded URL %q, want the origin replaced", got)
	}
	// Replay against another origin: the cassette is portable.
	other := "http://127.0.0.1:1"
	r := cassette.NewSession(nil)
	r.Start(cassette.Replay, loaded)
	r.Connection(json.RawMessage(`{"authConfig":{"endpoint":"` + other + `/api/","token":"another-token"}}`))
	for i, p := range []struct{ m, p, b string }{{"GET", "/a", ""}, {"GET", "/a", ""}, {"POST", "/b?x=1", `{"q":1}`}, {"GET", "/bin", ""}} {
		_, body, err := get(t, r, p.m, other+p.p, p.b, nil)
		if err != nil {
			t.Fatalf("replay %d: %v", i, err)
		}
		want := strings.ReplaceAll(recorded[i], strings.TrimPrefix(srv.URL, ""), other)
		if body != want {
			t.Errorf("replay %d: got %q, want %q", i, body, want)
		}
	}
	// A third GET /a was recorded twice only.
	_, _, err = get(t, r, "GET", other+"/a", "", nil)
	var miss *cassette.MissError
	if !errors.As(err, &miss) || miss.Exhausted != 2 {
		t.Fatalf("third GET /a: %v, want a miss saying it was served twice", err)
	}
	_, _, err = get(t, r, "POST", other+"/b?x=2", `{"q":1}`, nil)
	if !errors.As(err, &miss) || !strings.Contains(err.Error(), "POST "+cassette.Origin+"/b?x=2") ||
		!strings.Contains(err.Error(), "closest recorded request is POST "+cassette.Origin+"/b?x=1") {
		t.Fatalf("unmatched request: %v", err)
	}
	if len(r.Misses()) != 2 {
		t.Errorf("misses %d, want 2", len(r.Misses()))
	}
}

// TestNoSecrets: a cassette holds no secret in any encoding: raw, query-
// and path-escaped, JSON-escaped, base64, inside a Basic header, and the
// tokens a refresh answered, which only the call learnt.
func TestNoSecrets(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Echo", r.Header.Get("Authorization"))
		if r.URL.Path == "/oauth/token" {
			io.WriteString(w, `{"access_token":"`+fresh+`","refresh_token":"rotated-refresh-9","expires_in":3600}`)
			return
		}
		b, _ := io.ReadAll(r.Body)
		json.NewEncoder(w).Encode(map[string]any{"youSent": string(b), "query": r.URL.RawQuery, "tok": token})
	}))
	defer srv.Close()
	s := cassette.NewSession(nil)
	s.Start(cassette.Record, nil)
	s.Connection(json.RawMessage(`{"authConfig":{"endpoint":"` + srv.URL + `","token":"` + token + `","password":"` + password + `"}}`))
	call := &bindings.Call{Secrets: bindings.NewSecrets()}
	do := func(method, u, body string, h http.Header) {
		req, _ := http.NewRequestWithContext(bindings.WithCall(context.Background(), call), method, u, strings.NewReader(body))
		for k, vs := range h {
			req.Header[k] = vs
		}
		resp, err := s.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("ann:"+password))
	do("GET", srv.URL+"/q?api_token="+url.QueryEscape(token)+"&p="+url.PathEscape(password), "", http.Header{"Authorization": {basic}})
	do("POST", srv.URL+"/j", `{"t":"`+strings.ReplaceAll(token, "/", `\/`)+`","b":"`+base64.StdEncoding.EncodeToString([]byte(token))+`"}`, http.Header{"Authorization": {"Bearer " + token}})
	do("POST", srv.URL+"/oauth/token", "grant_type=refresh_token&refresh_token=old-refresh-1", nil)
	call.Secrets.Add("script-given-key-7")
	do("GET", srv.URL+"/k", "", http.Header{"X-Api-Key": {"script-given-key-7"}, "Authorization": {"Bearer " + fresh}})
	data, err := s.Finish().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, secret := range []string{token, password, fresh, "rotated-refresh-9", "old-refresh-1", "script-given-key-7"} {
		forms := []string{secret, url.QueryEscape(secret), url.PathEscape(secret), base64.StdEncoding.EncodeToString([]byte(secret)),
			base64.RawURLEncoding.EncodeToString([]byte(secret)), strings.ReplaceAll(secret, "/", `\/`)}
		js, _ := json.Marshal(secret)
		forms = append(forms, strings.Trim(string(js), `"`))
		for _, f := range forms {
			if strings.Contains(text, f) {
				t.Errorf("the cassette holds %q (a form of %q)", f, secret)
			}
		}
	}
	if strings.Contains(text, base64.StdEncoding.EncodeToString([]byte("ann:"+password))) {
		t.Error("the cassette holds the Basic header")
	}
	if !strings.Contains(text, bindings.Redacted) {
		t.Error("no placeholder in the cassette")
	}
}

// TestHermeticClock: replay gives the recorded clock readings and random
// values, and a wait takes no time.
func TestHermeticClock(t *testing.T) {
	s := cassette.NewSession(nil)
	s.Start(cassette.Record, nil)
	var nows []time.Time
	var rands []float64
	for range 3 {
		nows = append(nows, s.Now())
		rands = append(rands, s.Random())
	}
	c := s.Finish()
	r := cassette.NewSession(nil)
	r.Start(cassette.Replay, c)
	for i := range 3 {
		if got := r.Now(); !got.Equal(nows[i]) {
			t.Errorf("now %d: %v, want %v", i, got, nows[i])
		}
		if got := r.Random(); got != rands[i] {
			t.Errorf("random %d: %v, want %v", i, got, rands[i])
		}
	}
	start := time.Now()
	if err := r.Sleep(context.Background(), time.Hour); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > time.Minute {
		t.Fatal("replay slept for real")
	}
	if got := r.Now(); !got.Equal(nows[2].Add(time.Hour)) {
		t.Errorf("past the recording the clock is %v, want the last reading plus the wait %v", got, nows[2].Add(time.Hour))
	}
}

// TestConnectionSecretsAsTheHostKnowsThem: the secrets a cassette hides are
// the connection's as package connection lists them, so a number-valued
// token, an additionalHeaders value and a Basic credential built from
// userName and password are hidden as well.
func TestConnectionSecretsAsTheHostKnowsThem(t *testing.T) {
	s := cassette.NewSession(nil)
	s.Start(cassette.Record, nil)
	s.Connection(json.RawMessage(`{"name":"c","authConfig":{"endpoint":"http://127.0.0.1:1/","userName":"ann","password":"pw-1234567",` +
		`"token":123456789012,"additionalHeaders":{"X-Key":"header-secret-77"}}}`))
	basic := base64.StdEncoding.EncodeToString([]byte("ann:pw-1234567"))
	text := s.Redact("t=123456789012 h=header-secret-77 b=" + basic)
	for _, secret := range []string{"123456789012", "header-secret-77", basic} {
		if strings.Contains(text, secret) {
			t.Errorf("%q left in %q", secret, text)
		}
	}
}
