package jsjson

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/dop251/goja"
)

// TestBoxerKnowsGoja: the boxer recognises goja's string and number
// types. If a goja upgrade changes them it falls back to rt.ToValue,
// which is correct but slower: this test says so.
func TestBoxerKnowsGoja(t *testing.T) {
	t.Parallel()
	b := newBoxer(goja.New())
	if b.asciiTab == nil || b.intTab == nil || b.floatTab == nil {
		t.Fatalf("the boxer does not know this goja's value types (ascii %v, int %v, float %v): lazy documents make every value with rt.ToValue",
			b.asciiTab != nil, b.intTab != nil, b.floatTab != nil)
	}
}

// TestBoxerValuesAreGojas: what the boxer makes is, to goja and to a
// script, the value rt.ToValue makes, also after its chunks were
// replaced and the collector ran.
func TestBoxerValuesAreGojas(t *testing.T) {
	t.Parallel()
	rt := goja.New()
	b := newBoxer(rt)
	cmp, err := rt.RunString(`(function(a, b) {
		const o = {}; o[a] = 1;
		return JSON.stringify([a === b, Object.is(a, b), typeof a, typeof b, String(a) === String(b), a + '|' + b,
			o[b], JSON.stringify(a) === JSON.stringify(b), a < b, a > b, [a].indexOf(b), new Map([[a, 1]]).get(b),
			typeof a === 'string' ? [a.length, a.toUpperCase() === b.toUpperCase(), a.charCodeAt(0)] : [a * 2 === b * 2, Number.isInteger(a)]]);
	})`)
	if err != nil {
		t.Fatal(err)
	}
	fn, _ := goja.AssertFunction(cmp)
	type pair struct {
		made, want goja.Value
		what       string
	}
	var pairs []pair
	for i := range 700 {
		s := fmt.Sprintf("value %d %s", i, strings.Repeat("x", i%40))
		pairs = append(pairs, pair{b.ascii(rt, []byte(s)), rt.ToValue(s), s})
		n := int64(i*7919 - 300000)
		pairs = append(pairs, pair{b.integer(rt, n), rt.ToValue(n), fmt.Sprint(n)})
		f := float64(i) + 0.25
		pairs = append(pairs, pair{b.float(rt, f), rt.ToValue(f), fmt.Sprint(f)})
	}
	long := strings.Repeat("long", 300)
	pairs = append(pairs,
		pair{b.ascii(rt, []byte(long)), rt.ToValue(long), "long"},
		pair{b.integer(rt, 1<<53-1), rt.ToValue(int64(1<<53 - 1)), "2^53-1"},
		pair{b.integer(rt, -5), rt.ToValue(int64(-5)), "-5"},
		pair{b.float(rt, math.Copysign(0, -1)), rt.ToValue(math.Copysign(0, -1)), "-0"},
		pair{b.float(rt, 3), rt.ToValue(3.0), "3.0"},
		pair{b.float(rt, 1e300), rt.ToValue(1e300), "1e300"},
	)
	runtime.GC()
	for _, p := range pairs {
		if !p.made.StrictEquals(p.want) || p.made.ExportType() != p.want.ExportType() || p.made.Export() != p.want.Export() {
			t.Fatalf("%s: made %v (%v), want %v (%v)", p.what, p.made, p.made.ExportType(), p.want, p.want.ExportType())
		}
		got, err := fn(goja.Undefined(), p.made, p.want)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := fn(goja.Undefined(), p.want, p.want)
		if got.String() != want.String() {
			t.Fatalf("%s: the script sees\nmade %s\nwant %s", p.what, got, want)
		}
	}
}
