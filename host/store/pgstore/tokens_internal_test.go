package pgstore

import (
	"context"
	"fmt"
	"testing"

	"github.com/synapsejs/synapse-js/connection"
)

// The shared store answers Newer by the same rule as the in-memory one:
// the same rotations, then the same questions, the same answers.
func TestRotationMatchesMemTokenStore(t *testing.T) {
	tok := func(a, r string) connection.Tokens { return connection.Tokens{AccessToken: a, RefreshToken: r} }
	steps := [][2]connection.Tokens{
		{tok("a0", "r0"), tok("a1", "r1")}, // both rotate
		{tok("a1", "r1"), tok("a2", "r1")}, // only the access token
		{tok("a2", "r1"), tok("a3", "r3")},
		{tok("", "r3"), tok("a4", "r4")}, // a refresh with no access token
	}
	ctx := context.Background()
	k := connection.Key{Synapse: "s", Connection: "c"}
	mem := connection.NewMemTokenStore()
	var r rotation
	var questions []connection.Tokens
	for _, a := range []string{"", "a0", "a1", "a2", "a3", "a4", "ax"} {
		for _, rt := range []string{"", "r0", "r1", "r3", "r4", "rx"} {
			questions = append(questions, tok(a, rt))
		}
	}
	for i, st := range steps {
		if err := mem.Rotated(ctx, k, st[0], st[1]); err != nil {
			t.Fatal(err)
		}
		r.apply(st[0], st[1])
		for _, q := range questions {
			wn, wok, _ := mem.Newer(ctx, k, q)
			gn, gok := r.replaces(q)
			if wn != gn || wok != gok {
				t.Errorf("after step %d, Newer(%+v): pgstore %+v %v, memory %+v %v", i+1, q, gn, gok, wn, wok)
			}
		}
	}
}

// The retired tokens a row keeps are bounded.
func TestRotationKeepsTheLastRetired(t *testing.T) {
	var r rotation
	for i := range 3 * keepRetired {
		r.apply(connection.Tokens{AccessToken: fmt.Sprint("a", i), RefreshToken: fmt.Sprint("r", i)},
			connection.Tokens{AccessToken: fmt.Sprint("a", i+1), RefreshToken: fmt.Sprint("r", i+1)})
	}
	if len(r.Retired) != keepRetired {
		t.Fatalf("%d retired tokens kept, want %d", len(r.Retired), keepRetired)
	}
	last := 3*keepRetired - 1
	if _, ok := r.replaces(connection.Tokens{AccessToken: fmt.Sprint("a", last), RefreshToken: fmt.Sprint("r", last)}); !ok {
		t.Fatal("the last rotation's old tokens are forgotten")
	}
}
