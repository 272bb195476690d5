package pipedrive

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// AccessTokenLifetime is expires_in of issued access tokens, in seconds, as
// Pipedrive answers.
const AccessTokenLifetime = 3599

// OAuthTokens is a token pair as /oauth/token issues it.
type OAuthTokens struct {
	// AccessToken goes in Authorization: Bearer; it expires after ExpiresIn
	// seconds of the sandbox clock.
	AccessToken string `json:"access_token"`
	// TokenType is always "Bearer".
	TokenType string `json:"token_type"`
	// ExpiresIn is AccessTokenLifetime.
	ExpiresIn int `json:"expires_in"`
	// RefreshToken gets a new pair once; a refresh rotates it.
	RefreshToken string `json:"refresh_token"`
	// Scope is always "base" (scopes are not enforced).
	Scope string `json:"scope"`
	// APIDomain is the sandbox's origin as the client reached it, e.g.
	// "http://127.0.0.1:PORT"; empty from IssueOAuthTokens.
	APIDomain string `json:"api_domain"`
}

type accessToken struct {
	user    int64
	expires int64 // unix seconds
}

// oauthState holds issued tokens. Refresh tokens are single-use: a refresh
// rotates them.
type oauthState struct {
	mu      sync.Mutex
	access  map[string]*accessToken
	refresh map[string]int64 // valid refresh token -> user
}

func (o *oauthState) init() {
	o.access = map[string]*accessToken{}
	o.refresh = map[string]int64{}
}

func randomToken(user int64) string {
	var b [20]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return fmt.Sprintf("%d:%d:%s", companyID, user, hex.EncodeToString(b[:]))
}

func (o *oauthState) issue(user, now int64) OAuthTokens {
	o.mu.Lock()
	defer o.mu.Unlock()
	t := OAuthTokens{AccessToken: randomToken(user), TokenType: "Bearer", ExpiresIn: AccessTokenLifetime,
		RefreshToken: randomToken(user), Scope: "base"}
	o.access[t.AccessToken] = &accessToken{user: user, expires: now + AccessTokenLifetime}
	o.refresh[t.RefreshToken] = user
	return t
}

func (o *oauthState) check(tok string, now int64) (int64, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a := o.access[tok]
	if a == nil || now >= a.expires {
		return 0, false
	}
	return a.user, true
}

// rotate consumes a refresh token and issues a new pair.
func (o *oauthState) rotate(refresh string, now int64) (OAuthTokens, bool) {
	o.mu.Lock()
	user, ok := o.refresh[refresh]
	delete(o.refresh, refresh)
	o.mu.Unlock()
	if !ok {
		return OAuthTokens{}, false
	}
	return o.issue(user, now), true
}

// IssueOAuthTokens mints a token pair for user 1 as if an authorization code
// had been exchanged, so tests can skip the /oauth/token round trip.
// APIDomain is left empty (the sandbox does not know its URL here).
func (s *Sandbox) IssueOAuthTokens() OAuthTokens { return s.oauth.issue(1, s.now()) }

// ExpireAccessTokens makes every access token issued so far expire now, so
// tests can exercise the 401-then-refresh path. Refresh tokens stay valid.
func (s *Sandbox) ExpireAccessTokens() {
	now := s.now()
	s.oauth.mu.Lock()
	defer s.oauth.mu.Unlock()
	for _, a := range s.oauth.access {
		a.expires = min(a.expires, now)
	}
}

// serveOAuth serves oauth.pipedrive.com's endpoints: POST /oauth/token and
// GET /oauth/authorize. It returns the status written.
func (s *Sandbox) serveOAuth(w http.ResponseWriter, r *http.Request) int {
	switch strings.TrimSuffix(r.URL.Path, "/") {
	case "/oauth/token":
		return s.oauthToken(w, r)
	case "/oauth/authorize":
		return s.oauthAuthorize(w, r)
	}
	return oauthError(w, 404, "invalid_request", "Not found")
}

func oauthError(w http.ResponseWriter, status int, code, msg string) int {
	body := mustJSON(map[string]any{"success": false, "error": code, "message": msg})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return status
}

func (s *Sandbox) oauthToken(w http.ResponseWriter, r *http.Request) int {
	if r.Method != http.MethodPost {
		return oauthError(w, 400, "invalid_request", "Invalid request: method must be POST")
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		return oauthError(w, 400, "invalid_request", "Invalid request: content must be application/x-www-form-urlencoded")
	}
	raw, err := readBody(r)
	if err != nil {
		return oauthError(w, 400, "invalid_request", "Invalid request: "+err.Error())
	}
	form, err := url.ParseQuery(string(raw))
	if err != nil {
		return oauthError(w, 400, "invalid_request", "Invalid request: malformed form body")
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	if id == "" || secret == "" {
		return oauthError(w, 400, "invalid_client", "Invalid client: cannot retrieve client credentials")
	}
	if subtle.ConstantTimeCompare([]byte(id), []byte(s.opts.ClientID)) != 1 ||
		subtle.ConstantTimeCompare([]byte(secret), []byte(s.opts.ClientSecret)) != 1 {
		return oauthError(w, 401, "invalid_client", "Invalid client: client is invalid")
	}
	now := s.now()
	var tok OAuthTokens
	switch gt := form.Get("grant_type"); gt {
	case "":
		return oauthError(w, 400, "invalid_request", "Invalid request: missing parameter: `grant_type`")
	case "authorization_code":
		code := form.Get("code")
		if code == "" {
			return oauthError(w, 400, "invalid_request", "Invalid request: missing parameter: `code`")
		}
		if code == "bad-code" {
			return oauthError(w, 400, "invalid_grant", "Invalid grant: authorization code is invalid")
		}
		tok = s.oauth.issue(1, now)
	case "refresh_token":
		rt := form.Get("refresh_token")
		if rt == "" {
			return oauthError(w, 400, "invalid_request", "Invalid request: missing parameter: `refresh_token`")
		}
		if tok, ok = s.oauth.rotate(rt, now); !ok {
			return oauthError(w, 400, "invalid_grant", "Invalid grant: refresh_token is invalid")
		}
	default:
		return oauthError(w, 400, "unsupported_grant_type", "Unsupported grant type: `grant_type` is invalid")
	}
	tok.APIDomain = requestOrigin(r)
	body, _ := json.Marshal(tok)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(200)
	_, _ = w.Write(body)
	return 200
}

// oauthAuthorize stands in for the consent screen: it approves at once and
// redirects to redirect_uri with a code and the state.
func (s *Sandbox) oauthAuthorize(w http.ResponseWriter, r *http.Request) int {
	q := r.URL.Query()
	if q.Get("client_id") != s.opts.ClientID {
		return oauthError(w, 400, "invalid_client", "Invalid client: client is invalid")
	}
	ru, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || q.Get("redirect_uri") == "" || !ru.IsAbs() {
		return oauthError(w, 400, "invalid_request", "Invalid request: `redirect_uri` is invalid")
	}
	v := ru.Query()
	v.Set("code", randomToken(1))
	if st := q.Get("state"); st != "" {
		v.Set("state", st)
	}
	ru.RawQuery = v.Encode()
	http.Redirect(w, r, ru.String(), http.StatusFound)
	return http.StatusFound
}

// requestOrigin is the sandbox's own origin as the client reached it; it is
// the api_domain of issued tokens.
func requestOrigin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
