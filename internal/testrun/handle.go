package testrun

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/dop251/goja"

	"github.com/synapsejs/synapse-js/bindings"
	jserrors "github.com/synapsejs/synapse-js/bindings/errors"
	"github.com/synapsejs/synapse-js/host"
)

// handle is what require('./connector.js') gives a test: one function per
// export the connector has, each calling it through the engine as the
// platform would (request checks, result checks, the SDK's defaults
// filled in), plus call(method, request, opts), info, name and methods.
//
//	pd.read({entity: 'person', since: '30d', limit: 50})
//	pd.get_by_id({entity: 'person', ids: ['1', '2']}, {connection})
//	pd.call('search', {query: 'ann', params: {}})
//
// opts: {connection, timeout (ms), wire: true (answer the exact wire body
// as a string)}. An error answer throws the synapse/errors class of its
// status (AuthError, NotFoundError, QuotaExceededError with retryAfter,
// ...) with status, detail and body (the wire error object).
func (fr *fileRun) handle(c *host.Connector) goja.Value {
	rt := fr.rt
	obj := rt.NewObject()
	for _, m := range c.Methods() {
		method := m
		_ = obj.Set(method, func(call goja.FunctionCall) goja.Value {
			return fr.invoke(c, method, call.Argument(0), call.Argument(1), true)
		})
	}
	_ = obj.Set("call", func(call goja.FunctionCall) goja.Value {
		return fr.invoke(c, call.Argument(0).String(), call.Argument(1), call.Argument(2), false)
	})
	info, _ := fr.jsonParse(goja.Undefined(), rt.ToValue(string(c.Info())))
	_ = obj.Set("info", info)
	_ = obj.Set("name", c.Name())
	_ = obj.Set("methods", c.Methods())
	return obj
}

// export reads a JS value as JSON-shaped Go values (numbers as
// json.Number), through JSON.stringify so toJSON and Dates behave.
func (fr *fileRun) export(v goja.Value) (json.RawMessage, error) {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return nil, nil
	}
	stringify, _ := goja.AssertFunction(fr.rt.Get("JSON").ToObject(fr.rt).Get("stringify"))
	s, err := stringify(goja.Undefined(), v)
	if err != nil {
		return nil, err
	}
	if goja.IsUndefined(s) {
		return nil, nil
	}
	return json.RawMessage(s.String()), nil
}

func decodeMap(raw json.RawMessage) (map[string]any, error) {
	m := map[string]any{}
	if len(raw) == 0 {
		return m, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("want an object: %w", err)
	}
	return m, nil
}

func (fr *fileRun) invoke(c *host.Connector, method string, reqV, optsV goja.Value, short bool) goja.Value {
	rt := fr.rt
	fail := func(format string, args ...any) {
		panic(rt.NewTypeError(fmt.Sprintf("%s.%s: ", c.Name(), method) + fmt.Sprintf(format, args...)))
	}
	raw, err := fr.export(reqV)
	if err != nil {
		fail("the request: %v", err)
	}
	var body json.RawMessage
	if short {
		m, err := decodeMap(raw)
		if err != nil {
			fail("the request: %v", err)
		}
		if body, err = buildRequest(method, m, fr.session.Now()); err != nil {
			fail("%v", err)
		}
	} else {
		body = raw
	}
	conn := fr.defaultConn
	var timeout time.Duration
	wire := false
	if optsV != nil && !goja.IsUndefined(optsV) && !goja.IsNull(optsV) {
		o := optsV.ToObject(rt)
		if cv := o.Get("connection"); cv != nil && !goja.IsUndefined(cv) {
			if conn, err = fr.export(cv); err != nil {
				fail("opts.connection: %v", err)
			}
		}
		if tv := o.Get("timeout"); tv != nil && !goja.IsUndefined(tv) {
			timeout = time.Duration(tv.ToFloat() * float64(time.Millisecond))
		}
		wire = o.Get("wire") != nil && o.Get("wire").ToBoolean()
	}
	fr.session.Connection(conn)
	ctx := fr.call.Context()
	m, ok := host.ResolveMethod(method)
	if !ok {
		fail("%q is not a synapse method (want one of %s)", method, strings.Join(host.MethodNames(), ", "))
	}
	typ := m.Type
	if m.Request != host.RequestBody {
		body = nil
	}
	if len(conn) == 0 {
		conn = json.RawMessage(`{"name":"test","authConfig":{}}`)
	}
	// Always the wire encoding: the SDK's keys and defaults, exactly what
	// the platform would get, then decoded for the test.
	resp := c.InvokeEnvelope(ctx, &host.Envelope{Type: typ, Connection: conn, Body: body}, host.CallOptions{Timeout: timeout}, true)
	if resp.Connection != nil {
		fr.session.Connection(resp.Connection)
	}
	if ctx.Err() != nil {
		// The test's deadline passed during the call: stop the test here.
		rt.Interrupt(ctx.Err())
	}
	if wire {
		return rt.ToValue(string(resp.Body))
	}
	if resp.Err != nil {
		panic(fr.callError(c, method, resp))
	}
	v, err := fr.decodeWire(m.Wire, resp.Body)
	if err != nil {
		fail("internal: the answer is not the wire format: %v", err)
	}
	return v
}

// decodeWire turns a wire body into the value it stands for: lists of
// JSON-encoded strings become lists of objects, the bare webhook
// identifier a string.
func (fr *fileRun) decodeWire(form host.WireForm, body []byte) (goja.Value, error) {
	rt := fr.rt
	switch form {
	case host.WireBareString:
		return rt.ToValue(string(body)), nil
	case host.WireStringList:
		var elems []string
		if err := json.Unmarshal(body, &elems); err != nil {
			return nil, err
		}
		arr := make([]any, len(elems))
		for i, e := range elems {
			v, err := fr.jsonParse(goja.Undefined(), rt.ToValue(e))
			if err != nil {
				return nil, err
			}
			arr[i] = v
		}
		return rt.NewArray(arr...), nil
	}
	return fr.jsonParse(goja.Undefined(), rt.ToValue(string(body)))
}

var retryAfterRe = regexp.MustCompile(`retry after (\d+) s`)

// callError is the exception for an error answer: the class its status
// stands for, so expect(...).toThrow(AuthError) reads as the platform sees it.
func (fr *fileRun) callError(c *host.Connector, method string, resp *host.Response) goja.Value {
	rt := fr.rt
	ce := resp.Err
	detail := ""
	if ce.Detail != nil {
		detail = *ce.Detail
	}
	class := jserrors.Synapse
	props := map[string]any{"status": ce.Status}
	switch ce.Status {
	case 401, 403:
		class = jserrors.Auth
	case 404:
		class = jserrors.NotFound
	case 405:
		class = jserrors.NotSupported
	case 429:
		class = jserrors.QuotaExceeded
		if m := retryAfterRe.FindStringSubmatch(detail); m != nil {
			n, _ := strconv.Atoi(m[1])
			props["retryAfter"] = n
		}
	}
	if ce.Status == 400 {
		// The wire carries only the status: a 400 the script threw on
		// purpose is a ValidationError (a SynapseError too); an uncaught
		// exception is a plain Error.
		class = jserrors.Validation
		if strings.HasPrefix(ce.Message, "Failed to execute request") {
			class = "Error"
		}
	}
	msg := ce.Message
	if detail != "" {
		msg += ": " + detail
	}
	props["detail"] = detail
	if b, err := fr.jsonParse(goja.Undefined(), rt.ToValue(string(resp.Body))); err == nil {
		props["body"] = b
	}
	props["method"] = method
	e := jserrors.New(rt, class, fmt.Sprintf("%s %s answered %d: %s", c.Name(), method, ce.Status, msg), props)
	return e
}

var _ bindings.VU = (*fileRun)(nil)
