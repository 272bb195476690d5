package jsjson

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/dop251/goja"
)

// deepEqualJS compares two JS values structurally in their runtime: the
// same own property names in the same order, the same property flags, the
// same prototypes, and primitives equal by Object.is (so -0 is not 0).
const deepEqualJS = `(function deq(a, b) {
  if (typeof a !== typeof b) return false;
  if (a === null || typeof a !== "object") return Object.is(a, b);
  if (b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const ka = Object.getOwnPropertyNames(a), kb = Object.getOwnPropertyNames(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    if (ka[i] !== kb[i]) return false;
    const da = Object.getOwnPropertyDescriptor(a, ka[i]), db = Object.getOwnPropertyDescriptor(b, kb[i]);
    if (da.writable !== db.writable || da.enumerable !== db.enumerable || da.configurable !== db.configurable) return false;
    if (!deq(da.value, db.value)) return false;
  }
  return true;
})`

// jsEnv is a runtime with the helpers the tests use.
type jsEnv struct {
	rt        *goja.Runtime
	deq       goja.Callable
	parse     goja.Callable
	stringify goja.Callable
}

func newEnv(t testing.TB) *jsEnv {
	t.Helper()
	rt := goja.New()
	e := &jsEnv{rt: rt}
	var ok bool
	if e.deq, ok = goja.AssertFunction(must(t, rt, deepEqualJS)); !ok {
		t.Fatal("deq is not a function")
	}
	json := rt.Get("JSON").ToObject(rt)
	e.parse, _ = goja.AssertFunction(json.Get("parse"))
	e.stringify, _ = goja.AssertFunction(json.Get("stringify"))
	return e
}

// must runs src in rt and fails the test on an exception.
func must(t testing.TB, rt *goja.Runtime, src string) goja.Value {
	t.Helper()
	v, err := rt.RunString(src)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return v
}

func (e *jsEnv) equal(t testing.TB, a, b goja.Value) bool {
	t.Helper()
	r, err := e.deq(goja.Undefined(), a, b)
	if err != nil {
		t.Fatalf("deq: %v", err)
	}
	return r.ToBoolean()
}

func (e *jsEnv) jsonParse(t testing.TB, src string) goja.Value {
	t.Helper()
	v, err := e.parse(goja.Undefined(), e.rt.ToValue(src))
	if err != nil {
		t.Fatalf("JSON.parse(%q): %v", src, err)
	}
	return v
}

func (e *jsEnv) jsonStringify(t testing.TB, v goja.Value) string {
	t.Helper()
	s, err := e.stringify(goja.Undefined(), v)
	if err != nil {
		t.Fatalf("JSON.stringify: %v", err)
	}
	if goja.IsUndefined(s) {
		return "undefined"
	}
	return s.String()
}

func TestParseMatchesJSONParse(t *testing.T) {
	t.Parallel()
	corpus := jsonCorpus()
	for _, src := range corpus {
		t.Run(src, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			got, err := Parse(e.rt, []byte(src))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			want := e.jsonParse(t, src)
			if !e.equal(t, got, want) {
				t.Errorf("Parse = %s, JSON.parse = %s", e.jsonStringify(t, got), e.jsonStringify(t, want))
			}
			b, err := Append(nil, got)
			if err != nil {
				t.Fatalf("Append: %v", err)
			}
			if s := e.jsonStringify(t, want); string(b) != s {
				t.Errorf("Append(Parse) = %s, JSON.stringify(JSON.parse) = %s", b, s)
			}
		})
	}
}

// Where Parse differs from JSON.parse by design: integers a JS number
// cannot hold exactly keep their digits in a string, and lone surrogates
// (which Go strings cannot carry) become U+FFFD.
func TestParseByDesign(t *testing.T) {
	t.Parallel()
	cases := []struct{ src, want string }{
		{`9007199254740993`, `"9007199254740993"`},
		{`-9007199254740993`, `"-9007199254740993"`},
		{`9007199254740992`, `9007199254740992`},
		{`-9007199254740992`, `-9007199254740992`},
		{`10000000000000000`, `"10000000000000000"`},
		{`12345678901234567890`, `"12345678901234567890"`},
		{`-12345678901234567890`, `"-12345678901234567890"`},
		{`123456789012345678901234567890`, `"123456789012345678901234567890"`},
		{`[9007199254740993,1,-9007199254740993]`, `["9007199254740993",1,"-9007199254740993"]`},
		{`{"id":18446744073709551616,"n":2}`, `({id:"18446744073709551616",n:2})`},
		// not integers: numbers, rounded as JSON.parse rounds them
		{`9007199254740993.0`, `9007199254740992`},
		{`9007199254740993e0`, `9007199254740992`},
		// overflow is ±Infinity, as the spec's JSON.parse (goja's rejects it)
		{`1e400`, `Infinity`},
		{`-1e400`, `-Infinity`},
		{`[1E999]`, `[Infinity]`},
		// lone surrogates
		{`"\ud83d"`, `"\ufffd"`},
		{`"\ude00"`, `"\ufffd"`},
		{`"\ud83dx"`, `"\ufffdx"`},
		{`"\ud83d\u0041"`, `"\ufffdA"`},
		{`"\ud83d\ud83d\ude00"`, `"\ufffd\ud83d\ude00"`},
		{`"\ude00\ud83d"`, `"\ufffd\ufffd"`},
		{`"\ud83d\\"`, `"\ufffd\\"`},
		{`{"\ud800":1}`, `({"\ufffd":1})`},
		// invalid UTF-8 bytes become U+FFFD too
		{"\"a\xffb\"", `"a\ufffdb"`},
		{"\"\xe4\xb8\"", `"\ufffd\ufffd"`},
	}
	for _, c := range cases {
		t.Run(c.src, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			got, err := Parse(e.rt, []byte(c.src))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			want := must(t, e.rt, c.want)
			if !e.equal(t, got, want) {
				t.Errorf("Parse = %s, want %s", e.jsonStringify(t, got), e.jsonStringify(t, want))
			}
		})
	}
}

func TestParseNegativeZero(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, src := range []string{`-0`, `-0.0`, `-0e0`, `-1e-400`} {
		v, err := Parse(e.rt, []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		e.rt.Set("v", v)
		if !must(t, e.rt, `Object.is(v, -0)`).ToBoolean() {
			t.Errorf("Parse(%s) = %v, want -0", src, v)
		}
	}
}

func TestParseProtoKeyIsOwnProperty(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v, err := Parse(e.rt, []byte(`{"__proto__":{"polluted":true}}`))
	if err != nil {
		t.Fatal(err)
	}
	e.rt.Set("v", v)
	for _, check := range []string{
		`Object.getPrototypeOf(v) === Object.prototype`,
		`v.polluted === undefined`,
		`Object.prototype.hasOwnProperty.call(v, "__proto__")`,
		`Object.keys(v).join() === "__proto__"`,
		`({}).polluted === undefined`,
	} {
		if !must(t, e.rt, check).ToBoolean() {
			t.Errorf("%s is false", check)
		}
	}
}

// Many distinct keys go past the intern table's cap; values stay right.
func TestParseManyKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var b strings.Builder
	b.WriteString("[")
	for i := range 6000 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"k%d":%d,"id":%d,"k%d":"v"}`, i, i, i, (i+1)%6000)
	}
	b.WriteString("]")
	src := b.String()
	got, err := Parse(e.rt, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if !e.equal(t, got, e.jsonParse(t, src)) {
		t.Error("Parse differs from JSON.parse")
	}
}

// Each Parse returns fresh values, even for the same bytes.
func TestParseFreshValues(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	src := []byte(`{"a":{"b":1}}`)
	v1, err1 := Parse(e.rt, src)
	v2, err2 := Parse(e.rt, src)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	v1.(*goja.Object).Get("a").(*goja.Object).Set("b", 2)
	if got := v2.(*goja.Object).Get("a").(*goja.Object).Get("b").ToInteger(); got != 1 {
		t.Errorf("second parse sees the first one's change: b = %d", got)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	long := `{"key":"` + strings.Repeat("x", 100) + `",}`
	cases := []struct {
		src    string
		offset int
		msg    string
	}{
		{``, 0, "unexpected end of input, want a value"},
		{"  \n", 3, "unexpected end of input, want a value"},
		{`[1,2`, 4, "unexpected end of input, want ',' or ']'"},
		{`[1,2 `, 5, "unexpected end of input, want ',' or ']'"},
		{`[`, 1, "unexpected end of input, want a value"},
		{`{`, 1, "unexpected end of input, want a string key"},
		{`{"a":1`, 6, "unexpected end of input, want ',' or '}'"},
		{`{"a"`, 4, "unexpected end of input, want ':' after key \"a\""},
		{`{"a":`, 5, "unexpected end of input, want a value"},
		{`"abc`, 4, "unterminated string"},
		{`"ab\`, 3, "unterminated escape"},
		{`{"ab`, 4, "unterminated string"},
		{`tru`, 0, "want true"},
		{`nul`, 0, "want null"},
		{`[fals]`, 1, "want false"},
		{`truex`, 4, "unexpected character 'x' after the top-level value"},
		{`[1,]`, 3, "unexpected character ']', want a value"},
		{`[,1]`, 1, "unexpected character ',', want a value"},
		{`[1 2]`, 3, "unexpected character '2', want ',' or ']'"},
		{`{"a" 1}`, 5, "unexpected character '1', want ':' after key \"a\""},
		{`{"a":1,}`, 7, "unexpected character '}', want a string key"},
		{`{"a":1 "b":2}`, 7, "unexpected character '\"', want ',' or '}'"},
		{`{a:1}`, 1, "unexpected character 'a', want a string key"},
		{`{'a':1}`, 1, "unexpected character '\\'', want a string key"},
		{`{1:1}`, 1, "want a string key"},
		{`NaN`, 0, "unexpected character 'N', want a value"},
		{`[NaN]`, 1, "unexpected character 'N', want a value"},
		{`Infinity`, 0, "unexpected character 'I', want a value"},
		{`-Infinity`, 1, "unexpected character 'I' in a number"},
		{`-`, 1, "unexpected end of input in a number"},
		{`01`, 1, "unexpected character '1' after the top-level value"},
		{`00`, 1, "after the top-level value"},
		{`-01`, 2, "unexpected character '1' after the top-level value"},
		{`[01]`, 2, "unexpected character '1', want ',' or ']'"},
		{`{"a":007}`, 6, "want ',' or '}'"},
		{`1.`, 2, "unexpected end of input after a decimal point"},
		{`1.e5`, 2, "unexpected character 'e' after a decimal point"},
		{`.5`, 0, "unexpected character '.', want a value"},
		{`+1`, 0, "unexpected character '+', want a value"},
		{`1e`, 2, "unexpected end of input in an exponent"},
		{`1e+`, 3, "unexpected end of input in an exponent"},
		{`1ex`, 2, "unexpected character 'x' in an exponent"},
		{`0x10`, 1, "unexpected character 'x' after the top-level value"},
		{`1 2`, 2, "unexpected character '2' after the top-level value"},
		{`{} {}`, 3, "after the top-level value"},
		{`"a"x`, 3, "after the top-level value"},
		{`"\x"`, 1, "unknown escape \\x"},
		{`"ab\'"`, 3, "unknown escape \\'"},
		{`"\u12"`, 1, "bad \\u escape"},
		{`"\u12g4"`, 1, "bad \\u escape"},
		{`"\ud83d\u12"`, 7, "bad \\u escape"},
		{"\"a\tb\"", 2, "control byte 0x09 in a string"},
		{"\"a\nb\"", 2, "control byte 0x0a in a string"},
		{"\"\x00\"", 1, "control byte 0x00 in a string"},
		{"[\"ok\",\"é\x01\"]", 9, "control byte 0x01 in a string"},
		{"\xef\xbb\xbf{}", 0, "unexpected byte 0xef, want a value"},
		{"{}\x00", 2, "unexpected byte 0x00 after the top-level value"},
		{`[1]]`, 3, "after the top-level value"},
		{`{"a":1}}`, 7, "after the top-level value"},
		{`/* c */ 1`, 0, "unexpected character '/', want a value"},
		{long, len(long) - 1, "unexpected character '}', want a string key"},
	}
	for _, c := range cases {
		t.Run(c.src, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			v, err := Parse(e.rt, []byte(c.src))
			if err == nil {
				t.Fatalf("Parse = %v, want an error", v)
			}
			if v != nil {
				t.Errorf("Parse returned a value with its error: %v", v)
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %T %v is not a *SyntaxError", err, err)
			}
			if se.Offset != c.offset {
				t.Errorf("Offset = %d, want %d (%v)", se.Offset, c.offset, err)
			}
			if !strings.Contains(se.Msg, c.msg) {
				t.Errorf("Msg = %q, want it to contain %q", se.Msg, c.msg)
			}
			start := c.src
			if len(start) > 64 {
				start = start[:64]
			}
			if se.Start != start {
				t.Errorf("Start = %q, want %q", se.Start, start)
			}
			msg := err.Error()
			for _, want := range []string{fmt.Sprintf("byte offset %d", c.offset), c.msg, fmt.Sprintf("%q", start)} {
				if !strings.Contains(msg, want) {
					t.Errorf("Error() = %q, want it to contain %q", msg, want)
				}
			}
			// JSON.parse agrees the input is malformed.
			if _, jerr := e.parse(goja.Undefined(), e.rt.ToValue(c.src)); jerr == nil {
				t.Errorf("JSON.parse accepts %q", c.src)
			}
		})
	}
}

func TestParseDepth(t *testing.T) {
	t.Parallel()
	nest := func(open, close string, depth int, inner string) string {
		return strings.Repeat(open, depth) + inner + strings.Repeat(close, depth)
	}
	cases := []struct {
		name   string
		src    string
		offset int // -1: no error
	}{
		{"arrays at the limit", nest("[", "]", maxDepth, "1"), -1},
		{"objects at the limit", nest(`{"a":`, "}", maxDepth, "1"), -1},
		{"arrays one deeper", nest("[", "]", maxDepth+1, ""), maxDepth},
		{"arrays 20000 deep", nest("[", "]", 20000, ""), maxDepth},
		{"objects 20000 deep", nest(`{"a":`, "}", 20000, "1"), 5 * maxDepth},
		{"mixed 20000 deep", nest(`[{"a":`, "}]", 10000, "1"), 6 * maxDepth / 2},
		{"unclosed 20000 deep", strings.Repeat("[", 20000), maxDepth},
		{"deep inside a wide document", `[1,2,` + nest("[", "]", 20000, "") + `]`, 5 + maxDepth - 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rt := goja.New()
			v, err := Parse(rt, []byte(c.src))
			if c.offset < 0 {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if v == nil {
					t.Fatal("no value")
				}
				return
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse error = %v, want a *SyntaxError", err)
			}
			if !strings.Contains(se.Msg, "nesting deeper than 10000") || se.Offset != c.offset {
				t.Errorf("error = %v, want nesting deeper than 10000 at offset %d", err, c.offset)
			}
		})
	}
}

// jsonCorpus is the JSON documents the parsers are held to JSON.parse
// with (and the lazy values to the plain ones).
func jsonCorpus() []string {
	return []string{
		// literals and numbers
		`null`, `true`, `false`,
		`0`, `-0`, `-0.0`, `-0e5`, `1`, `-1`, `42`, `0.5`, `-0.5`, `3.141592653589793`,
		`1e300`, `-1e300`, `1E+2`, `1e-2`, `1.5e-7`, `2.5E-300`, `5e-324`, `1.7976931348623157e308`,
		`1e-400`, `-1e-400`,
		`9007199254740992`, `-9007199254740992`, `9007199254740991`, `-9007199254740991`,
		`123456789012345678.5`, `12345678901234567890e0`, `12345678901234567890.0`, `0.1e1`,
		`999999999999999999999999999999e-10`,
		// strings
		`""`, `"abc"`, `"\"\\\/\b\f\n\r\t"`, `"\u0041\u00e9\u4e2d\u00E9"`,
		`"\ud83d\ude00"`, `"\uD83D\uDE00"`, `"a\ud83d\ude00b\u2028\u2029"`,
		`"héllo 中文 😀"`, `"\u0000"`, `"\u001f\u007f"`, "\"\x7f\"",
		`"</script>"`, `"a\nb"`, `["a\nb","c\td","e"]`,
		// containers
		`[]`, `{}`, `[[]]`, `[{}]`, `{"a":{}}`, `{"a":[]}`, `[[[[[]]]]]`,
		" \t\n\r[ 1 , 2 ,\n3 ] \n", "{ \"a\" : 1 , \"b\" :\t[ true , false , null ] }",
		`[1,"two",3.5,null,true,false,{"x":[{"y":{}}]}]`,
		`{"a":{"b":{"c":{"d":[1,[2,[3,[4]]]]}}}}`,
		// keys: order, duplicates, integer-like, escaped, non-ASCII, magic
		`{"b":1,"a":2,"c":3}`,
		`{"a":1,"a":2}`, `{"a":1,"b":2,"a":3}`, `{"a":{"x":1},"a":[2]}`,
		`{"2":1,"1":2,"b":3,"a":4,"10":5,"-1":6,"01":7,"1.5":8}`,
		`{"é":1,"\u00e9x":2,"\n":3,"a\"b":4,"":5}`,
		`{"a\u0062":1,"ab":2}`,
		`{"__proto__":{"x":1}}`, `{"__proto__":5}`, `{"__proto__":null,"a":1}`, `{"a":1,"__proto__":[],"__proto__":{}}`,
		`{"constructor":1,"toString":2,"hasOwnProperty":3,"valueOf":{}}`,
		`{"length":3}`, `[{"length":0}]`,
		`[{"id":1,"name":"x"},{"id":2,"name":"y"},{"name":"z","id":3}]`,
	}
}

// TestPlainEndMatchesBytewise holds plainEnd's eight-bytes-at-a-time scan
// to the plain byte loop: every byte value at every position of a word
// and across word ends, alone and after another byte of every value (a
// borrow from one can flag the other wrongly), from every start.
func TestPlainEndMatchesBytewise(t *testing.T) {
	t.Parallel()
	bytewise := func(b []byte, i int) int {
		for ; i < len(b); i++ {
			if c := b[i]; c == '"' || c == '\\' || c < 0x20 || c >= 0x80 {
				return i
			}
		}
		return i
	}
	b := make([]byte, 20)
	check := func() {
		for start := 0; start <= len(b); start++ {
			if got, want := plainEnd(b, start), bytewise(b, start); got != want {
				t.Fatalf("plainEnd(%q, %d) = %d, want %d", b, start, got, want)
			}
		}
	}
	for c1 := 0; c1 < 256; c1++ {
		for p1 := 0; p1 < len(b); p1++ {
			for k := range b {
				b[k] = 'a' + byte(k)
			}
			b[p1] = byte(c1)
			check()
			for _, c2 := range []byte{0, 0x1f, 0x20, '!', '"', '#', '[', '\\', ']', 0x7f, 0x80, 0xff} {
				for p2 := p1 + 1; p2 < len(b) && p2 < p1+9; p2++ {
					old := b[p2]
					b[p2] = c2
					check()
					b[p2] = old
				}
			}
		}
	}
}
