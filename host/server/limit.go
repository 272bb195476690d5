package server

import (
	"context"
	"errors"
	"sync/atomic"
)

// errOverloaded is a call refused because the connector's running and
// waiting calls are at their bounds.
var errOverloaded = errors.New("too many calls")

// limiter bounds one connector's calls: at most cap(slots) run at once and
// at most queue more wait. It lives with the serving name, so it survives
// new versions.
type limiter struct {
	slots    chan struct{}
	admitted atomic.Int64 // running + waiting
	max      int64
}

func newLimiter(concurrency, queue int) *limiter {
	return &limiter{slots: make(chan struct{}, concurrency), max: int64(concurrency + queue)}
}

// acquire takes a slot, waiting in the queue until ctx ends; it refuses at
// once with errOverloaded when the queue is full.
func (l *limiter) acquire(ctx context.Context) error {
	if l.admitted.Add(1) > l.max {
		l.admitted.Add(-1)
		return errOverloaded
	}
	select {
	case l.slots <- struct{}{}:
		return nil
	default:
	}
	select {
	case l.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		l.admitted.Add(-1)
		return ctx.Err()
	}
}

func (l *limiter) release() {
	<-l.slots
	l.admitted.Add(-1)
}

// running is the number of calls holding a slot.
func (l *limiter) running() int { return len(l.slots) }

// waiting is the number of calls in the queue.
func (l *limiter) waiting() int { return max(0, int(l.admitted.Load())-len(l.slots)) }
