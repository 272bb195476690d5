package host_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/synapsejs/synapse-js/host"
)

// TestWireDifferential holds the host's answers to golden answers written
// from the SDK's documented models (testdata/wire/cases.json: every
// request type, the error classes, malformed envelopes), each answer
// parsed the way the platform parses it: first strictly as an error
// object, then by the type's wire form (an object; a list of JSON-encoded
// strings, each parsed; a bare string). Objects must match key by key, in
// the golden's order, with the same number text.
func TestWireDifferential(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "testdata", "wire")
	raw, err := os.ReadFile(filepath.Join(dir, "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Name      string          `json:"name"`
		Connector string          `json:"connector"`
		Envelope  json.RawMessage `json:"envelope"`
		TimeoutMs int             `json:"timeoutMs"`
		// AnyDetail: the contract fixes the status and message, not
		// the detail (a deadline's).
		AnyDetail bool `json:"anyDetail"`
		Want      struct {
			Object json.RawMessage   `json:"object"`
			List   []json.RawMessage `json:"list"`
			Bare   *string           `json:"bare"`
			Error  json.RawMessage   `json:"error"`
		} `json:"want"`
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatalf("cases.json: %v", err)
	}
	e := host.New(host.StdOptions(host.Options{}))
	connectors := map[string]*host.Connector{}
	for _, f := range []string{"full.js", "minimal.js"} {
		src, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		c, err := e.Load(context.Background(), f, src)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		connectors[f] = c
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			c := connectors[tc.Connector]
			if c == nil {
				t.Fatalf("no connector %q", tc.Connector)
			}
			var typ struct{ Type string }
			_ = json.Unmarshal(tc.Envelope, &typ)
			r := c.Invoke(context.Background(), tc.Envelope, host.CallOptions{Timeout: time.Duration(tc.TimeoutMs) * time.Millisecond})
			got := platformParse(t, typ.Type, r.Body)
			if tc.AnyDetail && got.kind == "error" {
				obj := got.value.([]kv)
				for i := range obj {
					if obj[i].K == "detail" {
						obj[i].V = nil
					}
				}
			}
			var want parsed
			switch {
			case tc.Want.Error != nil:
				want = parsed{kind: "error", value: ordered(t, tc.Want.Error)}
			case tc.Want.Object != nil:
				want = parsed{kind: "object", value: ordered(t, tc.Want.Object)}
			case tc.Want.List != nil:
				var els []any
				for _, el := range tc.Want.List {
					els = append(els, ordered(t, el))
				}
				want = parsed{kind: "list", value: els}
			case tc.Want.Bare != nil:
				want = parsed{kind: "bare", value: *tc.Want.Bare}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("the platform reads\n %s\nwant\n %s\n(raw answer %s)", got, want, r.Body)
			}
			wantCT := "application/json; charset=utf-8"
			if got.kind == "bare" {
				wantCT = "text/plain; charset=utf-8"
			}
			if r.ContentType() != wantCT {
				t.Errorf("Content-Type %q, want %q", r.ContentType(), wantCT)
			}
			if got.kind != "error" {
				seen[typ.Type] = true
			}
		})
	}
	for _, typ := range host.TypeNames() {
		if !seen[typ] {
			t.Errorf("no successful case for %s in cases.json", typ)
		}
	}
}

// parsed is an answer as the platform reads it.
type parsed struct {
	kind  string // error, object, list, bare
	value any
}

func (p parsed) String() string { return p.kind + " " + show(p.value) }

// platformParse reads body as the platform's Java side does: an object
// whose only keys are status_code, message and detail is an error;
// otherwise the type's wire form decides.
func platformParse(t *testing.T, typ string, body []byte) parsed {
	t.Helper()
	var probe map[string]json.RawMessage
	if json.Unmarshal(body, &probe) == nil && len(probe) > 0 {
		isErr := true
		for k := range probe {
			if k != "status_code" && k != "message" && k != "detail" {
				isErr = false
			}
		}
		if isErr {
			return parsed{kind: "error", value: ordered(t, body)}
		}
	}
	m, _ := host.ResolveMethod(typ)
	switch {
	case m != nil && m.Wire == host.WireBareString:
		return parsed{kind: "bare", value: string(body)}
	case m != nil && m.Wire == host.WireStringList:
		var strs []string
		if err := json.Unmarshal(body, &strs); err != nil {
			t.Fatalf("%s: want a JSON array of strings: %v: %s", typ, err, body)
		}
		var els []any
		for _, s := range strs {
			els = append(els, ordered(t, []byte(s)))
		}
		return parsed{kind: "list", value: els}
	}
	return parsed{kind: "object", value: ordered(t, body)}
}

// kv is one key of an object, in order.
type kv struct {
	K string
	V any
}

// ordered decodes JSON keeping key order and number text.
func ordered(t *testing.T, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := orderedValue(dec)
	if err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return v
}

func orderedValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch d := tok.(type) {
	case json.Delim:
		switch d {
		case '{':
			obj := []kv{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := orderedValue(dec)
				if err != nil {
					return nil, err
				}
				obj = append(obj, kv{k.(string), v})
			}
			_, err := dec.Token()
			return obj, err
		case '[':
			arr := []any{}
			for dec.More() {
				v, err := orderedValue(dec)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			_, err := dec.Token()
			return arr, err
		}
	}
	return tok, nil
}

func show(v any) string {
	switch x := v.(type) {
	case []kv:
		parts := make([]string, len(x))
		for i, p := range x {
			parts[i] = fmt.Sprintf("%q:%s", p.K, show(p.V))
		}
		return "{" + strings.Join(parts, ",") + "}"
	case []any:
		parts := make([]string, len(x))
		for i, p := range x {
			parts[i] = show(p)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case string:
		return fmt.Sprintf("%q", x)
	case nil:
		return "null"
	}
	return fmt.Sprint(v)
}
