package bindings_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/dop251/goja"

	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/bindings/bindingstest"
	synerrors "github.com/synapsejs/synapse-js/bindings/errors"
)

// countingModule counts its instances; each instance is an object holding
// its module's name and serial number.
type countingModule struct {
	name string
	n    atomic.Int32
	err  error
}

func (m *countingModule) Name() string { return m.name }

func (m *countingModule) NewInstance(vu bindings.VU) (goja.Value, error) {
	n := m.n.Add(1)
	if m.err != nil {
		return nil, m.err
	}
	o := vu.Runtime().NewObject()
	_ = o.Set("name", m.name)
	_ = o.Set("serial", n)
	return o, nil
}

// plainVU is a VU without the error classes: just a runtime.
type plainVU struct{ rt *goja.Runtime }

func (v plainVU) Runtime() *goja.Runtime { return v.rt }
func (v plainVU) Call() *bindings.Call   { return &bindings.Call{} }
func (v plainVU) Env() *bindings.Env     { return &bindings.Env{} }

func TestRequireCachesEachModule(t *testing.T) {
	t.Parallel()
	a := &countingModule{name: "test/a"}
	b := &countingModule{name: "test/b"}
	vu := bindingstest.New(t, a, b)
	if a.n.Load() != 0 || b.n.Load() != 0 {
		t.Fatal("a module was instantiated before anyone required it")
	}
	for _, name := range []string{"test/a", "test/b", synerrors.ModuleName} {
		src := fmt.Sprintf(`(() => { const m1 = require(%q), m2 = require(%q); return m1 === m2 && typeof m1 === "object" && m1 !== null })()`, name, name)
		if !vu.MustRun(t, src).ToBoolean() {
			t.Errorf("require(%q) twice gives different values", name)
		}
	}
	vu.MustRun(t, `for (let i = 0; i < 10; i++) { require("test/a"); require("test/b") }`)
	if a.n.Load() != 1 || b.n.Load() != 1 {
		t.Errorf("instances: a %d, b %d, want 1 each", a.n.Load(), b.n.Load())
	}
	if got := vu.MustRun(t, `require("test/a").name + " " + require("test/b").name`).String(); got != "test/a test/b" {
		t.Errorf("exports = %q", got)
	}
	if !vu.MustRun(t, `require("synapse/errors").AuthError === AuthError`).ToBoolean() {
		t.Error("require('synapse/errors') does not export the global classes")
	}
}

func TestRequireUnknownModule(t *testing.T) {
	t.Parallel()
	vu := bindingstest.New(t, &countingModule{name: "test/b"}, &countingModule{name: "test/a"})
	for _, arg := range []string{`"nope"`, `"synapse/http "`, `"SYNAPSE/ERRORS"`, ``} {
		name := strings.Trim(arg, `"`)
		if arg == "" {
			name = "undefined"
		}
		v := vu.MustRun(t, `(() => { try { require(`+arg+`); return null } catch (e) {
			return {plain: e instanceof Error && e.constructor === Error && !(e instanceof SynapseError), message: e.message} } })()`)
		if goja.IsNull(v) {
			t.Fatalf("require(%s) did not throw", arg)
		}
		o := v.(*goja.Object)
		if !o.Get("plain").ToBoolean() {
			t.Errorf("require(%s) threw something other than a plain Error", arg)
		}
		want := fmt.Sprintf("require(%q): no such module; the host provides only synapse/errors, test/a, test/b", name)
		if got := o.Get("message").String(); got != want {
			t.Errorf("message = %q, want %q", got, want)
		}
	}
}

func TestRequireInstanceError(t *testing.T) {
	t.Parallel()
	bad := &countingModule{name: "test/bad", err: errors.New("boom")}
	vu := bindingstest.New(t, bad)
	for range 2 {
		v := vu.MustRun(t, `(() => { try { require("test/bad"); return "no error" } catch (e) { return (e instanceof Error) + " " + e.message } })()`)
		if got, want := v.String(), `true require("test/bad"): boom`; got != want {
			t.Errorf("require = %q, want %q", got, want)
		}
	}
	// A failed instance is not cached: each require tries again.
	if bad.n.Load() != 2 {
		t.Errorf("NewInstance called %d times, want 2", bad.n.Load())
	}
}

// One registry serves many runtimes; each gets its own instances.
func TestRegistryPerRuntime(t *testing.T) {
	t.Parallel()
	m := &countingModule{name: "test/m"}
	reg := bindings.NewRegistry(m)
	var vus []plainVU
	for range 3 {
		vu := plainVU{goja.New()}
		if err := reg.Install(vu); err != nil {
			t.Fatal(err)
		}
		vus = append(vus, vu)
	}
	for i, vu := range vus {
		v, err := vu.rt.RunString(`require("test/m").serial + require("test/m").serial`)
		if err != nil {
			t.Fatal(err)
		}
		if got := v.ToInteger(); got != int64(2*(i+1)) {
			t.Errorf("runtime %d: serial sum %d, want %d", i, got, 2*(i+1))
		}
	}
	if m.n.Load() != 3 {
		t.Errorf("instances = %d, want 3", m.n.Load())
	}
}

func TestRegistryNames(t *testing.T) {
	t.Parallel()
	reg := bindings.NewRegistry(&countingModule{name: "z"}, &countingModule{name: "a"}, &countingModule{name: "m"})
	names := reg.Names()
	if !slices.Equal(names, []string{"a", "m", "z"}) {
		t.Fatalf("Names = %v", names)
	}
	names[0] = "changed"
	if reg.Names()[0] != "a" {
		t.Error("Names returns the registry's own slice")
	}
	if got := bindings.NewRegistry().Names(); len(got) != 0 {
		t.Errorf("empty registry: Names = %v", got)
	}
}

func TestThrowIsPlainError(t *testing.T) {
	t.Parallel()
	rt := goja.New()
	_ = rt.Set("fail", func() { bindings.Throw(rt, errors.New("it broke")) })
	v, err := rt.RunString(`(() => { try { fail(); return "no error" } catch (e) {
		return [e instanceof Error, e.constructor === Error, e.message, String(e)].join("|") } })()`)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := v.String(), "true|true|it broke|Error: it broke"; got != want {
		t.Errorf("caught %q, want %q", got, want)
	}
}

func TestCallContext(t *testing.T) {
	t.Parallel()
	var nilCall *bindings.Call
	if nilCall.Context() != context.Background() {
		t.Error("nil call: Context is not Background")
	}
	if (&bindings.Call{}).Context() != context.Background() {
		t.Error("call without Ctx: Context is not Background")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if (&bindings.Call{Ctx: ctx}).Context() != ctx {
		t.Error("Context is not the call's")
	}
}
