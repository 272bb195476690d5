package bindings

import (
	"net/url"
	"strings"
	"sync"
)

// Redacted is what a secret is replaced with.
const Redacted = "[REDACTED]"

// minSecretLen keeps very short values (a "1" in a flag, say) from being
// treated as secrets: redacting them would garble every log line.
const minSecretLen = 4

// Secrets replaces known secret values, by value, wherever they appear in a
// text: as given, URL-query-escaped and path-escaped (so a token in a query
// string is caught too). It is safe for concurrent use: auth refreshes add
// tokens while other goroutines may be logging.
type Secrets struct {
	mu       sync.RWMutex
	values   map[string]struct{}
	replacer *strings.Replacer
}

// NewSecrets returns a Secrets holding the given values.
func NewSecrets(values ...string) *Secrets {
	s := &Secrets{values: map[string]struct{}{}}
	s.Add(values...)
	return s
}

// Add registers more secret values; empty and very short ones are ignored.
func (s *Secrets) Add(values ...string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	changed := false
	for _, v := range values {
		if len(v) < minSecretLen {
			continue
		}
		for _, form := range []string{v, url.QueryEscape(v), url.PathEscape(v)} {
			if _, ok := s.values[form]; !ok {
				s.values[form] = struct{}{}
				changed = true
			}
		}
	}
	if changed {
		s.replacer = nil
	}
}

// Redact returns text with every known secret replaced by [REDACTED].
func (s *Secrets) Redact(text string) string {
	if s == nil || text == "" {
		return text
	}
	s.mu.RLock()
	r := s.replacer
	n := len(s.values)
	s.mu.RUnlock()
	if n == 0 {
		return text
	}
	if r == nil {
		s.mu.Lock()
		if s.replacer == nil {
			// Longest first, so a secret that contains another is
			// replaced whole.
			forms := make([]string, 0, len(s.values))
			for v := range s.values {
				forms = append(forms, v)
			}
			sortByLenDesc(forms)
			pairs := make([]string, 0, 2*len(forms))
			for _, v := range forms {
				pairs = append(pairs, v, Redacted)
			}
			s.replacer = strings.NewReplacer(pairs...)
		}
		r = s.replacer
		s.mu.Unlock()
	}
	return r.Replace(text)
}

func sortByLenDesc(xs []string) {
	for i := 1; i < len(xs); i++ {
		for j := i; j > 0 && (len(xs[j]) > len(xs[j-1]) || (len(xs[j]) == len(xs[j-1]) && xs[j] < xs[j-1])); j-- {
			xs[j], xs[j-1] = xs[j-1], xs[j]
		}
	}
}
