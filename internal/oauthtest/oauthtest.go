// Package oauthtest runs a real OAuth2 authorization server (go-oauth2) on
// loopback for tests: short-lived access tokens, refresh tokens that rotate
// (each refresh revokes the old access and refresh tokens), and a resource
// endpoint that accepts only a live access token, as a strict provider
// does.
package oauthtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-oauth2/oauth2/v4/manage"
	"github.com/go-oauth2/oauth2/v4/models"
	"github.com/go-oauth2/oauth2/v4/server"
	"github.com/go-oauth2/oauth2/v4/store"
)

// The client the server knows.
const (
	ClientID     = "synapse-client"
	ClientSecret = "synapse-client-secret-9f2"
	RedirectURI  = "http://127.0.0.1/callback"
	user         = "ann"
	password     = "ann-password"
)

// Server is the token server and its resource endpoint (/api/me).
type Server struct {
	// URL is the server's base URL; the token URL is URL + "/token".
	URL string
	srv *httptest.Server
	// refreshes counts refresh_token grants asked for; refused counts
	// the ones refused (a refresh token already spent).
	refreshes, refused atomic.Int64
	// api counts resource requests; rejected those refused with 401.
	api, rejected atomic.Int64
}

// Options tune the server.
type Options struct {
	// AccessTTL is the access tokens' lifetime (default 3 s).
	AccessTTL time.Duration
}

// New starts a server, stopped when the test ends.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	ttl := opts.AccessTTL
	if ttl <= 0 {
		ttl = 3 * time.Second
	}
	m := manage.NewDefaultManager()
	m.SetAuthorizeCodeTokenCfg(&manage.Config{AccessTokenExp: ttl, RefreshTokenExp: time.Hour, IsGenerateRefresh: true})
	m.SetPasswordTokenCfg(&manage.Config{AccessTokenExp: ttl, RefreshTokenExp: time.Hour, IsGenerateRefresh: true})
	m.SetRefreshTokenCfg(&manage.RefreshingConfig{AccessTokenExp: ttl, RefreshTokenExp: time.Hour,
		IsGenerateRefresh: true, IsResetRefreshTime: true, IsRemoveAccess: true, IsRemoveRefreshing: true})
	m.MustTokenStorage(store.NewMemoryTokenStore())
	clients := store.NewClientStore()
	if err := clients.Set(ClientID, &models.Client{ID: ClientID, Secret: ClientSecret, Domain: "http://127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	m.MapClientStorage(clients)

	srv := server.NewDefaultServer(m)
	srv.SetAllowGetAccessRequest(false)
	// Clients may authenticate with Basic auth or in the form (the
	// platform posts client_id and client_secret as form fields).
	srv.SetClientInfoHandler(func(r *http.Request) (string, string, error) {
		if id, secret, err := server.ClientBasicHandler(r); err == nil {
			return id, secret, nil
		}
		return server.ClientFormHandler(r)
	})
	srv.SetPasswordAuthorizationHandler(func(_ context.Context, _, u, p string) (string, error) {
		if u == user && p == password {
			return u, nil
		}
		return "", fmt.Errorf("bad user")
	})
	srv.SetUserAuthorizationHandler(func(http.ResponseWriter, *http.Request) (string, error) { return user, nil })

	s := &Server{}
	mux := http.NewServeMux()
	mux.HandleFunc("/authorize", func(w http.ResponseWriter, r *http.Request) {
		if err := srv.HandleAuthorizeRequest(w, r); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
		}
	})
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err == nil && r.PostForm.Get("grant_type") == "refresh_token" {
			s.refreshes.Add(1)
			rw := &statusWriter{ResponseWriter: w}
			_ = srv.HandleTokenRequest(rw, r)
			if rw.status >= 400 {
				s.refused.Add(1)
			}
			return
		}
		_ = srv.HandleTokenRequest(w, r)
	})
	mux.HandleFunc("/api/me", func(w http.ResponseWriter, r *http.Request) {
		s.api.Add(1)
		ti, err := srv.ValidationBearerToken(r)
		if err != nil {
			s.rejected.Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"error":%q}`, err.Error())
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"user":%q}`, ti.GetUserID())
	})
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// statusWriter remembers the status a handler answered.
type statusWriter struct {
	http.ResponseWriter
	status int
}

// WriteHeader records the status and sends it.
func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// TokenURL is where tokens are granted and refreshed.
func (s *Server) TokenURL() string { return s.URL + "/token" }

// Refreshes is how many refresh_token grants were asked for.
func (s *Server) Refreshes() int64 { return s.refreshes.Load() }

// RefusedRefreshes is how many of them were refused.
func (s *Server) RefusedRefreshes() int64 { return s.refused.Load() }

// APIRequests is how many requests reached /api/me.
func (s *Server) APIRequests() int64 { return s.api.Load() }

// Rejected is how many of them were refused (401).
func (s *Server) Rejected() int64 { return s.rejected.Load() }

// Token is a token endpoint's answer.
type Token struct {
	// AccessToken is the answer's access_token.
	AccessToken string `json:"access_token"`
	// RefreshToken is the answer's refresh_token.
	RefreshToken string `json:"refresh_token"`
	// ExpiresIn is the answer's expires_in, in seconds.
	ExpiresIn int64 `json:"expires_in"`
	// Received is when the answer arrived.
	Received time.Time `json:"-"`
}

// Grant posts form to the token endpoint (the client in the form, as the
// platform does) and returns the tokens.
func (s *Server) Grant(ctx context.Context, form url.Values) (Token, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.TokenURL(), strings.NewReader(form.Encode()))
	if err != nil {
		return Token{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return Token{}, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return Token{}, fmt.Errorf("token endpoint: %d %s", resp.StatusCode, b)
	}
	var tok Token
	if err := json.Unmarshal(b, &tok); err != nil {
		return Token{}, fmt.Errorf("token endpoint: %w: %s", err, b)
	}
	tok.Received = time.Now()
	return tok, nil
}

// PasswordGrant gets a first pair of tokens (the user's consent, in short).
func (s *Server) PasswordGrant(ctx context.Context) (Token, error) {
	return s.Grant(ctx, url.Values{"grant_type": {"password"}, "username": {user}, "password": {password},
		"client_id": {ClientID}, "client_secret": {ClientSecret}})
}

// AuthorizationCode runs the authorize step as the user's browser would
// and returns the code the provider redirects back with.
func (s *Server) AuthorizationCode(ctx context.Context) (string, error) {
	q := url.Values{"response_type": {"code"}, "client_id": {ClientID}, "redirect_uri": {RedirectURI}, "state": {"st"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/authorize?"+q.Encode(), nil)
	if err != nil {
		return "", err
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		return "", fmt.Errorf("authorize: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query().Get("code"), nil
}
