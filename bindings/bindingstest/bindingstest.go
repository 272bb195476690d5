// Package bindingstest runs small JS snippets against a real goja runtime
// with chosen modules installed, the way k6's modulestest does, so each
// binding is tested through what scripts actually see.
package bindingstest

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/dop251/goja"
	"github.com/rs/zerolog"

	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/bindings/errors"
	"github.com/synapsejs/synapse-js/connection"
)

// VU is a test runtime: one goja runtime, a registry of modules, and a call
// whose logs go to Logs.
type VU struct {
	// RT is the runtime the registry's modules are installed in; tests run
	// their scripts on it.
	RT   *goja.Runtime
	call *bindings.Call
	env  *bindings.Env
	// Logs receives the call's log lines as JSON, one per line.
	Logs *SyncBuffer
}

// Runtime implements bindings.VU.
func (v *VU) Runtime() *goja.Runtime { return v.RT }

// Call implements bindings.VU.
func (v *VU) Call() *bindings.Call { return v.call }

// Env implements bindings.VU.
func (v *VU) Env() *bindings.Env { return v.env }

// SetCall replaces the call in progress (to test per-call behaviour).
func (v *VU) SetCall(c *bindings.Call) { v.call = c }

// New returns a VU with the error classes installed as globals, require()
// offering mods, and a call with a 10 s deadline that ends with the test.
// The host-wide configuration is the default one, with an in-memory token
// store.
func New(t testing.TB, mods ...bindings.Module) *VU {
	t.Helper()
	return NewWithEnv(t, &bindings.Env{}, mods...)
}

// NewWithEnv is New with a chosen host-wide configuration. Modules are
// configured with env as an engine would; a nil HTTP or Tokens gets the
// default.
func NewWithEnv(t testing.TB, env *bindings.Env, mods ...bindings.Module) *VU {
	t.Helper()
	if env.HTTP == nil {
		env.HTTP = &bindings.HTTPConfig{}
	}
	if env.Tokens == nil {
		env.Tokens = connection.NewMemTokenStore()
	}
	for _, m := range mods {
		if c, ok := m.(bindings.Configurer); ok {
			c.Configure(env)
		}
	}
	rt := goja.New()
	rt.SetMaxCallStackSize(1000)
	if _, err := errors.Install(rt); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	logs := &SyncBuffer{}
	vu := &VU{RT: rt, Logs: logs, env: env}
	vu.call = &bindings.Call{
		Ctx:       ctx,
		Synapse:   "test",
		Type:      "READ",
		RequestID: "req-1",
		Log:       zerolog.New(logs).Level(zerolog.DebugLevel).With().Str("synapse", "test").Str("type", "READ").Str("request_id", "req-1").Logger(),
		Secrets:   bindings.NewSecrets(),
	}
	reg := bindings.NewRegistry(append([]bindings.Module{errors.Module{}}, mods...)...)
	if err := reg.Install(vu); err != nil {
		t.Fatal(err)
	}
	return vu
}

// Run runs src as a script and returns its completion value.
func (v *VU) Run(src string) (goja.Value, error) {
	return v.RT.RunString(src)
}

// MustRun runs src and fails the test on any exception.
func (v *VU) MustRun(t testing.TB, src string) goja.Value {
	t.Helper()
	val, err := v.Run(src)
	if err != nil {
		t.Fatalf("script failed: %v", err)
	}
	return val
}

// SyncBuffer is a bytes.Buffer safe for concurrent writes.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write implements io.Writer.
func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
