package bindings

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestRedactEncodedForms(t *testing.T) {
	for _, secret := range []string{"P@ssw0rd!", "a b/c+d&é=?", "tok_<live>&x", "sk-12345678901234567890"} {
		s := NewSecrets(secret)
		js, _ := json.Marshal(secret)
		forms := map[string]string{
			"as given":                   secret,
			"query escape (+)":           url.QueryEscape(secret),
			"path escape (%20)":          url.PathEscape(secret),
			"encodeURIComponent":         escapeJS(secret, uriComponentSafe),
			"encodeURI":                  escapeJS(secret, uriSafe),
			"lower-case hex":             regexp.MustCompile(`%[0-9A-F]{2}`).ReplaceAllStringFunc(url.QueryEscape(secret), strings.ToLower),
			"base64":                     base64.StdEncoding.EncodeToString([]byte(secret)),
			"base64 url":                 base64.URLEncoding.EncodeToString([]byte(secret)),
			"base64 raw":                 base64.RawStdEncoding.EncodeToString([]byte(secret)),
			"base64 raw url":             base64.RawURLEncoding.EncodeToString([]byte(secret)),
			"JSON string (HTML escaped)": string(js[1 : len(js)-1]),
			"Basic header of user:it":    "Basic " + base64.StdEncoding.EncodeToString([]byte("someone:"+secret)),
			"Basic header of u:it":       "Basic " + base64.StdEncoding.EncodeToString([]byte("u:"+secret)),
		}
		for what, form := range forms {
			text := "before " + form + " after"
			got := s.Redact(text)
			if strings.Contains(got, form) && len(form) >= minSecretLen {
				t.Errorf("%q %s: %q left visible in %q", secret, what, form, got)
			}
			if !strings.HasPrefix(got, "before ") {
				t.Errorf("%q %s: the text around it was lost: %q", secret, what, got)
			}
		}
	}
	// "Basic dXNlcjpzZWNyZXQ=" is user:secret: adding user:password
	// covers the whole header value, which a short password alone cannot.
	s := NewSecrets("user:pw12")
	h := "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("user:pw12"))
	if got := s.Redact(h); got != "Authorization: Basic "+Redacted {
		t.Errorf("Basic header: %q", got)
	}
	// Ordinary words are not mistaken for a secret's base64 piece.
	s = NewSecrets("P@ssw0rd!")
	if got := s.Redact("the quick brown fox"); got != "the quick brown fox" {
		t.Errorf("false positive: %q", got)
	}
}
