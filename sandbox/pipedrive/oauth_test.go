package pipedrive_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/synapsejs/synapse-js/sandbox/pipedrive"
)

const invalidAccessTokenBody = `{"success":false,"error":"Invalid token: access token is invalid","errorCode":401}`

// tokenCall posts a form to /oauth/token, with Basic client auth unless
// basic is "".
func (e *env) tokenCall(form url.Values, basic string) resp {
	e.t.Helper()
	hdr := map[string]string{"x-api-token": "", "Content-Type": "application/x-www-form-urlencoded"}
	if basic != "" {
		hdr["Authorization"] = "Basic " + base64.StdEncoding.EncodeToString([]byte(basic))
	}
	return e.do("POST", "/oauth/token", form.Encode(), hdr)
}

// bearer calls path with an OAuth access token and no API token.
func (e *env) bearer(path, token string) resp {
	e.t.Helper()
	return e.do("GET", path, nil, map[string]string{"x-api-token": "", "Authorization": "Bearer " + token})
}

func (e *env) tokens(r resp) (access, refresh string) {
	e.t.Helper()
	if r.status != 200 {
		e.t.Fatalf("token call: %d %s", r.status, r.body)
	}
	m := r.json(e.t)
	if m["token_type"] != "Bearer" || m["expires_in"] != float64(pipedrive.AccessTokenLifetime) || m["scope"] != "base" ||
		m["api_domain"] != e.srv.URL || m["access_token"] == "" || m["refresh_token"] == "" {
		e.t.Fatalf("token answer: %s", r.body)
	}
	return m["access_token"].(string), m["refresh_token"].(string)
}

func oauthErr(t *testing.T, r resp, status int, code string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if m := r.json(t); m["success"] != false || m["error"] != code || m["message"] == nil {
		t.Fatalf("oauth error: %s, want error %q", r.body, code)
	}
}

func TestOAuth(t *testing.T) {
	e := newEnv(t, 50)
	client := "sandbox-client:sandbox-secret"

	// The consent screen approves at once.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	authURL := e.srv.URL + "/oauth/authorize?" + url.Values{"client_id": {"sandbox-client"},
		"redirect_uri": {"http://localhost:9/cb?x=1"}, "state": {"st8"}, "response_type": {"code"}}.Encode()
	res, err := noFollow.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, err := url.Parse(res.Header.Get("Location"))
	if res.StatusCode != 302 || err != nil || loc.Host != "localhost:9" || loc.Query().Get("state") != "st8" ||
		loc.Query().Get("code") == "" || loc.Query().Get("x") != "1" {
		t.Fatalf("authorize: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, err = noFollow.Get(e.srv.URL + "/oauth/authorize?client_id=other&redirect_uri=http://localhost/cb")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 400 {
		t.Fatalf("authorize with a wrong client: %d", res.StatusCode)
	}

	// Code exchange.
	a1, r1 := e.tokens(e.tokenCall(url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
		"redirect_uri": {"http://localhost:9/cb"}}, client))
	r := e.bearer("/api/v2/persons?limit=1", a1)
	e.mustOK(r)
	if r.header.Get("x-ratelimit-limit") != "480" {
		t.Fatalf("OAuth burst limit %q, want 480", r.header.Get("x-ratelimit-limit"))
	}
	if me := e.mustOK(e.bearer("/v1/users/me", a1))["data"].(map[string]any); num(me["id"]) != 1 {
		t.Fatalf("OAuth user %v, want 1", me["id"])
	}
	// Client credentials in the form work too.
	e.tokens(e.tokenCall(url.Values{"grant_type": {"authorization_code"}, "code": {"c"},
		"client_id": {"sandbox-client"}, "client_secret": {"sandbox-secret"}}, ""))

	// Errors.
	oauthErr(t, e.tokenCall(url.Values{"grant_type": {"authorization_code"}, "code": {"bad-code"}}, client), 400, "invalid_grant")
	oauthErr(t, e.tokenCall(url.Values{"grant_type": {"authorization_code"}}, client), 400, "invalid_request")
	oauthErr(t, e.tokenCall(url.Values{"grant_type": {"authorization_code"}, "code": {"c"}}, "sandbox-client:wrong"), 401, "invalid_client")
	oauthErr(t, e.tokenCall(url.Values{"grant_type": {"authorization_code"}, "code": {"c"}}, ""), 400, "invalid_client")
	oauthErr(t, e.tokenCall(url.Values{"grant_type": {"password"}}, client), 400, "unsupported_grant_type")
	oauthErr(t, e.tokenCall(url.Values{}, client), 400, "invalid_request")
	oauthErr(t, e.do("POST", "/oauth/token", map[string]any{"grant_type": "authorization_code", "code": "c"},
		map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(client))}), 400, "invalid_request")
	oauthErr(t, e.do("GET", "/oauth/token", nil, nil), 400, "invalid_request")

	// Refresh rotates: the old refresh token is spent, the new one works.
	a2, r2 := e.tokens(e.tokenCall(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {r1}}, client))
	if a2 == a1 || r2 == r1 {
		t.Fatal("refresh did not rotate the tokens")
	}
	e.mustOK(e.bearer("/api/v2/persons?limit=1", a2))
	r = e.tokenCall(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {r1}}, client)
	oauthErr(t, r, 400, "invalid_grant")
	if msg := r.json(t)["message"]; msg != "Invalid grant: refresh_token is invalid" {
		t.Fatalf("reused refresh token: %v", msg)
	}
	oauthErr(t, e.tokenCall(url.Values{"grant_type": {"refresh_token"}}, client), 400, "invalid_request")
	a3, r3 := e.tokens(e.tokenCall(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {r2}}, client))

	// Access tokens expire after 3599 s of the sandbox clock.
	e.clock.Set(epoch.Add((pipedrive.AccessTokenLifetime - 1) * time.Second))
	e.mustOK(e.bearer("/api/v2/persons?limit=1", a3))
	e.clock.Set(epoch.Add(pipedrive.AccessTokenLifetime * time.Second))
	for _, tok := range []string{a3, "no-such-token"} {
		if r := e.bearer("/api/v2/persons?limit=1", tok); r.status != 401 || string(r.body) != invalidAccessTokenBody {
			t.Fatalf("expired or unknown access token: %d %s", r.status, r.body)
		}
	}
	// ... and the refresh token still gets a fresh pair.
	a4, r4 := e.tokens(e.tokenCall(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {r3}}, client))
	e.mustOK(e.bearer("/api/v2/persons?limit=1", a4))

	// ExpireAccessTokens, and its admin endpoint, expire them at once.
	e.sb.ExpireAccessTokens()
	if r := e.bearer("/v1/users/me", a4); r.status != 401 || string(r.body) != invalidAccessTokenBody {
		t.Fatalf("after ExpireAccessTokens: %d %s", r.status, r.body)
	}
	a5, _ := e.tokens(e.tokenCall(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {r4}}, client))
	e.mustOK(e.bearer("/v1/users/me", a5))
	if r := e.do("GET", "/_sandbox/expire-tokens", nil, nil); r.status != 405 {
		t.Fatalf("GET expire-tokens: %d", r.status)
	}
	if r := e.do("POST", "/_sandbox/expire-tokens", nil, map[string]string{"x-api-token": ""}); r.status != 200 {
		t.Fatalf("POST expire-tokens: %d %s", r.status, r.body)
	}
	if r := e.bearer("/v1/users/me", a5); r.status != 401 {
		t.Fatalf("after /_sandbox/expire-tokens: %d", r.status)
	}

	// IssueOAuthTokens skips the round trip; faults reach /oauth too.
	tok := e.sb.IssueOAuthTokens()
	e.mustOK(e.bearer("/api/v2/deals?limit=1", tok.AccessToken))
	e.sb.SetFault(pipedrive.Fault{Mode: pipedrive.Fault503, Count: 1, Paths: "/oauth/"})
	if r := e.tokenCall(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}, client); r.status != 503 {
		t.Fatalf("fault on /oauth: %d", r.status)
	}
	e.tokens(e.tokenCall(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}, client))
}
