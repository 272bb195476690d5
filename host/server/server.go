// Package server is the synapse-js host server: authors upload connector
// files to it, the sync platform invokes them exactly as it invokes a Python
// synapse's cloud function, and a new version goes live without a restart.
//
// Connectors are kept in a store.Store. Each serving name has an atomic
// pointer to its live Connector: an upload validates the file, stores it,
// and swaps the pointer; calls already running keep the Connector they
// started on, which is closed once the last of them returns.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/synapsejs/synapse-js/connection"
	"github.com/synapsejs/synapse-js/host"
	"github.com/synapsejs/synapse-js/host/store"
)

// Defaults for Options left zero.
const (
	DefaultMaxUploadBytes = 5 << 20
	DefaultMaxInvokeBytes = 32 << 20
	DefaultQueue          = 128
	DefaultMaxTimeout     = 5 * time.Minute
	DefaultShutdownGrace  = 30 * time.Second
)

// Options configure a Server.
type Options struct {
	// Store holds the uploaded connectors (required).
	Store store.Store
	// Engine configures the engine that loads and runs them. The server
	// adds its own OnHTTP hook (for metrics) and keeps any set here.
	Engine host.Options
	// Logger receives one line per request and the server's events.
	Logger zerolog.Logger
	// AdminToken guards upload, rollback, delete and source. Empty: those
	// endpoints are open, which Listen allows on loopback only.
	AdminToken string
	// InvokeToken guards invoke, call, list and get; the admin token is
	// accepted too. With neither token set every endpoint is open.
	InvokeToken string
	// MaxConcurrency bounds the calls of one connector that run at once
	// (default: the engine's pool size, or a ConcurrencyLoader's bound).
	MaxConcurrency int
	// Queue bounds the calls of one connector waiting for a slot (default
	// 128; negative means none may wait). A call beyond it is refused with
	// status 429.
	Queue int
	// MaxUploadBytes caps an uploaded file (default 5 MiB).
	MaxUploadBytes int64
	// MaxInvokeBytes caps an invoke or call request body (default 32 MiB).
	MaxInvokeBytes int64
	// MaxTimeout caps the per-call X-Synapse-Timeout header (default 5 min,
	// never less than the engine's default timeout).
	MaxTimeout time.Duration
	// NewLoader, if set, makes the loader connectors are validated and run
	// with (host/isolate's worker pool), given the engine options complete
	// with the server's hooks. Unset: connectors run in this process.
	NewLoader func(host.Options) (Loader, error)
}

// Server serves the connectors of a store over HTTP. Create it with New,
// fill it with Load, serve Handler (or call Serve), and Close it.
type Server struct {
	opts    Options
	engine  *host.Engine
	loader  Loader
	store   store.Store
	log     zerolog.Logger
	auth    auth
	metrics *metrics
	loaded  atomic.Bool // Load has finished
	closing atomic.Bool // Serve is shutting down or Close was called
	reqIDs  requestIDs
	mux     *http.ServeMux

	mu      sync.RWMutex
	entries map[string]*entry

	// watchMu guards the store watch that startWatch runs (shared stores).
	watchMu   sync.Mutex
	stopWatch context.CancelFunc
	watchDone chan struct{}
}

// entry is one serving name: its live connector and its call limiter.
type entry struct {
	name string
	cur  atomic.Pointer[live]
	lim  *limiter

	// mu serializes changes (upload, rollback, delete) of the name, so the
	// store's current version and the live connector always agree.
	mu      sync.Mutex
	deleted bool   // guarded by mu: the entry left the map
	broken  string // guarded by mu: why the current version is not serving
}

// live is a loaded version with a count of its users: the entry's pointer
// holds one reference, each call in flight another. The last release
// closes the Connector, so a swapped-out version finishes its calls first.
type live struct {
	conn Runner
	ver  store.Version
	refs atomic.Int64
}

func newLive(c Runner, v store.Version) *live {
	l := &live{conn: c, ver: v}
	l.refs.Store(1)
	return l
}

// acquire takes a reference unless the version was already retired.
func (l *live) acquire() bool {
	for {
		n := l.refs.Load()
		if n <= 0 {
			return false
		}
		if l.refs.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

func (l *live) release() {
	if l.refs.Add(-1) == 0 {
		l.conn.Close()
	}
}

// New returns a Server. It serves nothing until Load has read the store.
func New(opts Options) (*Server, error) {
	if opts.Store == nil {
		return nil, errors.New("server: a store is required")
	}
	if opts.Engine.PoolSize <= 0 {
		opts.Engine.PoolSize = max(4, 2*runtime.GOMAXPROCS(0))
	}
	if opts.Engine.Timeout <= 0 {
		opts.Engine.Timeout = host.DefaultTimeout
	}
	defaultConcurrency := opts.MaxConcurrency <= 0
	if defaultConcurrency {
		opts.MaxConcurrency = opts.Engine.PoolSize
	}
	if opts.Queue == 0 {
		opts.Queue = DefaultQueue
	} else if opts.Queue < 0 {
		opts.Queue = 0
	}
	if opts.MaxUploadBytes <= 0 {
		opts.MaxUploadBytes = DefaultMaxUploadBytes
	}
	if opts.MaxInvokeBytes <= 0 {
		opts.MaxInvokeBytes = DefaultMaxInvokeBytes
	}
	if opts.MaxTimeout <= 0 {
		opts.MaxTimeout = DefaultMaxTimeout
	}
	opts.MaxTimeout = max(opts.MaxTimeout, opts.Engine.Timeout)
	s := &Server{
		opts:    opts,
		store:   opts.Store,
		log:     opts.Logger,
		auth:    newAuth(opts.AdminToken, opts.InvokeToken),
		entries: map[string]*entry{},
		reqIDs:  newRequestIDs(),
	}
	s.metrics = newMetrics(s)
	s.mux = s.routes()
	eo := opts.Engine
	if eo.Tokens == nil {
		// One token memory for the engine and any loader's workers.
		eo.Tokens = connection.NewMemTokenStore()
	}
	prev := eo.OnHTTP
	eo.OnHTTP = func(synapse, method string, status int) {
		s.metrics.scriptHTTP(synapse, method, status)
		if prev != nil {
			prev(synapse, method, status)
		}
	}
	s.engine = host.New(eo)
	s.loader = engineLoader{s.engine}
	if opts.NewLoader != nil {
		l, err := opts.NewLoader(eo)
		if err != nil {
			return nil, fmt.Errorf("server: %w", err)
		}
		s.loader = l
		if cl, ok := l.(ConcurrencyLoader); ok && defaultConcurrency && cl.MaxConcurrency() > 0 {
			s.opts.MaxConcurrency = cl.MaxConcurrency()
		}
	}
	return s, nil
}

// Engine is the engine the server loads connectors with.
func (s *Server) Engine() *host.Engine { return s.engine }

// Ready reports whether Load has finished and the server is not shutting
// down.
func (s *Server) Ready() bool { return s.loaded.Load() && !s.closing.Load() }

// LoadReport says what Load found in the store.
type LoadReport struct {
	// Loaded lists the names now serving.
	Loaded []string
	// Failed maps the names that do not serve to why.
	Failed map[string]error
}

// Load reads the current version of every stored connector and serves
// those that validate. One that does not is logged with its problems and
// skipped; the others serve. The server is ready when Load returns.
func (s *Server) Load(ctx context.Context) (LoadReport, error) {
	rep := LoadReport{Failed: map[string]error{}}
	names, err := s.store.List(ctx)
	if err != nil {
		return rep, fmt.Errorf("load the store: %w", err)
	}
	type result struct {
		name string
		l    *live
		err  error
	}
	work := make(chan string)
	results := make(chan result)
	workers := min(len(names), max(1, runtime.GOMAXPROCS(0)))
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for name := range work {
				l, err := s.loadCurrent(ctx, name)
				results <- result{name, l, err}
			}
		}()
	}
	go func() {
		defer close(work)
		for _, n := range names {
			select {
			case work <- n:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()
	for r := range results {
		e := s.lockEntry(r.name)
		if r.err != nil {
			e.broken = r.err.Error()
			rep.Failed[r.name] = r.err
			ev := s.log.Error().Str("synapse", r.name).Err(r.err)
			var le *host.LoadError
			if errors.As(r.err, &le) {
				ps := make([]string, len(le.Problems))
				for i, p := range le.Problems {
					ps[i] = p.String()
				}
				ev = ev.Strs("problems", ps)
			}
			ev.Msg("the current version does not load; skipped")
		} else {
			s.swap(e, r.l)
			rep.Loaded = append(rep.Loaded, r.name)
			s.log.Info().Str("synapse", r.name).Int("version", r.l.ver.Version).Str("name", r.l.conn.Name()).Msg("loaded")
		}
		e.mu.Unlock()
	}
	if err := ctx.Err(); err != nil {
		return rep, fmt.Errorf("load the store: %w", err)
	}
	sort.Strings(rep.Loaded)
	s.loaded.Store(true)
	s.startWatch()
	return rep, nil
}

// loadCurrent loads the current version of name from the store.
func (s *Server) loadCurrent(ctx context.Context, name string) (*live, error) {
	v, err := s.store.Current(ctx, name)
	if err != nil {
		return nil, err
	}
	return s.loadVersion(ctx, name, v.Version)
}

func (s *Server) loadVersion(ctx context.Context, name string, version int) (*live, error) {
	v, src, err := s.store.Get(ctx, name, version)
	if err != nil {
		return nil, err
	}
	c, err := s.loader.LoadAs(ctx, name, name+"."+v.Lang, src)
	if err != nil {
		return nil, err
	}
	return newLive(c, v), nil
}

// lockEntry returns the entry of name, created if needed, locked.
func (s *Server) lockEntry(name string) *entry {
	for {
		s.mu.Lock()
		e, ok := s.entries[name]
		if !ok {
			e = &entry{name: name, lim: newLimiter(s.opts.MaxConcurrency, s.opts.Queue)}
			s.entries[name] = e
		}
		s.mu.Unlock()
		e.mu.Lock()
		if !e.deleted {
			return e
		}
		e.mu.Unlock()
	}
}

// lookup returns the entry of name, or nil.
func (s *Server) lookup(name string) *entry {
	s.mu.RLock()
	e := s.entries[name]
	s.mu.RUnlock()
	return e
}

// swap makes l the live version of e (nil: none) and retires the old one,
// which closes when its calls in flight have returned. e.mu must be held.
func (s *Server) swap(e *entry, l *live) {
	if l != nil {
		e.broken = ""
	}
	if old := e.cur.Swap(l); old != nil {
		old.release()
	}
}

// Close retires every live connector; calls in flight finish first.
func (s *Server) Close() {
	s.closing.Store(true)
	s.endWatch()
	s.mu.Lock()
	entries := s.entries
	s.entries = map[string]*entry{}
	s.mu.Unlock()
	for _, e := range entries {
		e.mu.Lock()
		e.deleted = true
		s.swap(e, nil)
		e.mu.Unlock()
	}
	if c, ok := s.loader.(io.Closer); ok {
		_ = c.Close()
	}
}

// Loopback reports whether addr is a loopback address: the only place a
// server whose admin API is open may listen.
func Loopback(addr net.Addr) bool {
	ta, ok := addr.(*net.TCPAddr)
	return ok && ta.IP != nil && ta.IP.IsLoopback()
}

// CheckExposure says why the server must not listen on addr with the
// tokens it has: without an admin token anyone who reaches it may upload
// code, so it may only listen on loopback.
func (s *Server) CheckExposure(addr net.Addr) error {
	if s.opts.AdminToken != "" || Loopback(addr) {
		return nil
	}
	if s.opts.InvokeToken != "" {
		return fmt.Errorf("refusing to listen on %s without an admin token: the upload API would be open to anyone who can reach it; set --admin-token (or SYNAPSE_JS_ADMIN_TOKEN, --admin-token-file), or listen on 127.0.0.1", addr)
	}
	return fmt.Errorf("refusing to listen on %s without tokens: anyone who can reach it could upload and run code; set --admin-token and --invoke-token (or SYNAPSE_JS_ADMIN_TOKEN / SYNAPSE_JS_INVOKE_TOKEN), or listen on 127.0.0.1", addr)
}

// HTTPServer returns an http.Server for the handler with timeouts that
// suit it: the write timeout outlasts the longest call a client may ask
// for. base is the context every request's context derives from.
func (s *Server) HTTPServer(base context.Context) *http.Server {
	const readTimeout = 2 * time.Minute
	return &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       readTimeout,
		WriteTimeout:      readTimeout + s.opts.MaxTimeout + 15*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return base },
		ErrorLog:          log.New(zerologWriter{s.log}, "", 0),
	}
}

// Serve serves on l until ctx ends, then shuts down gracefully: it stops
// accepting, reports not ready, and lets calls in flight finish for up to
// grace before interrupting them. It returns nil after a clean shutdown.
func (s *Server) Serve(ctx context.Context, l net.Listener, grace time.Duration) error {
	if err := s.CheckExposure(l.Addr()); err != nil {
		l.Close()
		return err
	}
	if grace <= 0 {
		grace = DefaultShutdownGrace
	}
	base, cancelBase := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelBase()
	hs := s.HTTPServer(base)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(l) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	s.closing.Store(true)
	s.log.Info().Dur("grace", grace).Msg("shutting down: letting calls in flight finish")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	err := hs.Shutdown(sctx)
	if err != nil {
		s.log.Warn().Err(err).Msg("shutdown grace period over: interrupting the calls still running")
		cancelBase()
		_ = hs.Close()
	}
	<-errc
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	s.log.Info().Msg("shut down")
	return nil
}

// zerologWriter sends net/http's own error log lines to the logger.
type zerologWriter struct{ log zerolog.Logger }

// Write logs p, one line, as a warning.
func (w zerologWriter) Write(p []byte) (int, error) {
	msg := string(p)
	if n := len(msg); n > 0 && msg[n-1] == '\n' {
		msg = msg[:n-1]
	}
	w.log.Warn().Str("component", "http").Msg(msg)
	return len(p), nil
}
