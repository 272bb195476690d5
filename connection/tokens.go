package connection

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Tokens are the OAuth2 tokens of a connection.
type Tokens struct {
	// AccessToken is the token requests carry.
	AccessToken string `json:"accessToken,omitempty"`
	// RefreshToken is what the next refresh spends; empty when none was
	// issued.
	RefreshToken string `json:"refreshToken,omitempty"`
	// ExpiresAt is when AccessToken stops working (zero: unknown).
	ExpiresAt time.Time `json:"expiresAt,omitzero"`
	// IssuedAt is when AccessToken was issued (zero: unknown); with
	// ExpiresAt it gives the token's lifetime, which bounds how early it
	// is refreshed.
	IssuedAt time.Time `json:"issuedAt,omitzero"`
}

// Key names whose tokens a store holds: one serving name (the name a
// connector is served under, not its synapse_info name) and one connection
// name. Tokens never cross keys.
type Key struct {
	// Synapse is the serving name.
	Synapse string
	// Connection is the Connection's name (connection.name).
	Connection string
}

// TokenStore remembers, per Key, the newest tokens a refresh produced, so a
// later call that still carries the old ones (the platform may not have
// saved the rotation yet) uses the new ones: a dropped rotated refresh
// token loses the connection for good. It also serializes refreshes of one
// Key, so two calls never spend the same refresh token.
type TokenStore interface {
	// Rotated records that a refresh replaced old with fresh.
	Rotated(ctx context.Context, k Key, old, fresh Tokens) error
	// Newer returns the tokens to use in place of carried, if carried are
	// ones a refresh already replaced.
	Newer(ctx context.Context, k Key, carried Tokens) (Tokens, bool, error)
	// Lock holds k's refresh lock until unlock is called, waiting at most
	// until ctx ends.
	Lock(ctx context.Context, k Key) (unlock func(), err error)
}

// Newest asks store for tokens that replaced carried, the one lookup both
// the engine (before a call) and the auth binding (before a refresh) use.
// A store keyed by retired tokens may not know a refresh token the provider
// did not rotate, so the access token alone is asked about too. Tokens
// equal to carried are not newer.
func Newest(ctx context.Context, store TokenStore, k Key, carried Tokens) (Tokens, bool) {
	if store == nil || (carried.AccessToken == "" && carried.RefreshToken == "") {
		return Tokens{}, false
	}
	n, ok, err := store.Newer(ctx, k, carried)
	if err == nil && !ok && carried.AccessToken != "" && carried.RefreshToken != "" {
		n, ok, err = store.Newer(ctx, k, Tokens{AccessToken: carried.AccessToken})
	}
	if err != nil || !ok || n.AccessToken == "" || n.AccessToken == carried.AccessToken {
		return Tokens{}, false
	}
	if n.RefreshToken == "" {
		n.RefreshToken = carried.RefreshToken
	}
	return n, true
}

// KeepRetired bounds the retired tokens a Rotation remembers: enough for
// any platform that is a few refreshes behind, and a bound on memory.
const KeepRetired = 64

// Rotation is what a TokenStore remembers of one connection: the tokens
// refreshes replaced, oldest first, and the newest ones. Every store keeps
// this one rule of which tokens replace which.
type Rotation struct {
	// Retired are the access and refresh tokens refreshes replaced, oldest
	// first, at most KeepRetired.
	Retired []string `json:"retired"`
	// Newest are the tokens of the last refresh.
	Newest Tokens `json:"newest"`
}

// Apply records that a refresh replaced old with fresh.
func (r *Rotation) Apply(old, fresh Tokens) {
	for _, t := range []string{old.AccessToken, old.RefreshToken} {
		if t != "" && t != fresh.AccessToken && t != fresh.RefreshToken && !slices.Contains(r.Retired, t) {
			r.Retired = append(r.Retired, t)
		}
	}
	if n := len(r.Retired); n > KeepRetired {
		r.Retired = append([]string(nil), r.Retired[n-KeepRetired:]...)
	}
	r.Newest = fresh
}

// Replaces says whether carried are tokens a refresh already replaced, and
// with what: their refresh token was retired, or their access token was
// and the refresh token is absent or the newest one. A provider that keeps
// the refresh token rotates only the access token: a retired access token
// with the refresh token still in use means the same rotation. A refresh
// token the store never saw is left alone; it may be newer than anything
// here.
func (r *Rotation) Replaces(carried Tokens) (Tokens, bool) {
	oldRefresh := carried.RefreshToken != "" && slices.Contains(r.Retired, carried.RefreshToken)
	oldAccess := carried.AccessToken != "" && slices.Contains(r.Retired, carried.AccessToken)
	if oldRefresh || (oldAccess && (carried.RefreshToken == "" || carried.RefreshToken == r.Newest.RefreshToken)) {
		return r.Newest, true
	}
	return Tokens{}, false
}

// MemTokenStore is an in-memory TokenStore for one host, safe for
// concurrent use.
type MemTokenStore struct {
	mu    sync.Mutex
	m     map[Key]*Rotation
	locks map[Key]chan struct{}
}

// NewMemTokenStore returns an empty MemTokenStore.
func NewMemTokenStore() *MemTokenStore {
	return &MemTokenStore{m: map[Key]*Rotation{}, locks: map[Key]chan struct{}{}}
}

// Rotated implements TokenStore.
func (s *MemTokenStore) Rotated(_ context.Context, k Key, old, fresh Tokens) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.m[k]
	if !ok {
		r = &Rotation{}
		s.m[k] = r
	}
	r.Apply(old, fresh)
	return nil
}

// Newer implements TokenStore.
func (s *MemTokenStore) Newer(_ context.Context, k Key, carried Tokens) (Tokens, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.m[k]
	if !ok {
		return Tokens{}, false, nil
	}
	t, ok := r.Replaces(carried)
	return t, ok, nil
}

// Lock implements TokenStore. A lock is a 1-slot channel so waiting
// honours ctx.
func (s *MemTokenStore) Lock(ctx context.Context, k Key) (func(), error) {
	s.mu.Lock()
	ch, ok := s.locks[k]
	if !ok {
		ch = make(chan struct{}, 1)
		s.locks[k] = ch
	}
	s.mu.Unlock()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for another token refresh: %w", ctx.Err())
	}
}
