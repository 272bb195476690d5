package bindings

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"sort"
	"strings"
	"sync"
)

// Redacted is what a secret is replaced with.
const Redacted = "[REDACTED]"

// minSecretLen keeps very short values (a "1" in a flag, say) from being
// treated as secrets: redacting them would garble every log line.
const minSecretLen = 4

// Secrets replaces known secret values, by value, wherever they appear in a
// text: as given, URL-query- and path-escaped (a token in a query string),
// JSON-escaped and base64 (see secretForms). Every byte covered by any occurrence of any secret
// is hidden, so two secrets that overlap in a text cannot leave a piece of
// either visible. It is safe for concurrent use: auth refreshes add tokens
// while other goroutines may be logging.
type Secrets struct {
	mu     sync.RWMutex
	values map[string]struct{}
	forms  []string // the values' forms, longest first; nil when stale
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
	for _, v := range values {
		if len(v) < minSecretLen {
			continue
		}
		for _, form := range secretForms(v) {
			if _, ok := s.values[form]; !ok {
				s.values[form] = struct{}{}
				s.forms = nil
			}
		}
	}
}

// snapshot returns the forms to look for, longest first.
func (s *Secrets) snapshot() []string {
	s.mu.RLock()
	forms := s.forms
	n := len(s.values)
	s.mu.RUnlock()
	if forms != nil || n == 0 {
		return forms
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.forms == nil {
		forms := make([]string, 0, len(s.values))
		for v := range s.values {
			forms = append(forms, v)
		}
		sort.Slice(forms, func(i, j int) bool {
			if len(forms[i]) != len(forms[j]) {
				return len(forms[i]) > len(forms[j])
			}
			return forms[i] < forms[j]
		})
		s.forms = forms
	}
	return s.forms
}

// Redact returns text with every known secret replaced by [REDACTED];
// overlapping occurrences become one [REDACTED].
func (s *Secrets) Redact(text string) string {
	if s == nil || text == "" {
		return text
	}
	forms := s.snapshot()
	if len(forms) == 0 {
		return text
	}
	type span struct{ from, to int }
	var spans []span
	for _, f := range forms {
		for from := 0; ; {
			i := strings.Index(text[from:], f)
			if i < 0 {
				break
			}
			start := from + i
			spans = append(spans, span{start, start + len(f)})
			from = start + 1
		}
	}
	if len(spans) == 0 {
		return text
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].from < spans[j].from })
	var b strings.Builder
	b.Grow(len(text))
	pos := 0
	for i := 0; i < len(spans); {
		from, to := spans[i].from, spans[i].to
		for i++; i < len(spans) && spans[i].from < to; i++ {
			to = max(to, spans[i].to)
		}
		b.WriteString(text[pos:from])
		b.WriteString(Redacted)
		pos = to
	}
	b.WriteString(text[pos:])
	return b.String()
}

// secretForms lists the texts a secret may appear as: as given,
// URL-query- and path-escaped, JSON-escaped, and base64 (standard and URL
// alphabets, padded or not), so a cassette or a log line that holds an
// encoded copy hides it too.
func secretForms(v string) []string {
	forms := []string{v, url.QueryEscape(v), url.PathEscape(v)}
	if j, err := json.Marshal(v); err == nil {
		js := string(j[1 : len(j)-1])
		// Some encoders also escape "/" (PHP, some JS libraries).
		forms = append(forms, js, strings.ReplaceAll(js, "/", `\/`))
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		forms = append(forms, enc.EncodeToString([]byte(v)))
	}
	return forms
}
