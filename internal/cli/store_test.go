package cli

import (
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/synapsejs/synapse-js/host/store"
	"github.com/synapsejs/synapse-js/host/store/pgstore"
	"github.com/synapsejs/synapse-js/internal/pgtest"
)

// store migrate copies every version, keeping numbers, sources, upload
// times and the current version (here a rolled-back one); run again it
// copies nothing and loses nothing.
func TestStoreMigrate(t *testing.T) {
	t.Parallel()
	url := pgtest.DB(t)
	dir := t.TempDir()
	fs, err := store.OpenFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var want []store.Version
	for _, src := range []string{"one", "two", "three"} {
		v, err := fs.Put(ctx, "alpha", []byte(src), store.Meta{Lang: "js", Info: []byte(`{"name":"alpha"}`), Methods: []string{"read"}})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, v)
	}
	if _, err := fs.Put(ctx, "beta", []byte("b"), store.Meta{Lang: "ts"}); err != nil {
		t.Fatal(err)
	}
	if err := fs.SetCurrent(ctx, "alpha", 2); err != nil {
		t.Fatal(err)
	}
	r := run(t, nil, "store", "migrate", "--from", dir, "--to", url)
	if r.code != 0 || !strings.Contains(r.stdout, "copied 4 versions of 2 connectors") {
		t.Fatalf("migrate: %d %q %q", r.code, r.stdout, r.stderr)
	}
	pg, err := pgstore.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	cur, err := pg.Current(ctx, "alpha")
	if err != nil || cur.Version != 2 {
		t.Fatalf("current of alpha = %+v %v; want 2", cur, err)
	}
	for _, w := range want {
		got, src, err := pg.Get(ctx, "alpha", w.Version)
		_, wsrc, _ := fs.Get(ctx, "alpha", w.Version)
		if err != nil || string(src) != string(wsrc) || !got.Uploaded.Equal(w.Uploaded) || got.SHA256 != w.SHA256 || string(got.Info) != string(w.Info) {
			t.Fatalf("version %d: %+v %q %v; want %+v", w.Version, got, src, err, w)
		}
	}
	if b, err := pg.Current(ctx, "beta"); err != nil || b.Lang != "ts" {
		t.Fatalf("beta: %+v %v", b, err)
	}
	// The next upload continues the numbering.
	if v, err := pg.Put(ctx, "alpha", []byte("four"), store.Meta{}); err != nil || v.Version != 4 {
		t.Fatalf("upload after migrate: %+v %v; want version 4", v, err)
	}
	r = run(t, nil, "store", "migrate", "--from", dir, "--to", url)
	if r.code != 0 || !strings.Contains(r.stdout, "copied 0 versions") || !strings.Contains(r.stdout, "4 already there") {
		t.Fatalf("migrate again: %d %q %q", r.code, r.stdout, r.stderr)
	}
	// A version the database holds with another source is refused.
	if err := pg.Delete(ctx, "beta"); err != nil {
		t.Fatal(err)
	}
	if _, err := pg.Put(ctx, "beta", []byte("other"), store.Meta{}); err != nil {
		t.Fatal(err)
	}
	r = run(t, nil, "store", "migrate", "--from", dir, "--to", url)
	if r.code != 1 || !strings.Contains(r.stderr, "copy beta: version 1 is already in the database with another source") {
		t.Fatalf("conflicting migrate: %d %q %q", r.code, r.stdout, r.stderr)
	}
}

func TestStoreMigrateUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"store", "migrate", "--to", "postgres://x@127.0.0.1/x"},
		{"store", "migrate", "--from", t.TempDir(), "--to", "./dir"},
		{"store", "migrate", "--from", "/nonexistent/dir", "--to", "postgres://x@127.0.0.1/x"},
	} {
		if r := run(t, nil, args...); r.code != 2 {
			t.Fatalf("%v: exit %d %q; want a usage error", args, r.code, r.stderr)
		}
	}
}

// serve on PostgreSQL refuses to start without the token key, saying
// which variable and how to make one.
func TestServePostgresNeedsTokenKey(t *testing.T) {
	t.Parallel()
	r := run(t, map[string]string{"SYNAPSE_JS_STORE": "postgres://x@127.0.0.1:1/x"}, "serve", "--addr", "127.0.0.1:0")
	if r.code != 1 || !strings.Contains(r.stderr, "SYNAPSE_JS_TOKEN_KEY") || !strings.Contains(r.stderr, "openssl rand -hex 32") {
		t.Fatalf("serve without a key: %d %q", r.code, r.stderr)
	}
	r = run(t, nil, "serve", "--addr", "127.0.0.1:0", "--store", "./not-a-url")
	if r.code != 2 || !strings.Contains(r.stderr, "want a postgres:// URL") {
		t.Fatalf("serve --store DIR: %d %q", r.code, r.stderr)
	}
}

// Two `serve --store` processes' worth of hosts (in-process) on one
// database: an upload through the CLI to one serves on the other.
func TestServeOnPostgres(t *testing.T) {
	url := pgtest.DB(t)
	env := map[string]string{"SYNAPSE_JS_STORE": url, "SYNAPSE_JS_TOKEN_KEY": strings.Repeat("ab", 32)}
	a, _ := startServe(t, env, "--log-level", "warn")
	b, _ := startServe(t, env, "--log-level", "warn")
	file := t.TempDir() + "/echo.js"
	if err := os.WriteFile(file, []byte(strings.ReplaceAll(serveEcho, "TAG", "from-a")), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := hostCLI(t, nil, "upload", file, "--server", a); r.code != 0 {
		t.Fatalf("upload to A: %d %s %s", r.code, r.stdout, r.stderr)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		res, err := http.Get(b + "/v1/synapses/echo")
		if err == nil {
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			// the store has it at once; "serving" once B loaded it
			if res.StatusCode == 200 && strings.Contains(string(body), `"serving"`) && invokeTag(t, b, "echo", "") == "from-a" {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("B never served the upload made on A")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
