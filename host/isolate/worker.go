package isolate

import (
	"bufio"
	"container/list"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/connection"
	"github.com/synapsejs/synapse-js/host"
)

// workerConfig is what a worker is told when it starts: the parts of the
// server's engine options that cross a process boundary.
type workerConfig struct {
	// Timeout is the default call deadline.
	Timeout time.Duration `json:"timeout"`
	// LoadTimeout bounds loading a connector.
	LoadTimeout time.Duration `json:"loadTimeout"`
	// MaxCallStackSize caps each runtime's JS call stack.
	MaxCallStackSize int `json:"maxCallStackSize"`
	// LogLevel is the worker's zerolog level (empty or unknown: info).
	LogLevel string `json:"logLevel"`
	// MemoryLimit is the worker's limit in bytes; its Go heap aims below it
	// so the server's watchdog rarely has to kill it.
	MemoryLimit int64 `json:"memoryLimit"`
	// CacheSize is how many connectors the worker keeps loaded.
	CacheSize int `json:"cacheSize"`

	// HTTP is the outbound policy, whole but for its Transport (which
	// cannot cross a process boundary).
	HTTP bindings.HTTPConfig `json:"http"`
}

// WorkerMain is the body of a worker process (`synapse-js worker`): it
// reads frames on in, answers on out and logs on errOut, until in ends or
// the server says exit. It returns the process's exit code.
func WorkerMain(in io.Reader, out, errOut io.Writer) int {
	w := &worker{
		in:      bufio.NewReaderSize(in, 64<<10),
		out:     newFrameWriter(out),
		pending: map[uint64]chan *header{},
		calls:   map[uint64]context.CancelFunc{},
		cache:   map[string]*list.Element{},
		lru:     list.New(),
	}
	h, _, err := readFrame(w.in)
	if err != nil || h.Op != opInit || h.Config == nil {
		fmt.Fprintf(errOut, "synapse-js worker: want an init frame first (this command is started by serve, not by hand): %v\n", err)
		return 2
	}
	cfg := *h.Config
	if cfg.MemoryLimit > 0 {
		// The Go heap works hard to stay under the limit before the
		// server's watchdog has to kill the worker.
		debug.SetMemoryLimit(cfg.MemoryLimit * 8 / 10)
		// With the limit as the backstop, a worker can collect less often
		// than the default: its heap is small, so GOGC=100 would run the
		// collector several times per large page.
		debug.SetGCPercent(400)
	}
	lvl, err := zerolog.ParseLevel(cfg.LogLevel)
	if err != nil || cfg.LogLevel == "" {
		lvl = zerolog.InfoLevel
	}
	logger := zerolog.New(errOut).Level(lvl).With().Timestamp().Logger()
	w.cacheSize = max(1, cfg.CacheSize)
	w.engine = host.New(host.StdOptions(host.Options{
		Timeout:          cfg.Timeout,
		LoadTimeout:      cfg.LoadTimeout,
		PoolSize:         1, // one call at a time per worker
		MaxCallStackSize: cfg.MaxCallStackSize,
		Logger:           logger,
		HTTP:             &cfg.HTTP,
		Tokens:           &remoteTokens{w: w},
		OnHTTP: func(synapse, method string, status int) {
			_ = w.out.write(&header{Op: opHTTP, Serving: synapse, Method: method, Status: status}, nil)
		},
	}))
	// Loads and calls run one at a time, in the order they came: the
	// server may send the next call while one runs (it tells which have
	// started from that order), and frames must be read meanwhile for
	// token replies and cancels. Two goroutines take turns reading and
	// running (see runQueue); they live as long as the worker, since a
	// goroutine made per job would start on a small stack and grow it
	// through goja's deep calls on every call.
	w.q = newRunQueue()
	finished := make(chan struct{})
	for range 2 {
		go func() {
			for range w.q.turn {
				if !w.readLoop() {
					close(finished)
					return
				}
			}
		}()
	}
	w.q.turn <- struct{}{}
	<-finished
	// The server went away (or said exit): finish what was sent.
	w.q.wait()
	return 0
}

type worker struct {
	in        *bufio.Reader
	out       *frameWriter
	engine    *host.Engine
	q         *runQueue
	cacheSize int
	nextID    atomic.Uint64

	mu      sync.Mutex
	pending map[uint64]chan *header
	calls   map[uint64]context.CancelFunc // the calls queued or running, by id

	// cache holds the loaded connectors by key (SHA-256, serving name and
	// file), least recently used at the back.
	cache map[string]*list.Element
	lru   *list.List
}

type job struct {
	h       *header
	payload []byte
	ctx     context.Context
	cancel  context.CancelFunc
}

type cached struct {
	key string
	c   *host.Connector
}

func (w *worker) callContext(h *header) (context.Context, context.CancelFunc) {
	if h.Deadline > 0 {
		return context.WithDeadline(context.Background(), time.Unix(0, h.Deadline))
	}
	return context.WithCancel(context.Background())
}

func (w *worker) run(j job) {
	switch j.h.Op {
	case opLoad:
		w.load(j.h, j.payload)
	case opCall:
		defer func() {
			j.cancel()
			w.mu.Lock()
			delete(w.calls, j.h.ID)
			w.mu.Unlock()
		}()
		w.call(j)
	}
}

// runQueue is the worker's FIFO of loads and calls, and the turn to read
// the server's frames. The goroutine that reads a job while nothing runs
// runs it at once, on its thread, and the ones queued meanwhile after it.
// It keeps the turn to read while it runs, so a short call costs no
// thread switch: it gives the turn back (for the other goroutine to take)
// only when a job waits for a frame (a token store reply) or passAfter
// after it started running (so a cancel or the next call is read while a
// long one runs). Handing every job to another goroutine, or passing
// the turn at every job, woke a second thread on the path of every call.
type runQueue struct {
	// turn holds the one token to read frames while no goroutine
	// holds it.
	turn  chan struct{}
	timer *time.Timer // passes the turn once a job has run for passAfter

	mu      sync.Mutex
	idle    *sync.Cond
	q       []job
	running bool // a goroutine is running jobs and will take the queued ones
	reading bool // the running goroutine still holds the turn to read
}

// passAfter is how long a goroutine runs jobs before it gives back the
// turn to read: well above a trivial call (about 10 µs), well below what
// a cancel may wait to be read.
const passAfter = time.Millisecond

func newRunQueue() *runQueue {
	q := &runQueue{turn: make(chan struct{}, 1)}
	q.idle = sync.NewCond(&q.mu)
	q.timer = time.AfterFunc(time.Hour, q.pass)
	q.timer.Stop()
	return q
}

// offer queues j, or returns true when nothing runs: the caller, which
// holds the turn to read, runs j and keeps the turn until it passes.
func (q *runQueue) offer(j job) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.running {
		q.running, q.reading = true, true
		q.timer.Reset(passAfter)
		return true
	}
	q.q = append(q.q, j)
	return false
}

// pass gives back the turn to read if the running goroutine still holds
// it. (A stale timer firing passes early, which is harmless.)
func (q *runQueue) pass() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.reading {
		q.reading = false
		q.turn <- struct{}{} // never blocks: there is one token
	}
}

// next returns the job after the one the caller ran, or false when the
// caller stops running jobs; then reading says whether the caller still
// holds the turn to read (else it waits for the turn).
func (q *runQueue) next() (j job, ok, reading bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.q) > 0 {
		j := q.q[0]
		q.q[0] = job{}
		q.q = q.q[1:]
		return j, true, false
	}
	q.timer.Stop()
	reading = q.reading
	q.running, q.reading = false, false
	q.idle.Broadcast()
	return job{}, false, reading
}

// wait returns once no job runs or waits.
func (q *runQueue) wait() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.running {
		q.idle.Wait()
	}
}

// readLoop reads frames until in ends or the server says exit (false),
// or until it ran jobs and passed the turn to read meanwhile (true).
func (w *worker) readLoop() bool {
	for {
		h, payload, err := readFrame(w.in)
		if err != nil {
			return false
		}
		switch h.Op {
		case opLoad, opCall:
			j := job{h: h, payload: payload}
			if h.Op == opCall {
				j.ctx, j.cancel = w.callContext(h)
				w.mu.Lock()
				w.calls[h.ID] = j.cancel
				w.mu.Unlock()
			}
			if !w.q.offer(j) {
				continue
			}
			reading := false
			for ok := true; ok; j, ok, reading = w.q.next() {
				w.run(j)
			}
			if !reading {
				return true
			}
		case opCancel:
			w.mu.Lock()
			if cancel := w.calls[h.ID]; cancel != nil {
				cancel()
			}
			w.mu.Unlock()
		case opReply:
			w.mu.Lock()
			ch := w.pending[h.ID]
			delete(w.pending, h.ID)
			w.mu.Unlock()
			if ch != nil {
				ch <- h
			}
		case opExit:
			return false
		}
	}
}

func (w *worker) load(h *header, src []byte) {
	ctx := context.Background()
	reply := &header{Op: opLoaded, ID: h.ID, Key: h.Key}
	c, err := w.engine.LoadAs(ctx, h.Serving, h.File, src)
	if err != nil {
		var le *host.LoadError
		if errors.As(err, &le) {
			reply.Problems = le.Problems
		} else {
			reply.Error = err.Error()
		}
		_ = w.out.write(reply, nil)
		return
	}
	reply.Name, reply.Info, reply.Methods = c.Name(), c.Info(), c.Methods()
	if el, ok := w.cache[h.Key]; ok {
		el.Value.(*cached).c.Close()
		w.lru.Remove(el)
	}
	w.cache[h.Key] = w.lru.PushFront(&cached{key: h.Key, c: c})
	for w.lru.Len() > w.cacheSize {
		el := w.lru.Back()
		cc := el.Value.(*cached)
		cc.c.Close()
		delete(w.cache, cc.key)
		w.lru.Remove(el)
	}
	_ = w.out.write(reply, nil)
}

func (w *worker) call(j job) {
	h := j.h
	el, ok := w.cache[h.Key]
	if !ok {
		_ = w.out.write(&header{Op: opResult, ID: h.ID, Missing: true}, nil)
		return
	}
	w.lru.MoveToFront(el)
	c := el.Value.(*cached).c
	opts := host.CallOptions{Timeout: time.Duration(h.Timeout)}
	var resp *host.Response
	if h.Method == "" {
		resp = c.Invoke(j.ctx, j.payload, opts)
	} else {
		var req struct {
			C json.RawMessage `json:"c"`
			R json.RawMessage `json:"r"`
		}
		_ = json.Unmarshal(j.payload, &req)
		resp = c.Call(j.ctx, h.Method, req.C, req.R, opts)
	}
	_ = w.out.write(&header{Op: opResult, ID: h.ID, Type: resp.Type, Err: resp.Err, Connection: resp.Connection}, resp.Body)
}

// rpc sends a token operation to the server and waits for its answer.
func (w *worker) rpc(ctx context.Context, h *header) (*header, error) {
	h.Op, h.ID = opToken, w.nextID.Add(1)
	ch := make(chan *header, 1)
	w.mu.Lock()
	w.pending[h.ID] = ch
	w.mu.Unlock()
	if err := w.out.write(h, nil); err != nil {
		return nil, fmt.Errorf("token store: %w", err)
	}
	w.q.pass() // the reply must be read while this call waits for it
	select {
	case r := <-ch:
		if r.Error != "" {
			return nil, errors.New(r.Error)
		}
		return r, nil
	case <-ctx.Done():
		if h.Fn == "lock" {
			// The server answers every lock request once: tell it we
			// gave up, and release the lock if it was granted meanwhile.
			_ = w.out.write(&header{Op: opToken, Fn: "abandon", Lock: h.ID}, nil)
			go func() {
				if r := <-ch; r.Lock != 0 {
					_ = w.out.write(&header{Op: opToken, Fn: "unlock", Lock: r.Lock}, nil)
				}
			}()
		} else {
			w.mu.Lock()
			delete(w.pending, h.ID)
			w.mu.Unlock()
		}
		return nil, fmt.Errorf("token store: %w", ctx.Err())
	}
}

// remoteTokens is the worker's TokenStore: every operation is answered by
// the server's store, so rotations made in one worker are seen by every
// other and refreshes of one key are serialized across workers.
type remoteTokens struct{ w *worker }

// Rotated implements connection.TokenStore.
func (t *remoteTokens) Rotated(ctx context.Context, k connection.Key, old, fresh connection.Tokens) error {
	_, err := t.w.rpc(ctx, &header{Fn: "rotated", TokKey: &k, Old: &old, Fresh: &fresh})
	return err
}

// Newer implements connection.TokenStore.
func (t *remoteTokens) Newer(ctx context.Context, k connection.Key, carried connection.Tokens) (connection.Tokens, bool, error) {
	r, err := t.w.rpc(ctx, &header{Fn: "newer", TokKey: &k, Old: &carried})
	if err != nil || !r.OK || r.Fresh == nil {
		return connection.Tokens{}, false, err
	}
	return *r.Fresh, true, nil
}

// Lock implements connection.TokenStore.
func (t *remoteTokens) Lock(ctx context.Context, k connection.Key) (func(), error) {
	r, err := t.w.rpc(ctx, &header{Fn: "lock", TokKey: &k})
	if err != nil {
		return nil, err
	}
	id := r.Lock
	var once sync.Once
	return func() {
		once.Do(func() { _ = t.w.out.write(&header{Op: opToken, Fn: "unlock", Lock: id}, nil) })
	}, nil
}
