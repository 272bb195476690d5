package auth

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestRefreshErrorCutsWholeCharacters: a token endpoint's long answer is cut
// at a character boundary, so the message stays valid UTF-8 (it goes into
// logs and the wire detail).
func TestRefreshErrorCutsWholeCharacters(t *testing.T) {
	e := &RefreshError{URL: "https://id.example/token", Status: 400, Body: strings.Repeat("a", 511) + "ééé"}
	msg := e.Error()
	if !utf8.ValidString(msg) {
		t.Fatalf("message is not valid UTF-8: %q", msg[len(msg)-8:])
	}
	if !strings.HasSuffix(msg, "a…") {
		t.Errorf("message ends %q; want the body cut before the first é", msg[len(msg)-8:])
	}
}
