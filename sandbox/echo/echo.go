// Package echo is a tiny in-memory REST API, the target of the connector
// `synapse-js init` scaffolds: one collection of items with keyset paging
// by update time, bearer-token auth and full CRUD. It is small enough to
// read in one sitting, so a new author can see both sides of the wire.
//
//	GET    /me                                        {"data":{"name":...}}
//	GET    /items?updated_since=&updated_until=&limit=&cursor=
//	                                                  {"data":[item...],"next_cursor":"..."|null}
//	GET    /items/{id}                                {"data":item}
//	POST   /items          {"name":..,"email":..}     201 {"data":item}
//	PATCH  /items/{id}     {"name":..}                {"data":item}
//	DELETE /items/{id}                                {"data":{"id":N}}
//
// An item is {"id":N,"name":"...","email":"...","created_at":RFC3339,
// "updated_at":RFC3339} with millisecond times. Lists are sorted by
// (updated_at, id) ascending; updated_since is inclusive and updated_until
// exclusive; both take RFC 3339 or epoch milliseconds. limit defaults to 50
// (at most 500). Every request needs "Authorization: Bearer <token>".
// Errors are {"error":"..."} with 400, 401 or 404.
package echo

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/synapsejs/synapse-js/sandbox/internal/serve"
)

// Defaults for Options left zero.
const (
	DefaultRecords = 100
	DefaultSeed    = 1
	DefaultToken   = "echo-token"
	DefaultLimit   = 50
	MaxLimit       = 500
)

// Options configure a Server; the zero value works.
type Options struct {
	// Records is how many items exist at start (default 100).
	Records int
	// Seed makes the data reproducible (default 1).
	Seed int64
	// Token is the bearer token accepted (default "echo-token").
	Token string
	// Now is the clock (default time.Now). Items' times lie in the 365
	// days before Now() at New.
	Now func() time.Time
}

// Item is one record of the API.
type Item struct {
	// ID is "id", assigned in order from 1.
	ID int64 `json:"id"`
	// Name is "name".
	Name string `json:"name"`
	// Email is "email".
	Email string `json:"email"`
	// CreatedAt is "created_at", UTC with milliseconds
	// (2006-01-02T15:04:05.000Z).
	CreatedAt string `json:"created_at"`
	// UpdatedAt is "updated_at", in CreatedAt's format.
	UpdatedAt string `json:"updated_at"`

	updated int64 // epoch ms of UpdatedAt
}

// Server is the API. It is safe for concurrent use.
type Server struct {
	opts   Options
	mu     sync.Mutex
	items  map[int64]*Item
	nextID int64
	last   int64 // the last update time handed out, to keep them distinct
}

// New builds a Server and its items.
func New(opts Options) *Server {
	if opts.Records <= 0 {
		opts.Records = DefaultRecords
	}
	if opts.Seed == 0 {
		opts.Seed = DefaultSeed
	}
	if opts.Token == "" {
		opts.Token = DefaultToken
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{opts: opts, items: map[int64]*Item{}}
	rng := rand.New(rand.NewPCG(uint64(opts.Seed), 0x5eed))
	now := opts.Now().UnixMilli()
	first := []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Margaret", "Linus", "Frances", "Donald"}
	last := []string{"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Thompson", "Hamilton", "Torvalds", "Allen", "Knuth"}
	for i := 1; i <= opts.Records; i++ {
		created := now - 365*24*3600*1000 + rng.Int64N(300*24*3600*1000)
		updated := created + rng.Int64N(now-created)
		f, l := first[rng.IntN(len(first))], last[rng.IntN(len(last))]
		it := &Item{
			ID:    int64(i),
			Name:  f + " " + l,
			Email: fmt.Sprintf("%s.%s%d@example.com", strings.ToLower(f), strings.ToLower(l), i),
		}
		it.setTimes(created, updated)
		s.items[it.ID] = it
	}
	s.nextID = int64(opts.Records) + 1
	return s
}

func (it *Item) setTimes(created, updated int64) {
	it.CreatedAt = fmtTime(created)
	it.UpdatedAt = fmtTime(updated)
	it.updated = updated
}

func fmtTime(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}

// Token returns the accepted bearer token.
func (s *Server) Token() string { return s.opts.Token }

// Count returns how many items exist.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.items)
}

// Handler serves the API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /me", s.me)
	mux.HandleFunc("GET /items", s.list)
	mux.HandleFunc("GET /items/{id}", s.get)
	mux.HandleFunc("POST /items", s.create)
	mux.HandleFunc("PATCH /items/{id}", s.update)
	mux.HandleFunc("DELETE /items/{id}", s.remove)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+s.opts.Token {
			writeErr(w, http.StatusUnauthorized, "unauthorized: send Authorization: Bearer <token>")
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func (s *Server) me(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"name": "echo sandbox", "items": s.Count()}})
}

// parseTime reads RFC 3339 or epoch ms.
func parseTime(v string) (int64, error) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return 0, fmt.Errorf("%q: want RFC 3339 or epoch ms", v)
	}
	return t.UnixMilli(), nil
}

// cursor is a keyset position: the last (updated, id) returned.
func encodeCursor(updated, id int64) string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%d:%d", updated, id))
}

func decodeCursor(c string) (updated, id int64, err error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		u, i, ok := strings.Cut(string(b), ":")
		if ok {
			if updated, err = strconv.ParseInt(u, 10, 64); err == nil {
				if id, err = strconv.ParseInt(i, 10, 64); err == nil {
					return updated, id, nil
				}
			}
		}
	}
	return 0, 0, errors.New("bad cursor")
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	since, until := int64(0), int64(1<<62)
	var err error
	if v := q.Get("updated_since"); v != "" {
		if since, err = parseTime(v); err != nil {
			writeErr(w, http.StatusBadRequest, "updated_since: "+err.Error())
			return
		}
	}
	if v := q.Get("updated_until"); v != "" {
		if until, err = parseTime(v); err != nil {
			writeErr(w, http.StatusBadRequest, "updated_until: "+err.Error())
			return
		}
	}
	limit := DefaultLimit
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 {
			writeErr(w, http.StatusBadRequest, "limit: want a positive integer")
			return
		}
		limit = min(limit, MaxLimit)
	}
	afterU, afterID := int64(-1), int64(-1)
	if v := q.Get("cursor"); v != "" {
		if afterU, afterID, err = decodeCursor(v); err != nil {
			writeErr(w, http.StatusBadRequest, "cursor: "+err.Error())
			return
		}
	}
	s.mu.Lock()
	var sel []Item
	for _, it := range s.items {
		if it.updated < since || it.updated >= until {
			continue
		}
		if it.updated < afterU || (it.updated == afterU && it.ID <= afterID) {
			continue
		}
		sel = append(sel, *it)
	}
	s.mu.Unlock()
	sort.Slice(sel, func(i, j int) bool {
		if sel[i].updated != sel[j].updated {
			return sel[i].updated < sel[j].updated
		}
		return sel[i].ID < sel[j].ID
	})
	var next any
	if len(sel) > limit {
		sel = sel[:limit]
		lastIt := sel[len(sel)-1]
		next = encodeCursor(lastIt.updated, lastIt.ID)
	}
	if sel == nil {
		sel = []Item{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": sel, "next_cursor": next})
}

func (s *Server) lookup(w http.ResponseWriter, r *http.Request) (*Item, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeErr(w, http.StatusNotFound, "no item "+r.PathValue("id"))
		return nil, false
	}
	it, ok := s.items[id]
	if !ok {
		writeErr(w, http.StatusNotFound, "no item "+r.PathValue("id"))
		return nil, false
	}
	return it, true
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	it, ok := s.lookup(w, r)
	var cp Item
	if ok {
		cp = *it
	}
	s.mu.Unlock()
	if ok {
		writeJSON(w, http.StatusOK, map[string]any{"data": cp})
	}
}

// input is what POST and PATCH accept.
type input struct {
	// Name is the new name; nil leaves it as it is.
	Name *string `json:"name"`
	// Email is the new email; nil leaves it as it is.
	Email *string `json:"email"`
}

func readInput(w http.ResponseWriter, r *http.Request) (input, bool) {
	var in input
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		writeErr(w, http.StatusBadRequest, "body: "+err.Error())
		return in, false
	}
	return in, true
}

// tick returns a new update time, later than any handed out before.
func (s *Server) tick() int64 {
	t := max(s.opts.Now().UnixMilli(), s.last+1)
	s.last = t
	return t
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	in, ok := readInput(w, r)
	if !ok {
		return
	}
	if in.Name == nil || *in.Name == "" {
		writeErr(w, http.StatusBadRequest, "name is required")
		return
	}
	s.mu.Lock()
	it := &Item{ID: s.nextID, Name: *in.Name}
	if in.Email != nil {
		it.Email = *in.Email
	}
	s.nextID++
	t := s.tick()
	it.setTimes(t, t)
	s.items[it.ID] = it
	cp := *it
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{"data": cp})
}

func (s *Server) update(w http.ResponseWriter, r *http.Request) {
	in, ok := readInput(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	it, ok := s.lookup(w, r)
	if !ok {
		s.mu.Unlock()
		return
	}
	if in.Name != nil {
		it.Name = *in.Name
	}
	if in.Email != nil {
		it.Email = *in.Email
	}
	created, _ := time.Parse(time.RFC3339Nano, it.CreatedAt)
	it.setTimes(created.UnixMilli(), s.tick())
	cp := *it
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"data": cp})
}

func (s *Server) remove(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	it, ok := s.lookup(w, r)
	if ok {
		delete(s.items, it.ID)
	}
	s.mu.Unlock()
	if ok {
		writeJSON(w, http.StatusOK, map[string]any{"data": map[string]int64{"id": it.ID}})
	}
}

// Start serves on addr (e.g. "127.0.0.1:0") and returns the base URL
// ("http://127.0.0.1:PORT/") and an idempotent stop; it also stops when ctx
// ends.
func (s *Server) Start(ctx context.Context, addr string) (baseURL string, stop func(), err error) {
	return serve.Start(ctx, "echo sandbox", addr, s.Handler())
}

// Serve builds a Server from opts and starts it on addr.
func Serve(ctx context.Context, addr string, opts Options) (baseURL string, stop func(), err error) {
	return New(opts).Start(ctx, addr)
}
