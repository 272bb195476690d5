package jsvalue

import (
	"strconv"
	"testing"

	"github.com/dop251/goja"
)

func must(t testing.TB, rt *goja.Runtime, src string) goja.Value {
	t.Helper()
	v, err := rt.RunString(src)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return v
}

func TestKindOf(t *testing.T) {
	t.Parallel()
	cases := []struct {
		src  string
		want Kind
	}{
		{`undefined`, Undefined},
		{`null`, Null},
		{`true`, Bool},
		{`false`, Bool},
		{`0`, Int},
		{`-7`, Int},
		{`1.5`, Float},
		{`-0`, Float},
		{`NaN`, Float},
		{`Infinity`, Float},
		{`""`, String},
		{`"x"`, String},
		{`10n`, BigInt},
		{`({})`, Object},
		{`Object.create(null)`, Object},
		{`new Error("x")`, Object},
		{`new Map()`, Object},
		{`/x/`, Object},
		{`new Number(1)`, Object},
		{`[]`, Array},
		{`[1, [2]]`, Array},
		{`new Array(5)`, Array},
		{`new Date()`, Date},
		{`new Date(NaN)`, Date},
		{`(function () {})`, Function},
		{`(() => 1)`, Function},
		{`(async () => 1)`, Function},
		{`(function* () {})`, Function},
		{`(class {})`, Function},
		{`(async function () {})`, Function},
		{`({async m() {}}).m`, Function},
		{`(() => {}).bind(null)`, Function},
		{`new Proxy(function () {}, {})`, Function},
		{`Math.max`, Function},
		{`Promise.resolve(1)`, Promise},
		{`new Promise(() => {})`, Promise},
		{`(async () => 1)()`, Promise},
		{`Symbol("s")`, Other},
		{`Symbol.iterator`, Other},
	}
	rt := goja.New()
	for _, c := range cases {
		v := must(t, rt, c.src)
		if got := KindOf(v); got != c.want {
			t.Errorf("KindOf(%s) = %v, want %v", c.src, got, c.want)
		}
	}
	if got := KindOf(nil); got != Undefined {
		t.Errorf("KindOf(nil) = %v, want undefined", got)
	}
	names := map[Kind]string{Undefined: "undefined", Null: "null", Bool: "a boolean", Int: "an integer", Float: "a number",
		String: "a string", BigInt: "a BigInt", Object: "an object", Array: "an array", Date: "a Date",
		Function: "a function", Promise: "a Promise", Other: "a value of another kind"}
	for k, want := range names {
		if k.String() != want {
			t.Errorf("Kind(%d).String() = %q, want %q", k, k.String(), want)
		}
	}
}

func TestIndexAndArrayLen(t *testing.T) {
	t.Parallel()
	for _, i := range []int{0, 1, 9, 10, 511, 512, 513, 100000} {
		if got, want := Index(i), strconv.Itoa(i); got != want {
			t.Errorf("Index(%d) = %q, want %q", i, got, want)
		}
	}
	rt := goja.New()
	for src, want := range map[string]int{`[]`: 0, `[1, 2, 3]`: 3, `new Array(600)`: 600, `[, , ]`: 2} {
		if got := ArrayLen(must(t, rt, src).(*goja.Object)); got != want {
			t.Errorf("ArrayLen(%s) = %d, want %d", src, got, want)
		}
	}
}
