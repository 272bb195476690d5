// Package text holds the small string helpers every part of the host
// shares, so they agree (on UTF-8, for one).
package text

// Truncate returns s cut to at most n bytes, at a UTF-8 character boundary,
// with "…" appended when anything was cut.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n < 0 {
		n = 0
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
