package pipedrive

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Stats counts the requests the sandbox served (admin endpoints excluded).
type Stats struct {
	// Total is every request, faulted ones included.
	Total int64 `json:"total"`
	// ByPrefix counts by path up to the first id segment, e.g.
	// "/api/v2/persons" for both the list and /api/v2/persons/7.
	ByPrefix map[string]int64 `json:"by_prefix"`
	// ByStatus counts by HTTP status ("200", "429", ...).
	ByStatus map[string]int64 `json:"by_status"`
	// Faults counts requests answered by an injected fault.
	Faults int64 `json:"faults_injected"`
}

type statsState struct {
	mu sync.Mutex
	st Stats
}

func (ss *statsState) init() {
	ss.st.ByPrefix = map[string]int64{}
	ss.st.ByStatus = map[string]int64{}
}

const maxPrefixes = 256

func (ss *statsState) record(path string, status int, fault bool) {
	p := statsPrefix(path)
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.st.Total++
	if _, ok := ss.st.ByPrefix[p]; !ok && len(ss.st.ByPrefix) >= maxPrefixes {
		p = "other"
	}
	ss.st.ByPrefix[p]++
	if status > 0 {
		ss.st.ByStatus[strconv.Itoa(status)]++
	}
	if fault {
		ss.st.Faults++
	}
}

func statsPrefix(path string) string {
	var b strings.Builder
	for _, seg := range strings.Split(strings.Trim(path, "/"), "/") {
		if seg == "" || seg[0] >= '0' && seg[0] <= '9' || b.Len() > 80 {
			break
		}
		b.WriteByte('/')
		b.WriteString(seg)
	}
	if b.Len() == 0 {
		return "/"
	}
	return b.String()
}

// Stats returns a snapshot of the request counters.
func (s *Sandbox) Stats() Stats {
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	out := s.stats.st
	out.ByPrefix = make(map[string]int64, len(s.stats.st.ByPrefix))
	for k, v := range s.stats.st.ByPrefix {
		out.ByPrefix[k] = v
	}
	out.ByStatus = make(map[string]int64, len(s.stats.st.ByStatus))
	for k, v := range s.stats.st.ByStatus {
		out.ByStatus[k] = v
	}
	return out
}

// faultJSON is the admin endpoint's wire form of a Fault.
type faultJSON struct {
	// Mode is Fault.Mode by name.
	Mode string `json:"mode"`
	// Count is Fault.Count: how many requests it affects, 0 until cleared.
	Count int `json:"count"`
	// RetryAfter is Fault.RetryAfter, in seconds.
	RetryAfter int `json:"retryAfter"`
	// DelayMs is Fault.Delay in milliseconds.
	DelayMs int64 `json:"delayMs"`
	// Paths is Fault.Paths, the path prefix the fault applies to.
	Paths string `json:"paths"`
}

// serveAdmin serves the unauthenticated control endpoints:
//
//	POST /_sandbox/fault          set a fault (JSON faultJSON); GET shows it
//	GET  /_sandbox/stats          request counters
//	POST /_sandbox/expire-tokens  expire every issued OAuth access token
func (s *Sandbox) serveAdmin(w http.ResponseWriter, r *http.Request) {
	send := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	fail := func(status int, msg string) { send(status, map[string]any{"success": false, "error": msg}) }
	showFault := func() {
		f := s.CurrentFault()
		send(200, map[string]any{"success": true, "data": faultJSON{Mode: f.Mode.String(), Count: f.Count,
			RetryAfter: f.RetryAfter, DelayMs: f.Delay.Milliseconds(), Paths: f.Paths}})
	}
	switch strings.TrimSuffix(r.URL.Path, "/") {
	case "/_sandbox/fault":
		switch r.Method {
		case http.MethodGet:
			showFault()
		case http.MethodPost:
			raw, err := readBody(r)
			if err != nil {
				fail(400, err.Error())
				return
			}
			var fj faultJSON
			if err := json.Unmarshal(raw, &fj); err != nil {
				fail(400, "invalid JSON: "+err.Error())
				return
			}
			mode, err := ParseFaultMode(fj.Mode)
			if err != nil {
				fail(400, err.Error())
				return
			}
			if fj.Count < 0 || fj.DelayMs < 0 {
				fail(400, "count and delayMs must not be negative")
				return
			}
			s.SetFault(Fault{Mode: mode, Count: fj.Count, RetryAfter: fj.RetryAfter,
				Delay: time.Duration(fj.DelayMs) * time.Millisecond, Paths: fj.Paths})
			showFault()
		default:
			w.Header().Set("Allow", "GET, POST")
			fail(405, "method not allowed")
		}
	case "/_sandbox/stats":
		send(200, s.Stats())
	case "/_sandbox/expire-tokens":
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			fail(405, "method not allowed")
			return
		}
		s.ExpireAccessTokens()
		send(200, map[string]any{"success": true})
	default:
		fail(404, "unknown sandbox endpoint")
	}
}
