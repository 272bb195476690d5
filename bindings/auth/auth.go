package auth

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/dop251/goja"
	"github.com/go-resty/resty/v2"

	"github.com/synapsejs/synapse-js/bindings"
)

// ModuleName is the require() name of this module.
const ModuleName = "synapse/auth"

// Authenticator is what an auth object carries for the http module: it adds
// credentials to requests and reacts to a 401. Implementations must be safe
// for concurrent use and must take the call (context, secrets, token store)
// from their arguments, never from the call they were created in: a script
// may keep an auth object in a module-level variable across calls.
type Authenticator interface {
	// Scheme names the scheme ("bearer", "basic", "apiKey", "oauth2").
	Scheme() string
	// Apply adds the credentials to req, refreshing them first when they
	// are about to expire. client is the http module's client (it enforces
	// the host's outbound policy) for any token request; ctx bounds it.
	Apply(ctx context.Context, call *bindings.Call, client *resty.Client, req *resty.Request) error
	// OnUnauthorized is told that req, as Apply prepared it, was answered
	// 401. retry reports whether sending it again (after a new Apply) may
	// succeed; the http module asks at most once per request.
	OnUnauthorized(ctx context.Context, call *bindings.Call, client *resty.Client, req *resty.Request) (retry bool, err error)
	// SensitiveHeaders lists the header names Apply sets, so a redirect to
	// another host can drop them.
	SensitiveHeaders() []string
}

// FromValue returns the Authenticator behind an auth object a script got
// from this module, or false for any other value.
func FromValue(v goja.Value) (Authenticator, bool) {
	o, ok := v.(*goja.Object)
	if !ok {
		return nil, false
	}
	h, ok := o.Export().(*handle)
	if !ok {
		return nil, false
	}
	return h.a, true
}

// Module is synapse/auth. Concurrent refreshes of one connection, in
// different runtimes (or hosts), produce a single token request through the
// engine's token store (bindings.Env.Tokens), which holds the locks.
type Module struct{}

// New returns the auth module.
func New() *Module { return &Module{} }

// Name implements bindings.Module.
func (m *Module) Name() string { return ModuleName }

// NewInstance implements bindings.Module.
func (m *Module) NewInstance(vu bindings.VU) (goja.Value, error) {
	in := &instance{vu: vu, rt: vu.Runtime(), env: vu.Env()}
	obj := in.rt.NewObject()
	for name, fn := range map[string]func(goja.FunctionCall) goja.Value{
		"apiKey":         in.apiKey,
		"basic":          in.basic,
		"bearer":         in.bearer,
		"oauth2":         in.oauth2,
		"fromConnection": in.fromConnection,
	} {
		if err := obj.Set(name, fn); err != nil {
			return nil, fmt.Errorf("define auth.%s: %w", name, err)
		}
	}
	return obj, nil
}

type instance struct {
	vu  bindings.VU
	rt  *goja.Runtime
	env *bindings.Env
}

func (in *instance) typeError(fn, format string, args ...any) {
	panic(in.rt.NewTypeError(fn + ": " + fmt.Sprintf(format, args...)))
}

// wrap makes the opaque JS object for a. Scripts see only its scheme;
// JSON.stringify of it shows no secret.
func (in *instance) wrap(a Authenticator) goja.Value {
	return in.rt.NewDynamicObject(&handle{a: a, scheme: in.rt.ToValue(a.Scheme())})
}

// handle is the Go side of an auth object (a goja DynamicObject whose
// Export() returns the handle itself).
type handle struct {
	a      Authenticator
	scheme goja.Value
}

// Get implements goja.DynamicObject: only "scheme" is visible.
func (h *handle) Get(key string) goja.Value {
	if key == "scheme" {
		return h.scheme
	}
	return nil
}

// Set implements goja.DynamicObject: auth objects are read-only.
func (h *handle) Set(string, goja.Value) bool { return false }

// Has implements goja.DynamicObject.
func (h *handle) Has(key string) bool { return key == "scheme" }

// Delete implements goja.DynamicObject: nothing can be deleted.
func (h *handle) Delete(string) bool { return false }

// Keys implements goja.DynamicObject.
func (h *handle) Keys() []string { return []string{"scheme"} }

// secretsOnce adds an authenticator's secrets to a call's Secrets once per
// Secrets value (each call has its own), cheaply on later requests.
type secretsOnce struct {
	last atomic.Pointer[bindings.Secrets]
}

func (s *secretsOnce) add(call *bindings.Call, values ...string) {
	if call == nil || call.Secrets == nil {
		return
	}
	if s.last.Load() == call.Secrets {
		return
	}
	call.Secrets.Add(values...)
	s.last.Store(call.Secrets)
}

// reset makes the next add register the values again (they changed).
func (s *secretsOnce) reset() { s.last.Store(nil) }
