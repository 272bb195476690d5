package host

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/dop251/goja"

	"github.com/synapsejs/synapse-js/bindings"
	jserrors "github.com/synapsejs/synapse-js/bindings/errors"
	"github.com/synapsejs/synapse-js/internal/jsjson"
	"github.com/synapsejs/synapse-js/internal/jsvalue"
)

func errorsModule() bindings.Module { return jserrors.Module{} }

// runtime is one goja runtime with the connector's program loaded. It runs one
// call at a time; between calls it sits in its connector's pool.
type runtime struct {
	js      *goja.Runtime
	env     *bindings.Env
	call    *bindings.Call
	exports *goja.Object
	fns     map[string]goja.Callable

	timers *bindings.Timers

	// file is the connector's file, for positions in log lines.
	file string
	// unhandled holds the promises rejected with no handler yet; what is
	// left when a call ends is logged, since nothing will ever see it.
	unhandled []*goja.Promise
	// clock is the engine's (the wall clock, or a cassette's): Date,
	// timers and their waits all read it, so a replay is hermetic.
	clock bindings.Clock
}

// Runtime implements bindings.VU.
func (rt *runtime) Runtime() *goja.Runtime { return rt.js }

// Call implements bindings.VU.
func (rt *runtime) Call() *bindings.Call { return rt.call }

// Env implements bindings.VU.
func (rt *runtime) Env() *bindings.Env { return rt.env }

// newRuntime makes a runtime and runs the connector's top level in it.
func (c *Connector) newRuntime(ctx context.Context) (_ *runtime, err error) {
	e := c.engine
	js := goja.New()
	js.SetMaxCallStackSize(e.opts.MaxCallStackSize)
	rt := &runtime{js: js, env: e.env, file: c.file, clock: bindings.ClockOf(e.env.HTTP)}
	js.SetPromiseRejectionTracker(rt.trackRejection)
	if e.env.HTTP != nil && e.env.HTTP.Clock != nil {
		js.SetTimeSource(rt.clock.Now)
	}
	rt.call = c.idleCall(ctx)
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: debug.Stack()}
		}
		rt.call = nil
	}()
	if _, err := jserrors.Install(js); err != nil {
		return nil, err
	}
	// Object.keys without a fresh string per key of a response's objects
	// (the flattening loop of most connectors reads by those keys).
	if err := jsjson.InstallKeys(js); err != nil {
		return nil, err
	}
	if err := e.registry.Install(rt); err != nil {
		return nil, err
	}
	if e.opts.InitRuntime != nil {
		if err := e.opts.InitRuntime(rt); err != nil {
			return nil, fmt.Errorf("init runtime: %w", err)
		}
	}
	rt.timers = bindings.NewTimers(rt.clock)
	rt.timers.Install(js)
	// No script may add globals: whatever one call left there would be
	// seen by the next caller's call on this runtime. Sealing the global
	// object costs nothing per call (checking its keys after every call
	// cost a quarter of a trivial call's time).
	if _, err := js.RunString("Object.preventExtensions(globalThis)"); err != nil {
		return nil, fmt.Errorf("seal globals: %w", err)
	}

	stop := context.AfterFunc(ctx, func() { js.Interrupt(ctx.Err()) })
	defer stop()
	fnVal, err := js.RunProgram(c.program)
	if err != nil {
		return nil, err
	}
	wrapper, ok := goja.AssertFunction(fnVal)
	if !ok {
		return nil, errors.New("internal: module wrapper is not a function")
	}
	module := js.NewObject()
	exports := js.NewObject()
	_ = module.Set("exports", exports)
	if _, err := wrapper(goja.Undefined(), exports, js.Get("require"), module, js.ToValue(c.file), js.ToValue(".")); err != nil {
		return nil, err
	}
	if !stop() {
		return nil, ctx.Err()
	}
	ex, ok := module.Get("exports").(*goja.Object)
	if !ok || ex.ClassName() == "Function" {
		return nil, fmt.Errorf("module.exports is %s, want an object of functions", kindName(module.Get("exports")))
	}
	// `export default {...}` through esbuild: use the default object when
	// it is the only thing exported.
	if d, ok := ex.Get("default").(*goja.Object); ok && d.ClassName() == "Object" {
		onlyDefault := true
		for _, k := range ex.Keys() {
			if k != "default" {
				onlyDefault = false
			}
		}
		if onlyDefault {
			ex = d
		}
	}
	rt.exports = ex
	rt.fns = map[string]goja.Callable{}
	for _, m := range methods {
		if fn, ok := goja.AssertFunction(ex.Get(m.Export)); ok {
			rt.fns[m.Export] = fn
		}
	}
	return rt, nil
}

// exec runs fn as one call on this runtime: the call's state is visible to
// bindings, the deadline interrupts JS, and a Go panic is caught. reusable
// is false when the runtime must be discarded (interrupted, panicked, stack
// overflow): an interrupt that fires after the run would poison the next one.
func (rt *runtime) exec(ctx context.Context, call *bindings.Call, fn func() error) (reusable bool, err error) {
	rt.call = call
	rt.timers.Clear()
	stop := context.AfterFunc(ctx, func() { rt.js.Interrupt(ctx.Err()) })
	reusable = true
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: debug.Stack()}
			reusable = false
		}
		if !stop() {
			reusable = false
		}
		rt.reportUnhandled(call)
		rt.call = nil
		rt.timers.Clear()
	}()
	err = fn()
	var ie *goja.InterruptedError
	var so *goja.StackOverflowError
	if errors.As(err, &ie) || errors.As(err, &so) {
		reusable = false
	}
	return reusable, err
}

// settle waits for a returned promise, running timers the script set, until
// it settles, the call's deadline passes, or nothing is left to settle it.
func (rt *runtime) settle(ctx context.Context, val goja.Value) (goja.Value, error) {
	if jsvalue.KindOf(val) != jsvalue.Promise {
		return val, nil
	}
	p, ok := val.Export().(*goja.Promise)
	if !ok {
		return val, nil
	}
	res, rejected, err := rt.timers.Settle(ctx, p)
	switch {
	case errors.Is(err, bindings.ErrNeverSettles):
		return nil, errNeverSettles
	case err != nil:
		return nil, err
	case rejected:
		return nil, &rejection{val: res}
	}
	return res, nil
}

// trackRejection is goja's promise rejection tracker.
func (rt *runtime) trackRejection(p *goja.Promise, op goja.PromiseRejectionOperation) {
	switch op {
	case goja.PromiseRejectionReject:
		rt.unhandled = append(rt.unhandled, p)
	case goja.PromiseRejectionHandle:
		for i, q := range rt.unhandled {
			if q == p {
				rt.unhandled = append(rt.unhandled[:i], rt.unhandled[i+1:]...)
				break
			}
		}
	}
}

// reportUnhandled logs the rejections no script code handled during the
// call: an un-awaited promise that failed would otherwise go unnoticed.
func (rt *runtime) reportUnhandled(call *bindings.Call) {
	for _, p := range rt.unhandled {
		msg, fr := describeError(rt.file, &rejection{val: p.Result()})
		ev := call.Log.Warn().Str("error", call.Secrets.Redact(msg))
		if fr.line > 0 {
			ev = ev.Str("at", fr.String())
		}
		ev.Msg("a promise was rejected and nothing handled it (a missing await or .catch?)")
	}
	rt.unhandled = rt.unhandled[:0]
}
