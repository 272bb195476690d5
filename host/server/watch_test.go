package server

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/synapsejs/synapse-js/host/store"
)

// watchedStore is a file store shared with "another host" (a second
// FileStore on the same directory), whose change reports the test sends,
// and whose reachability the test sets.
type watchedStore struct {
	*store.FileStore
	changes chan store.Change
	mu      sync.Mutex
	down    bool
}

func (w *watchedStore) Watch(ctx context.Context, fn func(store.Change)) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case c := <-w.changes:
			fn(c)
		}
	}
}

func (w *watchedStore) Ping(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.down {
		return store.ErrUnavailable
	}
	return nil
}

func (w *watchedStore) Put(ctx context.Context, name string, src []byte, meta store.Meta) (store.Version, error) {
	w.mu.Lock()
	down := w.down
	w.mu.Unlock()
	if down {
		return store.Version{}, errors.Join(store.ErrUnavailable, errors.New("connection refused"))
	}
	return w.FileStore.Put(ctx, name, src, meta)
}

// sync sends c and waits until the server has handled it (the next send
// blocks until the watcher took c; one more proves c was processed).
func (w *watchedStore) sync(c store.Change) {
	w.changes <- c
	w.changes <- store.Change{Name: "-"} // an invalid name: ignored
}

// A server on a shared store serves what another host changed: a named
// change swaps that connector, a re-read (empty Change, as after a
// reconnect) catches up on everything, including deletes; /readyz and
// uploads follow the store's reachability.
func TestServerFollowsASharedStore(t *testing.T) {
	dir := t.TempDir()
	mine, err := store.OpenFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	other, err := store.OpenFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	ws := &watchedStore{FileStore: mine, changes: make(chan store.Change)}
	g := newGate()
	srv, err := New(Options{Store: ws, Engine: testEngineOptions(g), Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer func() { ts.Close(); srv.Close() }()
	h := &harness{t: t, srv: srv, ts: ts, gate: g, logs: &syncBuffer{}}
	tag := func(name string) string {
		r := h.do("POST", "/"+name, "", readEnvelope)
		if r.code != 200 {
			return ""
		}
		return string(r.body)
	}
	put := func(name, t2 string) {
		if _, err := other.Put(context.Background(), name, []byte(connector(name, t2)), store.Meta{Lang: "js"}); err != nil {
			t.Fatal(err)
		}
	}

	put("a", "a-one")
	ws.sync(store.Change{Name: "a"})
	if got := tag("a"); !strings.Contains(got, "a-one") {
		t.Fatalf("after a named change: %s", got)
	}
	// Changes missed while disconnected: a new version of a, a new b, and
	// then a's deletion; only the re-read reports them.
	put("a", "a-two")
	put("b", "b-one")
	ws.sync(store.Change{})
	if !strings.Contains(tag("a"), "a-two") || !strings.Contains(tag("b"), "b-one") {
		t.Fatalf("after a re-read: a %s, b %s", tag("a"), tag("b"))
	}
	if err := other.Delete(context.Background(), "a"); err != nil {
		t.Fatal(err)
	}
	ws.sync(store.Change{})
	if r := h.do("POST", "/a", "", readEnvelope); r.code != http.StatusNotFound {
		t.Fatalf("a deleted elsewhere still answers %d %s", r.code, r.body)
	}
	// A change this host already serves is a no-op, not a reload.
	before := srv.lookup("b").cur.Load()
	ws.sync(store.Change{Name: "b"})
	if srv.lookup("b").cur.Load() != before {
		t.Fatal("a notification of the version already serving reloaded it")
	}

	ws.mu.Lock()
	ws.down = true
	ws.mu.Unlock()
	if r := h.do("GET", "/readyz", "", ""); r.code != http.StatusServiceUnavailable || !strings.Contains(string(r.body), "store unreachable") {
		t.Fatalf("/readyz with the store down: %d %s", r.code, r.body)
	}
	if !strings.Contains(tag("b"), "b-one") {
		t.Fatal("a loaded connector stopped serving while the store is down")
	}
	r := h.do("PUT", "/v1/synapses/b", "", connector("b", "b-two"), "Content-Type", "application/javascript")
	if r.code != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" || !strings.Contains(string(r.body), "store is unreachable") {
		t.Fatalf("upload with the store down: %d %s", r.code, r.body)
	}
	ws.mu.Lock()
	ws.down = false
	ws.mu.Unlock()
	if r := h.do("GET", "/readyz", "", ""); r.code != 200 {
		t.Fatalf("/readyz with the store back: %d %s", r.code, r.body)
	}
}
