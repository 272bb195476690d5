package jsjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dop251/goja"
)

func TestAppendMatchesJSONStringify(t *testing.T) {
	t.Parallel()
	corpus := []string{
		// scalars
		`null`, `true`, `false`, `0`, `-0`, `1`, `-1`, `42`, `2**53`, `2**53 + 2`, `-(2**31)`, `2**64`,
		`0.5`, `-0.5`, `0.1 + 0.2`, `1/3`, `Math.PI`, `123456789.5`, `-987654321.125`,
		`1e20`, `1e21`, `1.5e21`, `-1e21`, `1e300`, `1.7976931348623157e308`,
		`0.000001`, `0.0000015`, `1e-7`, `1.5e-7`, `-1e-7`, `0.00001`, `5e-324`, `2.5e-300`,
		`NaN`, `Infinity`, `-Infinity`,
		// strings
		`""`, `"abc"`, `"héllo 中文 😀"`, `"\"quoted\" \\back\\ /slash/"`,
		`"\b\f\n\r\t\v\0"`, `"\u007f\u0080\u00ff\u2028\u2029\ufeff\uffff"`, `"</script><!--"`,
		`Array.from({length: 32}, (_, i) => String.fromCharCode(i)).join("")`,
		`"\ud83d\ude00"`,
		// arrays
		`[]`, `[1, "a", null, true]`, `[[[]]]`, `[undefined, function () {}, () => 1, async () => 2, Symbol("s"), NaN, Infinity, -Infinity, null]`,
		`[, 1, , ]`, `new Array(3)`, `Object.assign([1, 2], {x: 1})`,
		// objects
		`({})`, `({a: 1, b: "two", c: [3], d: {e: null}})`,
		`({a: undefined, b: function () {}, c: Symbol("s"), d: 1, e: null, f: () => 2, g: NaN, h: async () => 3, i: class {}})`,
		`({b: 1, a: 2, 10: 3, 2: 4, "-1": 5, "01": 6})`,
		`({"a\"b": 1, "\n": 2, "": 3, "é": 4, "\u0001": 5, "😀": 6})`,
		`({get x() { return 5 }, y: 1})`,
		`Object.defineProperty({a: 1}, "hidden", {value: 2, enumerable: false})`,
		`Object.create({inherited: 1}, {own: {value: 2, enumerable: true}})`,
		`Object.create(null)`,
		`(() => { const o = Object.create(null); o.x = 1; return o })()`,
		`({[Symbol("k")]: 1, a: 2})`,
		`new (class { constructor() { this.x = 1; this.y = [2] } m() {} })()`,
		`new Error("boom")`, `new Map([[1, 2]])`, `new Set([1])`, `/re/g`,
		`new Uint8Array([1, 2, 3])`,
		`JSON.parse('{"__proto__": {"x": 1}}')`,
		// toJSON and wrapped primitives
		`({toJSON() { return {replaced: true} }})`,
		`new (class Money { constructor() { this.cents = 1250 } toJSON() { return (this.cents / 100).toFixed(2) } })()`,
		`({price: {toJSON: () => 12.5}, list: [{toJSON: () => "x"}], nested: {toJSON() { return {toJSON: () => 1} }}})`,
		`[new Number(5), new String("s"), new Boolean(false), Object(1.5)]`,
		`({n: new Number(-0), s: new String("é")})`,
		// dates
		`new Date(0)`, `new Date(Date.UTC(2024, 1, 29, 23, 59, 59, 999))`, `new Date(1.5)`,
		`new Date(NaN)`, `new Date(-1)`, `new Date(-1e14)`, `new Date(Date.UTC(-1, 0, 1))`,
		`new Date(8.64e15)`, `new Date(-8.64e15)`, `new Date(Date.UTC(10000, 0, 1))`, `new Date(Date.UTC(-10000, 0, 1))`,
		`({when: new Date(86400000), list: [new Date(NaN)]})`,
		// nested
		`({a: [{b: {c: [1, [2, [3, {d: "e"}]]]}}], f: {g: {h: {}}}})`,
		`Array.from({length: 50}, (_, i) => ({i, s: "x".repeat(i), odd: i % 2 ? [i] : undefined}))`,
	}
	for _, src := range corpus {
		t.Run(src, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			v := must(t, e.rt, src)
			got, err := Append(nil, v)
			if err != nil {
				t.Fatalf("Append: %v", err)
			}
			if want := e.jsonStringify(t, v); string(got) != want {
				t.Errorf("Append = %s\nJSON.stringify = %s", got, want)
			}
			if !json.Valid(got) {
				t.Errorf("Append = %s is not valid JSON", got)
			}
		})
	}
}

// Where Append differs from JSON.stringify by design.
func TestAppendByDesign(t *testing.T) {
	t.Parallel()
	cases := []struct{ src, want string }{
		// a top-level value JSON.stringify would drop is null
		{`undefined`, `null`},
		{`(function () {})`, `null`},
		{`Symbol("s")`, `null`},
		// BigInts (which JSON.stringify rejects) are exact integers
		{`0n`, `0`},
		{`-5n`, `-5`},
		{`2n ** 64n`, `18446744073709551616`},
		{`-(10n ** 30n) - 1n`, `-1000000000000000000000000000001`},
		{`({id: 9007199254740993n, n: [1n, -2n]})`, `{"id":9007199254740993,"n":[1,-2]}`},
		// a Promise is null (a missing await), not {}
		{`Promise.resolve(1)`, `null`},
		{`({p: Promise.resolve(1)})`, `{"p":null}`},
		// a lone surrogate, which a Go string cannot carry, is U+FFFD
		{`"a\ud800b"`, "\"a\uFFFDb\""},
	}
	for _, c := range cases {
		t.Run(c.src, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			got, err := Append(nil, must(t, e.rt, c.src))
			if err != nil {
				t.Fatalf("Append: %v", err)
			}
			if string(got) != c.want {
				t.Errorf("Append = %s, want %s", got, c.want)
			}
		})
	}
}

func TestAppendAppends(t *testing.T) {
	t.Parallel()
	rt := goja.New()
	dst := []byte("prefix:")
	got, err := Append(dst, must(t, rt, `({a: [1, "b"]})`))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != `prefix:{"a":[1,"b"]}` {
		t.Errorf("Append = %s", got)
	}
}

func TestAppendCycle(t *testing.T) {
	t.Parallel()
	for _, src := range []string{
		`(() => { const a = {}; a.self = a; return a })()`,
		`(() => { const a = []; a.push(a); return a })()`,
		`(() => { const a = {x: []}; a.x.push({y: a}); return a })()`,
	} {
		rt := goja.New()
		_, err := Append(nil, must(t, rt, src))
		if !errors.Is(err, errTooDeep) {
			t.Errorf("%s: Append error = %v, want errTooDeep", src, err)
		}
	}
}

// Parse then Append gives back a compact document written the way
// JSON.stringify writes it, whitespace aside.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	docs := []string{
		`null`, `true`, `0`, `-1`, `0.5`, `""`, `[]`, `{}`,
		`{"a":[1,2.5,-3,"x",null,true,false,{},[]],"b":{"c":"d\n\t\"\\"}}`,
		`[1e+21,1e-7,0.1,-1.5e-7,123456789.5,5e-324,1.7976931348623157e+308,9007199254740992]`,
		"\"\\u0000\\u001f\\b\\f é中😀 \u2028\u2029\"",
		`{"z":1,"y":{"x":[{"w":"v"}]},"":0,"é":"\"","a\nb":[]}`,
		`{"data":[{"id":"1","name":"thing","values":{"n":0},"lastModified":1000},{"id":"2","name":"thing","values":{"n":1},"lastModified":1001}],"cursor":null}`,
		`{"__proto__":{"x":1},"a":1}`,
		`[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]`,
	}
	for _, doc := range docs {
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, []byte(doc), " \r", "\t  "); err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
		for _, in := range []string{doc, pretty.String()} {
			rt := goja.New()
			v, err := Parse(rt, []byte(in))
			if err != nil {
				t.Fatalf("Parse(%s): %v", in, err)
			}
			out, err := Append(nil, v)
			if err != nil {
				t.Fatalf("Append: %v", err)
			}
			if string(out) != doc {
				t.Errorf("round trip of %s\n= %s\nwant %s", in, out, doc)
			}
		}
	}
}

// AppendFloat writes numbers as JS's Number.prototype.toString does.
func TestAppendFloatMatchesNumberToString(t *testing.T) {
	t.Parallel()
	rt := goja.New()
	r := rand.New(rand.NewPCG(1, 2))
	fixed := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1e21, 1e-6, 1e-7, 9.999999999999999e20, 999999999999999900000,
		math.MaxFloat64, math.SmallestNonzeroFloat64, -math.MaxFloat64, 1 << 53, 1<<53 + 1, 4.35, 0.000001234, 1.5e300}
	check := func(f float64) {
		got := string(AppendFloat(nil, f))
		want := rt.ToValue(f).String()
		if got != want {
			t.Errorf("AppendFloat(%v) = %s, want %s", f, got, want)
		}
	}
	for _, f := range fixed {
		check(f)
	}
	for range 20000 {
		var f float64
		switch r.IntN(3) {
		case 0: // any bits
			f = math.Float64frombits(r.Uint64())
		case 1: // around the decimal/exponent boundaries
			f = (r.Float64()*10 - 5) * math.Pow(10, float64(r.IntN(50)-25))
		default: // integers and short decimals
			f = float64(r.Int64N(1<<62)-1<<61) / float64(int64(1)<<r.IntN(12))
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		check(f)
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if got := string(AppendFloat(nil, f)); got != "null" {
			t.Errorf("AppendFloat(%v) = %s, want null", f, got)
		}
	}
}

func TestAppendStringEscapes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var b strings.Builder
	for r := rune(0); r < 0x800; r++ {
		b.WriteRune(r)
	}
	b.WriteString("\u2028\u2029\ufffd\U0001F600\U0010FFFF")
	s := b.String()
	got := string(AppendString(nil, s))
	if want := e.jsonStringify(t, e.rt.ToValue(s)); got != want {
		t.Errorf("AppendString differs from JSON.stringify:\n got %q\nwant %q", got, want)
	}
	// Invalid UTF-8 from Go is U+FFFD, escaped.
	if got := string(AppendString(nil, "a\xffb\xe4\xb8")); got != `"a\ufffdb\ufffd\ufffd"` {
		t.Errorf("AppendString(invalid UTF-8) = %s", got)
	}
	// The bytes form writes the same, and leaves its input alone.
	for _, in := range []string{s, "a\xffb\xe4\xb8", "", `{"a":"b\"c"}`} {
		src := []byte(in)
		if got, want := string(AppendStringBytes([]byte("x"), src)), "x"+string(AppendString(nil, in)); got != want {
			t.Errorf("AppendStringBytes(%q) = %q, want %q", in, got, want)
		}
		if string(src) != in {
			t.Errorf("AppendStringBytes changed its input to %q", src)
		}
	}
}
