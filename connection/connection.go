package connection

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Connection is what the host itself reads of the platform's Connection
// (the script sees the whole object; unknown keys are the script's).
type Connection struct {
	// Name is connection.name, the key for remembered tokens.
	Name string
	// Auth is connection.authConfig.
	Auth AuthConfig
	// TokenURL is metaConfig.tokenUrl, where some platforms keep it.
	TokenURL string
}

// AuthConfig is connection.authConfig: every field is optional.
type AuthConfig struct {
	Endpoint     string
	UserName     string
	Password     string
	ClientID     string
	ClientSecret string
	RedirectURI  string
	Token        string
	AccessToken  string
	RefreshToken string
	// TokenURL is authConfig.tokenUrl (not in the SDK's model; connectors
	// may keep it there).
	TokenURL string
	// ExpiresAt is when AccessToken expires: authConfig.expiresAt, or
	// lastRefreshed + expiresIn; zero when unknown.
	ExpiresAt time.Time
	// AdditionalHeaders are sent with every request of the connection.
	AdditionalHeaders map[string]string
}

// secretKeys are the authConfig keys whose values are secrets. Every value
// of additionalHeaders is a secret too.
var secretKeys = [...]string{"password", "token", "accessToken", "refreshToken", "clientSecret"}

// Secrets lists the connection's secret values, to be redacted from
// everything the host prints or answers.
func (c *Connection) Secrets() []string {
	a := &c.Auth
	out := []string{a.Password, a.Token, a.AccessToken, a.RefreshToken, a.ClientSecret}
	for _, v := range a.AdditionalHeaders {
		out = append(out, v)
	}
	return out
}

// Tokens returns the OAuth tokens the connection carries.
func (c *Connection) Tokens() Tokens {
	return Tokens{AccessToken: c.Auth.AccessToken, RefreshToken: c.Auth.RefreshToken, ExpiresAt: c.Auth.ExpiresAt}
}

// Parse reads a Connection from JSON. Numbers are read as the platform
// wrote them (an id stored as a number stays exact). Only the fields the
// host reads are decoded; the rest is skipped.
func Parse(raw json.RawMessage) (*Connection, error) {
	var w struct {
		Name       any            `json:"name"`
		AuthConfig any            `json:"authConfig"`
		MetaConfig map[string]any `json:"metaConfig"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&w); err != nil {
		return nil, fmt.Errorf("connection: %w", err)
	}
	m := map[string]any{"name": w.Name, "authConfig": w.AuthConfig}
	if w.MetaConfig != nil {
		m["metaConfig"] = w.MetaConfig
	}
	return FromMap(m)
}

// FromMap reads a Connection from a decoded JSON object (encoding/json with
// or without UseNumber) or a JavaScript object exported by goja. Errors
// name the field: "connection.authConfig.token must be a string, got an
// object".
func FromMap(m map[string]any) (*Connection, error) {
	c := &Connection{}
	var err error
	if c.Name, err = str("name", m["name"]); err != nil {
		return nil, err
	}
	if mc, ok := m["metaConfig"].(map[string]any); ok {
		if c.TokenURL, err = str("metaConfig.tokenUrl", mc["tokenUrl"]); err != nil {
			return nil, err
		}
	}
	acv, present := m["authConfig"]
	if !present || acv == nil {
		return c, nil
	}
	ac, ok := acv.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("connection.authConfig must be an object, got %s", kind(acv))
	}
	a := &c.Auth
	for _, f := range []struct {
		key string
		dst *string
	}{
		{"endpoint", &a.Endpoint}, {"userName", &a.UserName}, {"password", &a.Password},
		{"clientId", &a.ClientID}, {"clientSecret", &a.ClientSecret}, {"redirectUri", &a.RedirectURI},
		{"token", &a.Token}, {"accessToken", &a.AccessToken}, {"refreshToken", &a.RefreshToken},
		{"tokenUrl", &a.TokenURL},
	} {
		if *f.dst, err = str("authConfig."+f.key, ac[f.key]); err != nil {
			return nil, err
		}
	}
	if a.ExpiresAt, err = expiry(ac); err != nil {
		return nil, err
	}
	switch h := ac["additionalHeaders"].(type) {
	case nil:
	case map[string]any:
		for k, v := range h {
			s, err := str("authConfig.additionalHeaders."+k, v)
			if err != nil {
				return nil, err
			}
			if s != "" {
				if a.AdditionalHeaders == nil {
					a.AdditionalHeaders = map[string]string{}
				}
				a.AdditionalHeaders[k] = s
			}
		}
	default:
		return nil, fmt.Errorf("connection.authConfig.additionalHeaders must be an object, got %s", kind(h))
	}
	return c, nil
}

// str reads an optional string field: a string, or a number (some
// platforms store numeric ids); anything else is an error. Line breaks are
// refused: these values end up in HTTP headers.
func str(name string, v any) (string, error) {
	var s string
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		s = x
	case json.Number:
		s = x.String()
	case int64:
		s = strconv.FormatInt(x, 10)
	case int:
		s = strconv.Itoa(x)
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	default:
		return "", fmt.Errorf("connection.%s must be a string, got %s", name, kind(v))
	}
	if strings.ContainsAny(s, "\r\n") {
		return "", fmt.Errorf("connection.%s must not contain line breaks", name)
	}
	return s, nil
}

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, int, int64, float64:
		return "a number"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	return fmt.Sprintf("%T", v)
}

// expiry derives the access token's expiry: authConfig.expiresAt if set,
// else lastRefreshed (epoch ms or s, or RFC 3339) plus expiresIn (seconds).
// Unknown when either is missing: the token is then refreshed on a 401.
func expiry(ac map[string]any) (time.Time, error) {
	if v, ok := ac["expiresAt"]; ok && v != nil {
		t, ok := ParseTime(v)
		if !ok {
			return time.Time{}, fmt.Errorf("connection.authConfig.expiresAt must be epoch milliseconds or an RFC 3339 time, got %v", v)
		}
		return t, nil
	}
	secs, ok := number(ac["expiresIn"])
	if !ok || secs <= 0 {
		return time.Time{}, nil
	}
	at, ok := ParseTime(ac["lastRefreshed"])
	if !ok || at.IsZero() {
		return time.Time{}, nil
	}
	return at.Add(time.Duration(secs * float64(time.Second))).UTC(), nil
}

// number reads a number or a numeric string.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case float64:
		return x, true
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil && !math.IsNaN(f)
	}
	return 0, false
}

// ParseTime reads a point in time as connections and scripts write it:
// epoch milliseconds (or seconds, for values too small to be milliseconds),
// as a number or a numeric string, an RFC 3339 string, or a time.Time (a JS
// Date exported by goja). ok is false for anything else; nil is the zero
// time.
func ParseTime(v any) (t time.Time, ok bool) {
	switch x := v.(type) {
	case nil:
		return time.Time{}, true
	case time.Time:
		return x.UTC(), true
	case string:
		s := strings.TrimSpace(x)
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return epochTime(f), true
		}
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t.UTC(), true
		}
		return time.Time{}, false
	}
	if f, ok := number(v); ok {
		return epochTime(f), true
	}
	return time.Time{}, false
}

// epochTime reads epoch ms; values below 1e11 (before 1973 as ms) are
// taken as epoch seconds.
func epochTime(f float64) time.Time {
	if f <= 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return time.Time{}
	}
	if f < 1e11 {
		f *= 1000
	}
	return time.UnixMilli(int64(f)).UTC()
}

// WithTokens returns the connection JSON with t written into authConfig,
// and every expiry field made to agree with t: expiresIn (seconds left at
// now, as the SDK's string), lastRefreshed (now) and expiresAt (epoch ms),
// so no reader derives an older expiry from a field left behind. Other keys
// are kept as they were, numbers included.
func WithTokens(raw json.RawMessage, t Tokens, now time.Time) (json.RawMessage, error) {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil || m == nil {
		m = map[string]any{}
	}
	ac, _ := m["authConfig"].(map[string]any)
	if ac == nil {
		ac = map[string]any{}
	}
	ac["accessToken"] = t.AccessToken
	if t.RefreshToken != "" {
		ac["refreshToken"] = t.RefreshToken
	}
	if t.ExpiresAt.IsZero() {
		delete(ac, "expiresAt")
		delete(ac, "expiresIn")
	} else {
		ac["expiresIn"] = strconv.FormatInt(int64(t.ExpiresAt.Sub(now).Round(time.Second).Seconds()), 10)
		ac["lastRefreshed"] = now.UTC().Format(time.RFC3339)
		if _, had := ac["expiresAt"]; had {
			ac["expiresAt"] = t.ExpiresAt.UnixMilli()
		}
	}
	m["authConfig"] = ac
	out, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("write rotated tokens into the connection: %w", err)
	}
	return out, nil
}
