package server

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/synapsejs/synapse-js/host"
	"github.com/synapsejs/synapse-js/host/store"
)

func (s *Server) healthz(w http.ResponseWriter, r *http.Request, p *params) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request, p *params) {
	switch {
	case s.closing.Load():
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "shutting down"})
	case !s.loaded.Load():
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "loading"})
	default:
		if err := s.pingStore(r.Context()); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "store unreachable", "error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	}
}

func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request, p *params) {
	s.metrics.handler.ServeHTTP(w, r)
}

// VersionView is how the API shows a stored version.
type VersionView struct {
	// Name is the serving name (the URL's).
	Name string `json:"name"`
	// Synapse is the name the connector's synapse_info gives itself; it
	// may differ from Name.
	Synapse string `json:"synapse,omitempty"`
	// Version is the version number, from 1.
	Version int `json:"version"`
	// SHA256 is the hex SHA-256 of the source.
	SHA256 string `json:"sha256"`
	// Size is the source's length in bytes.
	Size int64 `json:"size"`
	// Lang is "js" or "ts".
	Lang string `json:"lang"`
	// Uploaded is when the version was stored.
	Uploaded time.Time `json:"uploaded"`
	// Methods lists the contract methods the source exports.
	Methods []string `json:"methods,omitempty"`
	// Info is the synapse_info result (left out of lists).
	Info json.RawMessage `json:"info,omitempty"`
}

func view(v store.Version, withInfo bool) VersionView {
	out := VersionView{Name: v.Name, Version: v.Version, SHA256: v.SHA256, Size: v.Size, Lang: v.Lang, Uploaded: v.Uploaded, Methods: v.Methods}
	var probe struct {
		Name string `json:"name"`
	}
	if json.Unmarshal(v.Info, &probe) == nil {
		out.Synapse = probe.Name
	}
	if withInfo {
		out.Info = v.Info
	}
	return out
}

// SynapseView is an entry of GET /v1/synapses and the body of
// GET /v1/synapses/{name}.
type SynapseView struct {
	// Name is the serving name.
	Name string `json:"name"`
	// Current is the store's current version (absent if unreadable).
	Current *VersionView `json:"current,omitempty"`
	// Serving is the version answering calls now, with its runtimes.
	Serving *ServingView `json:"serving,omitempty"`
	// Error says why the connector is not serving its current version.
	Error string `json:"error,omitempty"`
	// Versions lists every stored version (GET /v1/synapses/{name} only).
	Versions []VersionView `json:"versions,omitempty"`
}

// ServingView is the live version of a name.
type ServingView struct {
	// Version is the version answering calls.
	Version int `json:"version"`
	// Synapse is its synapse_info name.
	Synapse string `json:"synapse"`
	// SHA256 is the hex SHA-256 of its source.
	SHA256 string `json:"sha256"`
	// Runtimes describes its runtime pool.
	Runtimes host.Stats `json:"runtimes"`
	// Running counts the name's calls holding a concurrency slot.
	Running int `json:"running"`
	// Waiting counts the name's calls queued for a slot.
	Waiting int `json:"waiting"`
}

func (s *Server) synapseView(r *http.Request, name string) (SynapseView, bool) {
	sv := SynapseView{Name: name}
	found := false
	cur, err := s.store.Current(r.Context(), name)
	switch {
	case err == nil:
		v := view(cur, true)
		sv.Current, found = &v, true
	case errors.Is(err, store.ErrNotFound):
	default:
		sv.Error, found = err.Error(), true
	}
	if e := s.lookup(name); e != nil {
		if l := e.cur.Load(); l != nil {
			sv.Serving = &ServingView{Version: l.ver.Version, Synapse: l.conn.Name(), SHA256: l.conn.SHA256(),
				Runtimes: l.conn.Stats(), Running: e.lim.running(), Waiting: e.lim.waiting()}
			found = true
		}
		e.mu.Lock()
		if e.broken != "" && sv.Error == "" {
			sv.Error = e.broken
		}
		e.mu.Unlock()
	}
	return sv, found
}

// list answers GET /v1/synapses.
func (s *Server) list(w http.ResponseWriter, r *http.Request, p *params) {
	if !s.loaded.Load() {
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, "starting: the store is still loading", "")
		return
	}
	names, err := s.store.List(r.Context())
	if errors.Is(err, store.ErrUnavailable) {
		unavailable(w, "listing the connectors", err)
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, "listing the store failed", err.Error())
		return
	}
	out := make([]SynapseView, 0, len(names))
	for _, n := range names {
		sv, _ := s.synapseView(r, n)
		if sv.Current != nil {
			sv.Current.Info = nil
		}
		out = append(out, sv)
	}
	writeJSON(w, http.StatusOK, map[string]any{"synapses": out})
}

// get answers GET /v1/synapses/{name}.
func (s *Server) get(w http.ResponseWriter, r *http.Request, p *params) {
	sv, found := s.synapseView(r, p.synapse)
	vs, err := s.store.Versions(r.Context(), p.synapse)
	if err != nil && !errors.Is(err, store.ErrNotFound) && sv.Error == "" {
		sv.Error = err.Error()
	}
	if len(vs) > 0 {
		found = true
	}
	if !found {
		s.notServing(w, p.synapse, nil)
		return
	}
	for _, v := range vs {
		sv.Versions = append(sv.Versions, view(v, false))
	}
	writeJSON(w, http.StatusOK, sv)
}

// uploadLang says whether a content type may carry an upload, and the
// language it implies ("": as ?lang says, else JavaScript).
func uploadLang(mediaType string) (string, bool) {
	switch strings.ToLower(mediaType) {
	case "", "application/javascript", "text/javascript", "application/x-javascript", "text/plain", "application/octet-stream":
		return "", true
	case "application/typescript", "application/x-typescript", "text/typescript":
		return "ts", true
	}
	return "", false
}

// ProblemView is one reason a file does not validate.
type ProblemView struct {
	// Line locates the problem in the file (1-based; 0 when it has no
	// position, such as a missing export).
	Line int `json:"line"`
	// Column is the 1-based column on Line (0 when unknown).
	Column int `json:"column"`
	// Message says what is wrong.
	Message string `json:"message"`
}

func writeProblems(w http.ResponseWriter, le *host.LoadError, msg string) {
	ps := make([]ProblemView, len(le.Problems))
	for i, p := range le.Problems {
		ps[i] = ProblemView{Line: p.Line, Column: p.Column, Message: p.Message}
	}
	n := "1 problem"
	if len(ps) != 1 {
		n = fmt.Sprintf("%d problems", len(ps))
	}
	writeJSON(w, http.StatusUnprocessableEntity, struct {
		Error    apiError      `json:"error"`
		Problems []ProblemView `json:"problems"`
	}{newAPIError(http.StatusUnprocessableEntity, msg, n), ps})
}

// upload answers PUT /v1/synapses/{name}: validate, store, swap in.
func (s *Server) upload(w http.ResponseWriter, r *http.Request, p *params) {
	name := p.synapse
	ct := r.Header.Get("Content-Type")
	mt := ""
	if ct != "" {
		var err error
		if mt, _, err = mime.ParseMediaType(ct); err != nil {
			mt = ct
		}
	}
	lang, ok := uploadLang(mt)
	if !ok {
		s.metrics.upload("rejected")
		writeError(w, http.StatusUnsupportedMediaType, "unsupported content type "+ct,
			"send the script as application/javascript, text/javascript, text/plain or application/typescript")
		return
	}
	switch q := r.URL.Query().Get("lang"); q {
	case "":
	case "js", "ts":
		if lang == "" {
			lang = q
		}
	default:
		s.metrics.upload("rejected")
		writeError(w, http.StatusBadRequest, "lang="+q+": want js or ts", "")
		return
	}
	if lang == "" {
		lang = "js"
	}
	src, err := readBody(w, r, s.opts.MaxUploadBytes)
	if err != nil {
		if errors.Is(err, errTooLarge) {
			s.metrics.upload("too_large")
			writeError(w, http.StatusRequestEntityTooLarge, "script too large", "the limit is "+sizeText(s.opts.MaxUploadBytes))
			return
		}
		s.metrics.upload("error")
		writeError(w, http.StatusBadRequest, "reading the upload failed", err.Error())
		return
	}
	// The same content again is not a new version: the upload is
	// idempotent, so a retried deploy does not pile up versions.
	sum := sha256.Sum256(src)
	if e := s.lookup(name); e != nil {
		if l := e.cur.Load(); l != nil && l.ver.SHA256 == hex.EncodeToString(sum[:]) && l.ver.Lang == lang {
			p.version = l.ver.Version
			s.metrics.upload("unchanged")
			s.log.Info().Str("request_id", p.id).Str("synapse", name).Int("version", l.ver.Version).
				Msg("upload of the serving version's exact content: nothing to do")
			w.Header().Set("Location", "/v1/synapses/"+name)
			writeJSON(w, http.StatusOK, view(l.ver, true))
			return
		}
	}
	c, err := s.loader.LoadAs(r.Context(), name, name+"."+lang, src)
	if err != nil {
		var le *host.LoadError
		if errors.As(err, &le) {
			s.metrics.upload("invalid")
			s.log.Info().Str("request_id", p.id).Str("synapse", name).Int("problems", len(le.Problems)).Msg("upload refused: the file does not validate")
			writeProblems(w, le, name+"."+lang+" is not a valid connector")
			return
		}
		s.metrics.upload("error")
		writeError(w, http.StatusInternalServerError, "loading the script failed", err.Error())
		return
	}
	e := s.lockEntry(name)
	v, err := s.store.Put(r.Context(), name, src, store.Meta{Info: c.Info(), Lang: lang, Methods: c.Methods(), Uploader: uploader(r)})
	if err != nil {
		e.mu.Unlock()
		c.Close()
		s.metrics.upload("error")
		if errors.Is(err, store.ErrUnavailable) {
			unavailable(w, "an upload", err)
			return
		}
		writeError(w, http.StatusInternalServerError, "storing the script failed", err.Error())
		return
	}
	s.swap(e, newLive(c, v))
	e.mu.Unlock()
	p.version = v.Version
	s.metrics.upload("ok")
	s.log.Info().Str("request_id", p.id).Str("synapse", name).Int("version", v.Version).Str("sha256", v.SHA256).
		Str("name", c.Name()).Msg("uploaded; the new version serves")
	out := view(v, true)
	out.Synapse = c.Name()
	w.Header().Set("Location", "/v1/synapses/"+name)
	writeJSON(w, http.StatusCreated, out)
}

// storeError answers a store failure: 404 for what is not there, else 500.
func storeError(w http.ResponseWriter, what string, err error) {
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrNoCurrent) {
		writeError(w, http.StatusNotFound, what+" not found", err.Error())
		return
	}
	if errors.Is(err, store.ErrUnavailable) {
		unavailable(w, "reading or changing "+what, err)
		return
	}
	writeError(w, http.StatusInternalServerError, "reading the store failed", err.Error())
}

// source answers GET /v1/synapses/{name}/source[?version=N].
func (s *Server) source(w http.ResponseWriter, r *http.Request, p *params) {
	n := 0
	if q := r.URL.Query().Get("version"); q != "" {
		var err error
		if n, err = strconv.Atoi(q); err != nil || n <= 0 {
			writeError(w, http.StatusBadRequest, "version="+q+": want a version number", "")
			return
		}
	} else {
		cur, err := s.store.Current(r.Context(), p.synapse)
		if err != nil {
			storeError(w, "synapse "+p.synapse, err)
			return
		}
		n = cur.Version
	}
	v, src, err := s.store.Get(r.Context(), p.synapse, n)
	if err != nil {
		storeError(w, fmt.Sprintf("version %d of %s", n, p.synapse), err)
		return
	}
	p.version = v.Version
	ct := "application/javascript; charset=utf-8"
	if v.Lang == "ts" {
		ct = "application/typescript; charset=utf-8"
	}
	w.Header().Set("X-Synapse-Version", strconv.Itoa(v.Version))
	w.Header().Set("X-Synapse-Sha256", v.SHA256)
	writeBody(w, http.StatusOK, ct, src)
}

// rollback answers POST /v1/synapses/{name}/rollback with {"version": N}.
func (s *Server) rollback(w http.ResponseWriter, r *http.Request, p *params) {
	body, err := readBody(w, r, 64<<10)
	if err != nil {
		writeError(w, http.StatusBadRequest, "malformed request", err.Error())
		return
	}
	var req struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Version <= 0 {
		writeError(w, http.StatusBadRequest, "malformed request", `want {"version": N} with N a stored version`)
		return
	}
	l, err := s.loadVersion(r.Context(), p.synapse, req.Version)
	if err != nil {
		var le *host.LoadError
		if errors.As(err, &le) {
			writeProblems(w, le, fmt.Sprintf("version %d of %s no longer validates", req.Version, p.synapse))
			return
		}
		storeError(w, fmt.Sprintf("version %d of %s", req.Version, p.synapse), err)
		return
	}
	e := s.lockEntry(p.synapse)
	if err := s.store.SetCurrent(r.Context(), p.synapse, req.Version); err != nil {
		e.mu.Unlock()
		l.conn.Close()
		storeError(w, fmt.Sprintf("version %d of %s", req.Version, p.synapse), err)
		return
	}
	s.swap(e, l)
	e.mu.Unlock()
	p.version = req.Version
	s.log.Info().Str("request_id", p.id).Str("synapse", p.synapse).Int("version", req.Version).Msg("rolled back; the version serves")
	out := view(l.ver, true)
	writeJSON(w, http.StatusOK, out)
}

// delete answers DELETE /v1/synapses/{name}: the name stops serving (calls
// in flight finish) and every stored version is removed.
func (s *Server) delete(w http.ResponseWriter, r *http.Request, p *params) {
	e := s.lockEntry(p.synapse)
	err := s.store.Delete(r.Context(), p.synapse)
	notFound := errors.Is(err, store.ErrNotFound)
	if err != nil && !notFound {
		e.mu.Unlock()
		storeError(w, "synapse "+p.synapse, err)
		return
	}
	wasLive := e.cur.Load() != nil
	e.deleted = true
	s.mu.Lock()
	if s.entries[p.synapse] == e {
		delete(s.entries, p.synapse)
	}
	s.mu.Unlock()
	s.swap(e, nil)
	e.mu.Unlock()
	if notFound && !wasLive {
		s.notServing(w, p.synapse, nil)
		return
	}
	s.log.Info().Str("request_id", p.id).Str("synapse", p.synapse).Msg("deleted")
	writeJSON(w, http.StatusOK, map[string]any{"name": p.synapse, "deleted": true})
}
