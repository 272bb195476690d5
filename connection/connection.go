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
	// Endpoint is authConfig.endpoint, the connected system's base URL.
	Endpoint string
	// UserName is authConfig.userName; with Password it makes a Basic
	// credential.
	UserName string
	// Password is authConfig.password (a secret: see Secrets).
	Password string
	// ClientID is authConfig.clientId, the OAuth2 client; a refresh needs it.
	ClientID string
	// ClientSecret is authConfig.clientSecret, the OAuth2 client's secret.
	ClientSecret string
	// RedirectURI is authConfig.redirectUri, the OAuth2 client's redirect URI.
	RedirectURI string
	// Token is authConfig.token, an API key.
	Token string
	// AccessToken is authConfig.accessToken, an OAuth2 or bearer token.
	AccessToken string
	// RefreshToken is authConfig.refreshToken, spent to get a new
	// AccessToken.
	RefreshToken string
	// TokenURL is authConfig.tokenUrl (not in the SDK's model; connectors
	// may keep it there).
	TokenURL string
	// ExpiresAt is when AccessToken expires: authConfig.expiresAt, or
	// lastRefreshed + expiresIn; zero when unknown.
	ExpiresAt time.Time
	// LastRefreshed is authConfig.lastRefreshed, when AccessToken was
	// issued; zero when unknown.
	LastRefreshed time.Time
	// AdditionalHeaders are sent with every request of the connection.
	AdditionalHeaders map[string]string
}

// Secrets lists the connection's secret values, to be redacted from
// everything the host prints or answers: password, token, accessToken,
// refreshToken, clientSecret, a Basic credential's user:password and every
// additionalHeaders value. It is the one list: the CLI and the cassettes
// take theirs from here.
func (c *Connection) Secrets() []string {
	a := &c.Auth
	out := []string{a.Password, a.Token, a.AccessToken, a.RefreshToken, a.ClientSecret}
	if a.UserName != "" && a.Password != "" {
		// A Basic header carries base64("user:password").
		out = append(out, a.UserName+":"+a.Password)
	}
	for _, v := range a.AdditionalHeaders {
		out = append(out, v)
	}
	return out
}

// Tokens returns the OAuth tokens the connection carries.
func (c *Connection) Tokens() Tokens {
	t := Tokens{AccessToken: c.Auth.AccessToken, RefreshToken: c.Auth.RefreshToken, ExpiresAt: c.Auth.ExpiresAt}
	if !t.ExpiresAt.IsZero() && c.Auth.LastRefreshed.Before(t.ExpiresAt) {
		t.IssuedAt = c.Auth.LastRefreshed
	}
	return t
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
	if t, ok := ParseTime(ac["lastRefreshed"]); ok {
		a.LastRefreshed = t
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
// and every expiry field made to agree with t, so no reader derives an
// older expiry from a field left behind: expiresIn (whole seconds, as the
// SDK's string) and lastRefreshed (RFC 3339, milliseconds) such that
// lastRefreshed + expiresIn is t.ExpiresAt exactly, and expiresAt (epoch
// ms) where the connection has that key. lastRefreshed is t.IssuedAt when
// known (now otherwise), moved back by under a second when the lifetime is
// not a whole number of seconds. Keys keep their order and every other
// value its exact text; keys authConfig lacked are added at its end.
func WithTokens(raw json.RawMessage, t Tokens, now time.Time) (json.RawMessage, error) {
	top, err := readObject(raw)
	if err != nil {
		top = nil // not an object: start one
	}
	var ac orderedObject
	if v, ok := top.get("authConfig"); ok {
		if ac, err = readObject(v); err != nil {
			ac = nil
		}
	}
	ac.set("accessToken", jsonString(t.AccessToken))
	if t.RefreshToken != "" {
		ac.set("refreshToken", jsonString(t.RefreshToken))
	}
	if t.ExpiresAt.IsZero() {
		for _, k := range []string{"expiresIn", "lastRefreshed", "expiresAt"} {
			if _, had := ac.get(k); had {
				ac.set(k, json.RawMessage("null"))
			}
		}
	} else {
		issued, secs := Lifetime(t, now)
		ac.set("expiresIn", jsonString(strconv.FormatInt(secs, 10)))
		ac.set("lastRefreshed", jsonString(issued.UTC().Format("2006-01-02T15:04:05.000Z07:00")))
		if _, had := ac.get("expiresAt"); had {
			ac.set("expiresAt", json.RawMessage(strconv.FormatInt(t.ExpiresAt.UnixMilli(), 10)))
		}
	}
	top.set("authConfig", ac.bytes())
	return top.bytes(), nil
}

// Lifetime is how t is written as the SDK's pair lastRefreshed + expiresIn
// (whole seconds): issued + secs is t.ExpiresAt to the millisecond. The
// lifetime starts at t.IssuedAt when known, else at now; it is rounded up
// to whole seconds, which moves issued back by under a second.
func Lifetime(t Tokens, now time.Time) (issued time.Time, secs int64) {
	exp := t.ExpiresAt.Truncate(time.Millisecond)
	from := t.IssuedAt
	if from.IsZero() || !from.Before(exp) {
		from = now
	}
	left := exp.Sub(from)
	if left < 0 {
		left = 0
	}
	secs = int64((left + time.Second - 1) / time.Second)
	return exp.Add(-time.Duration(secs) * time.Second), secs
}

func jsonString(s string) json.RawMessage {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return bytes.TrimRight(b.Bytes(), "\n")
}

// orderedObject is a JSON object as its keys and raw values, in order, so
// it is written back with every other key and number exactly as it was.
type orderedObject []member

type member struct {
	key string
	raw json.RawMessage
}

func readObject(raw json.RawMessage) (orderedObject, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("want a JSON object")
	}
	var o orderedObject
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		o = append(o, member{key: kt.(string), raw: v})
	}
	return o, nil
}

func (o orderedObject) get(k string) (json.RawMessage, bool) {
	for _, m := range o {
		if m.key == k {
			return m.raw, true
		}
	}
	return nil, false
}

func (o *orderedObject) set(k string, v json.RawMessage) {
	for i := range *o {
		if (*o)[i].key == k {
			(*o)[i].raw = v
			return
		}
	}
	*o = append(*o, member{key: k, raw: v})
}

func (o orderedObject) bytes() json.RawMessage {
	out := []byte{'{'}
	for i, m := range o {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, jsonString(m.key)...)
		out = append(out, ':')
		out = append(out, m.raw...)
	}
	return append(out, '}')
}
