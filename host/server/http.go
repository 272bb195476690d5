package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/synapsejs/synapse-js/internal/names"
)

// params are what the router took from the path, and what the handler
// wants logged about the request.
type params struct {
	id      string // request id
	route   string // route name, for logs and metrics
	synapse string // serving name from the path
	method  string // contract method from the path (call API)

	typ        string // wire type of an invoke, once known
	callStatus int    // status the call answered, once known
	version    int    // version uploaded, rolled back to or served
}

// endpoint is one method of one route.
type endpoint struct {
	access   access
	needName bool // the path names a synapse: validate it, wait for Load
	fn       func(http.ResponseWriter, *http.Request, *params)
}

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// recorder remembers the status and size of the response for the log.
type recorder struct {
	http.ResponseWriter
	status int
	n      int64
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.n += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) serveHTTP(hw http.ResponseWriter, r *http.Request) {
	start := time.Now()
	p := &params{route: "unknown"}
	if id := r.Header.Get("X-Request-Id"); validRequestID(id) {
		p.id = id
	} else {
		p.id = s.reqIDs.next()
	}
	hw.Header().Set("X-Request-Id", p.id)
	w := &recorder{ResponseWriter: hw}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error().Str("request_id", p.id).Interface("panic", v).Msg("handler panicked")
			if w.status == 0 {
				writeError(w, http.StatusInternalServerError, "internal error", "")
			}
		}
		status := w.status
		if status == 0 {
			status = http.StatusOK
		}
		s.metrics.request(p.route, status)
		ev := s.log.Info().
			Str("request_id", p.id).
			Str("method", r.Method).
			Str("path", r.URL.Path).
			Int("status", status).
			Float64("duration_ms", float64(time.Since(start).Microseconds())/1000).
			Int64("bytes", w.n).
			Str("route", p.route).
			Str("remote", r.RemoteAddr)
		if p.synapse != "" {
			ev = ev.Str("synapse", p.synapse)
		}
		if p.typ != "" {
			ev = ev.Str("type", p.typ)
		}
		if p.callStatus != 0 {
			ev = ev.Int("call_status", p.callStatus)
		}
		if p.version != 0 {
			ev = ev.Int("version", p.version)
		}
		ev.Msg("request")
	}()
	s.dispatch(w, r, p)
}

func (s *Server) dispatch(w http.ResponseWriter, r *http.Request, p *params) {
	segs, ok := splitPath(r.URL.EscapedPath())
	if !ok {
		writeError(w, http.StatusBadRequest, "malformed path", "")
		return
	}
	eps := s.resolve(segs, p)
	if eps == nil {
		writeError(w, http.StatusNotFound, "no such endpoint", r.Method+" "+r.URL.Path)
		return
	}
	ep, ok := eps[r.Method]
	if !ok && r.Method == http.MethodHead {
		ep, ok = eps[http.MethodGet]
	}
	if !ok {
		allow := make([]string, 0, len(eps))
		for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete} {
			if _, ok := eps[m]; ok {
				allow = append(allow, m)
			}
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeError(w, http.StatusMethodNotAllowed, "method not allowed", r.Method+" "+r.URL.Path+" (allowed: "+strings.Join(allow, ", ")+")")
		return
	}
	if code, why := s.auth.check(r, ep.access); code != 0 {
		if code == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="synapse-js"`)
		}
		writeError(w, code, why, "")
		return
	}
	if ep.needName {
		if !names.Valid(p.synapse) {
			writeError(w, http.StatusBadRequest, "invalid synapse name",
				fmt.Sprintf("%q: want lower-case letters, digits, '_' or '-', starting with a letter or digit, at most 63", p.synapse))
			return
		}
		if !s.loaded.Load() {
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusServiceUnavailable, "starting: the store is still loading", "")
			return
		}
	}
	ep.fn(w, r, p)
}

// routes are the endpoint tables, built once per server.
type routes struct {
	healthz, readyz, metrics, root, list, synapse, source, rollback, invoke, call map[string]endpoint
}

func (s *Server) buildRoutes() routes {
	one := func(method string, ep endpoint) map[string]endpoint { return map[string]endpoint{method: ep} }
	return routes{
		healthz:  one(http.MethodGet, endpoint{access: accessOpen, fn: s.healthz}),
		readyz:   one(http.MethodGet, endpoint{access: accessOpen, fn: s.readyz}),
		metrics:  one(http.MethodGet, endpoint{access: accessOpen, fn: s.serveMetrics}),
		root:     one(http.MethodPost, endpoint{access: accessInvoke, needName: true, fn: s.invoke}),
		list:     one(http.MethodGet, endpoint{access: accessInvoke, fn: s.list}),
		source:   one(http.MethodGet, endpoint{access: accessAdmin, needName: true, fn: s.source}),
		rollback: one(http.MethodPost, endpoint{access: accessAdmin, needName: true, fn: s.rollback}),
		invoke:   one(http.MethodPost, endpoint{access: accessInvoke, needName: true, fn: s.invoke}),
		call:     one(http.MethodPost, endpoint{access: accessInvoke, needName: true, fn: s.call}),
		synapse: map[string]endpoint{
			http.MethodGet:    {access: accessInvoke, needName: true, fn: s.get},
			http.MethodPut:    {access: accessAdmin, needName: true, fn: s.upload},
			http.MethodDelete: {access: accessAdmin, needName: true, fn: s.delete},
		},
	}
}

// resolve maps a path to its endpoints by method, filling p; nil if no
// route matches.
func (s *Server) resolve(segs []string, p *params) map[string]endpoint {
	rt := &s.routes
	switch len(segs) {
	case 1:
		switch segs[0] {
		case "healthz":
			p.route = "healthz"
			return rt.healthz
		case "readyz":
			p.route = "readyz"
			return rt.readyz
		case "metrics":
			p.route = "metrics"
			return rt.metrics
		case "":
			return nil
		}
		// The platform posts the envelope to a base URL + the synapse id.
		p.route, p.synapse = "invoke", segs[0]
		return rt.root
	}
	if len(segs) < 2 || segs[0] != "v1" || segs[1] != "synapses" {
		return nil
	}
	switch len(segs) {
	case 2:
		p.route = "list"
		return rt.list
	case 3:
		p.route, p.synapse = "synapse", segs[2]
		return rt.synapse
	case 4:
		p.synapse = segs[2]
		switch segs[3] {
		case "source":
			p.route = "source"
			return rt.source
		case "rollback":
			p.route = "rollback"
			return rt.rollback
		case "invoke":
			p.route = "invoke"
			return rt.invoke
		}
	case 5:
		if segs[3] == "call" {
			p.route, p.synapse, p.method = "call", segs[2], segs[4]
			return rt.call
		}
	}
	return nil
}

// splitPath splits an escaped path into unescaped segments. One trailing
// slash is ignored. A segment that unescapes to something with a slash
// (..%2f) stays one segment and fails name validation.
func splitPath(escaped string) ([]string, bool) {
	escaped = strings.TrimPrefix(escaped, "/")
	escaped = strings.TrimSuffix(escaped, "/")
	if escaped == "" {
		return []string{""}, true
	}
	segs := strings.Split(escaped, "/")
	for i, sg := range segs {
		if strings.IndexByte(sg, '%') < 0 {
			continue
		}
		u, err := url.PathUnescape(sg)
		if err != nil {
			return nil, false
		}
		segs[i] = u
	}
	return segs, true
}

// apiError is the body of every error of the plain JSON API:
// {"error": {"status", "message", "detail"}}.
type apiError struct {
	Status  int     `json:"status"`
	Message string  `json:"message"`
	Detail  *string `json:"detail"`
}

func newAPIError(status int, msg, detail string) apiError {
	e := apiError{Status: status, Message: msg}
	if detail != "" {
		e.Detail = &detail
	}
	return e
}

func writeError(w http.ResponseWriter, status int, msg, detail string) {
	writeJSON(w, status, struct {
		Error apiError `json:"error"`
	}{newAPIError(status, msg, detail)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"error":{"status":500,"message":"encoding the response failed","detail":null}}` + "\n")
	}
	writeBody(w, status, "application/json", buf.Bytes())
}

func writeBody(w http.ResponseWriter, status int, contentType string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", fmt.Sprint(len(body)))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// errTooLarge is a request body over its cap.
var errTooLarge = errors.New("request body too large")

// readBody reads the whole body, refusing one over limit bytes.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, errTooLarge
	}
	body := http.MaxBytesReader(w, r.Body, limit)
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength) + 1)
	} else {
		buf.Grow(512)
	}
	_, err := buf.ReadFrom(body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errTooLarge
		}
		return nil, fmt.Errorf("read the request body: %w", err)
	}
	return buf.Bytes(), nil
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

var _ io.Writer = (*recorder)(nil)
