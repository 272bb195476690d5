package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
)

func open(t *testing.T) *FileStore {
	t.Helper()
	s, err := OpenFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPutGetCurrent(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	info := json.RawMessage(`{"name":"echo"}`)
	v1, err := s.Put(ctx, "echo", []byte("one"), Meta{Info: info})
	if err != nil {
		t.Fatal(err)
	}
	if v1.Version != 1 || v1.Lang != "js" || v1.Size != 3 || len(v1.SHA256) != 64 {
		t.Fatalf("v1 = %+v", v1)
	}
	v2, err := s.Put(ctx, "echo", []byte("two"), Meta{Info: info, Lang: "ts"})
	if err != nil {
		t.Fatal(err)
	}
	if v2.Version != 2 {
		t.Fatalf("v2 = %+v", v2)
	}
	cur, err := s.Current(ctx, "echo")
	if err != nil || cur.Version != 2 || cur.Lang != "ts" || string(cur.Info) != string(info) {
		t.Fatalf("current = %+v, %v", cur, err)
	}
	if _, err := os.Stat(filepath.Join(s.Dir(), "echo", "v000002.ts")); err != nil {
		t.Fatal(err)
	}
	_, src, err := s.Get(ctx, "echo", 1)
	if err != nil || string(src) != "one" {
		t.Fatalf("get 1 = %q, %v", src, err)
	}
	if err := s.SetCurrent(ctx, "echo", 1); err != nil {
		t.Fatal(err)
	}
	if cur, _ := s.Current(ctx, "echo"); cur.Version != 1 {
		t.Fatalf("after rollback current = %d", cur.Version)
	}
	if err := s.SetCurrent(ctx, "echo", 9); !errors.Is(err, ErrNotFound) {
		t.Fatalf("set current 9: %v", err)
	}
	// A new upload after a rollback still gets a fresh number.
	v3, _ := s.Put(ctx, "echo", []byte("three"), Meta{})
	if v3.Version != 3 {
		t.Fatalf("v3 = %d", v3.Version)
	}
	vs, err := s.Versions(ctx, "echo")
	if err != nil || len(vs) != 3 || vs[0].Version != 1 || vs[2].Version != 3 {
		t.Fatalf("versions = %+v, %v", vs, err)
	}
	names, _ := s.List(ctx)
	if fmt.Sprint(names) != "[echo]" {
		t.Fatalf("list = %v", names)
	}
	if err := s.Delete(ctx, "echo"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Current(ctx, "echo"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("current after delete: %v", err)
	}
	if err := s.Delete(ctx, "echo"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("delete twice: %v", err)
	}
	if names, _ := s.List(ctx); len(names) != 0 {
		t.Fatalf("list after delete = %v", names)
	}
}

func TestBadNames(t *testing.T) {
	s := open(t)
	for _, n := range []string{"", "..", "../x", "a/b", "A", "-a", "a.b", string(make([]byte, 64))} {
		if _, err := s.Put(context.Background(), n, []byte("x"), Meta{}); !errors.Is(err, ErrInvalidName) {
			t.Errorf("put %q: %v", n, err)
		}
	}
}

func TestConcurrentPuts(t *testing.T) {
	s := open(t)
	const n = 40
	var wg sync.WaitGroup
	got := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := s.Put(context.Background(), "same", []byte(fmt.Sprint(i)), Meta{})
			if err != nil {
				t.Error(err)
				return
			}
			got[i] = v.Version
		}()
	}
	wg.Wait()
	sort.Ints(got)
	for i, v := range got {
		if v != i+1 {
			t.Fatalf("versions = %v", got)
		}
	}
	vs, err := s.Versions(context.Background(), "same")
	if err != nil || len(vs) != n {
		t.Fatalf("%d versions, %v", len(vs), err)
	}
	for _, v := range vs {
		_, src, err := s.Get(context.Background(), "same", v.Version)
		if err != nil || len(src) == 0 {
			t.Fatalf("get %d: %v", v.Version, err)
		}
	}
}

func TestCorruption(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	if _, err := s.Put(ctx, "a", []byte("a"), Meta{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, "b", []byte("b"), Meta{}); err != nil {
		t.Fatal(err)
	}
	cur := filepath.Join(s.Dir(), "a", "current")
	if err := os.WriteFile(cur, []byte("garbage\x00"), 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Current(ctx, "a"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("current of a: %v", err)
	}
	if v, err := s.Current(ctx, "b"); err != nil || v.Version != 1 {
		t.Fatalf("b unaffected: %+v %v", v, err)
	}
	// Metadata damaged.
	if err := os.WriteFile(filepath.Join(s.Dir(), "b", "v000001.json"), []byte("{"), 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Current(ctx, "b"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("current of b: %v", err)
	}
	// Source changed behind the store's back.
	_, _ = s.Put(ctx, "c", []byte("c"), Meta{})
	_ = os.WriteFile(filepath.Join(s.Dir(), "c", "v000001.js"), []byte("evil"), 0o640)
	if _, _, err := s.Get(ctx, "c", 1); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("get c: %v", err)
	}
	// A later upload repairs a corrupt current pointer.
	v, err := s.Put(ctx, "a", []byte("a2"), Meta{})
	if err != nil || v.Version != 2 {
		t.Fatalf("put a: %+v %v", v, err)
	}
	if v, err := s.Current(ctx, "a"); err != nil || v.Version != 2 {
		t.Fatalf("a repaired: %+v %v", v, err)
	}
}

func TestCrashLeftovers(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, _ := OpenFile(dir)
	if _, err := s.Put(ctx, "a", []byte("a"), Meta{}); err != nil {
		t.Fatal(err)
	}
	// What a kill -9 can leave: a temp file, a source without metadata (an
	// upload cut short), a half-deleted directory, a first upload with no
	// current pointer.
	_ = os.WriteFile(filepath.Join(dir, "a", ".v000002.json.tmp123"), []byte("{"), 0o640)
	_ = os.WriteFile(filepath.Join(dir, "a", "v000002.js"), []byte("half"), 0o640)
	_ = os.MkdirAll(filepath.Join(dir, ".deleted-x-abc"), 0o750)
	_ = os.MkdirAll(filepath.Join(dir, "fresh"), 0o750)
	_ = os.WriteFile(filepath.Join(dir, "fresh", "v000001.js"), []byte("x"), 0o640)
	_ = os.MkdirAll(filepath.Join(dir, "nocur"), 0o750)
	_ = os.WriteFile(filepath.Join(dir, "nocur", "v000001.js"), []byte("x"), 0o640)
	_ = os.WriteFile(filepath.Join(dir, "nocur", "v000001.json"), []byte(`{"name":"nocur","version":1,"sha256":"2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881","size":1,"lang":"js"}`), 0o640)

	s, err := OpenFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".deleted-x-abc")); !os.IsNotExist(err) {
		t.Fatal("trash left behind")
	}
	if _, err := os.Stat(filepath.Join(dir, "a", ".v000002.json.tmp123")); !os.IsNotExist(err) {
		t.Fatal("temp file left behind")
	}
	if v, err := s.Current(ctx, "a"); err != nil || v.Version != 1 {
		t.Fatalf("a: %+v %v", v, err)
	}
	vs, err := s.Versions(ctx, "a")
	if err != nil || len(vs) != 1 {
		t.Fatalf("versions: %+v %v", vs, err)
	}
	// A source without metadata was never acknowledged: it is removed,
	// and its number is free again.
	if _, err := os.Stat(filepath.Join(dir, "a", "v000002.js")); !os.IsNotExist(err) {
		t.Fatal("an orphaned version source was left behind")
	}
	if v, _ := s.Put(ctx, "a", []byte("a2"), Meta{}); v.Version != 2 {
		t.Fatalf("next version after an unacknowledged 2 = %d", v.Version)
	}
	// A directory holding only such a source goes too.
	if _, err := os.Stat(filepath.Join(dir, "fresh")); !os.IsNotExist(err) {
		t.Fatal("a connector directory with nothing acknowledged was left behind")
	}
	if _, err := s.Current(ctx, "fresh"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("fresh: %v", err)
	}
	// A complete version that never became current stays, for a rollback.
	if _, err := s.Current(ctx, "nocur"); !errors.Is(err, ErrNoCurrent) {
		t.Fatalf("nocur: %v", err)
	}
	if vs, err := s.Versions(ctx, "nocur"); err != nil || len(vs) != 1 {
		t.Fatalf("nocur versions: %+v %v", vs, err)
	}
}
