package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/synapsejs/synapse-js/host/store"
	"github.com/synapsejs/synapse-js/host/store/pgstore"
	"github.com/synapsejs/synapse-js/internal/pgtest"
)

func TestMain(m *testing.M) {
	if url := os.Getenv(childEnv); url != "" {
		os.Exit(runChildHost(url))
	}
	os.Exit(pgtest.Main(m))
}

func pgtestDB(t *testing.T) string { return pgtest.DB(t) }

func pgtestCluster(t *testing.T) *pgtest.Cluster { return pgtest.NewCluster(t) }

func open(t *testing.T, url string) *pgstore.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := pgstore.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestStoreRoundTrip(t *testing.T) {
	t.Parallel()
	s := open(t, pgtest.DB(t))
	ctx := context.Background()
	if _, err := s.Current(ctx, "a"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Current of nothing: %v, want ErrNotFound", err)
	}
	info := []byte(`{"name":"a","metadata":{"displayName":"A"},  "z":1.0}`)
	v1, err := s.Put(ctx, "a", []byte("one"), store.Meta{Info: info, Lang: "js", Methods: []string{"read", "test"}, Uploader: "host-a"})
	if err != nil {
		t.Fatal(err)
	}
	v2, err := s.Put(ctx, "a", []byte("two"), store.Meta{Lang: "ts"})
	if err != nil {
		t.Fatal(err)
	}
	if v1.Version != 1 || v2.Version != 2 {
		t.Fatalf("versions %d, %d; want 1, 2", v1.Version, v2.Version)
	}
	cur, err := s.Current(ctx, "a")
	if err != nil || cur.Version != 2 || cur.Lang != "ts" {
		t.Fatalf("Current = %+v, %v; want version 2 (ts)", cur, err)
	}
	got, src, err := s.Get(ctx, "a", 1)
	if err != nil || string(src) != "one" || string(got.Info) != string(info) || got.Uploader != "host-a" ||
		fmt.Sprint(got.Methods) != "[read test]" || !got.Uploaded.Equal(v1.Uploaded) || got.SHA256 != v1.SHA256 {
		t.Fatalf("Get 1 = %+v %q %v; want what Put stored (info verbatim)", got, src, err)
	}
	if err := s.SetCurrent(ctx, "a", 1); err != nil {
		t.Fatal(err)
	}
	if cur, _ := s.Current(ctx, "a"); cur.Version != 1 {
		t.Fatalf("after rollback Current = %d, want 1", cur.Version)
	}
	if err := s.SetCurrent(ctx, "a", 9); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("SetCurrent to a missing version: %v, want ErrNotFound", err)
	}
	if _, err := s.Put(ctx, "b", []byte("b"), store.Meta{}); err != nil {
		t.Fatal(err)
	}
	names, err := s.List(ctx)
	if err != nil || fmt.Sprint(names) != "[a b]" {
		t.Fatalf("List = %v, %v", names, err)
	}
	vs, err := s.Versions(ctx, "a")
	if err != nil || len(vs) != 2 || vs[0].Version != 1 || vs[1].Version != 2 {
		t.Fatalf("Versions = %+v, %v", vs, err)
	}
	if err := s.Delete(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "a"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second Delete: %v, want ErrNotFound", err)
	}
	if _, err := s.Versions(ctx, "a"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Versions after Delete: %v, want ErrNotFound", err)
	}
	if _, err := s.Put(ctx, "../x", nil, store.Meta{}); !errors.Is(err, store.ErrInvalidName) {
		t.Fatalf("Put of a bad name: %v", err)
	}
	if _, err := s.Put(ctx, "c", nil, store.Meta{Info: []byte("{")}); err == nil {
		t.Fatal("Put with invalid info JSON succeeded")
	}
}

// Several hosts starting at once on an empty database: each migrates or
// waits for the one migrating, none fails.
func TestConcurrentMigrate(t *testing.T) {
	t.Parallel()
	url := pgtest.DB(t)
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for range 6 {
		wg.Go(func() {
			s, err := pgstore.Open(context.Background(), url)
			if err != nil {
				errs <- err
				return
			}
			s.Close()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// Concurrent uploads of one name through separate connections pools (as
// from separate hosts): every upload gets its own number, none is lost.
func TestConcurrentPutsDistinctVersions(t *testing.T) {
	t.Parallel()
	url := pgtest.DB(t)
	a, b := open(t, url), open(t, url)
	const each = 25
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[int]string{}
	for i, s := range []*pgstore.Store{a, b, a, b} {
		wg.Go(func() {
			for j := range each {
				src := fmt.Sprintf("src %d-%d", i, j)
				v, err := s.Put(context.Background(), "same", []byte(src), store.Meta{})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if prev, dup := seen[v.Version]; dup {
					t.Errorf("version %d given to %q and %q", v.Version, prev, src)
				}
				seen[v.Version] = src
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	vs, err := a.Versions(context.Background(), "same")
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 4*each || len(seen) != 4*each {
		t.Fatalf("%d versions stored, %d acknowledged; want %d", len(vs), len(seen), 4*each)
	}
	for i, v := range vs {
		if v.Version != i+1 {
			t.Fatalf("versions not 1..%d without gaps: %d at %d", 4*each, v.Version, i)
		}
		_, src, err := a.Get(context.Background(), "same", v.Version)
		if err != nil || string(src) != seen[v.Version] {
			t.Fatalf("version %d holds %q, acknowledged %q (%v)", v.Version, src, seen[v.Version], err)
		}
	}
}

// Watch reports a change committed through another connection, and an
// empty Change on connecting.
func TestWatchSeesOtherWriter(t *testing.T) {
	t.Parallel()
	url := pgtest.DB(t)
	a, b := open(t, url), open(t, url)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := make(chan store.Change, 16)
	done := make(chan error, 1)
	go func() { done <- a.Watch(ctx, func(c store.Change) { ch <- c }) }()
	if c := <-ch; c.Name != "" {
		t.Fatalf("first change %+v, want the connect notice", c)
	}
	if _, err := b.Put(ctx, "w", []byte("x"), store.Meta{}); err != nil {
		t.Fatal(err)
	}
	select {
	case c := <-ch:
		if c.Name != "w" {
			t.Fatalf("change %+v, want w", c)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no notification of the upload")
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Watch returned %v", err)
	}
}

func TestOpenBadURL(t *testing.T) {
	t.Parallel()
	_, err := pgstore.Open(context.Background(), "postgres://u:s3cret@[bad")
	if err == nil || !contains(err.Error(), "does not parse") || contains(err.Error(), "s3cret") {
		t.Fatalf("err = %v; want a parse error without the password", err)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
