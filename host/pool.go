package host

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
)

// pool is a bounded set of runtimes. A call takes an idle runtime, or makes
// one while fewer than size exist, or waits until its deadline.
type pool struct {
	size   int
	idle   chan *runtime
	slots  chan struct{} // one token per live runtime
	make   func(context.Context) (*runtime, error)
	onUse  func(int)
	inUse  atomic.Int64
	closed atomic.Bool
}

func newPool(size int, mk func(context.Context) (*runtime, error), onUse func(int)) *pool {
	return &pool{size: size, idle: make(chan *runtime, size), slots: make(chan struct{}, size), make: mk, onUse: onUse}
}

func (p *pool) seed(rt *runtime) {
	select {
	case p.slots <- struct{}{}:
		p.idle <- rt
	default:
	}
}

// ErrPoolClosed is returned for calls to a connector that was closed.
var ErrPoolClosed = errors.New("connector is closed")

func (p *pool) get(ctx context.Context, loadTimeout func(context.Context) (context.Context, context.CancelFunc)) (*runtime, error) {
	if p.closed.Load() {
		return nil, ErrPoolClosed
	}
	select {
	case rt := <-p.idle:
		p.acquired()
		return rt, nil
	default:
	}
	select {
	case rt := <-p.idle:
		p.acquired()
		return rt, nil
	case p.slots <- struct{}{}:
		lctx, cancel := loadTimeout(ctx)
		defer cancel()
		rt, err := p.make(lctx)
		if err != nil {
			<-p.slots
			return nil, fmt.Errorf("start a runtime: %w", err)
		}
		p.acquired()
		return rt, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (p *pool) acquired() {
	p.inUse.Add(1)
	if p.onUse != nil {
		p.onUse(1)
	}
}

// put returns a runtime after a call; a runtime that is not reusable (or a
// closed pool's) is dropped and its slot freed.
func (p *pool) put(rt *runtime, reusable bool) {
	p.inUse.Add(-1)
	if p.onUse != nil {
		p.onUse(-1)
	}
	if reusable && !p.closed.Load() {
		p.idle <- rt
		return
	}
	<-p.slots
}

func (p *pool) close() {
	if p.closed.Swap(true) {
		return
	}
	for {
		select {
		case <-p.idle:
			<-p.slots
		default:
			return
		}
	}
}
