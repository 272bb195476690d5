package bindings

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/dop251/goja"
)

// ErrNeverSettles is Settle's answer for a promise left pending with no
// timer left that could settle it.
var ErrNeverSettles = errors.New("the promise never settles: nothing is left that could resolve it")

// Timers are one runtime's setTimeout and clearTimeout on a Clock, and the
// loop that runs them while a promise settles. A connector's calls and its
// tests (internal/testrun) share them, so a timer behaves the same in both,
// and under a cassette's clock a wait takes no time.
type Timers struct {
	clock  Clock
	nextID int64
	queue  []*timer
}

type timer struct {
	id   int64
	when time.Time
	fn   goja.Callable
	args []goja.Value
}

// NewTimers returns timers that read and wait on clock.
func NewTimers(clock Clock) *Timers { return &Timers{clock: clock} }

// Install defines setTimeout and clearTimeout on rt's global object.
func (t *Timers) Install(rt *goja.Runtime) {
	_ = rt.Set("setTimeout", func(call goja.FunctionCall) goja.Value {
		fn, ok := goja.AssertFunction(call.Argument(0))
		if !ok {
			panic(rt.NewTypeError("setTimeout: the first argument must be a function"))
		}
		ms := call.Argument(1).ToFloat()
		if ms != ms || ms < 0 {
			ms = 0
		}
		t.nextID++
		tm := &timer{id: t.nextID, when: t.clock.Now().Add(time.Duration(ms * float64(time.Millisecond))), fn: fn}
		if len(call.Arguments) > 2 {
			tm.args = append([]goja.Value(nil), call.Arguments[2:]...)
		}
		t.queue = append(t.queue, tm)
		return rt.ToValue(tm.id)
	})
	_ = rt.Set("clearTimeout", func(call goja.FunctionCall) goja.Value {
		id := call.Argument(0).ToInteger()
		for i, tm := range t.queue {
			if tm.id == id {
				t.queue = append(t.queue[:i], t.queue[i+1:]...)
				break
			}
		}
		return goja.Undefined()
	})
}

// Clear drops every pending timer: what one call or test scheduled must
// not fire in the next. A nil Timers (a runtime not built yet) has none.
func (t *Timers) Clear() {
	if t != nil {
		t.queue = t.queue[:0]
	}
}

// Settle runs the pending timers, earliest first, waiting on the clock for
// each, until p settles. It returns p's result and whether p was rejected;
// ErrNeverSettles when p is pending and no timer is left; ctx's error when
// a wait is cut short; or the error a timer's callback threw.
func (t *Timers) Settle(ctx context.Context, p *goja.Promise) (result goja.Value, rejected bool, err error) {
	for {
		switch p.State() {
		case goja.PromiseStateFulfilled:
			return p.Result(), false, nil
		case goja.PromiseStateRejected:
			return p.Result(), true, nil
		}
		if len(t.queue) == 0 {
			return nil, false, ErrNeverSettles
		}
		sort.SliceStable(t.queue, func(i, j int) bool { return t.queue[i].when.Before(t.queue[j].when) })
		tm := t.queue[0]
		t.queue = t.queue[1:]
		if d := tm.when.Sub(t.clock.Now()); d > 0 {
			if err := t.clock.Sleep(ctx, d); err != nil {
				return nil, false, err
			}
		}
		if _, err := tm.fn(goja.Undefined(), tm.args...); err != nil {
			return nil, false, err
		}
	}
}
