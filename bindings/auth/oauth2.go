package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	nethttp "net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"
	"github.com/go-resty/resty/v2"

	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/connection"
	"github.com/synapsejs/synapse-js/internal/jsvalue"
	"github.com/synapsejs/synapse-js/internal/text"
)

// RefreshLeeway is how close to its expiry an access token is refreshed
// before use, so it does not expire in flight: at most this, and at most
// half the token's lifetime (refreshMargin), so a token that lives seconds
// is used for half its life instead of being refreshed before every
// request.
const RefreshLeeway = 60 * time.Second

// maxTokenResponse caps a token endpoint's answer.
const maxTokenResponse = 1 << 20

// RefreshError is a token endpoint's refusal (a non-2xx answer) to refresh.
type RefreshError struct {
	URL    string // the token URL
	Status int    // the endpoint's status
	Body   string // the start of its answer
}

// Error implements error.
func (e *RefreshError) Error() string {
	body := text.Truncate(e.Body, 512)
	msg := fmt.Sprintf("oauth2 refresh at %s: %d %s", e.URL, e.Status, nethttp.StatusText(e.Status))
	if body != "" {
		msg += ": " + body
	}
	return msg
}

// oauth2Auth is a bearer token that refreshes itself.
type oauth2Auth struct {
	tokenURL     string
	clientID     string
	clientSecret string
	scope        string
	clientInBody bool // send client_id/secret in the form instead of Basic auth
	extra        nethttp.Header
	env          *bindings.Env

	mu   sync.Mutex
	tok  connection.Tokens
	seen time.Time // when tok was first held, for a lifetime nobody gave
	once secretsOnce
}

// Scheme implements Authenticator.
func (a *oauth2Auth) Scheme() string { return "oauth2" }

// SensitiveHeaders implements Authenticator.
func (a *oauth2Auth) SensitiveHeaders() []string { return []string{"Authorization"} }

func (a *oauth2Auth) current() connection.Tokens {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.tok
}

func (a *oauth2Auth) set(t connection.Tokens) {
	a.mu.Lock()
	a.tok = t
	a.seen = time.Now()
	a.mu.Unlock()
	a.once.reset()
}

// refreshMargin is how long before its expiry t is refreshed: RefreshLeeway,
// capped at half its lifetime (from IssuedAt, or else from when this
// authenticator first held it, the earliest it is known to have been
// valid).
func refreshMargin(t connection.Tokens, seen time.Time) time.Duration {
	from := t.IssuedAt
	if from.IsZero() {
		from = seen
	}
	life := t.ExpiresAt.Sub(from)
	if life <= 0 {
		return 0
	}
	return min(RefreshLeeway, life/2)
}

// expired reports whether t is past its expiry (an unknown expiry is
// taken as valid: a 401 tells).
func expired(t connection.Tokens) bool {
	return !t.ExpiresAt.IsZero() && !time.Now().Before(t.ExpiresAt)
}

func (a *oauth2Auth) refreshable(t connection.Tokens) bool {
	return a.tokenURL != "" && t.RefreshToken != ""
}

// due reports whether t must be refreshed before use.
func (a *oauth2Auth) due(t connection.Tokens) bool {
	if !a.refreshable(t) {
		return false
	}
	if t.AccessToken == "" {
		return true
	}
	if t.ExpiresAt.IsZero() {
		return false
	}
	a.mu.Lock()
	seen := a.seen
	a.mu.Unlock()
	return t.ExpiresAt.Sub(bindings.ClockOf(a.env.HTTP).Now()) < refreshMargin(t, seen)
}

// Apply implements Authenticator: it refreshes first when the token is due.
func (a *oauth2Auth) Apply(ctx context.Context, call *bindings.Call, client *resty.Client, req *resty.Request) error {
	tok := a.current()
	a.once.add(call, tok.AccessToken, tok.RefreshToken, a.clientSecret)
	if a.due(tok) {
		var err error
		if tok, err = a.refresh(ctx, call, client, tok.AccessToken); err != nil {
			return err
		}
	}
	if tok.AccessToken == "" {
		return fmt.Errorf("oauth2: no access token")
	}
	for k, vs := range a.extra {
		if req.Header.Get(k) == "" {
			req.Header[k] = vs
		}
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	return nil
}

// OnUnauthorized implements Authenticator: it refreshes (unless someone
// already did) and asks for one retry.
func (a *oauth2Auth) OnUnauthorized(ctx context.Context, call *bindings.Call, client *resty.Client, req *resty.Request) (bool, error) {
	if !a.refreshable(a.current()) {
		return false, nil
	}
	sent := strings.TrimPrefix(req.Header.Get("Authorization"), "Bearer ")
	if _, err := a.refresh(ctx, call, client, sent); err != nil {
		return false, err
	}
	return true, nil
}

// refresh returns tokens newer than the access token seen (the one the
// caller found due, or sent and got a 401 for). Under the connection's
// lock it first looks for tokens someone else got while it waited (this
// runtime, or another one through the token store) and uses them while
// they have not expired, even inside the refresh margin: refreshing again
// would revoke the token the other holder is sending. Only then does it
// ask the token endpoint.
func (a *oauth2Auth) refresh(ctx context.Context, call *bindings.Call, client *resty.Client, seen string) (connection.Tokens, error) {
	unlock, err := a.env.Tokens.Lock(ctx, call.TokenKey())
	if err != nil {
		return connection.Tokens{}, err
	}
	defer unlock()
	cur := a.current()
	if cur.AccessToken != "" && cur.AccessToken != seen && !expired(cur) {
		return cur, nil
	}
	if n, ok := connection.Newest(ctx, a.env.Tokens, call.TokenKey(), cur); ok {
		a.set(n)
		adopted(call, n)
		if n.AccessToken != seen && !expired(n) {
			return n, nil
		}
		cur = n
	}
	fresh, err := a.requestToken(ctx, call, client, cur)
	if err != nil {
		return cur, err
	}
	call.Secrets.Add(fresh.AccessToken, fresh.RefreshToken)
	if err := a.env.Tokens.Rotated(ctx, call.TokenKey(), cur, fresh); err != nil {
		call.Log.Warn().Err(err).Msg("the host could not remember the rotated OAuth tokens; the caller gets them with this answer")
	}
	rotated := fresh
	call.Rotated = &rotated
	a.set(fresh)
	return fresh, nil
}

// adopted records that the call uses tokens newer than those it carried,
// which a refresh elsewhere produced: they become secrets, and the call
// reports them like its own rotation, so a caller that missed the first
// report still learns them.
func adopted(call *bindings.Call, n connection.Tokens) {
	call.Secrets.Add(n.AccessToken, n.RefreshToken)
	r := n
	call.Rotated = &r
}

// tokenResponse is RFC 6749 §5.1, with the camelCase spellings some
// providers use.
type tokenResponse struct {
	// AccessToken is RFC 6749's access_token.
	AccessToken string `json:"access_token"`
	// RefreshToken is RFC 6749's refresh_token; empty when the provider
	// keeps the old one.
	RefreshToken string `json:"refresh_token"`
	// ExpiresIn is RFC 6749's expires_in (seconds), raw: some providers send
	// it as a string.
	ExpiresIn json.RawMessage `json:"expires_in"`
	// AccessTokenCamel is accessToken, for providers that spell it so.
	AccessTokenCamel string `json:"accessToken"`
	// RefreshTokenCamel is refreshToken, for providers that spell it so.
	RefreshTokenCamel string `json:"refreshToken"`
	// ExpiresInCamel is expiresIn, for providers that spell it so.
	ExpiresInCamel json.RawMessage `json:"expiresIn"`
}

// requestToken performs the refresh_token grant.
func (a *oauth2Auth) requestToken(ctx context.Context, call *bindings.Call, client *resty.Client, cur connection.Tokens) (connection.Tokens, error) {
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {cur.RefreshToken}}
	if a.scope != "" {
		form.Set("scope", a.scope)
	}
	req := client.R().SetContext(bindings.WithCall(ctx, call)).SetDoNotParseResponse(true).SetHeader("Accept", "application/json")
	if a.clientInBody || a.clientSecret == "" {
		if a.clientID != "" {
			form.Set("client_id", a.clientID)
		}
		if a.clientSecret != "" {
			form.Set("client_secret", a.clientSecret)
		}
	} else {
		req.SetBasicAuth(a.clientID, a.clientSecret)
	}
	req.SetFormDataFromValues(form)
	start := bindings.ClockOf(a.env.HTTP).Now()
	resp, err := req.Post(a.tokenURL)
	status := 0
	if err == nil && resp.RawResponse != nil {
		status = resp.StatusCode()
	}
	a.env.ReportHTTP(call, nethttp.MethodPost, status)
	if e := call.Log.Debug(); e.Enabled() {
		e.Str("url", call.Secrets.Redact(a.tokenURL)).Int("status", status).
			Int64("duration_ms", time.Since(start).Milliseconds()).Msg("oauth2 token refresh")
	}
	if err != nil {
		return cur, fmt.Errorf("oauth2 refresh at %s: %w", a.tokenURL, unwrapURLError(err))
	}
	body := resp.RawBody()
	defer body.Close()
	data, err := io.ReadAll(io.LimitReader(body, maxTokenResponse+1))
	if err != nil {
		return cur, fmt.Errorf("oauth2 refresh at %s: reading the answer: %w", a.tokenURL, err)
	}
	if len(data) > maxTokenResponse {
		return cur, fmt.Errorf("oauth2 refresh at %s: the answer exceeds %d bytes", a.tokenURL, maxTokenResponse)
	}
	if status < 200 || status > 299 {
		return cur, &RefreshError{URL: a.tokenURL, Status: status, Body: string(data)}
	}
	var tr tokenResponse
	if err := json.Unmarshal(bytes.TrimSpace(data), &tr); err != nil {
		return cur, fmt.Errorf("oauth2 refresh at %s: the answer is not a JSON token response: %w", a.tokenURL, err)
	}
	fresh := connection.Tokens{AccessToken: first(tr.AccessToken, tr.AccessTokenCamel), RefreshToken: first(tr.RefreshToken, tr.RefreshTokenCamel)}
	if fresh.AccessToken == "" {
		return cur, fmt.Errorf("oauth2 refresh at %s: the answer has no access_token", a.tokenURL)
	}
	if fresh.RefreshToken == "" {
		fresh.RefreshToken = cur.RefreshToken // not rotated: keep using it
	}
	in := tr.ExpiresIn
	if len(in) == 0 {
		in = tr.ExpiresInCamel
	}
	if secs, ok := parseSeconds(in); ok && secs > 0 {
		// Issued no later than the request was sent: the lifetime
		// counts from then.
		fresh.IssuedAt = start.UTC().Truncate(time.Millisecond)
		fresh.ExpiresAt = fresh.IssuedAt.Add(time.Duration(secs * float64(time.Second)))
	}
	return fresh, nil
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// parseSeconds reads expires_in, a number or a numeric string.
func parseSeconds(raw json.RawMessage) (float64, bool) {
	s := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	if s == "" || s == "null" {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// auth.oauth2({tokenUrl, clientId, clientSecret, accessToken, refreshToken, expiresAt, scope, clientAuth})
func (in *instance) oauth2(c goja.FunctionCall) goja.Value {
	const fn = "auth.oauth2"
	o := in.options(fn, c.Argument(0), "tokenUrl", "clientId", "clientSecret", "accessToken", "refreshToken", "expiresAt", "scope", "clientAuth")
	if o == nil {
		in.typeError(fn, "options must be an object {tokenUrl, clientId, clientSecret, accessToken, refreshToken, expiresAt}")
	}
	spec := oauth2Spec{
		tokenURL:     in.optString(fn, "tokenUrl", o.Get("tokenUrl")),
		clientID:     in.optString(fn, "clientId", o.Get("clientId")),
		clientSecret: in.optString(fn, "clientSecret", o.Get("clientSecret")),
		scope:        in.optString(fn, "scope", o.Get("scope")),
		clientAuth:   in.optString(fn, "clientAuth", o.Get("clientAuth")),
		tok: connection.Tokens{
			AccessToken:  in.optString(fn, "accessToken", o.Get("accessToken")),
			RefreshToken: in.optString(fn, "refreshToken", o.Get("refreshToken")),
			ExpiresAt:    in.optTime(fn, "expiresAt", o.Get("expiresAt")),
		},
	}
	return in.wrap(in.newOAuth2(fn, spec))
}

type oauth2Spec struct {
	tokenURL, clientID, clientSecret, scope, clientAuth string
	tok                                                 connection.Tokens
	extra                                               nethttp.Header
}

func (in *instance) newOAuth2(fn string, s oauth2Spec) *oauth2Auth {
	if s.tok.AccessToken == "" && s.tok.RefreshToken == "" {
		in.typeError(fn, "give accessToken or refreshToken")
	}
	if s.tok.RefreshToken != "" && s.tokenURL == "" {
		in.typeError(fn, "tokenUrl is needed to refresh the tokens")
	}
	if s.tokenURL != "" {
		u, err := url.Parse(s.tokenURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			in.typeError(fn, "tokenUrl must be an absolute http(s) URL")
		}
	}
	switch s.clientAuth {
	case "", "basic", "body":
	default:
		in.typeError(fn, "clientAuth must be \"basic\" or \"body\", got %q", s.clientAuth)
	}
	call := in.vu.Call()
	call.Secrets.Add(s.tok.AccessToken, s.tok.RefreshToken, s.clientSecret)
	if n, ok := connection.Newest(call.Context(), in.env.Tokens, call.TokenKey(), s.tok); ok {
		s.tok = n
		adopted(call, n)
	}
	return &oauth2Auth{
		seen:         time.Now(),
		tokenURL:     s.tokenURL,
		clientID:     s.clientID,
		clientSecret: s.clientSecret,
		scope:        s.scope,
		clientInBody: s.clientAuth == "body",
		extra:        s.extra,
		env:          in.env,
		tok:          s.tok,
	}
}

// optTime reads an expiry: epoch milliseconds (or seconds, for values too
// small to be milliseconds), a Date, or an RFC 3339 string.
func (in *instance) optTime(fn, name string, v goja.Value) time.Time {
	var x any
	switch jsvalue.KindOf(v) {
	case jsvalue.Undefined, jsvalue.Null:
		return time.Time{}
	case jsvalue.Int, jsvalue.Float, jsvalue.Date, jsvalue.String:
		x = v.Export()
	}
	t, ok := connection.ParseTime(x)
	if !ok || x == nil {
		if s, isStr := x.(string); isStr {
			in.typeError(fn, "%s must be epoch milliseconds, a Date or an RFC 3339 time, got %q", name, s)
		}
		in.typeError(fn, "%s must be epoch milliseconds, a Date or an RFC 3339 time, got %s", name, jsvalue.KindOf(v))
	}
	return t
}
