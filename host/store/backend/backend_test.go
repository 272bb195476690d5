package backend

import (
	"context"
	"strings"
	"testing"

	"github.com/synapsejs/synapse-js/host/store"
)

func TestIsPostgres(t *testing.T) {
	for spec, want := range map[string]bool{
		"postgres://u@h:5432/db":              true,
		"postgresql://u@h/db?sslmode=require": true,
		"host=db dbname=synapse user=u":       true,
		"dbname = synapse":                    true,
		"./synapse-data":                      false,
		"/var/lib/synapse-js":                 false,
		"data=dir/with=signs":                 true, // a keyword string by shape; use ./data=... for such a directory
		"./data=dir":                          false,
		"file:/srv/x":                         false,
	} {
		if got := IsPostgres(spec); got != want {
			t.Errorf("IsPostgres(%q) = %v, want %v", spec, got, want)
		}
	}
}

func TestOpenDirectory(t *testing.T) {
	dir := t.TempDir()
	b, err := Open(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, ok := b.Store.(*store.FileStore); !ok || b.Shared || b.Tokens != nil || !strings.Contains(b.Where, dir) {
		t.Fatalf("Open(dir) = %+v", b)
	}
}

// The key is checked before connecting: a missing one is reported even
// when the database is down, naming the variable and how to make one.
func TestOpenPostgresNeedsKey(t *testing.T) {
	_, err := Open(context.Background(), "postgres://u@127.0.0.1:1/x", Options{})
	if err == nil || !strings.Contains(err.Error(), "SYNAPSE_JS_TOKEN_KEY") || !strings.Contains(err.Error(), "openssl rand -hex 32") {
		t.Fatalf("err = %v", err)
	}
	_, err = Open(context.Background(), "postgres://u@127.0.0.1:1/x", Options{NoTokens: true})
	if err == nil || !strings.Contains(err.Error(), "store unavailable") {
		t.Fatalf("with no database: %v; want it unavailable", err)
	}
}
