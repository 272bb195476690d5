package bindings_test

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/synapsejs/synapse-js/bindings"
)

func TestRedact(t *testing.T) {
	t.Parallel()
	const tricky = "p@ss w/rd+x&y=z"
	cases := []struct {
		name    string
		secrets []string
		text    string
		want    string
	}{
		{"raw", []string{"s3cr3t-token"}, "Authorization: Bearer s3cr3t-token", "Authorization: Bearer [REDACTED]"},
		{"every occurrence", []string{"s3cr3t"}, "s3cr3t,s3cr3ts3cr3t and s3cr3t", "[REDACTED],[REDACTED][REDACTED] and [REDACTED]"},
		{"query-escaped", []string{tricky}, "GET https://api.example.com/x?pw=" + url.QueryEscape(tricky) + "&a=1",
			"GET https://api.example.com/x?pw=[REDACTED]&a=1"},
		{"path-escaped", []string{tricky}, "GET https://api.example.com/users/" + url.PathEscape(tricky) + "/items",
			"GET https://api.example.com/users/[REDACTED]/items"},
		{"all three forms", []string{tricky}, tricky + " " + url.QueryEscape(tricky) + " " + url.PathEscape(tricky),
			"[REDACTED] [REDACTED] [REDACTED]"},
		{"several secrets", []string{"alpha-key", "beta-key"}, "a=alpha-key b=beta-key", "a=[REDACTED] b=[REDACTED]"},
		{"longest first", []string{"abcd", "abcdefgh"}, "xabcdefghx abcd", "x[REDACTED]x [REDACTED]"},
		{"longest first, added the other way", []string{"abcdefgh", "abcd"}, "xabcdefghx abcd", "x[REDACTED]x [REDACTED]"},
		{"a secret inside another", []string{"token", "my-token-value"}, "my-token-value token", "[REDACTED] [REDACTED]"},
		{"escaped form longer than another secret", []string{"a b c d", "a+b+"}, "q=a+b+c+d p=a+b+", "q=[REDACTED] p=[REDACTED]"},
		{"minimum length", []string{"abcd"}, "abcd abc", "[REDACTED] abc"},
		{"short values ignored", []string{"abc", "1", "", "ab"}, "abc 1 ab", "abc 1 ab"},
		{"unicode", []string{"clé-secrète"}, "k=clé-secrète q=" + url.QueryEscape("clé-secrète"), "k=[REDACTED] q=[REDACTED]"},
		{"no secrets", nil, "nothing to hide", "nothing to hide"},
		{"empty text", []string{"secret"}, "", ""},
		{"no match", []string{"secret"}, "public", "public"},
		{"duplicates", []string{"dup-secret", "dup-secret"}, "dup-secret", "[REDACTED]"},
		{"overlapping secrets leave nothing visible", []string{"abcd", "cdefgh"}, "xabcdefghx", "x[REDACTED]x"},
		{"overlap the other way", []string{"cdefgh", "abcd"}, "abcdefgh|cdefgh", "[REDACTED]|[REDACTED]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := bindings.NewSecrets(c.secrets...)
			if got := s.Redact(c.text); got != c.want {
				t.Errorf("Redact(%q) = %q, want %q", c.text, got, c.want)
			}
			// Adding the same values one by one gives the same result.
			s2 := bindings.NewSecrets()
			for _, v := range c.secrets {
				s2.Add(v)
			}
			if got := s2.Redact(c.text); got != c.want {
				t.Errorf("after Add one by one: Redact(%q) = %q, want %q", c.text, got, c.want)
			}
		})
	}
}

func TestRedactNil(t *testing.T) {
	t.Parallel()
	var s *bindings.Secrets
	s.Add("ignored-secret")
	if got := s.Redact("ignored-secret"); got != "ignored-secret" {
		t.Errorf("nil Secrets: Redact = %q", got)
	}
}

// A secret added after a Redact (an auth refresh mid-call) is redacted by
// the next one.
func TestRedactAfterAdd(t *testing.T) {
	t.Parallel()
	s := bindings.NewSecrets("first-secret")
	if got := s.Redact("first-secret second-secret"); got != "[REDACTED] second-secret" {
		t.Fatalf("Redact = %q", got)
	}
	s.Add("second-secret")
	if got := s.Redact("first-secret second-secret"); got != "[REDACTED] [REDACTED]" {
		t.Errorf("after Add: Redact = %q", got)
	}
	s.Add("abc") // too short: changes nothing
	if got := s.Redact("abc first-secret"); got != "abc [REDACTED]" {
		t.Errorf("after a short Add: Redact = %q", got)
	}
}

// Concurrent Add and Redact (run with -race): each goroutine's own secret,
// added before it redacts, is always caught, and so is one known from the
// start.
func TestRedactConcurrent(t *testing.T) {
	t.Parallel()
	s := bindings.NewSecrets("shared-secret")
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := range 8 {
		wg.Go(func() {
			for i := range 30 {
				own := fmt.Sprintf("secret-%d-%d", g, i)
				s.Add(own, url.QueryEscape(own)+"-x")
				text := "a " + own + " b shared-secret c " + url.PathEscape(own)
				if got := s.Redact(text); got != "a [REDACTED] b [REDACTED] c [REDACTED]" {
					errs <- fmt.Sprintf("Redact(%q) = %q", text, got)
					return
				}
			}
		})
		wg.Go(func() {
			for range 100 {
				if got := s.Redact("x shared-secret y"); got != "x [REDACTED] y" {
					errs <- fmt.Sprintf("shared: Redact = %q", got)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	// Every secret added by any goroutine is known at the end.
	var all []string
	for g := range 8 {
		all = append(all, fmt.Sprintf("secret-%d-%d", g, 29))
	}
	text := strings.Join(all, " ")
	if got := s.Redact(text); strings.Count(got, bindings.Redacted) != len(all) || strings.Contains(got, "secret-") {
		t.Errorf("Redact(all) = %q", got)
	}
}
