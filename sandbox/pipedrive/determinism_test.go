package pipedrive_test

import (
	"bytes"
	"testing"

	"github.com/synapsejs/synapse-js/sandbox/pipedrive"
)

// deterministicPaths are the bodies that must be the same bytes for the same
// seed, record count and creation time.
var deterministicPaths = []string{
	"/api/v2/persons?limit=500&sort_by=update_time",
	"/api/v2/persons?limit=500&sort_by=update_time&sort_direction=desc",
	"/api/v2/organizations?limit=500",
	"/api/v2/deals?limit=500&sort_by=add_time",
	"/api/v2/activities?limit=500&sort_by=due_date",
	"/api/v2/products?limit=500&sort_by=name",
	"/api/v2/persons/17",
	"/api/v2/deals/9",
	"/api/v2/persons/search?term=an&limit=500",
	"/api/v2/deals/search?term=deal&limit=500",
	"/api/v2/dealFields?limit=500",
	"/v1/personFields?limit=500",
	"/v1/users",
	"/v1/users/me",
	"/v1/persons?limit=500",
	"/v1/deals/9",
}

func TestDeterminism(t *testing.T) {
	const records = 300
	a := newEnvWith(t, pipedrive.Options{Records: records, Seed: 7})
	b := newEnvWith(t, pipedrive.Options{Records: records, Seed: 7})
	c := newEnvWith(t, pipedrive.Options{Records: records, Seed: 8})
	differ := 0
	for _, p := range deterministicPaths {
		ra, rb, rc := a.get(p), b.get(p), c.get(p)
		if ra.status != 200 {
			t.Fatalf("%s: %d %s", p, ra.status, ra.body)
		}
		if !bytes.Equal(ra.body, rb.body) {
			t.Errorf("%s: same seed, different bytes", p)
		}
		if !bytes.Equal(ra.body, rc.body) {
			differ++
		}
	}
	// Everything but the field registry depends on the seed.
	if differ < len(deterministicPaths)-2 {
		t.Errorf("only %d of %d bodies differ between seeds 7 and 8", differ, len(deterministicPaths))
	}
	if !bytes.Equal(a.get("/v1/personFields?limit=500").body, c.get("/v1/personFields?limit=500").body) {
		t.Error("the field registry depends on the seed")
	}

	// The zero Seed is the default one, and the same writes on both give the
	// same bytes again.
	d := newEnvWith(t, pipedrive.Options{Records: 50})
	e := newEnvWith(t, pipedrive.Options{Records: 50, Seed: pipedrive.DefaultSeed})
	for _, env := range []*env{d, e} {
		env.mustOK(env.do("PATCH", "/api/v2/persons/3", map[string]any{"name": "Grace Hopper"}, nil))
		env.mustOK(env.do("POST", "/api/v2/deals", map[string]any{"title": "Same deal", "value": 10}, nil))
	}
	for _, p := range []string{"/api/v2/persons?limit=500&sort_by=update_time", "/api/v2/deals?limit=500"} {
		if !bytes.Equal(d.get(p).body, e.get(p).body) {
			t.Errorf("%s: Seed 0 and Seed 1 differ", p)
		}
	}
}
