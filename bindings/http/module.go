package http

import (
	"fmt"
	"net"
	nethttp "net/http"
	"time"

	"github.com/dop251/goja"
	"github.com/go-resty/resty/v2"

	"github.com/synapsejs/synapse-js/bindings"
)

// ModuleName is the require() name of this module.
const ModuleName = "synapse/http"

// Defaults used when the call's HTTPConfig leaves a field zero.
const (
	DefaultRetries       = 3
	DefaultRetryBaseWait = 250 * time.Millisecond
	// MaxRetryWait bounds a single wait between attempts when the call has
	// no deadline; a longer wait throws QuotaExceededError instead.
	MaxRetryWait = 2 * time.Minute
	// maxErrorBody caps the body kept on a thrown error.
	maxErrorBody = 64 << 10
	userAgent    = "synapse-js"
)

// Module is synapse/http. Create one per engine with New; the engine
// configures it once (Configure) with the host's HTTP policy, which compiles
// to one resty client, hence one connection pool, shared by every runtime.
type Module struct {
	env *bindings.Env
	cl  *client
	err error // an invalid policy: every request throws it
}

// New returns the http module.
func New() *Module { return &Module{} }

// Name implements bindings.Module.
func (m *Module) Name() string { return ModuleName }

// Configure implements bindings.Configurer. A Module belongs to one engine.
func (m *Module) Configure(env *bindings.Env) {
	cfg := bindings.HTTPConfig{}
	if env.HTTP != nil {
		cfg = *env.HTTP
	}
	m.env = env
	m.cl, m.err = newClient(&cfg)
}

// CloseIdleConnections closes the pooled connections no request is using
// (for a host shutting down).
func (m *Module) CloseIdleConnections() {
	if m.cl != nil {
		m.cl.resty.GetClient().CloseIdleConnections()
	}
}

// client is what one HTTPConfig compiles to: the effective limits, the
// address policy and the resty client whose transport enforces it.
type client struct {
	maxBytes int64
	retries  int
	baseWait time.Duration
	policy   *policy
	resty    *resty.Client
}

func newClient(eff *bindings.HTTPConfig) (*client, error) {
	p, err := compilePolicy(eff)
	if err != nil {
		return nil, fmt.Errorf("the host's outbound HTTP policy is invalid: %w", err)
	}
	c := &client{maxBytes: eff.MaxResponseBytes, retries: eff.Retries, baseWait: eff.RetryBaseWait, policy: p}
	if c.maxBytes <= 0 {
		c.maxBytes = bindings.DefaultMaxResponseBytes
	}
	switch {
	case c.retries < 0: // the host wants no retries unless a script asks
		c.retries = 0
	case c.retries == 0:
		c.retries = DefaultRetries
	}
	if c.baseWait <= 0 {
		c.baseWait = DefaultRetryBaseWait
	}
	next := eff.Transport
	if next == nil {
		next = &nethttp.Transport{
			DialContext:           p.dialContext(&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}),
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          100,
			MaxIdleConnsPerHost:   32,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
		}
	}
	hc := &nethttp.Client{Transport: &policyTransport{p: p, next: next}}
	c.resty = configureResty(resty.NewWithClient(hc))
	return c, nil
}

// configureResty sets what every resty client of the module has.
func configureResty(r *resty.Client) *resty.Client {
	return r.SetRedirectPolicy(resty.RedirectPolicyFunc(redirectPolicy)).
		SetLogger(discardLogger{}).
		SetDisableWarn(true).
		SetAllowGetMethodPayload(true).
		SetHeader("User-Agent", userAgent)
}

// NewInstance implements bindings.Module.
func (m *Module) NewInstance(vu bindings.VU) (goja.Value, error) {
	if m.env == nil {
		return nil, fmt.Errorf("%s was not configured by its engine", ModuleName)
	}
	in := &instance{mod: m, vu: vu, rt: vu.Runtime()}
	obj := in.rt.NewObject()
	if err := in.defineMethods(obj, nil); err != nil {
		return nil, err
	}
	if err := obj.Set("client", in.newClient); err != nil {
		return nil, fmt.Errorf("define http.client: %w", err)
	}
	return obj, nil
}

// instance is the module in one runtime.
type instance struct {
	mod *Module
	vu  bindings.VU
	rt  *goja.Runtime
	// text, json, bytes and arrayBuffer are the responses' shared
	// methods, made on first use.
	text, json, bytes, arrayBuffer goja.Value
	// guard is the request budget and repeat guard (budget.go).
	guard guard
}

// defineMethods sets request/get/post/put/patch/del on obj, relative to
// defaults d (nil for the module itself).
func (in *instance) defineMethods(obj *goja.Object, d *defaults) error {
	prefix := "http."
	if d != nil {
		prefix = "client."
	}
	methods := []struct {
		name, method string
		body         bool
	}{
		{"get", nethttp.MethodGet, false},
		{"del", nethttp.MethodDelete, false},
		{"post", nethttp.MethodPost, true},
		{"put", nethttp.MethodPut, true},
		{"patch", nethttp.MethodPatch, true},
	}
	if err := obj.Set("request", func(c goja.FunctionCall) goja.Value {
		return in.request(prefix+"request", d, c.Argument(0))
	}); err != nil {
		return fmt.Errorf("define %srequest: %w", prefix, err)
	}
	for _, m := range methods {
		fn, method, hasBody := prefix+m.name, m.method, m.body
		f := func(c goja.FunctionCall) goja.Value {
			return in.shorthand(fn, method, hasBody, d, c)
		}
		if err := obj.Set(m.name, f); err != nil {
			return fmt.Errorf("define %s: %w", fn, err)
		}
	}
	return nil
}

type discardLogger struct{}

// Errorf implements resty.Logger; resty's own messages are dropped
// (requests are logged on the call's logger instead).
func (discardLogger) Errorf(string, ...any) {}

// Warnf implements resty.Logger.
func (discardLogger) Warnf(string, ...any) {}

// Debugf implements resty.Logger.
func (discardLogger) Debugf(string, ...any) {}
