package host

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/dop251/goja"

	"github.com/synapsejs/synapse-js/bindings"
	jserrors "github.com/synapsejs/synapse-js/bindings/errors"
	"github.com/synapsejs/synapse-js/internal/jsjson"
)

// CallError is an error answer: on the wire, the object
// {"status_code", "message", "detail"} sent with HTTP 200.
type CallError struct {
	Status  int     `json:"status_code"`
	Message string  `json:"message"`
	Detail  *string `json:"detail"`
}

// Error implements error.
func (e *CallError) Error() string {
	if e.Detail != nil {
		return fmt.Sprintf("%d %s: %s", e.Status, e.Message, *e.Detail)
	}
	return fmt.Sprintf("%d %s", e.Status, e.Message)
}

// appendJSON writes the error in the wire's exact form.
func (e *CallError) appendJSON(dst []byte) []byte {
	dst = append(dst, `{"status_code":`...)
	dst = strconv.AppendInt(dst, int64(e.Status), 10)
	dst = append(dst, `,"message":`...)
	dst = jsjson.AppendString(dst, e.Message)
	dst = append(dst, `,"detail":`...)
	if e.Detail == nil {
		dst = append(dst, "null"...)
	} else {
		dst = jsjson.AppendString(dst, *e.Detail)
	}
	return append(dst, '}')
}

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

// CallOptions tune one call.
type CallOptions struct {
	// Timeout overrides the engine's default deadline for this call.
	Timeout time.Duration
}

// Envelope is the platform's request: {type, connection, body, host,
// syncariId, requestId}.
type Envelope struct {
	Type       string          `json:"type"`
	Connection json.RawMessage `json:"connection"`
	Body       json.RawMessage `json:"body"`
	Host       *string         `json:"host"`
	SyncariID  *string         `json:"syncariId"`
	RequestID  *string         `json:"requestId"`
}

// wireTypes in the order error messages list them.
var wireTypes = []string{"SYNAPSE_INFO", "TEST", "REFRESH_TOKEN", "GET_ACCESS_TOKEN", "DESCRIBE", "READ", "GET_BY_ID", "CREATE", "UPDATE", "DELETE", "EXTRACT_WEBHOOK_IDENTIFIER", "PROCESS_WEBHOOK", "GET_HEADERS", "SEARCH"}

// Invoke runs one call from a wire envelope and answers in the wire format,
// byte for byte what a Python synapse's execute() answers.
func (c *Connector) Invoke(ctx context.Context, envelope []byte, opts CallOptions) *Response {
	start := time.Now()
	var env Envelope
	if err := json.Unmarshal(envelope, &env); err != nil {
		return c.fail(start, "", 400, "malformed envelope", describeJSONError(err), true)
	}
	return c.InvokeEnvelope(ctx, &env, opts, true)
}

// InvokeEnvelope runs a decoded envelope. wire selects the wire format
// (lists of JSON strings, bare webhook identifier) or plain JSON.
func (c *Connector) InvokeEnvelope(ctx context.Context, env *Envelope, opts CallOptions, wire bool) *Response {
	start := time.Now()
	if env.Type == "" {
		return c.fail(start, "", 400, "malformed envelope", "type is required (one of "+strings.Join(wireTypes, ", ")+")", wire)
	}
	method, ok := MethodForType(env.Type)
	if !ok {
		return c.fail(start, env.Type, 400, "malformed envelope", fmt.Sprintf("type %q is not a request type (want one of %s)", env.Type, strings.Join(wireTypes, ", ")), wire)
	}
	if !isObject(env.Connection) && !(env.Type == "SYNAPSE_INFO" && isAbsent(env.Connection)) {
		return c.fail(start, env.Type, 400, "malformed envelope", "connection: want an object, got "+jsonKind(env.Connection), wire)
	}
	if !isAbsent(env.Body) && !isObject(env.Body) {
		return c.fail(start, env.Type, 400, "malformed envelope", "body: want an object, got "+jsonKind(env.Body), wire)
	}
	if !c.exported[method] {
		r := c.fail(start, env.Type, 405, fmt.Sprintf("Operation %s is not supported", env.Type), fmt.Sprintf("%s does not export %s", c.file, method), wire)
		return r
	}
	if msg := checkBody(env.Type, env.Body); msg != "" {
		return c.fail(start, env.Type, 400, "malformed envelope", "body."+msg, wire)
	}
	return c.run(ctx, start, method, env, opts, wire)
}

// Call runs one method with a connection and a request in plain JSON, for
// people and tools: lists come back as plain arrays.
func (c *Connector) Call(ctx context.Context, method string, connection, request json.RawMessage, opts CallOptions) *Response {
	typ, ok := TypeForMethod(method)
	if !ok {
		if t := strings.ToUpper(method); t != "" {
			if m, ok2 := MethodForType(t); ok2 {
				method, typ, ok = m, t, true
			}
		}
	}
	if !ok {
		return c.fail(time.Now(), "", 400, "unknown method", fmt.Sprintf("%q is not a synapse method (want one of %s)", method, strings.Join(Methods(), ", ")), false)
	}
	env := &Envelope{Type: typ, Connection: connection, Body: request}
	if typ == "TEST" || typ == "REFRESH_TOKEN" || typ == "GET_HEADERS" {
		env.Body = nil
	}
	if isAbsent(env.Connection) {
		env.Connection = json.RawMessage(`{"name":"default","authConfig":{}}`)
	}
	return c.InvokeEnvelope(ctx, env, opts, false)
}

func (c *Connector) fail(start time.Time, typ string, status int, msg, detail string, wire bool) *Response {
	ce := &CallError{Status: status, Message: msg}
	if detail != "" {
		ce.Detail = &detail
	}
	r := &Response{Type: typ, Err: ce, Body: ce.appendJSON(nil), Duration: time.Since(start)}
	c.observe(r)
	return r
}

func (c *Connector) observe(r *Response) {
	if o := c.engine.opts.Observer; o != nil {
		o.CallDone(c.name, r.Type, r.Status(), r.Duration)
	}
}

func (c *Connector) run(ctx context.Context, start time.Time, method string, env *Envelope, opts CallOptions, wire bool) *Response {
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
	v, err := c.pool.get(ctx, c.engine.loadContext)
	if err != nil {
		if ctx.Err() != nil {
			return c.fail(start, typ, 504, fmt.Sprintf("%s did not start within its %s deadline", typ, timeout), "every runtime of "+c.name+" was busy", wire)
		}
		return c.fail(start, typ, 500, "Failed to execute request "+typ, err.Error(), wire)
	}
	log := c.callLogger(typ, requestID)
	e := c.engine
	call := &bindings.Call{
		Ctx:       ctx,
		Synapse:   c.name,
		Type:      typ,
		RequestID: requestID,
		Log:       log,
		Secrets:   bindings.NewSecrets(),
		Tokens:    e.opts.Tokens,
		HTTP:      e.opts.HTTP,
	}
	if e.opts.OnHTTP != nil {
		name := c.name
		call.OnHTTP = func(method string, status int) { e.opts.OnHTTP(name, method, status) }
	}
	var out []byte
	err, reusable := v.exec(ctx, call, func() error {
		var err error
		out, err = c.execute(ctx, v, call, method, env, wire)
		return err
	})
	c.pool.put(v, reusable)
	r := &Response{Type: typ}
	if err != nil {
		r.Err = c.mapError(ctx, v.rt, typ, timeout, err, call.Secrets)
		r.Body = r.Err.appendJSON(nil)
		lvl := log.Debug()
		if r.Err.Status >= 500 {
			lvl = log.Warn()
		}
		lvl.Int("status", r.Err.Status).Str("error", r.Err.Message).Msg("call failed")
	} else {
		r.Body = out
	}
	if call.Rotated != nil {
		r.Connection = withTokens(env.Connection, *call.Rotated)
		log.Info().Msg("OAuth tokens rotated during the call; the new connection is returned to the caller")
	}
	r.Duration = time.Since(start)
	c.observe(r)
	return r
}

// execute builds req and ctx in the runtime, calls the export, waits for
// its promise, and encodes the result.
func (c *Connector) execute(ctx context.Context, v *vm, call *bindings.Call, method string, env *Envelope, wire bool) ([]byte, error) {
	rt := v.rt
	var conn goja.Value = rt.NewObject()
	if !isAbsent(env.Connection) {
		var err error
		if conn, err = jsjson.Parse(rt, env.Connection); err != nil {
			return nil, &CallError{Status: 400, Message: "malformed envelope", Detail: ptr("connection: " + err.Error())}
		}
	}
	c.prepareConnection(rt, call, conn)
	var req goja.Value
	switch env.Type {
	case "TEST", "REFRESH_TOKEN", "GET_HEADERS":
		req = conn
	case "SYNAPSE_INFO":
		req = rt.NewObject()
	default:
		if isAbsent(env.Body) {
			req = rt.NewObject()
		} else {
			var err error
			if req, err = jsjson.Parse(rt, env.Body); err != nil {
				return nil, &CallError{Status: 400, Message: "malformed envelope", Detail: ptr("body: " + err.Error())}
			}
		}
	}
	var inputIDs []goja.Value
	nInput := -1
	switch env.Type {
	case "CREATE", "UPDATE", "DELETE":
		inputIDs, nInput = syncariIDs(req)
	}
	jsctx := rt.NewObject()
	_ = jsctx.Set("connection", conn)
	_ = jsctx.Set("type", env.Type)
	_ = jsctx.Set("syncariId", optString(env.SyncariID))
	_ = jsctx.Set("requestId", optString(env.RequestID))
	_ = jsctx.Set("host", optString(env.Host))
	if dl, ok := ctx.Deadline(); ok {
		_ = jsctx.Set("deadline", dl.UnixMilli())
	}
	res, err := v.fns[method](goja.Undefined(), req, jsctx)
	if err != nil {
		return nil, err
	}
	if res, err = v.settle(ctx, res); err != nil {
		return nil, err
	}
	return c.encodeResult(res, env.Type, method, wire, inputIDs, nInput, req)
}

// prepareConnection swaps in rotated tokens the host remembers and
// registers the connection's secrets for redaction.
func (c *Connector) prepareConnection(rt *goja.Runtime, call *bindings.Call, conn goja.Value) {
	co, ok := conn.(*goja.Object)
	if !ok {
		return
	}
	if n := co.Get("name"); n != nil && jsjson.KindOf(n) == jsjson.String {
		call.ConnectionName = n.String()
	}
	ac, ok := co.Get("authConfig").(*goja.Object)
	if !ok {
		return
	}
	get := func(k string) string {
		if v := ac.Get(k); v != nil && jsjson.KindOf(v) == jsjson.String {
			return v.String()
		}
		return ""
	}
	carried := bindings.OAuthTokens{AccessToken: get("accessToken"), RefreshToken: get("refreshToken")}
	if call.Tokens != nil && (carried.AccessToken != "" || carried.RefreshToken != "") {
		if newer, ok := call.Tokens.Newer(c.name, call.ConnectionName, carried); ok {
			_ = ac.Set("accessToken", newer.AccessToken)
			if newer.RefreshToken != "" {
				_ = ac.Set("refreshToken", newer.RefreshToken)
			}
			if !newer.ExpiresAt.IsZero() {
				_ = ac.Set("expiresIn", strconv.FormatInt(int64(time.Until(newer.ExpiresAt).Seconds()), 10))
			}
			call.Log.Debug().Msg("using OAuth tokens rotated by an earlier call")
		}
	}
	for _, k := range []string{"password", "token", "accessToken", "refreshToken", "clientSecret"} {
		call.Secrets.Add(get(k))
	}
	if h, ok := ac.Get("additionalHeaders").(*goja.Object); ok {
		for _, k := range h.Keys() {
			if v := h.Get(k); jsjson.KindOf(v) == jsjson.String {
				call.Secrets.Add(v.String())
			}
		}
	}
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
	n := jsjson.ArrayLen(data)
	ids := make([]goja.Value, n)
	for i := range n {
		if rec, ok := data.Get(jsjson.Index(i)).(*goja.Object); ok {
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

// encodeResult checks res against the model the type must return and
// writes it as the wire (or plain JSON) wants.
func (c *Connector) encodeResult(res goja.Value, typ, method string, wire bool, ids []goja.Value, nInput int, req goja.Value) ([]byte, error) {
	m := c.engine.models
	hint := c.sizeHints[typ]
	size := 256
	if hint != nil {
		size = max(size, int(hint.Load())+int(hint.Load())/8)
	}
	enc := &encoder{method: method, buf: make([]byte, 0, size)}
	if hint != nil {
		defer func() { hint.Store(int64(len(enc.buf))) }()
	}
	var err error
	switch typ {
	case "SYNAPSE_INFO":
		err = enc.value(res, m.synapseInfo)
	case "TEST":
		err = enc.value(res, m.connection)
	case "READ":
		err = enc.structure(res, m.readResponse, func(seen []bool, first bool) bool {
			// pydantic's defaults: data may be left out, offsetType is
			// RECORD_COUNT unless said.
			if !seen[0] {
				enc.buf = appendField(enc.buf, first, "data", "[]")
				first = false
			}
			if !seen[2] {
				enc.buf = appendField(enc.buf, first, "offsetType", `"RECORD_COUNT"`)
				first = false
			}
			return first
		})
	case "DESCRIBE":
		err = c.encodeList(enc, res, m.schemaList, wire, nil)
		if err == nil {
			err = checkDescribeOrder(method, req, res)
		}
	case "GET_BY_ID", "SEARCH", "PROCESS_WEBHOOK":
		err = c.encodeList(enc, res, m.recordList, wire, nil)
	case "CREATE", "UPDATE", "DELETE":
		if o, ok := res.(*goja.Object); ok && o.ClassName() == "Array" && nInput >= 0 {
			if n := jsjson.ArrayLen(o); n != nInput {
				return nil, &ShapeError{Method: method, Msg: fmt.Sprintf("%d results for %d input records; want one Result per record, in order", n, nInput)}
			}
		}
		err = c.encodeList(enc, res, m.resultList, wire, ids)
	case "EXTRACT_WEBHOOK_IDENTIFIER":
		k := jsjson.KindOf(res)
		if k != jsjson.String && k != jsjson.Int && k != jsjson.Float {
			return nil, &ShapeError{Method: method, Msg: "want a string, " + got(res)}
		}
		if wire {
			return []byte(res.String()), nil // the bare string, not quoted
		}
		return jsjson.AppendString(nil, res.String()), nil
	case "GET_ACCESS_TOKEN", "REFRESH_TOKEN":
		err = enc.value(res, m.object)
	case "GET_HEADERS":
		err = enc.value(res, m.stringMap)
	}
	if err == nil && (typ == "SYNAPSE_INFO" || typ == "TEST" || typ == "GET_ACCESS_TOKEN" || typ == "REFRESH_TOKEN" || typ == "GET_HEADERS") && jsjson.KindOf(res) == jsjson.Null {
		err = &ShapeError{Method: method, Msg: "want an object, got null"}
	}
	if err != nil {
		return nil, err
	}
	return enc.buf, nil
}

func appendField(dst []byte, first bool, name, raw string) []byte {
	if !first {
		dst = append(dst, ',')
	}
	dst = jsjson.AppendString(dst, name)
	dst = append(dst, ':')
	return append(dst, raw...)
}

// encodeList writes a list result; on the wire each element is itself a
// JSON-encoded string, because the platform reads List<String>.
func (c *Connector) encodeList(enc *encoder, res goja.Value, s *shape, wire bool, ids []goja.Value) error {
	k := jsjson.KindOf(res)
	if k != jsjson.Array {
		if k == jsjson.Promise {
			return enc.fail("want an array, got a Promise (a missing await?)")
		}
		return enc.fail("want an array, %s", got(res))
	}
	o := res.(*goja.Object)
	n := jsjson.ArrayLen(o)
	enc.buf = append(enc.buf, '[')
	var scratch encoder
	for i := 0; i < n; i++ {
		if i > 0 {
			enc.buf = append(enc.buf, ',')
		}
		el := o.Get(jsjson.Index(i))
		target := enc
		if wire {
			scratch = encoder{method: enc.method, path: enc.path, buf: scratch.buf[:0]}
			target = &scratch
		}
		target.push("[" + strconv.Itoa(i) + "]")
		var err error
		if s.elem == c.engine.models.resultList.elem {
			var id goja.Value
			if i < len(ids) {
				id = ids[i]
			}
			err = target.result(el, s.elem, id)
		} else {
			err = target.value(el, s.elem)
		}
		if err != nil {
			return err
		}
		target.pop()
		if wire {
			enc.buf = jsjson.AppendString(enc.buf, string(scratch.buf))
		}
	}
	enc.buf = append(enc.buf, ']')
	return nil
}

// result writes a Result with the host's fills: errors [] when missing,
// syncariId from the input record, success true when there are no errors.
// The key order is fixed: success, errors, id, syncariId.
func (e *encoder) result(v goja.Value, s *shape, inputID goja.Value) error {
	o, ok := v.(*goja.Object)
	if !ok || jsjson.KindOf(v) != jsjson.Object {
		return e.fail("want a Result object, %s", got(v))
	}
	get := func(k string) goja.Value {
		x := o.Get(k)
		if jsjson.KindOf(x) == jsjson.Undefined {
			return nil
		}
		return x
	}
	errs := get("errors")
	nErrs := 0
	if errs != nil && jsjson.KindOf(errs) == jsjson.Array {
		nErrs = jsjson.ArrayLen(errs.(*goja.Object))
	}
	e.buf = append(e.buf, `{"success":`...)
	if sv := get("success"); sv != nil && jsjson.KindOf(sv) != jsjson.Null {
		e.push("success")
		if err := e.value(sv, s.fields[0].shape); err != nil {
			return err
		}
		e.pop()
	} else if nErrs == 0 {
		e.buf = append(e.buf, "true"...)
	} else {
		e.buf = append(e.buf, "false"...)
	}
	e.buf = append(e.buf, `,"errors":`...)
	if errs == nil || jsjson.KindOf(errs) == jsjson.Null {
		e.buf = append(e.buf, "[]"...)
	} else {
		e.push("errors")
		if err := e.value(errs, s.fields[1].shape); err != nil {
			return err
		}
		e.pop()
	}
	e.buf = append(e.buf, `,"id":`...)
	e.push("id")
	if err := e.value(get("id"), s.fields[2].shape); err != nil {
		return err
	}
	e.pop()
	e.buf = append(e.buf, `,"syncariId":`...)
	sid := get("syncariId")
	if sid == nil || jsjson.KindOf(sid) == jsjson.Null {
		sid = inputID
	}
	e.push("syncariId")
	if err := e.value(sid, s.fields[3].shape); err != nil {
		return err
	}
	e.pop()
	e.buf = append(e.buf, '}')
	return nil
}

// checkDescribeOrder holds describe to "the entities asked, in order".
func checkDescribeOrder(method string, req, res goja.Value) error {
	ro, ok := req.(*goja.Object)
	if !ok {
		return nil
	}
	asked, ok := ro.Get("entities").(*goja.Object)
	if !ok || asked.ClassName() != "Array" {
		return nil
	}
	n := jsjson.ArrayLen(asked)
	if n == 0 {
		return nil
	}
	out := res.(*goja.Object)
	m := jsjson.ArrayLen(out)
	var want, have []string
	for i := range n {
		want = append(want, asked.Get(jsjson.Index(i)).String())
	}
	for i := range m {
		if s, ok := out.Get(jsjson.Index(i)).(*goja.Object); ok {
			have = append(have, s.Get("apiName").String())
		}
	}
	if strings.Join(want, "\x00") != strings.Join(have, "\x00") {
		return &ShapeError{Method: method, Msg: fmt.Sprintf("schemas for %v; want the entities asked for, in order: %v", have, want)}
	}
	return nil
}

// withTokens returns the connection JSON with rotated tokens written into
// authConfig.
func withTokens(conn json.RawMessage, t bindings.OAuthTokens) json.RawMessage {
	var m map[string]any
	if err := json.Unmarshal(conn, &m); err != nil || m == nil {
		m = map[string]any{}
	}
	ac, _ := m["authConfig"].(map[string]any)
	if ac == nil {
		ac = map[string]any{}
	}
	ac["accessToken"] = t.AccessToken
	if t.RefreshToken != "" {
		ac["refreshToken"] = t.RefreshToken
	}
	if !t.ExpiresAt.IsZero() {
		ac["expiresIn"] = strconv.FormatInt(int64(time.Until(t.ExpiresAt).Round(time.Second).Seconds()), 10)
		ac["lastRefreshed"] = time.Now().UTC().Format(time.RFC3339)
	}
	m["authConfig"] = ac
	out, err := json.Marshal(m)
	if err != nil {
		return nil
	}
	return out
}

// mapError turns whatever a call failed with into the wire's error answer.
func (c *Connector) mapError(ctx context.Context, rt *goja.Runtime, typ string, timeout time.Duration, err error, secrets *bindings.Secrets) *CallError {
	redact := func(ce *CallError) *CallError {
		ce.Message = secrets.Redact(ce.Message)
		if ce.Detail != nil {
			ce.Detail = ptr(secrets.Redact(*ce.Detail))
		}
		return ce
	}
	var ce *CallError
	if errors.As(err, &ce) {
		return redact(ce)
	}
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
		_, frame := describeError(c.file, err)
		detail := "stopped"
		if frame.line > 0 {
			detail += " at " + frame.String()
		}
		if errors.Is(ctx.Err(), context.Canceled) {
			return redact(&CallError{Status: 504, Message: typ + " was cancelled by its caller", Detail: &detail})
		}
		return redact(&CallError{Status: 504, Message: fmt.Sprintf("%s did not finish within its %s deadline", typ, timeout), Detail: &detail})
	}
	if errors.Is(err, errNeverSettles) {
		return redact(&CallError{Status: 504, Message: typ + " never finished: " + err.Error(), Detail: ptr("an async export awaited something that can never happen")})
	}
	var se *ShapeError
	if errors.As(err, &se) {
		return redact(&CallError{Status: 400, Message: "Invalid response type for request " + typ, Detail: ptr(se.Error())})
	}
	var pe *PanicError
	if errors.As(err, &pe) {
		c.engine.opts.Logger.Error().Str("synapse", c.name).Str("type", typ).Interface("panic", pe.Value).Bytes("stack", pe.Stack).Msg("panic in a call; runtime discarded")
		return redact(&CallError{Status: 500, Message: "Failed to execute request " + typ, Detail: ptr(fmt.Sprintf("internal error: %v", pe.Value))})
	}
	if val := thrownValue(err); val != nil {
		if info, ok := jserrors.Inspect(rt, val); ok {
			out := &CallError{Status: info.Status, Message: info.Message}
			switch info.Class {
			case jserrors.NotSupported:
				out.Status = 405
			case jserrors.QuotaExceeded:
				out.Status = 429
				if info.RetryAfter > 0 {
					out.Detail = ptr(fmt.Sprintf("retry after %d s", int64(info.RetryAfter+0.999)))
				}
			}
			if out.Detail == nil && info.HasDetail {
				out.Detail = &info.Detail
			}
			if out.Detail == nil {
				if o, ok := val.(*goja.Object); ok {
					if b := o.Get("body"); b != nil && jsjson.KindOf(b) == jsjson.String && b.String() != "" {
						out.Detail = ptr(truncate(b.String(), 2048))
					}
				}
			}
			return redact(out)
		}
	}
	msg, frame := describeError(c.file, err)
	detail := msg
	if frame.line > 0 {
		detail += " (at " + frame.String() + ")"
	}
	return redact(&CallError{Status: 400, Message: "Failed to execute request " + typ, Detail: &detail})
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// thrownValue returns the JS value a script threw or rejected with.
func thrownValue(err error) goja.Value {
	var ex *goja.Exception
	if errors.As(err, &ex) {
		return ex.Value()
	}
	var rj *rejection
	if errors.As(err, &rj) {
		return rj.val
	}
	return nil
}

type frame struct {
	file      string
	line, col int
}

func (f frame) String() string { return fmt.Sprintf("%s:%d:%d", f.file, f.line, f.col) }

// stackLine matches one frame of a goja stack: "at fn (file.js:12:5(34))".
var stackLine = regexp.MustCompile(`([^\s()]+):(\d+):(\d+)(?:\(\d+\))?`)

// describeError returns a thrown value's text ("TypeError: x is not a
// function", a thrown string as is, an object as JSON) and the first stack
// frame in the connector's file, not <native> or the host's preludes.
func describeError(file string, err error) (string, frame) {
	var fr frame
	var ex *goja.Exception
	if errors.As(err, &ex) {
		for _, f := range ex.Stack() {
			pos := f.Position()
			if f.SrcName() == file || (pos.Filename == file && pos.Line > 0) {
				fr = frame{file: file, line: pos.Line, col: pos.Column}
				if pos.Line == 1 {
					fr.col = max(1, fr.col-len(wrapperPrefix))
				}
				break
			}
		}
	}
	val := thrownValue(err)
	if val == nil {
		var ie *goja.InterruptedError
		if errors.As(err, &ie) {
			return "interrupted", fr
		}
		return err.Error(), fr
	}
	o, isObj := val.(*goja.Object)
	if !isObj {
		return val.String(), fr
	}
	if st := o.Get("stack"); st != nil && jsjson.KindOf(st) == jsjson.String && fr.line == 0 {
		for _, m := range stackLine.FindAllStringSubmatch(st.String(), -1) {
			if m[1] == file {
				line, _ := strconv.Atoi(m[2])
				col, _ := strconv.Atoi(m[3])
				if line == 1 {
					col = max(1, col-len(wrapperPrefix))
				}
				fr = frame{file: file, line: line, col: col}
				break
			}
		}
	}
	if m := o.Get("message"); m != nil && !goja.IsUndefined(m) {
		name := "Error"
		if n := o.Get("name"); n != nil && jsjson.KindOf(n) == jsjson.String {
			name = n.String()
		}
		return name + ": " + m.String(), fr
	}
	b, jerr := jsjson.Append(nil, val)
	if jerr != nil {
		return val.String(), fr
	}
	return string(b), fr
}

func isAbsent(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || string(t) == "null"
}

func isObject(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && t[0] == '{'
}

func jsonKind(raw json.RawMessage) string {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return "nothing"
	}
	switch t[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 'n':
		return "null"
	case 't', 'f':
		return "a boolean"
	}
	return "a number"
}

// checkBody checks what the platform always sends for a type, so a
// malformed request is a clear 400 before any script runs.
func checkBody(typ string, body json.RawMessage) string {
	if typ != "READ" {
		return ""
	}
	var b struct {
		Entity    json.RawMessage `json:"entity"`
		Watermark *struct {
			Start *json.Number `json:"start"`
			End   *json.Number `json:"end"`
		} `json:"watermark"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		return "watermark: " + err.Error()
	}
	if b.Watermark == nil {
		return "watermark: required for READ"
	}
	if b.Watermark.Start == nil || b.Watermark.End == nil {
		return "watermark: start and end (epoch ms) are required"
	}
	if !isObject(b.Entity) {
		return "entity: want a Schema object, got " + jsonKind(b.Entity)
	}
	return ""
}

// describeJSONError says where a JSON document is malformed.
func describeJSONError(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid JSON at byte offset %d: %v", se.Offset, err)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("%s: want %s, got a JSON %s", te.Field, te.Type, te.Value)
	}
	return err.Error()
}
