// Package names holds the one rule for synapse names, shared by the engine,
// the store and the server so they can never disagree.
package names

// Valid reports whether s is a valid synapse name: [a-z0-9][a-z0-9_-]{0,62}.
// Such a name is safe in a URL path and as a directory name: it has no
// path separator and no dot.
func Valid(s string) bool {
	if len(s) == 0 || len(s) > 63 {
		return false
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch >= 'a' && ch <= 'z', ch >= '0' && ch <= '9':
		case (ch == '_' || ch == '-') && i > 0:
		default:
			return false
		}
	}
	return true
}
