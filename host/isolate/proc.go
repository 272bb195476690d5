package isolate

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/synapsejs/synapse-js/connection"
)

// Why a worker ended, as far as the server knows.
const (
	causeNone     = ""
	causeMemory   = "memory"   // over its memory limit
	causeDeadline = "deadline" // still busy past its call's deadline and grace
	causeCrash    = "crash"    // exited by itself
	causeRetired  = "retired"  // recycled or closed by the server
)

// proc is one worker process as the server sees it.
type proc struct {
	pool *Pool
	cmd  *exec.Cmd
	pid  int
	out  *frameWriter
	log  zerolog.Logger

	dead    chan struct{} // closed when the process has exited
	exitErr error         // set before dead closes

	mu          sync.Mutex
	cause       string                        // why it ended (causeNone while alive)
	waiting     map[uint64]chan frame         // answers awaited, by frame id
	locks       map[uint64]func()             // token locks this worker holds
	lockWaits   map[uint64]context.CancelFunc // lock requests waiting, by request id
	loaded      map[string]bool               // connector keys it has loaded
	tail        bytes.Buffer                  // the first non-JSON lines of stderr
	crash       string                        // the first line of a Go crash report
	outOfMemory bool                          // the worker reported running out of memory
	calls       int                           // calls run so far
	highMem     int                           // consecutive calls whose RSS sample at release was high
	rssAt       time.Time                     // when release last sampled the RSS
	queue       []uint64                      // ids of the loads and calls sent and not answered, in the order sent: the worker runs them in that order, one at a time
	headSince   time.Time                     // when queue[0] became the head (about when it started)
	busy        atomic.Int32                  // loads and calls in flight (the watchdog looks while there are any)
	sendMu      sync.Mutex                    // keeps queue in the order the frames are written
	holders     int                           // guarded by pool.mu: the calls holding it (acquire to release)
	key         string                        // guarded by pool.mu: the connector those calls are of
	nextID      atomic.Uint64
	lockID      atomic.Uint64
}

type frame struct {
	h       *header
	payload []byte
	// unstarted: the worker ended with this request still in its queue.
	unstarted bool
}

func (p *Pool) startProc() (*proc, error) {
	args := p.opts.Command
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), p.opts.Env...)
	cmd.SysProcAttr = sysProcAttr()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("start a worker: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("start a worker: %w", err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("start a worker: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start a worker (%s): %w", args[0], err)
	}
	w := &proc{
		pool:      p,
		cmd:       cmd,
		pid:       cmd.Process.Pid,
		out:       newFrameWriter(stdin),
		dead:      make(chan struct{}),
		waiting:   map[uint64]chan frame{},
		locks:     map[uint64]func(){},
		lockWaits: map[uint64]context.CancelFunc{},
		loaded:    map[string]bool{},
	}
	w.log = p.opts.Engine.Logger.With().Int("worker_pid", w.pid).Logger()
	if err := p.limiter.apply(w.pid); err != nil {
		w.log.Warn().Err(err).Msg("could not apply the worker memory limit by the OS; the watchdog enforces it")
	}
	var ioDone sync.WaitGroup
	ioDone.Add(2)
	go func() { defer ioDone.Done(); w.readLogs(stderr) }()
	go func() { defer ioDone.Done(); w.readFrames(stdout) }()
	go func() {
		ioDone.Wait()
		err := cmd.Wait()
		w.mu.Lock()
		w.exitErr = err
		if w.cause == causeNone {
			w.cause = causeCrash
			if w.outOfMemory || p.limiter.oomKilled(w.pid) {
				w.cause = causeMemory
			}
		}
		locks := w.locks
		w.locks = map[uint64]func(){}
		w.mu.Unlock()
		for _, unlock := range locks {
			unlock()
		}
		p.limiter.release(w.pid)
		close(w.dead)
	}()
	go w.watchdog()
	if err := w.out.write(&header{Op: opInit, Config: &p.wcfg}, nil); err != nil {
		w.kill(causeCrash)
		return nil, fmt.Errorf("start a worker: %w", err)
	}
	return w, nil
}

// kill ends the process for cause (the first cause given wins).
func (w *proc) kill(cause string) {
	w.mu.Lock()
	if w.cause == causeNone {
		w.cause = cause
	}
	w.mu.Unlock()
	_ = w.cmd.Process.Kill()
}

// retire asks the process to exit once its queue is done, killing it if it
// does not within a few seconds.
func (w *proc) retire() {
	w.mu.Lock()
	if w.cause == causeNone {
		w.cause = causeRetired
	}
	w.mu.Unlock()
	_ = w.out.write(&header{Op: opExit}, nil)
	go func() {
		select {
		case <-w.dead:
		case <-time.After(5 * time.Second):
			_ = w.cmd.Process.Kill()
		}
	}()
}

func (w *proc) alive() bool {
	select {
	case <-w.dead:
		return false
	default:
		return true
	}
}

func (w *proc) endCause() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cause
}

// watchdog kills the worker when its resident memory goes over the limit.
// It samples often while the worker runs something and never otherwise
// (an idle worker does not grow).
func (w *proc) watchdog() {
	limit := w.pool.opts.MemoryLimit
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-w.dead:
			return
		case <-t.C:
		}
		if w.busy.Load() == 0 {
			continue
		}
		if rss := rssOf(w.pid); rss > limit {
			w.log.Warn().Int64("rss", rss).Int64("limit", limit).Msg("worker over its memory limit; killed")
			w.kill(causeMemory)
			return
		}
	}
}

// rssOf reads a process's resident set size from /proc (0 if unknown).
func rssOf(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// readLogs forwards the worker's zerolog lines to the server's logger and
// keeps the last other lines (a Go crash report) to tell why it died.
func (w *proc) readLogs(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var fields map[string]any
		if len(line) > 0 && line[0] == '{' && json.Unmarshal(line, &fields) == nil {
			lvl, _ := zerolog.ParseLevel(fmt.Sprint(fields[zerolog.LevelFieldName]))
			msg, _ := fields[zerolog.MessageFieldName].(string)
			delete(fields, zerolog.LevelFieldName)
			delete(fields, zerolog.MessageFieldName)
			delete(fields, zerolog.TimestampFieldName)
			w.pool.opts.Engine.Logger.WithLevel(lvl).Fields(fields).Msg(msg)
			continue
		}
		// A Go crash report is a first line ("fatal error: runtime: out
		// of memory") and pages of goroutine stacks: keep the first line
		// and whether memory ran out, not the stacks.
		text := string(line)
		w.mu.Lock()
		if w.crash == "" && (strings.HasPrefix(text, "fatal error:") || strings.HasPrefix(text, "panic:")) {
			w.crash = text
		}
		if strings.Contains(text, "out of memory") {
			w.outOfMemory = true
		}
		if w.tail.Len() < 4<<10 {
			w.tail.WriteString(text)
			w.tail.WriteByte('\n')
		}
		w.mu.Unlock()
	}
	_, _ = io.Copy(io.Discard, r)
}

// crashLine is the first line of the worker's crash report ("fatal error:
// runtime: out of memory"), for messages.
func (w *proc) crashLine() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.crash
}

// readFrames dispatches the worker's frames: answers to the request
// waiting for them, token operations to the server's store, HTTP reports
// to the metrics hook.
func (w *proc) readFrames(r io.Reader) {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		h, payload, err := readFrame(br)
		if err != nil {
			_, _ = io.Copy(io.Discard, br)
			w.mu.Lock()
			for id, ch := range w.waiting {
				// Only the head of the queue can have started.
				if len(w.queue) > 0 && w.queue[0] == id {
					close(ch)
				} else {
					ch <- frame{unstarted: true}
				}
				delete(w.waiting, id)
			}
			w.mu.Unlock()
			return
		}
		switch h.Op {
		case opLoaded, opResult:
			w.mu.Lock()
			ch := w.waiting[h.ID]
			delete(w.waiting, h.ID)
			if i := slices.Index(w.queue, h.ID); i >= 0 {
				w.queue = slices.Delete(w.queue, i, i+1)
				if i == 0 {
					w.headSince = time.Now()
				}
			}
			w.mu.Unlock()
			if ch != nil {
				ch <- frame{h: h, payload: payload}
			}
		case opToken:
			w.token(h)
		case opHTTP:
			if f := w.pool.opts.Engine.OnHTTP; f != nil {
				f(h.Serving, h.Method, h.Status)
			}
		}
	}
}

// token answers a worker's TokenStore operation from the server's store.
func (w *proc) token(h *header) {
	store := w.pool.opts.Engine.Tokens
	reply := &header{Op: opReply, ID: h.ID}
	var k connection.Key
	if h.TokKey != nil {
		k = *h.TokKey
	}
	switch h.Fn {
	case "rotated":
		if h.Old == nil || h.Fresh == nil {
			return
		}
		if err := store.Rotated(context.Background(), k, *h.Old, *h.Fresh); err != nil {
			reply.Error = err.Error()
		}
	case "newer":
		if h.Old == nil {
			return
		}
		t, ok, err := store.Newer(context.Background(), k, *h.Old)
		if err != nil {
			reply.Error = err.Error()
		}
		if ok {
			reply.OK, reply.Fresh = true, &t
		}
	case "lock":
		// Waiting for a lock must not hold up the worker's other frames.
		// Every lock request is answered once: the lock's id, or why not.
		ctx, cancel := context.WithCancel(context.Background())
		w.mu.Lock()
		w.lockWaits[h.ID] = cancel
		w.mu.Unlock()
		go func() {
			defer cancel()
			go func() {
				select {
				case <-w.dead:
					cancel()
				case <-ctx.Done():
				}
			}()
			unlock, err := store.Lock(ctx, k)
			w.mu.Lock()
			delete(w.lockWaits, h.ID)
			if err == nil && w.alive() {
				id := w.lockID.Add(1)
				w.locks[id] = unlock
				reply.Lock = id
			} else if err == nil {
				unlock()
			}
			w.mu.Unlock()
			if err != nil {
				reply.Error = err.Error()
			}
			_ = w.out.write(reply, nil)
		}()
		return
	case "abandon":
		// The worker's call stopped waiting for lock request h.Lock.
		w.mu.Lock()
		cancel := w.lockWaits[h.Lock]
		w.mu.Unlock()
		if cancel != nil {
			cancel()
		}
		return
	case "unlock":
		w.mu.Lock()
		unlock := w.locks[h.Lock]
		delete(w.locks, h.Lock)
		w.mu.Unlock()
		if unlock != nil {
			unlock()
		}
		return
	default:
		return
	}
	_ = w.out.write(reply, nil)
}

// headRunning is how long the request at the head of the queue has run
// (about: it starts as soon as the worker reads it).
func (w *proc) headRunning() time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.queue) == 0 {
		return 0
	}
	return time.Since(w.headSince)
}

// Why a request got no answer.
var (
	// errDied: the worker ended while running it.
	errDied = errors.New("the worker process ended")
	// errUnstarted: the worker ended while it waited in its queue.
	errUnstarted = errors.New("the worker process ended before the request started")
	// errQueuedPastDeadline: its context and grace ended while it still
	// waited in the worker's queue (the worker answers it at once when it
	// gets there).
	errQueuedPastDeadline = errors.New("the request was still waiting in the worker's queue")
)

// request sends a load or call frame, which the worker queues and runs in
// the order received, and waits for its answer until the worker dies or
// grace has passed after ctx ended. A call whose caller went away (ctx
// cancelled) is cancelled in the worker at once. Past the grace, a request
// that started is context.DeadlineExceeded (the caller kills the worker),
// one still queued errQueuedPastDeadline.
func (w *proc) request(ctx context.Context, h *header, payload []byte, grace time.Duration) (frame, error) {
	if h.ID == 0 {
		h.ID = w.nextID.Add(1)
	}
	ch := make(chan frame, 1)
	w.sendMu.Lock()
	w.mu.Lock()
	w.waiting[h.ID] = ch
	if len(w.queue) == 0 {
		w.headSince = time.Now()
	}
	w.queue = append(w.queue, h.ID)
	w.mu.Unlock()
	err := w.out.write(h, payload)
	w.sendMu.Unlock()
	if err != nil {
		w.mu.Lock()
		delete(w.waiting, h.ID)
		w.mu.Unlock()
		<-w.dead
		return frame{}, errDied
	}
	answer := func(f frame, ok bool) (frame, error) {
		switch {
		case !ok:
			<-w.dead
			return frame{}, errDied
		case f.unstarted:
			<-w.dead
			return frame{}, errUnstarted
		}
		return f, nil
	}
	select {
	case f, ok := <-ch:
		return answer(f, ok)
	case <-ctx.Done():
	}
	if h.Op == opCall && errors.Is(ctx.Err(), context.Canceled) {
		_ = w.out.write(&header{Op: opCancel, ID: h.ID}, nil)
	}
	if grace > 0 {
		t := time.NewTimer(grace)
		defer t.Stop()
		select {
		case f, ok := <-ch:
			return answer(f, ok)
		case <-t.C:
		}
	}
	w.mu.Lock()
	delete(w.waiting, h.ID)
	started := len(w.queue) > 0 && w.queue[0] == h.ID
	w.mu.Unlock()
	select {
	case f, ok := <-ch: // answered meanwhile
		return answer(f, ok)
	default:
	}
	if !started {
		return frame{}, errQueuedPastDeadline
	}
	return frame{}, context.DeadlineExceeded
}

// sysProcAttr makes a worker die with the server (Linux: the parent death
// signal), so a killed server leaves no worker behind.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
