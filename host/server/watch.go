package server

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"sort"
	"time"

	"github.com/synapsejs/synapse-js/host/store"
	"github.com/synapsejs/synapse-js/internal/names"
)

// pingTimeout bounds the store check of /readyz.
const pingTimeout = time.Second

// startWatch follows the changes other hosts make to a shared store
// (store.Watcher), until Close. Called once, when Load has finished.
func (s *Server) startWatch() {
	w, ok := s.store.(store.Watcher)
	if !ok {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	s.watchMu.Lock()
	if s.closing.Load() || s.stopWatch != nil {
		s.watchMu.Unlock()
		cancel()
		return
	}
	s.stopWatch, s.watchDone = cancel, done
	s.watchMu.Unlock()
	go func() {
		defer close(done)
		_ = w.Watch(ctx, func(c store.Change) {
			if c.Name == "" {
				s.resync(ctx)
				return
			}
			s.reconcile(ctx, c.Name)
		})
	}()
}

// endWatch stops startWatch's goroutine and waits for it.
func (s *Server) endWatch() {
	s.watchMu.Lock()
	stop, done := s.stopWatch, s.watchDone
	s.watchMu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
}

// resync reconciles every name the store or this server knows: after a
// (re)connect, when notifications may have been missed.
func (s *Server) resync(ctx context.Context) {
	names, err := s.store.List(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn().Err(err).Msg("re-reading the store after reconnecting failed; serving what is loaded")
		}
		return
	}
	seen := map[string]bool{}
	for _, n := range names {
		seen[n] = true
	}
	s.mu.RLock()
	for n := range s.entries {
		if !seen[n] {
			names = append(names, n)
		}
	}
	s.mu.RUnlock()
	sort.Strings(names)
	for _, n := range names {
		if ctx.Err() != nil {
			return
		}
		s.reconcile(ctx, n)
	}
}

// reconcile makes name serve what the store says is current, when
// another host changed it. The store is read under the entry's lock, so
// an upload on this host in the meantime is not undone.
func (s *Server) reconcile(ctx context.Context, name string) {
	if !names.Valid(name) || s.closing.Load() {
		return
	}
	e := s.lockEntry(name)
	defer e.mu.Unlock()
	cur, err := s.store.Current(ctx, name)
	l := e.cur.Load()
	switch {
	case errors.Is(err, store.ErrNotFound):
		if l != nil {
			s.log.Info().Str("synapse", name).Msg("deleted on another host; no longer serving")
		}
		s.dropLocked(e)
		return
	case err != nil:
		if ctx.Err() == nil {
			s.log.Warn().Str("synapse", name).Err(err).Msg("reading a change from the store failed; serving what is loaded")
		}
		if l == nil && e.broken == "" {
			s.dropLocked(e)
		}
		return
	case l != nil && l.ver.Version == cur.Version && l.ver.SHA256 == cur.SHA256:
		return
	}
	nl, err := s.loadVersion(ctx, name, cur.Version)
	if err != nil {
		e.broken = err.Error()
		s.log.Error().Str("synapse", name).Int("version", cur.Version).Err(err).Msg("the version another host made current does not load here; still serving the previous one")
		return
	}
	s.swap(e, nl)
	s.log.Info().Str("synapse", name).Int("version", cur.Version).Str("name", nl.conn.Name()).Msg("changed on another host; the new version serves")
}

// dropLocked removes e from the map and retires its connector. e.mu must
// be held.
func (s *Server) dropLocked(e *entry) {
	e.deleted = true
	s.mu.Lock()
	if s.entries[e.name] == e {
		delete(s.entries, e.name)
	}
	s.mu.Unlock()
	s.swap(e, nil)
}

// pingStore checks a store that can become unreachable (store.Pinger).
func (s *Server) pingStore(ctx context.Context) error {
	p, ok := s.store.(store.Pinger)
	if !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	return p.Ping(ctx)
}

// unavailable answers a store that cannot be reached now.
func unavailable(w http.ResponseWriter, what string, err error) {
	w.Header().Set("Retry-After", "5")
	writeError(w, http.StatusServiceUnavailable, "the connector store is unreachable: "+what+" is not possible until it is back; connectors already loaded keep serving", err.Error())
}

// uploader says who stored a version: this host and the client.
func uploader(r *http.Request) string {
	h, _ := os.Hostname()
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	return h + " for " + ip
}
