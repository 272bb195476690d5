package bindings_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/synapsejs/synapse-js/bindings"
)

var _ bindings.TokenStore = (*bindings.MemTokenStore)(nil)

func tok(access, refresh string) bindings.OAuthTokens {
	return bindings.OAuthTokens{AccessToken: access, RefreshToken: refresh}
}

func TestMemTokenStore(t *testing.T) {
	t.Parallel()
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	type rotation struct{ old, fresh bindings.OAuthTokens }
	type ask struct {
		synapse, conn string
		carried       bindings.OAuthTokens
		want          bindings.OAuthTokens
		ok            bool
	}
	cases := []struct {
		name      string
		rotations []rotation // all for synapse "s", connection "c"
		asks      []ask
	}{
		{
			name: "nothing rotated",
			asks: []ask{{"s", "c", tok("A1", "R1"), bindings.OAuthTokens{}, false}},
		},
		{
			name:      "both tokens rotate",
			rotations: []rotation{{tok("A1", "R1"), bindings.OAuthTokens{AccessToken: "A2", RefreshToken: "R2", ExpiresAt: exp}}},
			asks: []ask{
				{"s", "c", tok("A1", "R1"), bindings.OAuthTokens{AccessToken: "A2", RefreshToken: "R2", ExpiresAt: exp}, true},
				{"s", "c", tok("", "R1"), bindings.OAuthTokens{AccessToken: "A2", RefreshToken: "R2", ExpiresAt: exp}, true},
				{"s", "c", tok("A1", ""), bindings.OAuthTokens{AccessToken: "A2", RefreshToken: "R2", ExpiresAt: exp}, true},
				{"s", "c", tok("A1", "R2"), bindings.OAuthTokens{AccessToken: "A2", RefreshToken: "R2", ExpiresAt: exp}, true},
				{"s", "c", tok("A2", "R1"), bindings.OAuthTokens{AccessToken: "A2", RefreshToken: "R2", ExpiresAt: exp}, true},
				// the newest tokens are not replaced by anything
				{"s", "c", tok("A2", "R2"), bindings.OAuthTokens{}, false},
				{"s", "c", tok("A2", ""), bindings.OAuthTokens{}, false},
				{"s", "c", tok("", "R2"), bindings.OAuthTokens{}, false},
				{"s", "c", tok("", ""), bindings.OAuthTokens{}, false},
				// tokens the store never saw
				{"s", "c", tok("X", "Y"), bindings.OAuthTokens{}, false},
				// a retired access token with a refresh token the store
				// never saw: that refresh token may be newer; left alone
				{"s", "c", tok("A1", "R-unknown"), bindings.OAuthTokens{}, false},
				// other connections and connectors are separate
				{"s", "other", tok("A1", "R1"), bindings.OAuthTokens{}, false},
				{"other", "c", tok("A1", "R1"), bindings.OAuthTokens{}, false},
			},
		},
		{
			name:      "a chain of rotations leads to the newest",
			rotations: []rotation{{tok("A1", "R1"), tok("A2", "R2")}, {tok("A2", "R2"), tok("A3", "R3")}},
			asks: []ask{
				{"s", "c", tok("A1", "R1"), tok("A3", "R3"), true},
				{"s", "c", tok("A2", "R2"), tok("A3", "R3"), true},
				{"s", "c", tok("A3", "R3"), bindings.OAuthTokens{}, false},
			},
		},
		{
			name:      "the provider keeps the refresh token",
			rotations: []rotation{{tok("A1", "R"), tok("A2", "R")}},
			asks: []ask{
				{"s", "c", tok("A1", "R"), tok("A2", "R"), true},
				{"s", "c", tok("A1", ""), tok("A2", "R"), true},
				{"s", "c", tok("A2", "R"), bindings.OAuthTokens{}, false},
				{"s", "c", tok("", "R"), bindings.OAuthTokens{}, false},
			},
		},
		{
			name:      "the provider keeps the refresh token twice",
			rotations: []rotation{{tok("A1", "R"), tok("A2", "R")}, {tok("A2", "R"), tok("A3", "R")}},
			asks: []ask{
				{"s", "c", tok("A1", "R"), tok("A3", "R"), true},
				{"s", "c", tok("A2", "R"), tok("A3", "R"), true},
				{"s", "c", tok("A3", "R"), bindings.OAuthTokens{}, false},
			},
		},
		{
			name:      "the provider rotates the refresh token only later",
			rotations: []rotation{{tok("A1", "R1"), tok("A2", "R1")}, {tok("A2", "R1"), tok("A3", "R2")}},
			asks: []ask{
				{"s", "c", tok("A1", "R1"), tok("A3", "R2"), true},
				{"s", "c", tok("A2", "R1"), tok("A3", "R2"), true},
				{"s", "c", tok("A3", "R2"), bindings.OAuthTokens{}, false},
			},
		},
		{
			name:      "the provider keeps the access token",
			rotations: []rotation{{tok("A", "R1"), tok("A", "R2")}},
			asks: []ask{
				{"s", "c", tok("A", "R1"), tok("A", "R2"), true},
				{"s", "c", tok("A", "R2"), bindings.OAuthTokens{}, false},
				{"s", "c", tok("A", ""), bindings.OAuthTokens{}, false},
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := bindings.NewMemTokenStore()
			for _, r := range c.rotations {
				s.Rotated("s", "c", r.old, r.fresh)
			}
			for _, a := range c.asks {
				got, ok := s.Newer(a.synapse, a.conn, a.carried)
				if ok != a.ok || got != a.want {
					t.Errorf("Newer(%s, %s, %+v) = %+v, %v; want %+v, %v", a.synapse, a.conn, a.carried, got, ok, a.want, a.ok)
				}
			}
		})
	}
}

// Concurrent rotations and lookups (run with -race): each goroutine walks
// its own connection's chain, and all share one connection too; lookups of
// the first tokens always lead to tokens at least as new as the last
// rotation the goroutine saw finish.
func TestMemTokenStoreConcurrent(t *testing.T) {
	t.Parallel()
	s := bindings.NewMemTokenStore()
	const steps = 100
	var wg sync.WaitGroup
	errs := make(chan string, 32)
	for g := range 8 {
		conn := fmt.Sprintf("conn-%d", g)
		wg.Go(func() {
			for i := 1; i <= steps; i++ {
				old := tok(fmt.Sprintf("A%d", i-1), fmt.Sprintf("R%d", i-1))
				fresh := tok(fmt.Sprintf("A%d", i), fmt.Sprintf("R%d", i))
				s.Rotated("s", conn, old, fresh)
				if got, ok := s.Newer("s", conn, tok("A0", "R0")); !ok || got != fresh {
					errs <- fmt.Sprintf("%s step %d: Newer = %+v, %v; want %+v", conn, i, got, ok, fresh)
					return
				}
				// the shared connection: access rotates, refresh stays
				s.Rotated("s", "shared", tok(fmt.Sprintf("g%d-%d", g, i-1), "R"), tok(fmt.Sprintf("g%d-%d", g, i), "R"))
				if _, ok := s.Newer("s", "shared", tok(fmt.Sprintf("g%d-%d", g, i-1), "R")); !ok {
					errs <- fmt.Sprintf("shared step %d of %d: the retired access token is not known", i, g)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
