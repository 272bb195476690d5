package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/synapsejs/synapse-js/host"
)

// TimeoutHeader sets one call's deadline ("30s", or a number of seconds),
// up to the server's MaxTimeout.
const TimeoutHeader = "X-Synapse-Timeout"

// RotatedHeader is set to "true" on an invoke whose call rotated the
// connection's OAuth tokens.
const RotatedHeader = "X-Synapse-Connection-Rotated"

// callTimeout is the deadline the request asks for, or the engine's. It
// must lie between 1 ms and the server's MaxTimeout: a shorter one could
// not even start a call, a longer one is the operator's to allow.
func (s *Server) callTimeout(r *http.Request) (time.Duration, error) {
	h := strings.TrimSpace(r.Header.Get(TimeoutHeader))
	if h == "" {
		return s.engine.Timeout(), nil
	}
	d, err := time.ParseDuration(h)
	if err != nil {
		secs, nerr := strconv.ParseFloat(h, 64)
		if nerr != nil || math.IsNaN(secs) {
			return 0, fmt.Errorf("%s: %q is not a duration (30s, 2m) or a number of seconds", TimeoutHeader, h)
		}
		if secs*float64(time.Second) > float64(s.opts.MaxTimeout) {
			d = s.opts.MaxTimeout + 1 // too long, whatever its exact value
		} else {
			d = time.Duration(secs * float64(time.Second))
		}
	}
	if d < time.Millisecond || d > s.opts.MaxTimeout {
		return 0, fmt.Errorf("%s: %q is outside 1ms to %s (the server's --max-timeout)", TimeoutHeader, h, s.opts.MaxTimeout)
	}
	return d, nil
}

// notServing answers 404 for a name without a live version.
func (s *Server) notServing(w http.ResponseWriter, name string, e *entry) {
	broken := ""
	if e != nil {
		e.mu.Lock()
		broken = e.broken
		e.mu.Unlock()
	}
	if broken != "" {
		// A failed connector says so until a new version is uploaded.
		writeError(w, http.StatusNotFound, "synapse "+name+" is failed: its current version does not load; upload a new version",
			broken)
		return
	}
	writeError(w, http.StatusNotFound, "no synapse named "+name, "")
}

// peekType reads the envelope's type, for the few answers made before the
// engine has parsed it.
func peekType(body []byte) string {
	var env struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(body, &env)
	if len(env.Type) > 40 {
		return ""
	}
	return env.Type
}

// wireError answers a wire-format error object with HTTP 200, as the
// platform expects of every failed call.
func wireError(w http.ResponseWriter, status int, msg, detail string) {
	ce := host.CallError{Status: status, Message: msg}
	if detail != "" {
		ce.Detail = &detail
	}
	b, _ := json.Marshal(&ce)
	writeBody(w, http.StatusOK, host.JSONContentType, b)
}

// admission is a call that got a concurrency slot and a live version.
type admission struct {
	e       *entry
	l       *live
	ctx     context.Context
	cancel  context.CancelFunc
	timeout time.Duration
}

func (a *admission) done() {
	a.l.release()
	a.e.lim.release()
	a.cancel()
}

// admitErr is why a call was not admitted: HTTP status (for the call API),
// wire status and message.
type admitErr struct {
	status  int
	message string
	detail  string
}

// admit waits for a slot of the name's limiter and takes the version that
// is live at that moment, so a call queued across an upload runs the new
// version.
func (s *Server) admit(r *http.Request, e *entry, p *params, timeout time.Duration, typeOf func() string) (*admission, *admitErr) {
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	if err := e.lim.acquire(ctx); err != nil {
		cancel()
		running, waiting := e.lim.running(), e.lim.waiting()
		if errors.Is(err, errOverloaded) {
			return nil, &admitErr{http.StatusTooManyRequests,
				fmt.Sprintf("too many calls to %s: %d running and %d waiting, the most it takes", e.name, running, waiting),
				"retry after 1 s"}
		}
		typ := typeOf()
		if typ == "" {
			typ = "the call"
		}
		return nil, &admitErr{http.StatusGatewayTimeout,
			fmt.Sprintf("%s did not start within its %s deadline", typ, timeout),
			fmt.Sprintf("%s had %d calls running and %d waiting", e.name, running, waiting)}
	}
	for {
		l := e.cur.Load()
		if l == nil {
			e.lim.release()
			cancel()
			return nil, nil
		}
		if l.acquire() {
			p.version = l.ver.Version
			return &admission{e: e, l: l, ctx: ctx, cancel: cancel, timeout: timeout}, nil
		}
	}
}

// invoke answers POST /{name} and POST /v1/synapses/{name}/invoke: the wire
// envelope in, the exact wire body out.
func (s *Server) invoke(w http.ResponseWriter, r *http.Request, p *params) {
	start := time.Now()
	e := s.lookup(p.synapse)
	if e == nil || e.cur.Load() == nil {
		s.notServing(w, p.synapse, e)
		return
	}
	body, err := readBody(w, r, s.opts.MaxInvokeBytes)
	if err != nil {
		if errors.Is(err, errTooLarge) {
			wireError(w, http.StatusRequestEntityTooLarge, "request too large", "the envelope is over the server's limit of "+sizeText(s.opts.MaxInvokeBytes))
			s.metrics.call(p.synapse, "", "rejected", http.StatusRequestEntityTooLarge, time.Since(start))
			return
		}
		wireError(w, http.StatusBadRequest, "malformed envelope", err.Error())
		return
	}
	timeout, err := s.callTimeout(r)
	if err != nil {
		wireError(w, http.StatusBadRequest, "malformed request", err.Error())
		return
	}
	a, aerr := s.admit(r, e, p, timeout, func() string { p.typ = peekType(body); return p.typ })
	if aerr != nil {
		if p.typ == "" {
			p.typ = peekType(body)
		}
		p.callStatus = aerr.status
		if aerr.status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		wireError(w, aerr.status, aerr.message, aerr.detail)
		s.metrics.call(p.synapse, p.typ, "rejected", aerr.status, time.Since(start))
		return
	}
	if a == nil {
		s.notServing(w, p.synapse, e)
		return
	}
	resp := a.l.conn.Invoke(a.ctx, body, host.CallOptions{Timeout: timeout})
	a.done()
	p.typ, p.callStatus = resp.Type, resp.Status()
	ct := resp.ContentType()
	if resp.Connection != nil {
		w.Header().Set(RotatedHeader, "true")
		s.log.Info().Str("request_id", p.id).Str("synapse", p.synapse).Str("type", resp.Type).
			Msg("the call rotated the connection's OAuth tokens; the host remembers the new ones for later calls")
	}
	writeBody(w, http.StatusOK, ct, resp.Body)
	s.metrics.call(p.synapse, resp.Type, outcome(resp), resp.Status(), time.Since(start))
}

func outcome(r *host.Response) string {
	if r.Err != nil {
		return "error"
	}
	return "ok"
}

// callRequest is the body of the plain call API.
type callRequest struct {
	// Connection is the platform's Connection object, as on the wire.
	Connection json.RawMessage `json:"connection"`
	// Request is the method's req.
	Request json.RawMessage `json:"request"`
}

// httpStatus turns a call's error status into an HTTP status.
func httpStatus(st int) int {
	if st < 400 || st > 599 {
		return http.StatusBadGateway
	}
	return st
}

// call answers POST /v1/synapses/{name}/call/{method}: plain JSON in
// ({connection, request}) and out ({result, connection?}), errors with real
// HTTP statuses.
func (s *Server) call(w http.ResponseWriter, r *http.Request, p *params) {
	start := time.Now()
	e := s.lookup(p.synapse)
	if e == nil || e.cur.Load() == nil {
		s.notServing(w, p.synapse, e)
		return
	}
	m, ok := host.ResolveMethod(p.method)
	if !ok {
		writeError(w, http.StatusNotFound, "no method "+p.method, "want one of "+strings.Join(host.MethodNames(), ", "))
		return
	}
	typ := m.Type
	p.method = m.Export
	p.typ = typ
	body, err := readBody(w, r, s.opts.MaxInvokeBytes)
	if err != nil {
		if errors.Is(err, errTooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, "request too large", "the body is over the server's limit of "+sizeText(s.opts.MaxInvokeBytes))
			return
		}
		writeError(w, http.StatusBadRequest, "malformed request", err.Error())
		return
	}
	var req callRequest
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			writeError(w, http.StatusBadRequest, "malformed request", "want {\"connection\": {...}, \"request\": {...}}: "+err.Error())
			return
		}
	}
	timeout, err := s.callTimeout(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "malformed request", err.Error())
		return
	}
	a, aerr := s.admit(r, e, p, timeout, func() string { return typ })
	if aerr != nil {
		p.callStatus = aerr.status
		if aerr.status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		writeError(w, aerr.status, aerr.message, aerr.detail)
		s.metrics.call(p.synapse, typ, "rejected", aerr.status, time.Since(start))
		return
	}
	if a == nil {
		s.notServing(w, p.synapse, e)
		return
	}
	resp := a.l.conn.Call(a.ctx, p.method, req.Connection, req.Request, host.CallOptions{Timeout: timeout})
	a.done()
	p.callStatus = resp.Status()
	if resp.Connection != nil {
		w.Header().Set(RotatedHeader, "true")
		s.log.Info().Str("request_id", p.id).Str("synapse", p.synapse).Str("type", typ).
			Msg("the call rotated the connection's OAuth tokens; the new connection is in the response")
	}
	out := make([]byte, 0, len(resp.Body)+len(resp.Connection)+64)
	status := http.StatusOK
	if resp.Err != nil {
		status = httpStatus(resp.Err.Status)
		b, _ := json.Marshal(apiError{Status: resp.Err.Status, Message: resp.Err.Message, Detail: resp.Err.Detail})
		out = append(out, `{"error":`...)
		out = append(out, b...)
	} else {
		out = append(out, `{"result":`...)
		out = append(out, resp.Body...)
	}
	if resp.Connection != nil {
		out = append(out, `,"connection":`...)
		out = append(out, resp.Connection...)
	}
	out = append(out, "}\n"...)
	writeBody(w, status, host.JSONContentType, out)
	s.metrics.call(p.synapse, typ, outcome(resp), resp.Status(), time.Since(start))
}
