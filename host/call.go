package host

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/dop251/goja"

	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/connection"
	"github.com/synapsejs/synapse-js/internal/jsjson"
	"github.com/synapsejs/synapse-js/internal/jsvalue"
)

// Response is the answer to one call.
type Response struct {
	// Type is the wire request type ("READ"); empty if the envelope had none.
	Type string
	// Body is what to send back: for Invoke, the exact wire body; for
	// Call, plain JSON (arrays of objects, the error object on failure).
	Body []byte
	// Err is set when the call answered an error; Body then holds it.
	Err *CallError
	// Connection is the connection with rotated OAuth tokens written in,
	// when a refresh during the call rotated them; nil otherwise. Callers
	// must hand it back to whoever stores the connection.
	Connection json.RawMessage
	// Duration is how long the call took, queueing included.
	Duration time.Duration
}

// Status is 200 for success, else the error's status.
func (r *Response) Status() int {
	if r.Err != nil {
		return r.Err.Status
	}
	return 200
}

// ContentType is the Content-Type of the wire answer: JSON, except a
// successful answer of a type whose wire form is a bare string.
func (r *Response) ContentType() string {
	if m, ok := methodByType(r.Type); ok && r.Err == nil {
		return m.ContentType()
	}
	return JSONContentType
}

// CallOptions tune one call.
type CallOptions struct {
	// Timeout overrides the engine's default deadline for this call.
	Timeout time.Duration
	// OnRead, when set on a READ call, is told as soon as the script's
	// result is in and before it is encoded: the number of records and
	// the watermark as it will be written. A pager can start the next
	// page's call with it while this one is still being encoded. It runs
	// on the call's goroutine and must not block. It is not called for a
	// result that is not a ReadResponse (the call then fails).
	OnRead func(records int, watermark json.RawMessage, offsetType string)
}

// Invoke runs one call from a wire envelope and answers in the wire format,
// byte for byte what a Python synapse's execute() answers.
func (c *Connector) Invoke(ctx context.Context, envelope []byte, opts CallOptions) *Response {
	start := time.Now()
	env, ce := ParseEnvelope(envelope)
	if ce != nil {
		return c.fail(start, "", ce)
	}
	return c.InvokeEnvelope(ctx, env, opts, true)
}

// InvokeEnvelope runs a decoded envelope. wire selects the wire format
// (lists of JSON strings, bare webhook identifier) or plain JSON.
func (c *Connector) InvokeEnvelope(ctx context.Context, env *Envelope, opts CallOptions, wire bool) *Response {
	start := time.Now()
	m, ce := env.check()
	if ce != nil {
		return c.fail(start, env.Type, ce)
	}
	if !c.exported[m.Export] && m.absent == nil {
		return c.fail(start, env.Type, notSupported(m, c.file))
	}
	if msg := m.checkBody(env.Body); msg != "" {
		return c.fail(start, env.Type, malformed("body."+msg))
	}
	return c.run(ctx, start, m, env, opts, wire)
}

// Call runs one method (an export name or a wire type) with a connection
// and a request in plain JSON, for people and tools: lists come back as
// plain arrays.
func (c *Connector) Call(ctx context.Context, method string, connection, request json.RawMessage, opts CallOptions) *Response {
	m, ok := ResolveMethod(method)
	if !ok {
		return c.fail(time.Now(), "", &CallError{Status: 400, Message: "unknown method",
			Detail: ptr(fmt.Sprintf("%q is not a synapse method (want one of %s)", method, strings.Join(MethodNames(), ", ")))})
	}
	env := &Envelope{Type: m.Type, Connection: connection, Body: request}
	if m.Request == RequestConnection {
		env.Body = nil
	}
	if isAbsent(env.Connection) {
		env.Connection = json.RawMessage(`{"name":"default","authConfig":{}}`)
	}
	return c.InvokeEnvelope(ctx, env, opts, false)
}

// fail answers an error found before any script ran.
func (c *Connector) fail(start time.Time, typ string, ce *CallError) *Response {
	r := &Response{Type: typ, Err: ce, Body: ce.appendJSON(nil), Duration: time.Since(start)}
	c.observe(r)
	return r
}

func (c *Connector) observe(r *Response) {
	if o := c.engine.opts.Observer; o != nil {
		o.CallDone(c.serving, r.Type, r.Status(), r.Duration)
	}
}

func (c *Connector) run(ctx context.Context, start time.Time, m *Method, env *Envelope, opts CallOptions, wire bool) *Response {
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = c.engine.opts.Timeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	typ := env.Type
	// Log lines always carry a request id; when the platform sent none,
	// the host makes one up (prefixed "h-" so it is told apart), while
	// ctx.requestId still says what the envelope said.
	var requestID string
	if env.RequestID != nil && *env.RequestID != "" {
		requestID = *env.RequestID
	} else {
		requestID = "h-" + strconv.FormatUint(rand.Uint64(), 36)
	}
	rt, err := c.pool.get(ctx, c.engine.loadContext)
	if err != nil {
		if ctx.Err() != nil {
			return c.fail(start, typ, &CallError{Status: 504, Message: fmt.Sprintf("%s did not start within its %s deadline", typ, timeout), Detail: ptr("every runtime of " + c.serving + " was busy")})
		}
		return c.fail(start, typ, &CallError{Status: 500, Message: "Failed to execute request " + typ, Detail: ptr(err.Error())})
	}
	log := c.callLogger(typ, requestID)
	call := &bindings.Call{
		Ctx:       ctx,
		Synapse:   c.serving,
		Type:      typ,
		RequestID: requestID,
		Log:       log,
		Secrets:   bindings.NewSecrets(),
	}
	var out []byte
	reusable, err := rt.exec(ctx, call, func() error {
		var err error
		out, err = c.execute(ctx, rt, call, m, env, wire, opts)
		return err
	})
	c.pool.put(rt, reusable)
	r := &Response{Type: typ}
	if err != nil {
		r.Err = c.mapError(ctx, rt.js, typ, timeout, err, call.Secrets)
		r.Body = r.Err.appendJSON(nil)
		// A call its caller cancelled (a prefetch no longer needed, a
		// client gone) is the caller's decision, not a failure to warn of.
		lvl := log.Debug()
		if r.Err.Status >= 500 && !errors.Is(ctx.Err(), context.Canceled) {
			lvl = log.Warn()
		}
		lvl.Int("status", r.Err.Status).Str("error", r.Err.Message).Msg("call failed")
	} else {
		r.Body = out
	}
	if call.Rotated != nil {
		if conn, err := connection.WithTokens(env.Connection, *call.Rotated, time.Now()); err == nil {
			r.Connection = conn
		}
		log.Info().Msg("the call used OAuth tokens newer than the connection it was sent (rotated by this call or an earlier one); the new connection is returned to the caller")
	}
	r.Duration = time.Since(start)
	c.observe(r)
	return r
}

// execute builds req and ctx in the runtime, calls the export, waits for
// its promise, and encodes the result.
func (c *Connector) execute(ctx context.Context, rt *runtime, call *bindings.Call, m *Method, env *Envelope, wire bool, opts CallOptions) ([]byte, error) {
	js := rt.js
	raw, err := c.prepareConnection(ctx, call, env.Connection)
	if err != nil {
		return nil, err
	}
	fn, ok := rt.fns[m.Export]
	if !ok {
		return m.absent(raw, env.Body) // only rows with a default get here
	}
	var conn goja.Value = js.NewObject()
	if !isAbsent(raw) {
		if conn, err = jsjson.Parse(js, raw); err != nil {
			return nil, malformed("connection: " + err.Error())
		}
	}
	in := input{n: -1}
	switch {
	case m.Request == RequestConnection:
		in.req = conn
	case m.Request == RequestEmpty || isAbsent(env.Body):
		in.req = js.NewObject()
	default:
		if in.req, err = jsjson.Parse(js, env.Body); err != nil {
			return nil, malformed("body: " + err.Error())
		}
	}
	if m.result == resultResults {
		in.ids, in.n = syncariIDs(in.req)
	}
	jsctx := js.NewObject()
	_ = jsctx.Set("connection", conn)
	_ = jsctx.Set("type", env.Type)
	_ = jsctx.Set("syncariId", optString(env.SyncariID))
	_ = jsctx.Set("requestId", optString(env.RequestID))
	_ = jsctx.Set("host", optString(env.Host))
	if dl, ok := ctx.Deadline(); ok {
		_ = jsctx.Set("deadline", dl.UnixMilli())
	}
	res, err := fn(goja.Undefined(), in.req, jsctx)
	if err != nil {
		return nil, err
	}
	if res, err = rt.settle(ctx, res); err != nil {
		return nil, err
	}
	if opts.OnRead != nil && m.Type == "READ" {
		if n, wm, ot, ok := c.peekRead(res, m); ok {
			opts.OnRead(n, wm, ot)
		}
	}
	out, err := c.encodeResult(res, m, wire, in)
	if err == nil && call.Rotated != nil && m.returnsConnection() {
		// The platform stores the Connection TEST answers: it must carry
		// the tokens that replaced the ones the script was given, or the
		// platform keeps a revoked refresh token.
		out, err = connection.WithTokens(out, *call.Rotated, time.Now())
	}
	return out, err
}

// input is what the result encoder needs of the request: the request
// itself (describe's order) and the input records' syncariEntityIds, read
// before the script could change them (n is -1 when the request had no
// data array).
type input struct {
	req goja.Value
	ids []goja.Value
	n   int
}

// syncariIDs reads the input records' syncariEntityId before the script
// can change them, to fill Results that leave syncariId out.
func syncariIDs(req goja.Value) ([]goja.Value, int) {
	o, ok := req.(*goja.Object)
	if !ok {
		return nil, -1
	}
	data, ok := o.Get("data").(*goja.Object)
	if !ok || data.ClassName() != "Array" {
		return nil, -1
	}
	n := jsvalue.ArrayLen(data)
	ids := make([]goja.Value, n)
	for i := range n {
		if rec, ok := data.Get(jsvalue.Index(i)).(*goja.Object); ok {
			ids[i] = rec.Get("syncariEntityId")
		}
	}
	return ids, n
}

func optString(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

func ptr(s string) *string { return &s }
