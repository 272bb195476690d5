package bindings

import (
	"context"
	"time"
)

// Clock is time as scripts and bindings see it: Date.now(), timers, retry
// waits and token expiry. The host uses the real clock; record and replay
// (cassettes) swap in one that records or replays what a run saw, so a
// replayed call gives the same bytes on any day.
type Clock interface {
	// Now is the current time.
	Now() time.Time
	// Sleep waits d or until ctx ends (then it returns ctx.Err()).
	Sleep(ctx context.Context, d time.Duration) error
}

// RealClock is the wall clock.
type RealClock struct{}

// Now implements Clock.
func (RealClock) Now() time.Time { return time.Now() }

// Sleep implements Clock.
func (RealClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// ClockOf returns the clock of a host's HTTP config: its Clock, or the
// real one.
func ClockOf(c *HTTPConfig) Clock {
	if c == nil || c.Clock == nil {
		return RealClock{}
	}
	return c.Clock
}

type callKey struct{}

// WithCall returns ctx carrying call, so code that only sees an outbound
// request (a Transport recording it) can reach the call's secrets.
func WithCall(ctx context.Context, call *Call) context.Context {
	return context.WithValue(ctx, callKey{}, call)
}

// CallFrom returns the call WithCall put in ctx, or nil.
func CallFrom(ctx context.Context) *Call {
	c, _ := ctx.Value(callKey{}).(*Call)
	return c
}
