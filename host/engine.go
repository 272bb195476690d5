// Package host loads connector scripts, validates them against the synapse
// contract, and runs their calls on pools of sandboxed goja runtimes, each
// call under its own deadline, answering in the platform's wire format.
package host

import (
	"context"
	goruntime "runtime"
	"time"

	"github.com/rs/zerolog"

	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/connection"
)

// Defaults for Options left zero.
const (
	DefaultTimeout          = 60 * time.Second
	DefaultLoadTimeout      = 10 * time.Second
	DefaultMaxCallStackSize = 2000
)

// Options configure an Engine. The zero value works.
type Options struct {
	// Timeout is a call's deadline unless the call sets its own (default 60 s).
	Timeout time.Duration
	// LoadTimeout bounds a script's top level and its synapse_info at load.
	LoadTimeout time.Duration
	// PoolSize is the number of runtimes per connector, which bounds how
	// many of its calls run at once (default 2 × GOMAXPROCS, at least 4).
	PoolSize int
	// MaxCallStackSize bounds JS recursion (default 2000 frames).
	MaxCallStackSize int
	// Logger receives the host's and the scripts' log lines.
	Logger zerolog.Logger
	// Modules are what require() offers, besides synapse/errors which is
	// always there.
	Modules []bindings.Module
	// InitRuntime runs once per new runtime, before the script, to define
	// extra globals (console, for one).
	InitRuntime func(vu bindings.VU) error
	// HTTP is the outbound HTTP policy handed to bindings.
	HTTP *bindings.HTTPConfig
	// Tokens remembers rotated OAuth tokens (default in memory).
	Tokens connection.TokenStore
	// OnHTTP, if set, is told about each HTTP request a script makes, by
	// serving name.
	OnHTTP func(synapse, method string, status int)
	// Observer, if set, is told about every call (for metrics).
	Observer Observer
}

// Observer is told about calls as they happen; the server uses it for
// Prometheus metrics. Implementations must be safe for concurrent use.
type Observer interface {
	// CallDone reports a finished call: its wire type, the status it
	// answered (200 for success) and how long it took.
	CallDone(synapse, typ string, status int, d time.Duration)
	// RuntimesInUse reports the change (+1/-1) of runtimes running a call.
	RuntimesInUse(synapse string, delta int)
}

// Engine loads connectors. One Engine is shared by every connector of a host.
type Engine struct {
	opts     Options
	env      *bindings.Env
	registry *bindings.Registry
	models   *models
}

// New returns an Engine.
func New(opts Options) *Engine {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.LoadTimeout <= 0 {
		opts.LoadTimeout = DefaultLoadTimeout
	}
	if opts.PoolSize <= 0 {
		opts.PoolSize = max(4, 2*goruntime.GOMAXPROCS(0))
	}
	if opts.MaxCallStackSize <= 0 {
		opts.MaxCallStackSize = DefaultMaxCallStackSize
	}
	if opts.HTTP == nil {
		opts.HTTP = &bindings.HTTPConfig{}
	}
	if opts.Tokens == nil {
		opts.Tokens = connection.NewMemTokenStore()
	}
	// Host-wide configuration reaches the bindings here, once; calls carry
	// only their own state.
	env := &bindings.Env{HTTP: opts.HTTP, Tokens: opts.Tokens, OnHTTP: opts.OnHTTP}
	mods := append([]bindings.Module{errorsModule()}, opts.Modules...)
	for _, m := range mods {
		if c, ok := m.(bindings.Configurer); ok {
			c.Configure(env)
		}
	}
	return &Engine{opts: opts, env: env, registry: bindings.NewRegistry(mods...), models: newModels()}
}

// Timeout is the engine's default call deadline.
func (e *Engine) Timeout() time.Duration { return e.opts.Timeout }

// Logger returns the engine's logger.
func (e *Engine) Logger() zerolog.Logger { return e.opts.Logger }

// loadContext bounds work done at load time.
func (e *Engine) loadContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, e.opts.LoadTimeout)
}
