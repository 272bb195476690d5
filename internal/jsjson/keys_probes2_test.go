package jsjson

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/dop251/goja"
)

func newProbeRT(t *testing.T, install bool) *goja.Runtime {
	rt := goja.New()
	if install {
		if err := InstallKeys(rt); err != nil {
			t.Fatal(err)
		}
	}
	return rt
}

func describeErr(err error) string {
	if err == nil {
		return "nil"
	}
	var ie *goja.InterruptedError
	var so *goja.StackOverflowError
	var ex *goja.Exception
	switch {
	case errors.As(err, &ie):
		return fmt.Sprintf("interrupted %v | %s", ie.Value(), ie.String())
	case errors.As(err, &so):
		return fmt.Sprintf("stackoverflow %T %s", err, err.Error())
	case errors.As(err, &ex):
		return fmt.Sprintf("exception %v | %s", ex.Value(), ex.String())
	}
	return fmt.Sprintf("%T %v", err, err)
}

// Uncaught exceptions, interrupts and stack overflows through Object.keys.
func TestProbeKeysUncatchable(t *testing.T) {
	cases := []struct {
		name, src string
		setup     func(rt *goja.Runtime)
	}{
		{"uncaught", `Object.keys(new Proxy(x, { ownKeys() { throw new TypeError('trap') } }))`, nil},
		{"uncaughtNull", `Object.keys(null)`, nil},
		{"interrupt", `try { Object.keys(new Proxy(x, { ownKeys() { for (;;) {} } })) } catch (e) { 'caught ' + e }`, func(rt *goja.Runtime) {
			time.AfterFunc(50*time.Millisecond, func() { rt.Interrupt("stop") })
		}},
		{"interruptFinally", `var fin = 0; try { Object.keys(new Proxy(x, { ownKeys() { for (;;) {} } })) } finally { fin = 1 }`, func(rt *goja.Runtime) {
			time.AfterFunc(50*time.Millisecond, func() { rt.Interrupt("stop") })
		}},
		{"overflow", `function f() { return Object.keys(new Proxy(x, { ownKeys() { return f() } })) } try { f() } catch (e) { 'caught ' + e }`, func(rt *goja.Runtime) {
			rt.SetMaxCallStackSize(200)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out [2]string
			for i, install := range []bool{false, true} {
				rt := newProbeRT(t, install)
				x, _ := ParseLazy(rt, []byte(`{"a":1,"b":{"c":2}}`))
				rt.Set("x", x)
				if c.setup != nil {
					c.setup(rt)
				}
				v, err := rt.RunString(c.src)
				after, err2 := rt.RunString(`JSON.stringify([Object.keys(x), Object.keys(x.b), typeof fin === 'undefined' ? null : fin])`)
				out[i] = fmt.Sprintf("v=%v err=%s | after=%v %v", v, describeErr(err), after, err2)
			}
			t.Logf("%s", out[1])
			if out[0] != out[1] {
				t.Errorf("differs:\n goja %s\n ours %s", out[0], out[1])
			}
		})
	}
}

// Keys survive the collector and the document going away.
func TestProbeKeysGC(t *testing.T) {
	rt := newProbeRT(t, true)
	fn, _ := rt.RunString(`(function(x) { globalThis.saved = (globalThis.saved || []).concat(Object.keys(x), Object.keys(x.list[0]), Object.keys(x.list[1])); })`)
	f, _ := goja.AssertFunction(fn)
	for i := 0; i < 200; i++ {
		doc := []byte(fmt.Sprintf(`{"k%d":1,"shortkey":2,"another_long_key_%d":3,"list":[{"id":1,"é":2},{"id":2,"é":3}]}`, i, i))
		x, err := ParseLazy(rt, doc)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f(goja.Undefined(), x); err != nil {
			t.Fatal(err)
		}
		for j := range doc {
			doc[j] = 'X'
		}
		runtime.GC()
	}
	// churn memory
	junk := make([][]byte, 0)
	for i := 0; i < 10000; i++ {
		junk = append(junk, make([]byte, 32))
		for j := range junk[i] {
			junk[i][j] = 'Z'
		}
	}
	runtime.GC()
	v, err := rt.RunString(`const m = new Map(); for (const k of saved) m.set(k, (m.get(k)||0)+1);
		JSON.stringify([saved.length, m.size, m.get('shortkey'), m.get('id'), m.get('é'), saved.filter(k => /^k\d+$/.test(k)).length, saved.every(k => typeof k === 'string' && !k.includes('X') && !k.includes('Z'))])`)
	if err != nil {
		t.Fatal(err)
	}
	if got := v.String(); got != `[1600,404,200,400,400,200,true]` {
		t.Errorf("got %s", got)
	}
	_ = junk
}

// Several runtimes on several goroutines, for -race.
func TestProbeKeysRace(t *testing.T) {
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rt := goja.New()
			if err := InstallKeys(rt); err != nil {
				t.Error(err)
				return
			}
			for i := 0; i < 50; i++ {
				x, _ := ParseLazy(rt, []byte(`[{"id":1,"name":"a"},{"id":2,"name":"b"}]`))
				rt.Set("x", x)
				if _, err := rt.RunString(`for (const r of x) { for (const k of Object.keys(r)) r[k + '_'] = r[k]; Object.keys(r) }`); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
}

// A lazy object of one runtime given to another's Object.keys by Go.
func TestProbeKeysOtherRuntime(t *testing.T) {
	rt1, rt2 := newProbeRT(t, true), newProbeRT(t, true)
	x, _ := ParseLazy(rt1, []byte(`{"a":1}`))
	keys, _ := goja.AssertFunction(rt2.Get("Object").(*goja.Object).Get("keys"))
	v, err := keys(goja.Undefined(), x)
	t.Logf("%v %v", v, err)
}
