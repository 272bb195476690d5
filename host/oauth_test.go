package host_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/synapsejs/synapse-js/connection"
	"github.com/synapsejs/synapse-js/host"
	"github.com/synapsejs/synapse-js/internal/oauthtest"
)

// These tests hold the OAuth client to a real token server (go-oauth2 on
// loopback): 3-second access tokens, refresh tokens that rotate, and each
// refresh revokes the tokens it replaces, so a second refresh or a stale
// token in flight fails as it would with a strict provider.

// oauthConnector asks /api/me watermark.limit times (at least once) in READ
// and once in TEST, with the connection's OAuth tokens.
const oauthConnector = `const http = require('synapse/http');
const auth = require('synapse/auth');
function api(ctx) {
  return http.client({ baseUrl: ctx.connection.metaConfig.api, auth: auth.fromConnection(ctx.connection) });
}
module.exports = {
  synapse_info() { return { name: 'oauthy', metadata: { displayName: 'OAuthy' }, supportedAuthTypes: [{ authType: 'Oauth' }] }; },
  test(conn, ctx) { api(ctx).get('/api/me'); return conn; },
  describe() { return []; },
  read(req, ctx) {
    const c = api(ctx), users = [];
    for (let i = 0; i < Math.max(1, req.watermark.limit); i++) users.push(c.get('/api/me').json().user);
    return { data: [{ id: '1', values: { users } }], watermark: req.watermark };
  },
};
`

func loadOAuth(t *testing.T) *host.Connector {
	t.Helper()
	c, err := host.New(host.StdOptions(host.Options{})).Load(context.Background(), "oauthy.js", []byte(oauthConnector))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// oauthConnection is the platform's connection for tok, as it stores one
// after a grant: expiresIn with lastRefreshed.
func oauthConnection(s *oauthtest.Server, tok oauthtest.Token) json.RawMessage {
	b, _ := json.Marshal(map[string]any{
		"name": "conn-1",
		"authConfig": map[string]any{
			"clientId": oauthtest.ClientID, "clientSecret": oauthtest.ClientSecret,
			"accessToken": tok.AccessToken, "refreshToken": tok.RefreshToken,
			"expiresIn": fmt.Sprint(tok.ExpiresIn), "lastRefreshed": tok.Received.UTC().Format(time.RFC3339Nano),
		},
		"metaConfig": map[string]any{"tokenUrl": s.TokenURL(), "api": s.URL},
	})
	return b
}

func oauthEnvelope(typ string, conn json.RawMessage, limit int) []byte {
	b, _ := json.Marshal(map[string]any{"type": typ, "connection": conn,
		"body": map[string]any{"entity": map[string]any{"apiName": "me", "displayName": "Me", "attributes": []any{}},
			"watermark": map[string]any{"start": 0, "end": 1, "limit": limit}}})
	return b
}

// staleTokens returns tokens whose access token has expired (at the
// server too); the refresh token is good.
func staleTokens(t *testing.T, s *oauthtest.Server) oauthtest.Token {
	t.Helper()
	tok, err := s.PasswordGrant(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(tok.Received.Add(time.Duration(tok.ExpiresIn)*time.Second + 200*time.Millisecond)))
	return tok
}

func TestOAuthConcurrentCallsWithAStaleConnectionRefreshOnce(t *testing.T) {
	t.Parallel()
	s := oauthtest.New(t, oauthtest.Options{})
	c := loadOAuth(t)
	tok := staleTokens(t, s)
	env := oauthEnvelope("READ", oauthConnection(s, tok), 1)
	const n = 20
	var wg sync.WaitGroup
	resps := make([]*host.Response, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resps[i] = c.Invoke(context.Background(), env, host.CallOptions{})
		}()
	}
	wg.Wait()
	var newest string
	for i, r := range resps {
		if r.Err != nil {
			t.Errorf("call %d: %s", i, r.Body)
			continue
		}
		if !strings.Contains(string(r.Body), `"users":["ann"]`) {
			t.Errorf("call %d: %s", i, r.Body)
		}
		// Every caller learns the rotated tokens, whichever call got them.
		conn, err := connection.Parse(r.Connection)
		if err != nil {
			t.Fatalf("call %d: connection %s: %v", i, r.Connection, err)
		}
		if newest == "" {
			newest = conn.Auth.RefreshToken
		}
		if conn.Auth.RefreshToken == tok.RefreshToken || conn.Auth.RefreshToken != newest {
			t.Errorf("call %d answers refresh token %q (old %q, others %q)", i, conn.Auth.RefreshToken, tok.RefreshToken, newest)
		}
	}
	if s.Refreshes() != 1 || s.RefusedRefreshes() != 0 {
		t.Errorf("%d refreshes (%d refused), want exactly 1", s.Refreshes(), s.RefusedRefreshes())
	}
}

func TestOAuthShortLivedTokenIsNotRefreshedBeforeEachRequest(t *testing.T) {
	t.Parallel()
	s := oauthtest.New(t, oauthtest.Options{})
	c := loadOAuth(t)
	tok, err := s.PasswordGrant(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r := c.Invoke(context.Background(), oauthEnvelope("READ", oauthConnection(s, tok), 3), host.CallOptions{})
	if r.Err != nil || !strings.Contains(string(r.Body), `"users":["ann","ann","ann"]`) {
		t.Fatalf("READ: %s", r.Body)
	}
	if s.Refreshes() != 0 || s.Rejected() != 0 || r.Connection != nil {
		t.Errorf("3 requests with a fresh 3 s token: %d refreshes, %d rejected, connection %s; want none", s.Refreshes(), s.Rejected(), r.Connection)
	}
}

// A later call that still carries the old tokens (the platform has not
// stored the rotation yet) gets the new ones with their own expiry, so it
// does not refresh again.
func TestOAuthSubstitutedTokensKeepTheirExpiry(t *testing.T) {
	t.Parallel()
	s := oauthtest.New(t, oauthtest.Options{})
	c := loadOAuth(t)
	tok := staleTokens(t, s)
	env := oauthEnvelope("READ", oauthConnection(s, tok), 1)
	first := c.Invoke(context.Background(), env, host.CallOptions{})
	second := c.Invoke(context.Background(), env, host.CallOptions{})
	for i, r := range []*host.Response{first, second} {
		if r.Err != nil {
			t.Fatalf("call %d: %s", i+1, r.Body)
		}
		conn, err := connection.Parse(r.Connection)
		if err != nil {
			t.Fatal(err)
		}
		// The expiry every field gives is the new token's: about 3 s
		// after the refresh, not the stale one's.
		if left := time.Until(conn.Auth.ExpiresAt); left < time.Second || left > 3*time.Second {
			t.Errorf("call %d: the answered connection expires in %v: %s", i+1, left, r.Connection)
		}
	}
	if s.Refreshes() != 1 {
		t.Errorf("%d refreshes for two calls with the same stale connection, want 1", s.Refreshes())
	}
}

// TEST answers the Connection the platform stores: it must carry the
// rotated tokens, since the refresh revoked the ones the platform sent.
func TestOAuthTestCallAnswersTheRotatedConnection(t *testing.T) {
	t.Parallel()
	s := oauthtest.New(t, oauthtest.Options{})
	c := loadOAuth(t)
	tok := staleTokens(t, s)
	r := c.Invoke(context.Background(), oauthEnvelope("TEST", oauthConnection(s, tok), 0), host.CallOptions{})
	if r.Err != nil {
		t.Fatal(string(r.Body))
	}
	if s.Refreshes() != 1 {
		t.Fatalf("%d refreshes, want 1", s.Refreshes())
	}
	var answered struct {
		Name       string            `json:"name"`
		AuthConfig map[string]any    `json:"authConfig"`
		MetaConfig map[string]string `json:"metaConfig"`
	}
	if err := json.Unmarshal(r.Body, &answered); err != nil {
		t.Fatal(err)
	}
	ac := answered.AuthConfig
	if ac["refreshToken"] == tok.RefreshToken || ac["accessToken"] == tok.AccessToken || ac["expiresIn"] != "3" {
		t.Fatalf("TEST answered old tokens: %s", r.Body)
	}
	// The SDK's key order is kept after the tokens are written in.
	if !strings.HasPrefix(string(r.Body), `{"name":"conn-1","authConfig":{"endpoint":null,"userName":null,"password":null,"clientId":`) ||
		!strings.Contains(string(r.Body), `"refreshToken":`) || strings.Index(string(r.Body), `"accessToken"`) > strings.Index(string(r.Body), `"refreshToken"`) {
		t.Errorf("key order: %s", r.Body)
	}
	// A READ with the answered connection (as the platform stores it)
	// needs no refresh.
	stored, _ := json.Marshal(map[string]any{"name": answered.Name, "authConfig": ac, "metaConfig": answered.MetaConfig})
	if r := c.Invoke(context.Background(), oauthEnvelope("READ", stored, 1), host.CallOptions{}); r.Err != nil {
		t.Fatalf("READ with the answered connection: %s", r.Body)
	}
	if s.Refreshes() != 1 {
		t.Errorf("%d refreshes after reading with the answered connection, want still 1", s.Refreshes())
	}
	// The old refresh token is spent: the platform must not keep it.
	if _, err := s.Grant(context.Background(), url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken},
		"client_id": {oauthtest.ClientID}, "client_secret": {oauthtest.ClientSecret}}); err == nil {
		t.Error("the old refresh token still works; the server does not rotate")
	}
}

// Without get_access_token and refresh_token the host answers the SDK's
// default grants; posted as a form to a real token server (as the platform
// does), they work.
func TestDefaultTokenHooksAgainstARealServer(t *testing.T) {
	t.Parallel()
	s := oauthtest.New(t, oauthtest.Options{})
	c := loadOAuth(t)
	ctx := context.Background()
	code, err := s.AuthorizationCode(ctx)
	if err != nil {
		t.Fatal(err)
	}
	env, _ := json.Marshal(map[string]any{"type": "GET_ACCESS_TOKEN", "connection": map[string]any{"name": "conn-1", "authConfig": map[string]any{}},
		"body": map[string]any{"code": code, "redirectUri": oauthtest.RedirectURI, "endpoint": s.URL,
			"authConfig": map[string]any{"clientId": oauthtest.ClientID, "clientSecret": oauthtest.ClientSecret}}})
	r := c.Invoke(ctx, env, host.CallOptions{})
	want := fmt.Sprintf(`{"grant_type":"authorization_code","code":%q,"client_id":%q,"client_secret":%q,"redirect_uri":%q}`,
		code, oauthtest.ClientID, oauthtest.ClientSecret, oauthtest.RedirectURI)
	if string(r.Body) != want || r.ContentType() != "application/json; charset=utf-8" {
		t.Fatalf("GET_ACCESS_TOKEN answered %s (%s)\nwant %s", r.Body, r.ContentType(), want)
	}
	tok, err := s.Grant(ctx, formOf(t, r.Body))
	if err != nil {
		t.Fatalf("the default access-token grant, posted: %v", err)
	}
	env = oauthEnvelope("REFRESH_TOKEN", oauthConnection(s, tok), 0)
	r = c.Invoke(ctx, env, host.CallOptions{})
	want = fmt.Sprintf(`{"grant_type":"refresh_token","refresh_token":%q,"client_id":%q,"client_secret":%q}`,
		tok.RefreshToken, oauthtest.ClientID, oauthtest.ClientSecret)
	if string(r.Body) != want {
		t.Fatalf("REFRESH_TOKEN answered %s\nwant %s", r.Body, want)
	}
	if _, err := s.Grant(ctx, formOf(t, r.Body)); err != nil {
		t.Fatalf("the default refresh grant, posted: %v", err)
	}
	if s.Refreshes() != 1 {
		t.Errorf("%d refreshes, want the platform's 1", s.Refreshes())
	}
}

// formOf turns a token hook's answer into the form the platform posts.
func formOf(t *testing.T, body []byte) url.Values {
	t.Helper()
	var m map[string]*string
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	f := url.Values{}
	for k, v := range m {
		if v != nil {
			f.Set(k, *v)
		}
	}
	return f
}
