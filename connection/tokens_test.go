package connection_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/synapsejs/synapse-js/connection"
)

var _ connection.TokenStore = (*connection.MemTokenStore)(nil)

func tok(access, refresh string) connection.Tokens {
	return connection.Tokens{AccessToken: access, RefreshToken: refresh}
}

func TestMemTokenStore(t *testing.T) {
	t.Parallel()
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	type rotation struct{ old, fresh connection.Tokens }
	type ask struct {
		synapse, conn string
		carried       connection.Tokens
		want          connection.Tokens
		ok            bool
	}
	cases := []struct {
		name      string
		rotations []rotation // all for synapse "s", connection "c"
		asks      []ask
	}{
		{
			name: "nothing rotated",
			asks: []ask{{"s", "c", tok("A1", "R1"), connection.Tokens{}, false}},
		},
		{
			name:      "both tokens rotate",
			rotations: []rotation{{tok("A1", "R1"), connection.Tokens{AccessToken: "A2", RefreshToken: "R2", ExpiresAt: exp}}},
			asks: []ask{
				{"s", "c", tok("A1", "R1"), connection.Tokens{AccessToken: "A2", RefreshToken: "R2", ExpiresAt: exp}, true},
				{"s", "c", tok("", "R1"), connection.Tokens{AccessToken: "A2", RefreshToken: "R2", ExpiresAt: exp}, true},
				{"s", "c", tok("A1", ""), connection.Tokens{AccessToken: "A2", RefreshToken: "R2", ExpiresAt: exp}, true},
				{"s", "c", tok("A1", "R2"), connection.Tokens{AccessToken: "A2", RefreshToken: "R2", ExpiresAt: exp}, true},
				{"s", "c", tok("A2", "R1"), connection.Tokens{AccessToken: "A2", RefreshToken: "R2", ExpiresAt: exp}, true},
				// the newest tokens are not replaced by anything
				{"s", "c", tok("A2", "R2"), connection.Tokens{}, false},
				{"s", "c", tok("A2", ""), connection.Tokens{}, false},
				{"s", "c", tok("", "R2"), connection.Tokens{}, false},
				{"s", "c", tok("", ""), connection.Tokens{}, false},
				// tokens the store never saw
				{"s", "c", tok("X", "Y"), connection.Tokens{}, false},
				// a retired access token with a refresh token the store
				// never saw: that refresh token may be newer; left alone
				{"s", "c", tok("A1", "R-unknown"), connection.Tokens{}, false},
				// other connections and connectors are separate
				{"s", "other", tok("A1", "R1"), connection.Tokens{}, false},
				{"other", "c", tok("A1", "R1"), connection.Tokens{}, false},
			},
		},
		{
			name:      "a chain of rotations leads to the newest",
			rotations: []rotation{{tok("A1", "R1"), tok("A2", "R2")}, {tok("A2", "R2"), tok("A3", "R3")}},
			asks: []ask{
				{"s", "c", tok("A1", "R1"), tok("A3", "R3"), true},
				{"s", "c", tok("A2", "R2"), tok("A3", "R3"), true},
				{"s", "c", tok("A3", "R3"), connection.Tokens{}, false},
			},
		},
		{
			name:      "the provider keeps the refresh token",
			rotations: []rotation{{tok("A1", "R"), tok("A2", "R")}},
			asks: []ask{
				{"s", "c", tok("A1", "R"), tok("A2", "R"), true},
				{"s", "c", tok("A1", ""), tok("A2", "R"), true},
				{"s", "c", tok("A2", "R"), connection.Tokens{}, false},
				{"s", "c", tok("", "R"), connection.Tokens{}, false},
			},
		},
		{
			name:      "the provider keeps the refresh token twice",
			rotations: []rotation{{tok("A1", "R"), tok("A2", "R")}, {tok("A2", "R"), tok("A3", "R")}},
			asks: []ask{
				{"s", "c", tok("A1", "R"), tok("A3", "R"), true},
				{"s", "c", tok("A2", "R"), tok("A3", "R"), true},
				{"s", "c", tok("A3", "R"), connection.Tokens{}, false},
			},
		},
		{
			name:      "the provider rotates the refresh token only later",
			rotations: []rotation{{tok("A1", "R1"), tok("A2", "R1")}, {tok("A2", "R1"), tok("A3", "R2")}},
			asks: []ask{
				{"s", "c", tok("A1", "R1"), tok("A3", "R2"), true},
				{"s", "c", tok("A2", "R1"), tok("A3", "R2"), true},
				{"s", "c", tok("A3", "R2"), connection.Tokens{}, false},
			},
		},
		{
			name:      "the provider keeps the access token",
			rotations: []rotation{{tok("A", "R1"), tok("A", "R2")}},
			asks: []ask{
				{"s", "c", tok("A", "R1"), tok("A", "R2"), true},
				{"s", "c", tok("A", "R2"), connection.Tokens{}, false},
				{"s", "c", tok("A", ""), connection.Tokens{}, false},
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := connection.NewMemTokenStore()
			ctx := context.Background()
			for _, r := range c.rotations {
				s.Rotated(ctx, connection.Key{Synapse: "s", Connection: "c"}, r.old, r.fresh)
			}
			for _, a := range c.asks {
				got, ok, _ := s.Newer(ctx, connection.Key{Synapse: a.synapse, Connection: a.conn}, a.carried)
				if ok != a.ok || got != a.want {
					t.Errorf("Newer(%s, %s, %+v) = %+v, %v; want %+v, %v", a.synapse, a.conn, a.carried, got, ok, a.want, a.ok)
				}
			}
		})
	}
}

// Concurrent rotations and lookups (run with -race): each goroutine walks
// its own connection's chain, and all share one connection too; lookups of
// tokens a few rotations old (within what a Rotation keeps) always lead to
// the newest tokens of the chain.
func TestMemTokenStoreConcurrent(t *testing.T) {
	t.Parallel()
	s := connection.NewMemTokenStore()
	ctx := context.Background()
	const steps = 100
	var wg sync.WaitGroup
	errs := make(chan string, 32)
	for g := range 8 {
		conn := fmt.Sprintf("conn-%d", g)
		wg.Go(func() {
			for i := 1; i <= steps; i++ {
				old := tok(fmt.Sprintf("A%d", i-1), fmt.Sprintf("R%d", i-1))
				fresh := tok(fmt.Sprintf("A%d", i), fmt.Sprintf("R%d", i))
				s.Rotated(ctx, connection.Key{Synapse: "s", Connection: conn}, old, fresh)
				back := max(0, i-connection.KeepRetired/4)
				if got, ok, _ := s.Newer(ctx, connection.Key{Synapse: "s", Connection: conn}, tok(fmt.Sprintf("A%d", back), fmt.Sprintf("R%d", back))); !ok || got != fresh {
					errs <- fmt.Sprintf("%s step %d: Newer = %+v, %v; want %+v", conn, i, got, ok, fresh)
					return
				}
				// the shared connection: access rotates, refresh stays; all
				// eight chains together stay within what a Rotation keeps.
				if i > connection.KeepRetired/8 {
					continue
				}
				s.Rotated(ctx, connection.Key{Synapse: "s", Connection: "shared"}, tok(fmt.Sprintf("g%d-%d", g, i-1), "R"), tok(fmt.Sprintf("g%d-%d", g, i), "R"))
				if _, ok, _ := s.Newer(ctx, connection.Key{Synapse: "s", Connection: "shared"}, tok(fmt.Sprintf("g%d-%d", g, i-1), "R")); !ok {
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

func TestLockHonoursContext(t *testing.T) {
	t.Parallel()
	s := connection.NewMemTokenStore()
	k := connection.Key{Synapse: "s", Connection: "c"}
	unlock, err := s.Lock(context.Background(), k)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := s.Lock(ctx, k); err == nil {
		t.Fatal("second lock should wait and fail with the context")
	}
	// Another key is another lock.
	if u, err := s.Lock(context.Background(), connection.Key{Synapse: "s", Connection: "other"}); err != nil {
		t.Fatal(err)
	} else {
		u()
	}
	unlock()
	if u, err := s.Lock(context.Background(), k); err != nil {
		t.Fatal(err)
	} else {
		u()
	}
}

// The retired tokens a Rotation keeps are bounded, the newest kept.
func TestRotationKeepsTheLastRetired(t *testing.T) {
	t.Parallel()
	var r connection.Rotation
	for i := range 3 * connection.KeepRetired {
		r.Apply(connection.Tokens{AccessToken: fmt.Sprint("a", i), RefreshToken: fmt.Sprint("r", i)},
			connection.Tokens{AccessToken: fmt.Sprint("a", i+1), RefreshToken: fmt.Sprint("r", i+1)})
	}
	if len(r.Retired) != connection.KeepRetired {
		t.Fatalf("%d retired tokens kept, want %d", len(r.Retired), connection.KeepRetired)
	}
	last := 3*connection.KeepRetired - 1
	if _, ok := r.Replaces(connection.Tokens{AccessToken: fmt.Sprint("a", last), RefreshToken: fmt.Sprint("r", last)}); !ok {
		t.Fatal("the last rotation's old tokens are forgotten")
	}
	if _, ok := r.Replaces(connection.Tokens{AccessToken: "a0", RefreshToken: "r0"}); ok {
		t.Fatal("tokens beyond the bound are still remembered")
	}
}
