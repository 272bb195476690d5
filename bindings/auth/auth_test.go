package auth

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/synapsejs/synapse-js/connection"

	"github.com/dop251/goja"
	"github.com/go-resty/resty/v2"

	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/bindings/bindingstest"
)

func newVU(t *testing.T) *bindingstest.VU {
	t.Helper()
	vu := bindingstest.New(t, New())
	vu.MustRun(t, `var auth = require('synapse/auth');`)
	return vu
}

// apply runs src, which yields an auth object, and applies it to a request.
func apply(t *testing.T, vu *bindingstest.VU, src string) (Authenticator, *resty.Request) {
	t.Helper()
	a, ok := FromValue(vu.MustRun(t, src))
	if !ok {
		t.Fatalf("%s: not an auth object", src)
	}
	req := resty.New().R()
	if err := a.Apply(context.Background(), vu.Call(), resty.New(), req); err != nil {
		t.Fatalf("%s: Apply: %v", src, err)
	}
	return a, req
}

func TestSchemes(t *testing.T) {
	vu := newVU(t)
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("ann:pw-secret"))
	cases := []struct {
		src, scheme, header, value, query string
	}{
		{`auth.bearer("tok-123456")`, "bearer", "Authorization", "Bearer tok-123456", ""},
		{`auth.basic("ann", "pw-secret")`, "basic", "Authorization", basic, ""},
		{`auth.apiKey({header: "x-api-token", value: "key-123456"})`, "apiKey", "X-Api-Token", "key-123456", ""},
		{`auth.apiKey({query: "api_token", value: "key-123456"})`, "apiKey", "", "", "api_token=key-123456"},
		{`auth.oauth2({accessToken: "acc-123456"})`, "oauth2", "Authorization", "Bearer acc-123456", ""},

		{`auth.fromConnection({authConfig: {accessToken: "acc-123456"}})`, "bearer", "Authorization", "Bearer acc-123456", ""},
		{`auth.fromConnection({authConfig: {accessToken: "acc-123456", refreshToken: "ref-123456", clientId: "id"}, metaConfig: {tokenUrl: "https://t.example/token"}})`,
			"oauth2", "Authorization", "Bearer acc-123456", ""},
		{`auth.fromConnection({authConfig: {accessToken: "acc-123456", refreshToken: "ref-123456", clientId: "id", tokenUrl: "https://t.example/token"}})`,
			"oauth2", "Authorization", "Bearer acc-123456", ""},
		{`auth.fromConnection({authConfig: {accessToken: "acc-123456", refreshToken: "ref-123456", clientId: "id"}}, {tokenUrl: "https://t.example/token"})`,
			"oauth2", "Authorization", "Bearer acc-123456", ""},
		{`auth.fromConnection({authConfig: {token: "key-123456"}})`, "bearer", "Authorization", "Bearer key-123456", ""},
		{`auth.fromConnection({authConfig: {token: "key-123456"}}, {header: "x-api-token"})`, "apiKey", "X-Api-Token", "key-123456", ""},
		{`auth.fromConnection({authConfig: {token: "key-123456"}}, {query: "api_token"})`, "apiKey", "", "", "api_token=key-123456"},
		{`auth.fromConnection({authConfig: {userName: "ann", password: "pw-secret"}})`, "basic", "Authorization", basic, ""},
		{`auth.fromConnection({authConfig: {userName: "ann", password: "pw-secret", token: "key-123456"}}, {scheme: "basic"})`, "basic", "Authorization", basic, ""},
	}
	for _, c := range cases {
		a, req := apply(t, vu, c.src)
		if a.Scheme() != c.scheme {
			t.Errorf("%s: scheme %q, want %q", c.src, a.Scheme(), c.scheme)
		}
		if c.header != "" && req.Header.Get(c.header) != c.value {
			t.Errorf("%s: %s = %q, want %q", c.src, c.header, req.Header.Get(c.header), c.value)
		}
		if got := req.QueryParam.Encode(); got != c.query {
			t.Errorf("%s: query %q, want %q", c.src, got, c.query)
		}
	}
	// Every secret went into the call's secrets.
	red := vu.Call().Secrets.Redact("tok-123456 pw-secret key-123456 acc-123456 ref-123456")
	if strings.Trim(strings.ReplaceAll(red, bindings.Redacted, ""), " ") != "" {
		t.Errorf("not redacted: %q", red)
	}
}

func TestAuthObjectIsOpaque(t *testing.T) {
	vu := newVU(t)
	v := vu.MustRun(t, `var a = auth.bearer("tok-123456"); a.scheme = "x"; delete a.scheme;
		[a.scheme, JSON.stringify(a), Object.keys(a).join(","), String(a)].join("|")`)
	if v.String() != `bearer|{"scheme":"bearer"}|scheme|[object Object]` {
		t.Errorf("got %q", v)
	}
}

func TestAdditionalHeaders(t *testing.T) {
	vu := newVU(t)
	_, req := apply(t, vu, `auth.fromConnection({authConfig: {token: "key-123456", additionalHeaders: {"X-Tenant": "t1", "X-Version": 2}}})`)
	if req.Header.Get("X-Tenant") != "t1" || req.Header.Get("X-Version") != "2" {
		t.Errorf("headers %v", req.Header)
	}
}

func TestConnectionExpiry(t *testing.T) {
	vu := newVU(t)
	a, _ := apply(t, vu, `auth.fromConnection({authConfig: {accessToken: "acc-123456", refreshToken: "ref-123456", clientId: "id",
		tokenUrl: "https://t.example/token", expiresIn: 3600, lastRefreshed: Date.now()}})`)
	o := a.(*oauth2Auth)
	if until := time.Until(o.current().ExpiresAt); until < 59*time.Minute || until > time.Hour+time.Minute {
		t.Errorf("expiry in %v", until)
	}
	for js, want := range map[string]time.Time{
		"1700000000000":           time.UnixMilli(1700000000000),
		"1700000000":              time.UnixMilli(1700000000000),
		`"2023-11-14T22:13:20Z"`:  time.UnixMilli(1700000000000),
		"new Date(1700000000000)": time.UnixMilli(1700000000000),
		`"1700000000000"`:         time.UnixMilli(1700000000000),
		"undefined":               {},
		"null":                    {},
	} {
		a, ok := FromValue(vu.MustRun(t, `auth.oauth2({accessToken: "acc-123456", expiresAt: `+js+`})`))
		if !ok {
			t.Fatal(js)
		}
		if got := a.(*oauth2Auth).current().ExpiresAt; !got.Equal(want) {
			t.Errorf("expiresAt %s = %v, want %v", js, got, want)
		}
	}
}

func TestNewerTokensFromStore(t *testing.T) {
	vu := newVU(t)
	vu.Call().ConnectionName = "c1"
	old := connection.Tokens{AccessToken: "acc-old-123", RefreshToken: "ref-old-123"}
	fresh := connection.Tokens{AccessToken: "acc-new-123", RefreshToken: "ref-new-123", ExpiresAt: time.Now().Add(time.Hour)}
	vu.Env().Tokens.Rotated(context.Background(), connection.Key{Synapse: "test", Connection: "c1"}, old, fresh)
	_, req := apply(t, vu, `auth.oauth2({tokenUrl: "https://t.example/token", accessToken: "acc-old-123", refreshToken: "ref-old-123"})`)
	if req.Header.Get("Authorization") != "Bearer acc-new-123" {
		t.Errorf("Authorization = %q, want the rotated token", req.Header.Get("Authorization"))
	}
	// A provider that keeps the refresh token: the access token alone
	// identifies the rotation.
	vu.Env().Tokens.Rotated(context.Background(), connection.Key{Synapse: "test", Connection: "c1"}, connection.Tokens{AccessToken: "acc-a-123", RefreshToken: "ref-same-123"},
		connection.Tokens{AccessToken: "acc-b-123", RefreshToken: "ref-same-123"})
	_, req = apply(t, vu, `auth.oauth2({tokenUrl: "https://t.example/token", accessToken: "acc-a-123", refreshToken: "ref-same-123"})`)
	if req.Header.Get("Authorization") != "Bearer acc-b-123" {
		t.Errorf("Authorization = %q, want acc-b-123", req.Header.Get("Authorization"))
	}
}

func TestValidation(t *testing.T) {
	vu := newVU(t)
	for _, c := range []struct{ js, want string }{
		{`auth.bearer()`, "auth.bearer: token must be a string, got undefined"},
		{`auth.bearer("")`, "auth.bearer: token must not be empty"},
		{`auth.bearer("a\nb")`, "must not contain line breaks"},
		{`auth.basic(1, "x")`, "auth.basic: user must be a string"},
		{`auth.apiKey("k")`, "auth.apiKey: options must be an object"},
		{`auth.apiKey({value: "k"})`, "give header (a header name) or query"},
		{`auth.apiKey({header: "a", query: "b", value: "k"})`, "not both"},
		{`auth.apiKey({header: "bad header", value: "k"})`, "is not a valid header name"},
		{`auth.apiKey({header: "x", value: "k", prefix: "y"})`, `unknown option "prefix"`},
		{`auth.oauth2({})`, "give accessToken or refreshToken"},
		{`auth.oauth2({refreshToken: "r"})`, "tokenUrl is needed"},
		{`auth.oauth2({refreshToken: "r", tokenUrl: "/token"})`, "tokenUrl must be an absolute http(s) URL"},
		{`auth.oauth2({accessToken: "a", expiresAt: "soon"})`, "expiresAt must be epoch milliseconds"},
		{`auth.oauth2({accessToken: "a", clientAuth: "digest"})`, "clientAuth must be"},
		{`auth.fromConnection()`, "auth.fromConnection: connection must be an object"},
		{`auth.fromConnection({})`, "connection.authConfig must be an object, got undefined"},
		{`auth.fromConnection({authConfig: {}})`, "has none of accessToken, token, or userName and password"},
		{`auth.fromConnection({authConfig: {token: {}}})`, "connection.authConfig.token must be a string"},
		{`auth.fromConnection({authConfig: {token: "t"}}, {scheme: "magic"})`, "opts.scheme must be one of"},
		{`auth.fromConnection({authConfig: {token: "t", additionalHeaders: "x"}})`, "additionalHeaders must be an object"},
	} {
		_, err := vu.Run(c.js)
		ex, ok := err.(*goja.Exception)
		if !ok {
			t.Errorf("%s: got %v, want a TypeError", c.js, err)
			continue
		}
		o := ex.Value().ToObject(vu.RT)
		if o.Get("name").String() != "TypeError" || !strings.Contains(o.Get("message").String(), c.want) {
			t.Errorf("%s: threw %s: %s; want TypeError containing %q", c.js, o.Get("name"), o.Get("message"), c.want)
		}
	}
}

// TestRefreshMargin: RefreshLeeway, capped at half the token's lifetime
// (from IssuedAt, else from when the authenticator first held it).
func TestRefreshMargin(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name         string
		issued, seen time.Time
		life         time.Duration
		want         time.Duration
	}{
		{"an hour-long token: the full leeway", now, now, time.Hour, RefreshLeeway},
		{"a 3 s token: half its life", now, now, 3 * time.Second, 1500 * time.Millisecond},
		{"a 100 s token: half, under the leeway", now, now, 100 * time.Second, 50 * time.Second},
		{"no issue time: the lifetime counts from when it was first held", time.Time{}, now.Add(2 * time.Second), 4 * time.Second, time.Second},
		{"held only after it expired: no margin (it is expired)", time.Time{}, now.Add(5 * time.Second), 4 * time.Second, 0},
	}
	for _, tc := range cases {
		tok := connection.Tokens{AccessToken: "a", IssuedAt: tc.issued, ExpiresAt: now.Add(tc.life)}
		if got := refreshMargin(tok, tc.seen); got != tc.want {
			t.Errorf("%s: margin %v, want %v", tc.name, got, tc.want)
		}
	}
}
