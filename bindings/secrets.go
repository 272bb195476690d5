package bindings

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"unicode/utf16"
)

// Redacted is what a secret is replaced with.
const Redacted = "[REDACTED]"

// minSecretLen keeps very short values (a "1" in a flag, say) from being
// treated as secrets: redacting them would garble every log line.
const minSecretLen = 4

// Secrets replaces known secret values, by value, wherever they appear in a
// text: as given and in the encodings a script or a library may put them in
// (see forms). Every byte covered by any occurrence of any secret is
// hidden, so two secrets that overlap in a text cannot leave a piece of
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
// For a Basic credential, add "user:password" too: its base64 is what the
// Authorization header carries.
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
		for _, form := range forms(v) {
			if len(form) < minSecretLen {
				continue
			}
			if _, ok := s.values[form]; !ok {
				s.values[form] = struct{}{}
				s.forms = nil
			}
		}
	}
}

// minB64Core is the shortest piece of a base64 text taken as a secret's
// trace inside a longer base64 text (shorter pieces would match by chance).
const minB64Core = 8

// forms lists how v may appear in a text: as given; percent-encoded as Go's
// query and path escaping and JavaScript's encodeURIComponent and encodeURI
// do (so with "+" and with "%20" for a space), in upper- and lower-case hex;
// escaped as a JSON string (with and without HTML escaping); in base64,
// standard and URL-safe, padded and not; and the part of its base64 that
// stays the same wherever it sits inside a longer encoded text (a Basic
// header's "user:password", a token in a JWT-like blob).
func forms(v string) []string {
	pct := []string{url.QueryEscape(v), url.PathEscape(v), escapeJS(v, uriComponentSafe), escapeJS(v, uriSafe)}
	out := []string{v}
	for _, p := range pct {
		out = append(out, p, lowerHex(p))
	}
	out = append(out, jsonForms(v)...)
	b := []byte(v)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		out = append(out, enc.EncodeToString(b))
	}
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		for k := 1; k <= 2; k++ {
			if core := b64Core(enc, b, k); len(core) >= minB64Core {
				out = append(out, core)
			}
		}
	}
	return out
}

// b64Core is the base64 of v preceded by k other bytes, without the
// characters that depend on those bytes or on what follows v.
func b64Core(enc *base64.Encoding, v []byte, k int) string {
	buf := make([]byte, k+len(v))
	copy(buf[k:], v)
	full := enc.EncodeToString(buf)
	start := []int{0, 2, 3}[k]
	end := (len(buf) / 3) * 4
	if end <= start {
		return ""
	}
	return full[start:end]
}

// The characters encodeURIComponent and encodeURI leave as they are.
const (
	uriComponentSafe = "-_.!~*'()"
	uriSafe          = uriComponentSafe + ";,/?:@&=+$#"
)

// escapeJS percent-encodes v as JavaScript's encodeURIComponent (or
// encodeURI) does: UTF-8 bytes, upper-case hex, letters, digits and safe
// left alone.
func escapeJS(v, safe string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < 0x80 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(safe, c) >= 0) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte("0123456789ABCDEF"[c>>4])
		b.WriteByte("0123456789ABCDEF"[c&15])
	}
	return b.String()
}

// lowerHex turns a percent-encoded text's hex digits to lower case.
func lowerHex(p string) string {
	b := []byte(p)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			for j := i + 1; j <= i+2; j++ {
				if b[j] >= 'A' && b[j] <= 'F' {
					b[j] += 'a' - 'A'
				}
			}
			i += 2
		}
	}
	return string(b)
}

// jsonForms are v escaped inside a JSON string, without the quotes: as
// JSON.stringify writes it, with Go's HTML escaping, and with every
// non-ASCII character as \uXXXX.
func jsonForms(v string) []string {
	var out []string
	for _, html := range []bool{false, true} {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(html)
		_ = enc.Encode(v)
		out = append(out, strings.TrimSuffix(strings.TrimSpace(buf.String()), `"`)[1:])
	}
	// Some encoders also escape "/" (PHP, some JS libraries).
	out = append(out, strings.ReplaceAll(out[0], "/", `\/`))
	var b strings.Builder
	for _, r := range out[0] {
		if r < 0x80 {
			b.WriteRune(r)
			continue
		}
		for _, u := range utf16.Encode([]rune{r}) {
			fmt.Fprintf(&b, "\\u%04x", u)
		}
	}
	return append(out, b.String())
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
