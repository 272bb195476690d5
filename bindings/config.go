package bindings

import (
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// DefaultMaxResponseBytes is the default cap on one HTTP response body.
const DefaultMaxResponseBytes = 32 << 20

// HTTPConfig is the host's policy for scripts' outbound HTTP. One value is
// shared by every call of a host; it must not be changed once calls run.
type HTTPConfig struct {
	// MaxResponseBytes caps one response body (default 32 MiB).
	MaxResponseBytes int64
	// Retries is the default retry count for retryable failures (default 3).
	Retries int
	// RetryBaseWait is the first backoff step (default 250ms); it doubles
	// per retry, with jitter.
	RetryBaseWait time.Duration
	// Allow, when not empty, is the only set of destinations a script may
	// reach: host names ("api.example.com", "*.pipedrive.com") or CIDRs.
	Allow []string
	// Deny lists destinations a script may never reach, on top of
	// DefaultDeny. Same syntax as Allow.
	Deny []string
	// AllowMetadata lifts the default denial of link-local and cloud
	// metadata addresses. Only for tests that need it.
	AllowMetadata bool
	// Transport, if set, is the round tripper under resty (tests, proxies).
	Transport http.RoundTripper
}

// DefaultDeny returns what is denied unless AllowMetadata is set: the
// link-local ranges, where cloud metadata services (169.254.169.254,
// fd00:ec2::254) live.
func DefaultDeny() []netip.Prefix {
	return []netip.Prefix{
		netip.MustParsePrefix("169.254.0.0/16"),
		netip.MustParsePrefix("fe80::/10"),
		netip.MustParsePrefix("fd00:ec2::254/128"),
	}
}

// OAuthTokens are the tokens of an OAuth2 connection.
type OAuthTokens struct {
	AccessToken  string    `json:"accessToken,omitempty"`
	RefreshToken string    `json:"refreshToken,omitempty"`
	ExpiresAt    time.Time `json:"expiresAt,omitzero"`
}

// TokenStore remembers, per connector and connection name, the newest tokens
// a refresh produced, so a later call that still carries the old ones (the
// platform may not have saved the rotation yet) uses the new ones: a dropped
// rotated refresh token loses the connection for good.
type TokenStore interface {
	// Rotated records that a refresh replaced old with fresh.
	Rotated(synapse, connection string, old, fresh OAuthTokens)
	// Newer returns the tokens to use in place of carried, if carried are
	// ones a refresh already replaced.
	Newer(synapse, connection string, carried OAuthTokens) (OAuthTokens, bool)
}

// MemTokenStore is an in-memory TokenStore, safe for concurrent use.
type MemTokenStore struct {
	mu sync.Mutex
	m  map[[2]string]rotation
}

type rotation struct {
	retired map[string]struct{} // access and refresh tokens replaced so far
	newest  OAuthTokens
}

// NewMemTokenStore returns an empty MemTokenStore.
func NewMemTokenStore() *MemTokenStore {
	return &MemTokenStore{m: map[[2]string]rotation{}}
}

// Rotated implements TokenStore.
func (s *MemTokenStore) Rotated(synapse, connection string, old, fresh OAuthTokens) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := [2]string{synapse, connection}
	r, ok := s.m[k]
	if !ok {
		r.retired = map[string]struct{}{}
	}
	for _, t := range []string{old.AccessToken, old.RefreshToken} {
		if t != "" && t != fresh.AccessToken && t != fresh.RefreshToken {
			r.retired[t] = struct{}{}
		}
	}
	r.newest = fresh
	s.m[k] = r
}

// Newer implements TokenStore.
func (s *MemTokenStore) Newer(synapse, connection string, carried OAuthTokens) (OAuthTokens, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.m[[2]string{synapse, connection}]
	if !ok {
		return OAuthTokens{}, false
	}
	_, oldRefresh := r.retired[carried.RefreshToken]
	_, oldAccess := r.retired[carried.AccessToken]
	switch {
	case carried.RefreshToken != "" && oldRefresh:
		return r.newest, true
	case carried.AccessToken != "" && oldAccess &&
		(carried.RefreshToken == "" || carried.RefreshToken == r.newest.RefreshToken):
		// A provider that keeps the refresh token rotates only the access
		// token: a retired access token with the refresh token still in
		// use means the same rotation. A refresh token this store never
		// saw is left alone; it may be newer than anything here.
		return r.newest, true
	}
	return OAuthTokens{}, false
}
