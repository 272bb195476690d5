package cassette

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/connection"
	"github.com/synapsejs/synapse-js/internal/text"
)

// Mode is what a Session does with requests, time and randomness.
type Mode int

// The modes.
const (
	// Live passes everything through: the network, the wall clock.
	Live Mode = iota
	// Record passes everything through and remembers it.
	Record
	// Replay answers from a cassette; nothing reaches the network.
	Replay
)

// String names the mode.
func (m Mode) String() string {
	return [...]string{"live", "record", "replay"}[m]
}

// maxBody caps what a recording keeps of one body; the http binding caps
// responses itself, this only keeps a runaway upload out of memory.
const maxBody = 64 << 20

// Session is the hook a host's engine runs through: its Transport, its
// Clock and its random source. One Session serves one engine; Start and
// Finish switch it between recordings (one per test), so the engine and
// its runtimes live on. Safe for concurrent use.
type Session struct {
	next http.RoundTripper

	mu      sync.Mutex
	mode    Mode
	cur     *Cassette
	used    []bool
	secrets *bindings.Secrets   // the connection's and the token answers'
	calls   []*bindings.Secrets // each call's, seen on its requests
	origins []string
	nowIdx  int
	randIdx int
	virtual time.Time // replay: the clock past the recorded readings
	slept   time.Duration
	rnd     *rand.Rand
	misses  []string
}

// NewSession returns a live Session whose network is next (nil: a plain
// http.Transport).
func NewSession(next http.RoundTripper) *Session {
	if next == nil {
		next = http.DefaultTransport.(*http.Transport).Clone()
	}
	return &Session{next: next, secrets: bindings.NewSecrets(), rnd: rand.New(rand.NewPCG(1, 2))}
}

// Start begins a recording (mode Record: c is ignored and a new cassette
// started), a replay of c (mode Replay) or live use.
func (s *Session) Start(mode Mode, c *Cassette) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mode = mode
	s.secrets = bindings.NewSecrets()
	s.calls = nil
	s.origins = nil
	s.nowIdx, s.randIdx, s.slept = 0, 0, 0
	s.misses = nil
	s.rnd = rand.New(rand.NewPCG(1, 2))
	switch mode {
	case Record:
		now := time.Now().UTC().Truncate(time.Millisecond)
		s.cur = &Cassette{Version: Version, RecordedAt: now, Now: []int64{}, Random: []float64{}, Interactions: []Interaction{}}
	case Replay:
		s.cur = c
		s.used = make([]bool, len(c.Interactions))
		s.virtual = c.RecordedAt
		if n := len(c.Now); n > 0 {
			s.virtual = time.UnixMilli(c.Now[n-1]).UTC()
		}
	default:
		s.cur = nil
	}
}

// Mode is the current mode.
func (s *Session) Mode() Mode {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mode
}

// Secret registers values to hide from the recording (the connection's).
func (s *Session) Secret(values ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secrets.Add(values...)
}

// Connection registers a connection's secrets and its endpoint's origin.
// The secrets are the ones package connection names (as the CLI and the
// host redact them); a connection it cannot parse registers nothing, since
// the host refuses that connection before the script can send a request.
func (s *Session) Connection(conn json.RawMessage) {
	c, err := connection.Parse(conn)
	if err != nil {
		return
	}
	s.Secret(c.Secrets()...)
	if u, err := url.Parse(c.Auth.Endpoint); err == nil && u.Scheme != "" && u.Host != "" {
		s.mu.Lock()
		o := u.Scheme + "://" + u.Host
		found := false
		for _, x := range s.origins {
			found = found || x == o
		}
		if !found {
			s.origins = append(s.origins, o)
		}
		s.mu.Unlock()
	}
}

// Redact hides every secret the session knows from text (for messages
// printed about a recording or a replay).
func (s *Session) Redact(text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.redact(text)
}

// Misses returns the requests replay could not answer since Start.
func (s *Session) Misses() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.misses...)
}

// Now implements bindings.Clock.
func (s *Session) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch s.mode {
	case Record:
		t := time.Now().UTC().Truncate(time.Millisecond)
		s.cur.Now = append(s.cur.Now, t.UnixMilli())
		return t
	case Replay:
		if s.nowIdx < len(s.cur.Now) {
			t := time.UnixMilli(s.cur.Now[s.nowIdx]).UTC()
			s.nowIdx++
			return t
		}
		return s.virtual.Add(s.slept)
	}
	return time.Now()
}

// Sleep implements bindings.Clock: under replay a wait takes no time (the
// clock moves on instead), so a recorded rate limit replays at once.
func (s *Session) Sleep(ctx context.Context, d time.Duration) error {
	if s.Mode() != Replay {
		return bindings.RealClock{}.Sleep(ctx, d)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	s.slept += max(d, 0)
	s.mu.Unlock()
	return nil
}

// Random returns the next Math.random() value: recorded, replayed, or
// (past the recording) from a fixed seed.
func (s *Session) Random() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch s.mode {
	case Record:
		f := rand.Float64()
		s.cur.Random = append(s.cur.Random, f)
		return f
	case Replay:
		if s.randIdx < len(s.cur.Random) {
			f := s.cur.Random[s.randIdx]
			s.randIdx++
			return f
		}
		return s.rnd.Float64()
	}
	return rand.Float64()
}

// Install points a runtime's Math.random at the session; use it as (part
// of) host.Options.InitRuntime. Date is the engine's Clock already.
func (s *Session) Install(vu bindings.VU) error {
	vu.Runtime().SetRandSource(s.Random)
	return nil
}

// Config returns an HTTP config whose transport and clock are the
// session's.
func (s *Session) Config() *bindings.HTTPConfig {
	return &bindings.HTTPConfig{Transport: s, Clock: s}
}

// Finish ends a recording: it returns the cassette with every secret the
// session and the calls learnt replaced (in all the forms the redactor
// knows) and the endpoint's origin replaced with Origin.
func (s *Session) Finish() *Cassette {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.cur
	if s.mode != Record || c == nil {
		return c
	}
	out := *c
	out.Interactions = make([]Interaction, len(c.Interactions))
	for i, in := range c.Interactions {
		in.Request.URL = s.scrub(in.Request.URL)
		in.Request.Headers = s.scrubHeaders(in.Request.Headers)
		in.Request.Body = s.scrubBody(in.Request.Body)
		in.Response.Headers = s.scrubHeaders(in.Response.Headers)
		in.Response.Body = s.scrubBody(in.Response.Body)
		out.Interactions[i] = in
	}
	return &out
}

// redact hides every known secret; s.mu is held.
func (s *Session) redact(text string) string {
	text = s.secrets.Redact(text)
	for _, cs := range s.calls {
		text = cs.Redact(text)
	}
	return text
}

// scrub redacts and replaces origins; s.mu is held.
func (s *Session) scrub(text string) string {
	text = s.redact(text)
	for _, o := range s.origins {
		text = strings.ReplaceAll(text, o, Origin)
	}
	return text
}

func (s *Session) scrubHeaders(h http.Header) http.Header {
	if len(h) == 0 {
		return nil
	}
	out := make(http.Header, len(h))
	for k, vs := range h {
		nv := make([]string, len(vs))
		for i, v := range vs {
			// A Basic credential is base64 of "user:password": no encoding
			// of the password alone is in it, so look inside (in any
			// header: a server may echo it back).
			if len(v) > 6 && strings.EqualFold(v[:6], "Basic ") {
				if dec, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v[6:])); err == nil {
					if r := s.redact(string(dec)); r != string(dec) {
						v = "Basic " + r
					}
				}
			}
			nv[i] = s.scrub(v)
		}
		out[k] = nv
	}
	return out
}

func (s *Session) scrubBody(b Body) Body {
	data, err := b.Bytes()
	if err != nil || len(data) == 0 || b.Base64 != "" {
		return b
	}
	return MakeBody([]byte(s.scrub(string(data))))
}

// noteCall remembers the secrets of the call a request belongs to.
func (s *Session) noteCall(req *http.Request) {
	call := bindings.CallFrom(req.Context())
	if call == nil || call.Secrets == nil {
		return
	}
	for _, x := range s.calls {
		if x == call.Secrets {
			return
		}
	}
	s.calls = append(s.calls, call.Secrets)
}

// tokenFields are keys whose values, in a token endpoint's answer or a
// grant's form, are credentials.
var tokenFields = []string{"access_token", "refresh_token", "id_token", "accessToken", "refreshToken", "client_secret", "code", "password"}

// learn adds credentials found in a token exchange to the secrets; s.mu
// is held.
func (s *Session) learn(reqBody, respBody []byte) {
	if form, err := url.ParseQuery(string(reqBody)); err == nil && form.Get("grant_type") != "" {
		for _, k := range tokenFields {
			s.secrets.Add(form.Get(k))
		}
	}
	var m map[string]any
	if json.Unmarshal(respBody, &m) == nil {
		for _, k := range tokenFields {
			if v, ok := m[k].(string); ok {
				s.secrets.Add(v)
			}
		}
	}
}

// RoundTrip implements http.RoundTripper.
func (s *Session) RoundTrip(req *http.Request) (*http.Response, error) {
	switch s.Mode() {
	case Record:
		return s.record(req)
	case Replay:
		return s.replay(req)
	}
	return s.next.RoundTrip(req)
}

func readBody(rc io.ReadCloser) ([]byte, error) {
	if rc == nil || rc == http.NoBody {
		return nil, nil
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, maxBody))
}

func (s *Session) record(req *http.Request) (*http.Response, error) {
	body, err := readBody(req.Body)
	if err != nil {
		return nil, fmt.Errorf("cassette: reading the request body: %w", err)
	}
	out := req.Clone(req.Context())
	out.Body = io.NopCloser(bytes.NewReader(body))
	out.ContentLength = int64(len(body))
	resp, err := s.next.RoundTrip(out)
	if err != nil {
		// A failed connection is not recorded: replay could not give the
		// same error value back.
		return nil, err
	}
	rbody, err := readBody(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("cassette: reading the response body: %w", err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(rbody))
	resp.ContentLength = int64(len(rbody))
	resp.Header.Del("Content-Length")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noteCall(req)
	s.learn(body, rbody)
	if s.cur != nil {
		s.cur.Interactions = append(s.cur.Interactions, Interaction{
			Request:  Request{Method: req.Method, URL: req.URL.String(), Headers: req.Header.Clone(), Body: MakeBody(body)},
			Response: Response{Status: resp.StatusCode, Headers: resp.Header.Clone(), Body: MakeBody(rbody)},
		})
	}
	return resp, nil
}

// MissError is a request the cassette holds no answer for.
type MissError struct {
	// Method and URL are the request's, as it would be recorded.
	Method, URL string
	// Closest is the recorded request most like it ("" if none).
	Closest string
	// Exhausted is set when the same request was recorded but every
	// recorded answer to it was already served.
	Exhausted int
}

// Error implements error.
func (e *MissError) Error() string {
	msg := fmt.Sprintf("cassette: no recorded answer for %s %s", e.Method, e.URL)
	switch {
	case e.Exhausted > 0:
		msg += fmt.Sprintf(" (it was recorded %d time(s), all already served)", e.Exhausted)
	case e.Closest != "":
		msg += "; the closest recorded request is " + e.Closest
	default:
		msg += "; the cassette holds no requests"
	}
	return msg + " (record it again with --record)"
}

func (s *Session) replay(req *http.Request) (*http.Response, error) {
	body, err := readBody(req.Body)
	if err != nil {
		return nil, fmt.Errorf("cassette: reading the request body: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noteCall(req)
	s.learn(body, nil)
	u := s.scrub(req.URL.String())
	b := s.scrub(string(body))
	want := key(req.Method, u, []byte(b))
	c := s.cur
	exhausted := 0
	for i, in := range c.Interactions {
		rb, _ := in.Request.Bytes()
		if key(in.Request.Method, in.Request.URL, rb) != want {
			continue
		}
		if s.used[i] {
			exhausted++
			continue
		}
		s.used[i] = true
		return s.answer(req, in.Response)
	}
	miss := &MissError{Method: req.Method, URL: u, Exhausted: exhausted}
	if exhausted == 0 {
		miss.Closest = closest(req.Method+" "+u, c.Interactions)
	}
	s.misses = append(s.misses, miss.Error())
	return nil, miss
}

// answer builds the recorded response, with Origin put back to the
// origin the request went to.
func (s *Session) answer(req *http.Request, r Response) (*http.Response, error) {
	data, err := r.Bytes()
	if err != nil {
		return nil, fmt.Errorf("cassette: %w", err)
	}
	origin := req.URL.Scheme + "://" + req.URL.Host
	data = bytes.ReplaceAll(data, []byte(Origin), []byte(origin))
	h := make(http.Header, len(r.Headers))
	for k, vs := range r.Headers {
		for _, v := range vs {
			h.Add(k, strings.ReplaceAll(v, Origin, origin))
		}
	}
	h.Del("Content-Length")
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", r.Status, http.StatusText(r.Status)),
		StatusCode:    r.Status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          io.NopCloser(bytes.NewReader(data)),
		ContentLength: int64(len(data)),
		Request:       req,
	}, nil
}

// closest is the recorded "METHOD URL" nearest to want by edit distance.
func closest(want string, ins []Interaction) string {
	best, bestD := "", -1
	for _, in := range ins {
		cand := in.Request.Method + " " + in.Request.URL
		d := text.Distance(want, cand)
		if bestD < 0 || d < bestD {
			best, bestD = cand, d
		}
	}
	return best
}
