package bindings

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dop251/goja"
)

// fakeClock advances only when slept on.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time { return c.now }
func (c *fakeClock) Sleep(_ context.Context, d time.Duration) error {
	c.now = c.now.Add(d)
	return nil
}

func TestTimersRunInOrderOnTheClock(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1000, 0)}
	rt := goja.New()
	tm := NewTimers(clock)
	tm.Install(rt)
	v, err := rt.RunString(`
		const order = [];
		const p = new Promise((resolve) => {
			setTimeout(() => order.push('b'), 200);
			const gone = setTimeout(() => order.push('never'), 100);
			setTimeout((x) => order.push(x), 50, 'a');
			clearTimeout(gone);
			setTimeout(() => resolve(order.join(',')), 300);
		});
		p`)
	if err != nil {
		t.Fatal(err)
	}
	res, rejected, err := tm.Settle(context.Background(), v.Export().(*goja.Promise))
	if err != nil || rejected || res.String() != "a,b" {
		t.Fatalf("settled %v (rejected %v, %v); want a,b", res, rejected, err)
	}
	if got := clock.now.Sub(time.Unix(1000, 0)); got != 300*time.Millisecond {
		t.Errorf("the clock moved %s; want the last timer's 300ms", got)
	}

	v, _ = rt.RunString(`new Promise(() => { setTimeout(() => {}, 10); })`)
	if _, _, err := tm.Settle(context.Background(), v.Export().(*goja.Promise)); !errors.Is(err, ErrNeverSettles) {
		t.Errorf("a promise nothing resolves: %v, want ErrNeverSettles", err)
	}
	v, _ = rt.RunString(`setTimeout(() => {}, 10); Promise.reject(new Error('no'))`)
	tm.Clear()
	if res, rejected, err := tm.Settle(context.Background(), v.Export().(*goja.Promise)); err != nil || !rejected || res.String() != "Error: no" {
		t.Errorf("a rejected promise: %v, %v, %v", res, rejected, err)
	}
	var none *Timers
	none.Clear()
}
