// Package isolate runs connectors in worker processes of the same binary,
// each under a memory limit, so that nothing a script does (exhaust
// memory, spin in native code that ignores interrupts, crash the runtime)
// can stop the server or another connector's calls. A worker that dies or
// is killed fails only the call it was running (a call waiting in its
// queue had not started and runs in another), and the pool replaces it.
//
// The server keeps what must be shared (the token memory, metrics, the
// logger); workers reach it over the frame protocol in protocol.go.
package isolate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/connection"
	"github.com/synapsejs/synapse-js/host"
)

// Defaults for Options left zero.
const (
	DefaultMemoryLimit = 512 << 20
	DefaultGrace       = 500 * time.Millisecond
	MaxGrace           = time.Second
	DefaultMaxCalls    = 10000
	DefaultCacheSize   = 64
)

// Options configure a Pool.
type Options struct {
	// Command starts a worker (default: this executable with "worker").
	Command []string
	// Env is added to a worker's environment.
	Env []string
	// Workers is the most worker processes that run at once, hence the
	// most calls running across all connectors (default 2 × CPUs, at
	// least 4); each may hold one more call of the same connector, waiting
	// to start after the one it runs.
	Workers int
	// PerConnector is the most workers one connector's calls hold at once
	// (default half of Workers, at least 1), so a connector whose calls
	// all hang until their deadline leaves workers for the others.
	PerConnector int
	// MemoryLimit is each worker's memory limit in bytes (default 512 MiB).
	MemoryLimit int64
	// Grace is how long a worker may stay busy past its call's deadline
	// before it is killed (default 500 ms, at most 1 s).
	Grace time.Duration
	// MaxCalls recycles a worker after that many calls (default 10,000).
	MaxCalls int
	// CacheSize is how many connectors a worker keeps loaded (default 64).
	CacheSize int
	// QueueBehind: a call waits in a busy worker's queue only behind a
	// call that has run for less than this (default 5 ms); see
	// pipelineDepth.
	QueueBehind time.Duration
	// AddressSpace caps a worker's virtual memory where no cgroup is
	// available (default: MemoryLimit + 2 GiB; negative: no cap, for
	// workers built with -race, which reserve terabytes).
	AddressSpace int64
	// Engine is the engine configuration workers run with. Timeout,
	// LoadTimeout, MaxCallStackSize and HTTP cross to the workers (HTTP's
	// Transport cannot); Tokens, OnHTTP and Logger stay in this process
	// and serve the workers. Modules and InitRuntime are the standard ones.
	Engine host.Options
}

// Pool is a set of worker processes shared by every connector of a server.
type Pool struct {
	opts    Options
	wcfg    workerConfig
	limiter limiter
	slots   chan struct{}

	mu       sync.Mutex
	idle     []*proc // workers no call holds
	live     map[*proc]struct{}
	starting int           // workers being started, not yet in live
	changed  chan struct{} // closed when a worker is released (acquire waits on it)
	closed   bool
}

// New returns a Pool. Workers start when calls need them.
func New(opts Options) (*Pool, error) {
	if len(opts.Command) == 0 {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("isolate: find this executable to start workers: %w", err)
		}
		opts.Command = []string{exe, "worker"}
	}
	if opts.Workers <= 0 {
		opts.Workers = max(4, 2*goruntime.GOMAXPROCS(0))
	}
	if opts.PerConnector <= 0 {
		opts.PerConnector = max(1, opts.Workers/2)
	}
	opts.PerConnector = min(opts.PerConnector, opts.Workers)
	if opts.MemoryLimit <= 0 {
		opts.MemoryLimit = DefaultMemoryLimit
	}
	if opts.Grace <= 0 {
		opts.Grace = DefaultGrace
	}
	opts.Grace = min(opts.Grace, MaxGrace)
	if opts.MaxCalls <= 0 {
		opts.MaxCalls = DefaultMaxCalls
	}
	if opts.QueueBehind <= 0 {
		opts.QueueBehind = pipelineMaxRun
	}
	if opts.CacheSize <= 0 {
		opts.CacheSize = DefaultCacheSize
	}
	e := &opts.Engine
	if e.Timeout <= 0 {
		e.Timeout = host.DefaultTimeout
	}
	if e.LoadTimeout <= 0 {
		e.LoadTimeout = host.DefaultLoadTimeout
	}
	if e.Tokens == nil {
		e.Tokens = connection.NewMemTokenStore()
	}
	httpCfg := bindings.HTTPConfig{}
	if e.HTTP != nil {
		httpCfg = *e.HTTP
	}
	httpCfg.Transport = nil
	p := &Pool{
		opts: opts,
		wcfg: workerConfig{
			Timeout:          e.Timeout,
			LoadTimeout:      e.LoadTimeout,
			MaxCallStackSize: e.MaxCallStackSize,
			LogLevel:         e.Logger.GetLevel().String(),
			MemoryLimit:      opts.MemoryLimit,
			CacheSize:        opts.CacheSize,
			HTTP:             httpCfg,
		},
		limiter: newLimiter(opts.MemoryLimit, opts.AddressSpace),
		slots:   make(chan struct{}, opts.Workers*pipelineDepth),
		live:    map[*proc]struct{}{},
	}
	return p, nil
}

// Mechanism says how the memory limit is enforced on this machine.
func (p *Pool) Mechanism() string { return p.limiter.describe() }

// MemoryLimit is each worker's limit in bytes.
func (p *Pool) MemoryLimit() int64 { return p.opts.MemoryLimit }

// Timeout is the default call deadline.
func (p *Pool) Timeout() time.Duration { return p.opts.Engine.Timeout }

// Workers reports the worker processes alive now and their total resident
// memory in bytes.
func (p *Pool) Workers() (n int, rss int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for w := range p.live {
		if w.alive() {
			n++
			rss += rssOf(w.pid)
		}
	}
	return n, rss
}

// Close kills every worker and waits for them to exit.
func (p *Pool) Close() {
	p.mu.Lock()
	p.closed = true
	all := make([]*proc, 0, len(p.live))
	for w := range p.live {
		all = append(all, w)
	}
	p.idle = nil
	p.notifyLocked()
	p.mu.Unlock()
	for _, w := range all {
		w.kill(causeRetired)
	}
	for _, w := range all {
		<-w.dead
	}
	p.limiter.close()
}

// rssSampleEvery is how often at most release reads a worker's resident
// memory to decide whether to recycle it.
const rssSampleEvery = 10 * time.Millisecond

var errClosed = errors.New("isolate: the worker pool is closed")

// pipelineDepth is how many calls one worker holds at most: the one it
// runs and the next ones, waiting in its queue. A worker runs one call at
// a time, so the memory limit and the kill of a worker still concern one
// call; the next one is there to start the moment the first answers,
// instead of the worker sleeping until the server has handed out its
// answer and picked another call (two process switches and a goroutine
// handoff per call, most of an isolated trivial call's cost). A call
// waiting in the queue of a worker that dies did not start: it is sent
// again to another worker. For short calls a queue of three (with the
// server admitting as many calls) measured 1.1-1.3x the rate of a queue
// of one; two measured no better than one.
const pipelineDepth = 4

// pipelineMaxRun is Options.QueueBehind's default: a call queues only
// behind a call that has run for less than this. A long call (a large
// page, a slow end system) would hold up the calls behind it while another
// worker may free up sooner; those wait for a worker in the pool instead.
const pipelineMaxRun = 5 * time.Millisecond

// acquire takes a worker for one request of c, waiting until ctx ends for
// one to be free. It prefers an idle worker that has c loaded, then any
// idle one or a new one, while c holds fewer than PerConnector workers;
// otherwise it queues the request behind a call of c in one of c's
// workers (pipelineDepth).
func (p *Pool) acquire(ctx context.Context, c *Connector) (*proc, error) {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			<-p.slots
			return nil, errClosed
		}
		w, start := p.pick(c)
		if w != nil || start {
			c.held += btoi(w == nil || w.holders == 0)
			if w != nil {
				w.holders++
				w.key = c.key
			} else {
				p.starting++
			}
			p.mu.Unlock()
			if !start {
				return w, nil
			}
			w, err := p.startProc()
			p.mu.Lock()
			p.starting--
			if err != nil {
				c.held--
				p.notifyLocked()
				p.mu.Unlock()
				<-p.slots
				return nil, err
			}
			p.live[w] = struct{}{}
			w.holders, w.key = 1, c.key
			p.mu.Unlock()
			return w, nil
		}
		if p.changed == nil {
			p.changed = make(chan struct{})
		}
		changed := p.changed
		p.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			<-p.slots
			return nil, ctx.Err()
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// pick chooses a worker for c (p.mu held): an idle one, a busy one of c's
// with room in its queue, or none and start (a new one may start).
func (p *Pool) pick(c *Connector) (w *proc, start bool) {
	if c.held < p.opts.PerConnector {
		pick := -1
		for i := len(p.idle) - 1; i >= 0; i-- {
			if p.idle[i].isLoaded(c.key) {
				pick = i
				break
			}
		}
		if pick < 0 && len(p.idle) > 0 {
			pick = len(p.idle) - 1
		}
		for pick >= 0 {
			w = p.idle[pick]
			p.idle = append(p.idle[:pick], p.idle[pick+1:]...)
			if w.alive() {
				return w, false
			}
			delete(p.live, w)
			pick = len(p.idle) - 1
		}
		if len(p.live)+p.starting < p.opts.Workers {
			return nil, true
		}
	}
	// Queue behind a short call of c, in the worker with the fewest.
	var best *proc
	for q := range p.live {
		if q.key == c.key && q.holders > 0 && q.holders < pipelineDepth && (best == nil || q.holders < best.holders) &&
			q.alive() && q.endCause() == causeNone && q.isLoaded(c.key) && q.headRunning() < p.opts.QueueBehind {
			best = q
		}
	}
	return best, false
}

// MaxConcurrency is the most calls of one connector the pool takes at once
// (PerConnector workers, each running one and holding the next ones): the
// server's default bound for a connector's calls under isolation.
func (p *Pool) MaxConcurrency() int { return p.opts.PerConnector * pipelineDepth }

// notifyLocked wakes the calls waiting in acquire for a worker (p.mu held).
func (p *Pool) notifyLocked() {
	if p.changed != nil {
		close(p.changed)
		p.changed = nil
	}
}

// release gives a worker back after a request of c. A dead one is
// forgotten (its replacement starts when a call needs it); one that ran
// many calls or kept a high resident memory is recycled once no call holds
// it.
func (p *Pool) release(w *proc, c *Connector) {
	defer func() { <-p.slots }()
	w.mu.Lock()
	w.calls++
	// Reading /proc costs several syscalls and takes the worker's memory
	// lock, a fifth of the server's CPU for a trivial call when done after
	// every one: a stream of short calls samples at most every
	// rssSampleEvery, each longer call once, and once a sample is high
	// every call does, so three calls in a row still decide.
	if now := time.Now(); w.highMem > 0 || now.Sub(w.rssAt) >= rssSampleEvery {
		w.rssAt = now
		if rssOf(w.pid) > p.opts.MemoryLimit*6/10 {
			w.highMem++
		} else {
			w.highMem = 0
		}
	}
	recycle := w.calls >= p.opts.MaxCalls || w.highMem >= 3
	w.mu.Unlock()
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.notifyLocked()
	w.holders--
	if w.holders > 0 {
		return
	}
	c.held--
	w.key = ""
	switch {
	case !w.alive() || w.endCause() != causeNone:
		delete(p.live, w)
	case recycle:
		w.log.Debug().Msg("recycling a worker")
		delete(p.live, w)
		w.retire()
	case p.closed:
		w.kill(causeRetired)
	default:
		p.idle = append(p.idle, w)
	}
}

func (w *proc) isLoaded(key string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.loaded[key]
}

// Load validates a connector in a worker, under the worker's memory limit
// and the engine's load timeout, and returns it ready to serve under
// serving (empty: its synapse_info name). A script that exhausts memory,
// loops at its top level or crashes its worker is a *host.LoadError.
func (p *Pool) Load(ctx context.Context, serving, filename string, src []byte) (*Connector, error) {
	file := filepath.Base(filename)
	sum := sha256.Sum256(src)
	sha := hex.EncodeToString(sum[:])
	c := &Connector{pool: p, serving: serving, file: file, src: src, sha: sha, share: make(chan struct{}, p.opts.PerConnector*pipelineDepth)}
	c.key = sha + "\x00" + serving + "\x00" + file
	lctx, cancel := context.WithTimeout(ctx, p.opts.Engine.LoadTimeout+5*time.Second)
	defer cancel()
	w, err := p.acquire(lctx, c)
	if err != nil {
		return nil, &host.LoadError{File: file, Problems: []host.Problem{{File: file, Message: "no worker was free to validate the script: " + err.Error()}}}
	}
	defer p.release(w, c)
	h, err := c.load(lctx, w)
	if err != nil {
		return nil, err
	}
	c.name, c.info, c.methods = h.Name, h.Info, h.Methods
	if c.serving == "" {
		c.serving = h.Name
	}
	return c, nil
}

// load loads c in w; ctx bounds it (the worker is killed past its end).
func (c *Connector) load(ctx context.Context, w *proc) (*header, error) {
	p := c.pool
	w.busy.Add(1)
	defer w.busy.Add(-1)
	f, err := w.request(ctx, &header{Op: opLoad, Key: c.key, Serving: c.serving, File: c.file}, c.src, 0)
	fail := func(msg string) error {
		return &host.LoadError{File: c.file, Problems: []host.Problem{{File: c.file, Message: msg}}}
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		w.kill(causeDeadline)
		<-w.dead
		return nil, fail(fmt.Sprintf("the script failed at load: did not finish within the load timeout of %s; its worker was stopped", p.opts.Engine.LoadTimeout))
	case err != nil:
		switch w.endCause() {
		case causeMemory:
			return nil, fail(fmt.Sprintf("the script failed at load: it ran out of memory (the worker limit is %s) and its worker was stopped", sizeText(p.opts.MemoryLimit)))
		case causeDeadline:
			return nil, fail(fmt.Sprintf("the script failed at load: did not finish within the load timeout of %s; its worker was stopped", p.opts.Engine.LoadTimeout))
		}
		msg := "the script failed at load: its worker process crashed"
		if l := w.crashLine(); l != "" {
			msg += " (" + l + ")"
		}
		return nil, fail(msg)
	}
	if len(f.h.Problems) > 0 {
		return nil, &host.LoadError{File: c.file, Problems: f.h.Problems}
	}
	if f.h.Error != "" {
		return nil, fmt.Errorf("load %s in a worker: %s", c.file, f.h.Error)
	}
	w.mu.Lock()
	w.loaded[c.key] = true
	w.mu.Unlock()
	return f.h, nil
}

// sizeText writes a byte count as people read it ("512 MiB").
func sizeText(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Connector is a connector validated by a worker and served by the pool:
// each call runs in a worker that has it loaded (loading it first if
// needed). It answers exactly what a host.Connector answers.
type Connector struct {
	pool    *Pool
	serving string
	file    string
	src     []byte
	sha     string
	key     string
	name    string
	info    json.RawMessage
	methods []string
	inUse   atomic.Int64
	share   chan struct{} // its calls holding or waiting for a worker
	held    int           // guarded by pool.mu: the workers its calls hold
}

// Name is the connector's synapse_info name.
func (c *Connector) Name() string { return c.name }

// ServingName is the name it serves under.
func (c *Connector) ServingName() string { return c.serving }

// SHA256 is the hex SHA-256 of the source.
func (c *Connector) SHA256() string { return c.sha }

// Info is synapse_info's result, as checked JSON.
func (c *Connector) Info() json.RawMessage { return c.info }

// Methods lists the contract methods the file exports, sorted.
func (c *Connector) Methods() []string { return append([]string(nil), c.methods...) }

// Stats describes the workers that run the connector: Size is the pool's
// bound, Live the workers that have it loaded, InUse its calls running.
func (c *Connector) Stats() host.Stats {
	p := c.pool
	p.mu.Lock()
	live := 0
	for w := range p.live {
		if w.alive() && w.isLoaded(c.key) {
			live++
		}
	}
	p.mu.Unlock()
	return host.Stats{Size: p.opts.Workers, Live: live, InUse: int(c.inUse.Load())}
}

// Close is a no-op: workers drop connectors they no longer run from their
// cache as others come in.
func (c *Connector) Close() {}

// Invoke runs one call from a wire envelope in a worker.
func (c *Connector) Invoke(ctx context.Context, envelope []byte, opts host.CallOptions) *host.Response {
	return c.do(ctx, "", envelope, opts)
}

// Call runs one method with a connection and a request in plain JSON, in a
// worker.
func (c *Connector) Call(ctx context.Context, method string, conn, request json.RawMessage, opts host.CallOptions) *host.Response {
	payload, err := json.Marshal(struct {
		C json.RawMessage `json:"c,omitempty"`
		R json.RawMessage `json:"r,omitempty"`
	}{nilIfEmpty(conn), nilIfEmpty(request)})
	if err != nil {
		payload = []byte(`{}`)
	}
	return c.do(ctx, method, payload, opts)
}

func nilIfEmpty(r json.RawMessage) json.RawMessage {
	if len(bytes.TrimSpace(r)) == 0 {
		return nil
	}
	return r
}

func (c *Connector) do(ctx context.Context, method string, payload []byte, opts host.CallOptions) *host.Response {
	start := time.Now()
	p := c.pool
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = p.opts.Engine.Timeout
	}
	if dl, ok := ctx.Deadline(); !ok || time.Until(dl) > timeout {
		// (The server's own context already ends at the call's deadline:
		// a second one would cost a timer and five allocations per call.)
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	typ := func() string { return callType(method, payload) }
	c.inUse.Add(1)
	defer c.inUse.Add(-1)
	select {
	case c.share <- struct{}{}:
		defer func() { <-c.share }()
	case <-ctx.Done():
		return failed(start, typ(), 504, fmt.Sprintf("%s did not start within its %s deadline", typ(), timeout),
			fmt.Sprintf("%s had %d calls running in workers, the most one connector may", c.serving, cap(c.share)))
	}
	w, err := p.acquire(ctx, c)
	if err != nil {
		if ctx.Err() != nil {
			return failed(start, typ(), 504, fmt.Sprintf("%s did not start within its %s deadline", typ(), timeout), "every worker was busy")
		}
		return failed(start, typ(), 500, "Failed to execute request "+typ(), err.Error())
	}
	defer func() {
		if w != nil {
			p.release(w, c)
		}
	}()
	for attempt := 0; ; attempt++ {
		if !w.isLoaded(c.key) {
			if _, err := c.load(ctx, w); err != nil {
				if ctx.Err() != nil && w.endCause() == causeDeadline {
					return c.killedAtDeadline(start, typ(), timeout, ctx)
				}
				var le *host.LoadError
				if errors.As(err, &le) && (w.endCause() == causeMemory) {
					return failed(start, typ(), 500, fmt.Sprintf("%s ran out of memory: the worker went over its limit of %s and was stopped", typ(), sizeText(p.opts.MemoryLimit)), "while loading the script")
				}
				return failed(start, typ(), 500, "Failed to execute request "+typ(), "the connector no longer loads: "+err.Error())
			}
		}
		f, err := c.run(ctx, w, method, payload, timeout)
		switch {
		case errors.Is(err, errUnstarted):
			// The worker ended with the call still waiting in its queue:
			// it never ran, so another worker may run it.
			p.release(w, c)
			w = nil
			if w, err = p.acquire(ctx, c); err != nil {
				w = nil
				if ctx.Err() != nil {
					return failed(start, typ(), 504, fmt.Sprintf("%s did not start within its %s deadline", typ(), timeout), "its worker ended before it started and every other worker was busy")
				}
				return failed(start, typ(), 500, "Failed to execute request "+typ(), err.Error())
			}
			attempt = -1
			continue
		case errors.Is(err, errQueuedPastDeadline):
			return failed(start, typ(), 504, fmt.Sprintf("%s did not start within its %s deadline", typ(), timeout),
				"it waited in a worker's queue behind another call of "+c.serving)
		case err != nil:
			return c.workerEnded(start, typ(), timeout, ctx, w)
		}
		if f.h.Missing {
			// The worker dropped the connector from its cache: load it
			// again, once.
			w.mu.Lock()
			delete(w.loaded, c.key)
			w.mu.Unlock()
			if attempt == 0 {
				continue
			}
			return failed(start, typ(), 500, "Failed to execute request "+typ(), "the worker could not keep the connector loaded")
		}
		h := f.h
		return &host.Response{Type: h.Type, Body: f.payload, Err: h.Err, Connection: h.Connection, Duration: time.Since(start)}
	}
}

// run sends the call and waits for its answer: a caller that goes away is
// told to the worker; a worker still busy at the deadline plus the grace
// is killed.
func (c *Connector) run(ctx context.Context, w *proc, method string, payload []byte, timeout time.Duration) (frame, error) {
	dl, _ := ctx.Deadline()
	h := &header{Op: opCall, ID: w.nextID.Add(1), Key: c.key, Method: method, Timeout: int64(timeout), Deadline: dl.UnixNano()}
	w.busy.Add(1)
	defer w.busy.Add(-1)
	f, err := w.request(ctx, h, payload, c.pool.opts.Grace)
	if errors.Is(err, context.DeadlineExceeded) {
		w.kill(causeDeadline)
		<-w.dead
	}
	return f, err
}

// workerEnded answers a call whose worker died or was killed under it.
func (c *Connector) workerEnded(start time.Time, typ string, timeout time.Duration, ctx context.Context, w *proc) *host.Response {
	switch w.endCause() {
	case causeDeadline:
		return c.killedAtDeadline(start, typ, timeout, ctx)
	case causeMemory:
		return failed(start, typ, 500, fmt.Sprintf("%s ran out of memory: the worker went over its limit of %s and was stopped", typ, sizeText(c.pool.opts.MemoryLimit)),
			"the script used more memory than a worker may; only this call failed")
	}
	detail := "the worker process running the call crashed"
	if l := w.crashLine(); l != "" {
		detail += ": " + l
	} else if w.exitErr != nil {
		detail += ": " + w.exitErr.Error()
	}
	return failed(start, typ, 500, "Failed to execute request "+typ, detail)
}

func (c *Connector) killedAtDeadline(start time.Time, typ string, timeout time.Duration, ctx context.Context) *host.Response {
	if errors.Is(ctx.Err(), context.Canceled) {
		return failed(start, typ, 504, typ+" was cancelled by its caller", "its worker did not stop and was killed")
	}
	return failed(start, typ, 504, fmt.Sprintf("%s did not finish within its %s deadline", typ, timeout),
		fmt.Sprintf("killed: the script was still running %s after the deadline (in code that ignores interrupts, such as a regular expression or JSON.stringify of a huge value), so its worker was stopped", c.pool.opts.Grace))
}

// failed is an error answer made by the pool, in the wire's form.
func failed(start time.Time, typ string, status int, msg, detail string) *host.Response {
	ce := &host.CallError{Status: status, Message: msg}
	if detail != "" {
		ce.Detail = &detail
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(ce)
	return &host.Response{Type: typ, Err: ce, Body: bytes.TrimRight(buf.Bytes(), "\n"), Duration: time.Since(start)}
}

// callType is the wire type of a call, for answers the pool makes itself.
func callType(method string, payload []byte) string {
	if method != "" {
		if m, ok := host.ResolveMethod(method); ok {
			return m.Type
		}
		return ""
	}
	var env struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(payload, &env)
	if m, ok := host.ResolveMethod(env.Type); ok {
		return m.Type
	}
	return ""
}
