package connection_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/synapsejs/synapse-js/connection"
)

// TestWithTokensKeepsOrderAndAgrees: rotated tokens are written in place,
// other keys and numbers keep their text and order, and every expiry field
// a reader may use gives the new expiry.
func TestWithTokensKeepsOrderAndAgrees(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 10, 0, 0, 250e6, time.UTC)
	issued := now.Add(-400 * time.Millisecond)
	fresh := connection.Tokens{AccessToken: "A2", RefreshToken: "R2", IssuedAt: issued, ExpiresAt: issued.Add(3 * time.Second)}
	cases := []struct {
		name, in, want string
	}{
		{"SDK order, all keys present",
			`{"name":"c","authConfig":{"endpoint":"https://x/","accessToken":"A1","refreshToken":"R1","expiresIn":"3600","lastRefreshed":null,"n":1.50},"metaConfig":{"big":12345678901234567890}}`,
			`{"name":"c","authConfig":{"endpoint":"https://x/","accessToken":"A2","refreshToken":"R2","expiresIn":"3","lastRefreshed":"2026-12-01T09:59:59.850Z","n":1.50},"metaConfig":{"big":12345678901234567890}}`},
		{"expiresAt kept in step",
			`{"name":"c","authConfig":{"accessToken":"A1","expiresAt":1}}`,
			`{"name":"c","authConfig":{"accessToken":"A2","expiresAt":1796119202850,"refreshToken":"R2","expiresIn":"3","lastRefreshed":"2026-12-01T09:59:59.850Z"}}`},
		{"no authConfig", `{"name":"c"}`,
			`{"name":"c","authConfig":{"accessToken":"A2","refreshToken":"R2","expiresIn":"3","lastRefreshed":"2026-12-01T09:59:59.850Z"}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := connection.WithTokens(json.RawMessage(tc.in), fresh, now)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tc.want {
				t.Errorf("got  %s\nwant %s", out, tc.want)
			}
			c, err := connection.Parse(out)
			if err != nil {
				t.Fatal(err)
			}
			if !c.Auth.ExpiresAt.Equal(fresh.ExpiresAt) {
				t.Errorf("expiry read back %v, want %v", c.Auth.ExpiresAt, fresh.ExpiresAt)
			}
			if got := c.Tokens(); got.AccessToken != "A2" || got.RefreshToken != "R2" || !got.IssuedAt.Equal(issued) {
				t.Errorf("tokens read back %+v", got)
			}
		})
	}
}

// TestWithTokensUnknownIssueTime: without IssuedAt the lifetime starts now
// and is rounded up to whole seconds; lastRefreshed + expiresIn is still
// the expiry to the millisecond.
func TestWithTokensUnknownIssueTime(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	exp := now.Add(2500 * time.Millisecond)
	out, err := connection.WithTokens(json.RawMessage(`{"name":"c","authConfig":{}}`), connection.Tokens{AccessToken: "A", ExpiresAt: exp}, now)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"expiresIn":"3","lastRefreshed":"2026-12-01T09:59:59.500Z"`) {
		t.Errorf("got %s", out)
	}
	c, _ := connection.Parse(out)
	if !c.Auth.ExpiresAt.Equal(exp) {
		t.Errorf("expiry %v, want %v", c.Auth.ExpiresAt, exp)
	}
	// No expiry: the old expiry fields are cleared, not left to mislead.
	out, _ = connection.WithTokens(json.RawMessage(`{"name":"c","authConfig":{"expiresIn":"60","lastRefreshed":"2020-01-01T00:00:00Z"}}`), connection.Tokens{AccessToken: "B"}, now)
	if want := `{"name":"c","authConfig":{"expiresIn":null,"lastRefreshed":null,"accessToken":"B"}}`; string(out) != want {
		t.Errorf("got %s, want %s", out, want)
	}
}
