package http

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/dop251/goja"

	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/bindings/auth"
	"github.com/synapsejs/synapse-js/bindings/bindingstest"
)

// newVU returns a runtime with synapse/http and synapse/auth, a fast retry
// backoff, and the scripts' variables http and auth defined.
func newVU(t testing.TB, mods ...bindings.Module) *bindingstest.VU {
	t.Helper()
	return newVUEnv(t, &bindings.Env{HTTP: &bindings.HTTPConfig{RetryBaseWait: 5 * time.Millisecond}}, mods...)
}

// newVUEnv is newVU with a chosen host-wide configuration (its modules are
// configured with it, as an engine does).
func newVUEnv(t testing.TB, env *bindings.Env, mods ...bindings.Module) *bindingstest.VU {
	t.Helper()
	if len(mods) == 0 {
		mods = []bindings.Module{New(), auth.New()}
	}
	vu := bindingstest.NewWithEnv(t, env, mods...)
	vu.MustRun(t, `var http = require('synapse/http'), auth = require('synapse/auth');`)
	return vu
}

// withDeadline replaces the call's context by one ending after d.
func withDeadline(t testing.TB, vu *bindingstest.VU, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	c := *vu.Call()
	c.Ctx = ctx
	vu.SetCall(&c)
}

// thrown runs src, which must throw, and returns what it threw.
func thrown(t testing.TB, vu *bindingstest.VU, src string) *goja.Object {
	t.Helper()
	_, err := vu.Run(src)
	if err == nil {
		t.Fatalf("script did not throw: %s", src)
	}
	ex, ok := err.(*goja.Exception)
	if !ok {
		t.Fatalf("script failed with %T %v, want a JS exception", err, err)
	}
	o, ok := ex.Value().(*goja.Object)
	if !ok {
		t.Fatalf("script threw %v, want an object", ex.Value())
	}
	return o
}

func str(o *goja.Object, k string) string {
	v := o.Get(k)
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return ""
	}
	return v.String()
}

func num(o *goja.Object, k string) int64 {
	v := o.Get(k)
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return -1
	}
	return v.ToInteger()
}

// runJSON runs src and decodes its result, which must be a JSON string.
func runJSON(t testing.TB, vu *bindingstest.VU, src string, into any) {
	t.Helper()
	v := vu.MustRun(t, src)
	if err := json.Unmarshal([]byte(v.String()), into); err != nil {
		t.Fatalf("result %q: %v", v.String(), err)
	}
}

func contains(t testing.TB, what, s, sub string) {
	t.Helper()
	if !strings.Contains(s, sub) {
		t.Errorf("%s = %q, want it to contain %q", what, s, sub)
	}
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
