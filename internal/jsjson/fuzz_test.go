package jsjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"testing"

	"github.com/dop251/goja"
)

// FuzzParse checks Parse against encoding/json: the same documents are
// accepted, and what Parse builds, encoded again by Append, decodes to what
// encoding/json decodes from the input, given Parse's rules (integers
// beyond ±2^53 become strings of their digits; a number too large for a
// float is Infinity, which Append writes as null).
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`null`, `true`, `-0`, `0.5e-3`, `1e400`, `9007199254740993`, `-12345678901234567890`,
		`""`, `"a\u00e9\ud83d\ude00\n"`, `"\ud800"`, "\"\xff\"",
		`[]`, `{}`, `[1,"a",null,true,false,{"b":[{}]}]`,
		`{"a":1,"a":{"b":2}}`, `{"2":1,"1":2}`, `{"__proto__":{"x":1}}`,
		` {"id":"x", "n": 12.5e1} `,
		`[1,]`, `01`, `{"a" 1}`, `"\x"`, `NaN`, `[`, "\"\x01\"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rt := goja.New()
		v, err := Parse(rt, data)
		valid := json.Valid(data)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error %T %v is not a *SyntaxError", data, err, err)
			}
			if se.Offset < 0 || se.Offset > len(data) {
				t.Fatalf("Parse(%q): offset %d out of range", data, se.Offset)
			}
			if !strings.HasPrefix(string(data), se.Start) || len(se.Start) > 64 {
				t.Fatalf("Parse(%q): Start %q is not the body's start", data, se.Start)
			}
			if valid {
				t.Fatalf("Parse rejects valid JSON %q: %v", data, err)
			}
			return
		}
		if !valid {
			t.Fatalf("Parse accepts invalid JSON %q", data)
		}
		out, err := Append(nil, v)
		if err != nil {
			if errors.Is(err, errTooDeep) {
				return // the encoder stops at 1000 levels; Parse allows more
			}
			t.Fatalf("Append(Parse(%q)): %v", data, err)
		}
		if !json.Valid(out) {
			t.Fatalf("Append(Parse(%q)) = %q is not valid JSON", data, out)
		}
		want, got := decode(t, data), decode(t, out)
		if msg := sameJSON("$", want, got); msg != "" {
			t.Fatalf("Parse(%q) then Append = %s: %s", data, out, msg)
		}
	})
}

func decode(t *testing.T, data []byte) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("decode %q: %v", data, err)
	}
	return v
}

var maxSafe = big.NewInt(maxSafeInt)

// sameJSON compares want (encoding/json's decoding of the input) with got
// (the decoding of Append(Parse(input))), both decoded with UseNumber.
func sameJSON(path string, want, got any) string {
	switch w := want.(type) {
	case json.Number:
		s := string(w)
		if !strings.ContainsAny(s, ".eE") {
			n, _ := new(big.Int).SetString(s, 10)
			if n.CmpAbs(maxSafe) > 0 {
				if g, ok := got.(string); !ok || g != s {
					return fmt.Sprintf("%s: integer %s became %#v, want the string %q", path, s, got, s)
				}
				return ""
			}
		}
		wf, err := strconv.ParseFloat(s, 64)
		if math.IsInf(wf, 0) {
			if got != nil {
				return fmt.Sprintf("%s: %s overflows to Infinity, which encodes as null, got %#v", path, s, got)
			}
			return ""
		}
		if err != nil {
			return fmt.Sprintf("%s: ParseFloat(%s): %v", path, s, err)
		}
		g, ok := got.(json.Number)
		if !ok {
			return fmt.Sprintf("%s: number %s became %#v", path, s, got)
		}
		if gf, err := strconv.ParseFloat(string(g), 64); err != nil || gf != wf {
			return fmt.Sprintf("%s: number %s became %s", path, s, g)
		}
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(w) {
			return fmt.Sprintf("%s: object %v became %#v", path, w, got)
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				return fmt.Sprintf("%s: key %q is missing", path, k)
			}
			if msg := sameJSON(path+"."+k, wv, gv); msg != "" {
				return msg
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Sprintf("%s: array %v became %#v", path, w, got)
		}
		for i := range w {
			if msg := sameJSON(fmt.Sprintf("%s[%d]", path, i), w[i], g[i]); msg != "" {
				return msg
			}
		}
	default: // string, bool, nil
		if want != got {
			return fmt.Sprintf("%s: %#v became %#v", path, want, got)
		}
	}
	return ""
}
