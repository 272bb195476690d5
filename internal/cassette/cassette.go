// Package cassette records a connector's outbound HTTP and its view of time
// and randomness, and replays them: a recorded call replayed on another day,
// on another machine, with the network closed, gives the same bytes.
//
// Every byte a script exchanges with the world goes through the host's
// bindings, so the hooks are complete: a Session is the http.RoundTripper
// under synapse/http and synapse/auth (bindings.HTTPConfig.Transport), the
// Clock of Date, timers, retry waits and token expiry
// (bindings.HTTPConfig.Clock), and the source of Math.random (Install).
package cassette

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/synapsejs/synapse-js/internal/fsutil"
)

// Version is the cassette format version this package writes.
const Version = 1

// Origin stands, in a cassette, for the scheme://host:port of the
// connection's endpoint, so a cassette recorded against a sandbox on one
// port replays against any other.
const Origin = "{{origin}}"

// Cassette is one recording: the requests and answers of one call or one
// test, and the clock and random values the script saw.
type Cassette struct {
	// Version is the format version; a cassette of another version is
	// refused (see Version).
	Version int `json:"version"`
	// RecordedAt is when recording started; replay's clock starts there.
	RecordedAt time.Time `json:"recordedAt"`
	// Now holds every clock reading (epoch ms) in order.
	Now []int64 `json:"now"`
	// Random holds every Math.random() value in order.
	Random []float64 `json:"random"`
	// Interactions are the HTTP exchanges, in the order they happened.
	Interactions []Interaction `json:"interactions"`
}

// Interaction is one HTTP request and its answer.
type Interaction struct {
	// Request is what the script sent.
	Request Request `json:"request"`
	// Response is what the server answered.
	Response Response `json:"response"`
}

// Request is a recorded request; secrets are replaced with
// bindings.Redacted and the endpoint's origin with Origin.
type Request struct {
	// Method is the HTTP method.
	Method string `json:"method"`
	// URL is the full URL, with the endpoint's origin replaced by Origin.
	URL string `json:"url"`
	// Headers are the request headers, secrets redacted.
	Headers http.Header `json:"headers,omitempty"`
	Body
}

// Response is a recorded answer.
type Response struct {
	// Status is the HTTP status code.
	Status int `json:"status"`
	// Headers are the response headers, secrets redacted.
	Headers http.Header `json:"headers,omitempty"`
	Body
}

// Body is a message body in the most readable form that gives back the
// same bytes: JSON as JSON (when it was compact, so compacting restores
// it), other UTF-8 text as a string, anything else as base64.
type Body struct {
	// JSON is the body when it was compact JSON.
	JSON json.RawMessage `json:"json,omitempty"`
	// Newline is set when the JSON body ended with a newline.
	Newline bool `json:"newline,omitempty"`
	// Text is the body when it was other UTF-8 text.
	Text string `json:"body,omitempty"`
	// Base64 is any other body, base64-encoded.
	Base64 string `json:"bodyBase64,omitempty"`
}

// Bytes returns the body's bytes.
func (b Body) Bytes() ([]byte, error) {
	switch {
	case len(b.JSON) > 0:
		var buf bytes.Buffer
		if err := json.Compact(&buf, b.JSON); err != nil {
			return nil, err
		}
		if b.Newline {
			buf.WriteByte('\n')
		}
		return buf.Bytes(), nil
	case b.Base64 != "":
		return base64.StdEncoding.DecodeString(b.Base64)
	}
	return []byte(b.Text), nil
}

// MakeBody stores data in its most readable faithful form.
func MakeBody(data []byte) Body {
	if len(data) == 0 {
		return Body{}
	}
	if !utf8.Valid(data) {
		return Body{Base64: base64.StdEncoding.EncodeToString(data)}
	}
	trimmed, nl := bytes.CutSuffix(data, []byte("\n"))
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') && json.Valid(trimmed) {
		var buf bytes.Buffer
		if json.Compact(&buf, trimmed) == nil && bytes.Equal(buf.Bytes(), trimmed) {
			return Body{JSON: append(json.RawMessage(nil), trimmed...), Newline: nl}
		}
	}
	return Body{Text: string(data)}
}

// Load reads a cassette file.
func Load(path string) (*Cassette, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("cassette %s does not exist (record it with --record): %w", path, err)
		}
		return nil, fmt.Errorf("cassette: %w", err)
	}
	var c Cassette
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("cassette %s: not a cassette: %w", path, err)
	}
	if c.Version != Version {
		return nil, fmt.Errorf("cassette %s: version %d, this synapse-js reads version %d (record it again)", path, c.Version, Version)
	}
	for i, in := range c.Interactions {
		if _, err := in.Request.Bytes(); err != nil {
			return nil, fmt.Errorf("cassette %s: interactions[%d].request: %w", path, i, err)
		}
		if _, err := in.Response.Bytes(); err != nil {
			return nil, fmt.Errorf("cassette %s: interactions[%d].response: %w", path, i, err)
		}
	}
	return &c, nil
}

// Marshal encodes the cassette as indented JSON, without HTML escaping so
// bodies read as they were.
func (c *Cassette) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(c); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Save writes the cassette to path (creating its directory), replacing the
// file atomically.
func (c *Cassette) Save(path string) error {
	data, err := c.Marshal()
	if err != nil {
		return fmt.Errorf("cassette: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("cassette: %w", err)
	}
	if err := fsutil.WriteFileAtomic(path, data, 0o644); err != nil {
		return fmt.Errorf("cassette: %w", err)
	}
	return nil
}

// key is what replay matches on: method, URL and body.
func key(method, url string, body []byte) string {
	return method + " " + url + "\n" + string(body)
}

// Slug turns a test name into a file name: lower-case letters, digits and
// dashes.
func Slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.TrimSuffix(b.String(), "-")
	if len(s) > 80 {
		s = strings.TrimSuffix(s[:80], "-")
	}
	if s == "" {
		s = "test"
	}
	return s
}
