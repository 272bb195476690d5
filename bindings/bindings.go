// Package bindings defines what connector scripts see of the host: the
// modules behind require('synapse/...'), and the per-call state those modules
// read (the call's context, logger, secrets and connection).
//
// The shape follows k6's js/modules: a Module is registered once per host and
// instantiated once per runtime (NewInstance), and every blocking operation
// an instance performs uses the context of the call in progress, taken from
// VU.Call() at the moment of the operation. A runtime serves one call at a
// time, so an instance never sees two calls at once.
package bindings

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/dop251/goja"
	"github.com/rs/zerolog"

	"github.com/synapsejs/synapse-js/connection"
)

// VU is a runtime as a module instance sees it: the goja runtime it lives in,
// and the call that runtime is running now.
type VU interface {
	// Runtime returns the goja runtime; only use it on the call's goroutine.
	Runtime() *goja.Runtime
	// Call returns the call in progress. Outside a call (while the script's
	// top level runs at load time) it returns a Call whose context is the
	// load's context.
	Call() *Call
	// Env returns the host-wide configuration, the same for every runtime
	// of an engine.
	Env() *Env
}

// Module is one namespace scripts can require.
type Module interface {
	// Name is the require() name, such as "synapse/http".
	Name() string
	// NewInstance builds the exports for one runtime. It is called once per
	// runtime, lazily, the first time the script requires the module.
	NewInstance(vu VU) (goja.Value, error)
}

// Call is the state of one synapse call as bindings see it. The host creates
// one per call and drops it when the call ends.
type Call struct {
	// Ctx ends when the call's deadline passes or its caller goes away;
	// every blocking binding must honour it.
	Ctx context.Context
	// Synapse is the name the connector serves under: the upload's name on
	// a server, synapse_info's name elsewhere. Remembered tokens and
	// metrics are keyed by it.
	Synapse string
	// Type is the wire request type, such as "READ".
	Type string
	// RequestID is the envelope's requestId, or one the host made up.
	RequestID string
	// ConnectionName is connection.name, the key for remembered OAuth tokens.
	ConnectionName string
	// Log is the call's logger, already carrying synapse, type and request id.
	Log zerolog.Logger
	// Secrets redacts every secret the call knows from text it emits.
	Secrets *Secrets
	// Rotated is set by the auth module when a refresh produced new tokens
	// during this call (or it adopted tokens another call's refresh
	// produced), so the host can hand them back to the caller.
	Rotated *connection.Tokens
}

// TokenKey is the key of the call's remembered tokens.
func (c *Call) TokenKey() connection.Key {
	return connection.Key{Synapse: c.Synapse, Connection: c.ConnectionName}
}

// Context returns the call's context, or context.Background for a nil call.
func (c *Call) Context() context.Context {
	if c == nil || c.Ctx == nil {
		return context.Background()
	}
	return c.Ctx
}

// Eager is a Module whose instance is made with the runtime, before any
// script runs, instead of on first require: it keeps builtins (such as
// Object.keys) a script could replace later.
type Eager interface {
	Module
	// Eager marks the module; it does nothing.
	Eager()
}

// Configurer is a Module that needs the host-wide configuration. The engine
// calls Configure once, when it is built, before any runtime exists.
type Configurer interface {
	// Configure hands the module the host-wide configuration to keep.
	Configure(env *Env)
}

// Registry is the set of modules a host offers. It is immutable once built
// and shared by every runtime of the host.
type Registry struct {
	modules map[string]Module
	names   []string
}

// NewRegistry returns a registry of the given modules.
func NewRegistry(mods ...Module) *Registry {
	r := &Registry{modules: make(map[string]Module, len(mods))}
	for _, m := range mods {
		r.modules[m.Name()] = m
		r.names = append(r.names, m.Name())
	}
	sort.Strings(r.names)
	return r
}

// Names lists the module names, sorted.
func (r *Registry) Names() []string { return append([]string(nil), r.names...) }

// Install defines the global require function in vu's runtime. Each module
// is instantiated on first require (an Eager one here, at Install) and
// cached for the runtime's life.
// require of any other name throws an Error that lists the modules that exist.
func (r *Registry) Install(vu VU) error {
	rt := vu.Runtime()
	cache := make(map[string]goja.Value, len(r.modules))
	for _, name := range r.names {
		if m, ok := r.modules[name].(Eager); ok {
			v, err := m.NewInstance(vu)
			if err != nil {
				return fmt.Errorf("make module %s: %w", name, err)
			}
			cache[name] = v
		}
	}
	require := func(call goja.FunctionCall) goja.Value {
		name := call.Argument(0).String()
		if v, ok := cache[name]; ok {
			return v
		}
		m, ok := r.modules[name]
		if !ok {
			Throw(rt, fmt.Errorf("require(%q): no such module; the host provides only %s", name, strings.Join(r.names, ", ")))
		}
		v, err := m.NewInstance(vu)
		if err != nil {
			Throw(rt, fmt.Errorf("require(%q): %w", name, err))
		}
		cache[name] = v
		return v
	}
	return rt.Set("require", require)
}

// Throw raises err in rt as a plain JavaScript Error (not goja's GoError, so
// scripts see a normal message). It never returns. Bindings must only ever
// panic with goja values: any other panic escapes the script's catch.
func Throw(rt *goja.Runtime, err error) {
	ctor, _ := goja.AssertConstructor(rt.Get("Error"))
	obj, cerr := ctor(nil, rt.ToValue(err.Error()))
	if cerr != nil {
		panic(rt.NewGoError(err))
	}
	panic(obj)
}

// ValidHeaderName reports whether s is an HTTP token (RFC 9110 §5.6.2), as
// header names and methods must be.
func ValidHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// LoadType is Call.Type while a connector's top level runs (at load, or
// when a runtime is made), outside any call.
const LoadType = "LOAD"
