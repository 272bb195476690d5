package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/synapsejs/synapse-js/host"
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

// paramsKey carries a request's params from serveHTTP to its endpoint.
type paramsKey struct{}

// recorder remembers the status and size of the response for the log.
type recorder struct {
	http.ResponseWriter
	status int
	n      int64
}

// WriteHeader records the status and sends it.
func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write counts the bytes written; a body without WriteHeader is a 200.
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
	// One trailing slash is ignored: /v1/synapses/ is /v1/synapses.
	if n := len(r.URL.Path); n > 1 && r.URL.Path[n-1] == '/' {
		u := *r.URL
		u.Path = u.Path[:n-1]
		u.RawPath = strings.TrimSuffix(u.RawPath, "/")
		r.URL = &u
	}
	s.mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), paramsKey{}, p)))
}

// dispatch runs the endpoint of eps for the request's method, after the
// access check; it answers 405 (with Allow) for other methods.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request, p *params, eps map[string]endpoint) {
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

// routes is the server's one table of endpoints: a Go 1.22 ServeMux
// pattern per path, and per path its endpoints by method (so a wrong
// method gets this API's 405 with Allow, not the mux's plain text).
func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	route := func(pattern, name string, eps map[string]endpoint) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			p := r.Context().Value(paramsKey{}).(*params)
			p.route, p.synapse, p.method = name, r.PathValue("synapse"), r.PathValue("method")
			s.dispatch(w, r, p, eps)
		})
	}
	one := func(method string, ep endpoint) map[string]endpoint { return map[string]endpoint{method: ep} }
	route("/healthz", "healthz", one(http.MethodGet, endpoint{access: accessOpen, fn: s.healthz}))
	route("/readyz", "readyz", one(http.MethodGet, endpoint{access: accessOpen, fn: s.readyz}))
	route("/metrics", "metrics", one(http.MethodGet, endpoint{access: accessOpen, fn: s.serveMetrics}))
	// The platform posts the envelope to a base URL + the synapse id.
	route("/{synapse}", "invoke", one(http.MethodPost, endpoint{access: accessInvoke, needName: true, fn: s.invoke}))
	route("/v1/synapses", "list", one(http.MethodGet, endpoint{access: accessInvoke, fn: s.list}))
	route("/v1/synapses/{synapse}", "synapse", map[string]endpoint{
		http.MethodGet:    {access: accessInvoke, needName: true, fn: s.get},
		http.MethodPut:    {access: accessAdmin, needName: true, fn: s.upload},
		http.MethodDelete: {access: accessAdmin, needName: true, fn: s.delete},
	})
	route("/v1/synapses/{synapse}/source", "source", one(http.MethodGet, endpoint{access: accessAdmin, needName: true, fn: s.source}))
	route("/v1/synapses/{synapse}/rollback", "rollback", one(http.MethodPost, endpoint{access: accessAdmin, needName: true, fn: s.rollback}))
	route("/v1/synapses/{synapse}/invoke", "invoke", one(http.MethodPost, endpoint{access: accessInvoke, needName: true, fn: s.invoke}))
	route("/v1/synapses/{synapse}/call/{method}", "call", one(http.MethodPost, endpoint{access: accessInvoke, needName: true, fn: s.call}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such endpoint", r.Method+" "+r.URL.Path)
	})
	return mux
}

// apiError is the body of every error of the plain JSON API:
// {"error": {"status", "message", "detail"}}.
type apiError struct {
	// Status is the HTTP status of the answer.
	Status int `json:"status"`
	// Message says what went wrong.
	Message string `json:"message"`
	// Detail says more, or is null.
	Detail *string `json:"detail"`
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
	writeBody(w, status, host.JSONContentType, buf.Bytes())
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
