package jsjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/dop251/goja"
)

// The lazy values are held to the plain ones (Parse: ordinary goja
// objects, which TestParseMatchesJSONParse holds to JSON.parse): the same
// script run over each must see the same things, and what it leaves must
// be written as the same JSON, except that untouched numbers keep their
// text.

// snippets are functions of x run over both. Each returns what it saw, so
// the comparison covers reads as well as what is written afterwards.
var lazySnippets = map[string]string{
	"untouched": `return null`,
	"keys":      `return typeof x === 'object' && x !== null ? [Object.keys(x), Object.getOwnPropertyNames(x)] : x`,
	"walk": `const out = [];
		(function walk(v, path) {
			out.push([path, typeof v, Array.isArray(v), v === null ? 'null' : (typeof v === 'object' ? Object.keys(v).length : String(v))]);
			if (v !== null && typeof v === 'object') for (const k in v) walk(v[k], path + '/' + k);
		})(x, '');
		return out`,
	"stringify": `return [JSON.stringify(x), JSON.stringify(x, null, 2)]`,
	"spread":    `return Array.isArray(x) ? [...x] : (typeof x === 'object' && x !== null ? {...x, added: 1} : x)`,
	"entries":   `return typeof x === 'object' && x !== null ? [Object.entries(x), Object.assign({}, x), Object.values(x)] : x`,
	"has": `if (typeof x !== 'object' || x === null) return x;
		const ks = Object.keys(x);
		return ks.map((k) => [k in x, Object.prototype.hasOwnProperty.call(x, k), Object.getOwnPropertyDescriptor(x, k) !== undefined, 'nope' in x, x.nope]);`,
	"identity": `if (typeof x !== 'object' || x === null) return x;
		return Object.keys(x).map((k) => x[k] === x[k]);`,
	// mutate changes every other key of every object, deletes one, adds
	// one, doubles numbers, and pushes onto arrays.
	"mutate": `let n = 0;
		(function walk(v) {
			if (v === null || typeof v !== 'object') return;
			if (Array.isArray(v)) {
				for (let i = 0; i < v.length; i++) walk(v[i]);
				if (n++ % 2 === 0) v.push('pushed', {p: 1}); else if (v.length) v[0] = 'first';
				return;
			}
			const ks = Object.keys(v);
			ks.forEach((k, i) => {
				walk(v[k]);
				if (i % 2 === 1 && typeof v[k] === 'number') v[k] = v[k] * 2;
				else if (i % 3 === 2) v[k] = 'set';
			});
			if (ks.length > 1) delete v[ks[0]];
			v['new' + (n++)] = n;
			v['7'] = 'index key';
		})(x);
		return null`,
	"deleteReadd": `if (typeof x !== 'object' || x === null || Array.isArray(x)) return x;
		const ks = Object.keys(x);
		for (const k of ks) { const v = x[k]; delete x[k]; x[k] = v; }
		return Object.keys(x)`,
	"deleteAll": `if (typeof x !== 'object' || x === null) return x;
		if (Array.isArray(x)) { x.length = 0; return x.length }
		for (const k of Object.keys(x)) delete x[k];
		return [Object.keys(x), JSON.stringify(x)]`,
	"arrays": `if (!Array.isArray(x)) return x;
		const c = x.slice();
		const r = [x.length, x.indexOf(x[0]), x.map((v) => typeof v), x.filter((v) => typeof v === 'number'), c.reverse().length];
		x.splice(0, 1, 'spliced');
		x[x.length + 2] = 'far';
		delete x[1];
		// (not 1 in x: a deleted element of a lazy array is undefined
		// but still there, see ParseLazy)
		r.push(x.length, x[1]);
		return r`,
	// inOrder reads members in key order (what the next-slot guess of
	// lookups serves), around a deletion and re-adding in the middle, and
	// flattens a nested object into its parent as pipedrive.js does.
	"inOrder": `if (typeof x !== 'object' || x === null || Array.isArray(x)) return x;
		const ks = Object.keys(x);
		const out = [ks.map((k) => x[k]), ks.map((k) => k in x)];
		const mid = ks[ks.length >> 1];
		delete x[mid];
		out.push(ks.map((k) => x[k]), ks.map((k) => k in x));
		x[mid] = 'again';
		out.push(ks.map((k) => x[k]), ks.slice().reverse().map((k) => x[k]), Object.keys(x));
		for (const k of ks) {
			const v = x[k];
			if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
				const inner = Object.keys(v);
				const vals = Object.values(v);
				for (let i = 0; i < inner.length; i++) x[k + '.' + inner[i]] = vals[i];
				delete x[k];
			}
		}
		out.push(Object.keys(x));
		return out`,
	// flatten is pipedrive.js's toRecord over every object: the members
	// of each nested object (or an array's elements) moved into its
	// parent unchanged, a monetary-like {value, currency} split in two,
	// and every other number doubled and put back.
	"flatten": `let n = 0;
		(function walk(v) {
			if (v === null || typeof v !== 'object') return;
			const ks = Object.keys(v);
			for (let i = 0; i < ks.length; i++) walk(v[ks[i]]);
			if (Array.isArray(v)) { if (v.length) v.push(v[0]); return; }
			for (let i = 0; i < ks.length; i++) {
				const k = ks[i];
				const inner = v[k];
				if (inner === null || typeof inner !== 'object') {
					if (typeof inner === 'number' && n++ % 2) v[k] = inner * 2;
					continue;
				}
				const iks = Object.keys(inner);
				for (let j = 0; j < iks.length; j++) {
					const c = inner[iks[j]];
					if (c !== null && typeof c === 'object' && c.currency !== undefined) {
						v[k + '.' + iks[j]] = c.value;
						v[k + '.' + iks[j] + '_currency'] = c.currency;
					} else {
						v[k + '.' + iks[j]] = c;
					}
				}
				delete v[k];
			}
		})(x);
		return null`,
	// addAlike gives the objects of every array keys: most the same ones
	// in the same order (which they share), some diverging, extending,
	// deleting and re-adding, or given many, and reads them all back.
	"addAlike": `const out = [];
		const ks = (p, n, m) => Array.from({length: m - n}, (_, j) => p + (n + j));
		(function walk(v) {
			if (v === null || typeof v !== 'object') return;
			for (const k of Object.keys(v)) walk(v[k]);
			if (!Array.isArray(v)) return;
			v.forEach((o, i) => {
				if (o === null || typeof o !== 'object' || Array.isArray(o)) return;
				const plan = [ks('k', 0, 20), ks('k', 0, 20), ks('k', 0, 3), ['a', 'x'], ks('k', 0, 5).concat(['x']),
					ks('m', 0, 300), ks('k', 0, 30), ['7', 'a', '3']][i % 8];
				for (const k of plan) o[k] = k + i;
				if (i % 8 === 1) { delete o.k3; o.k3 = 'again'; o.k5 = 'reset'; delete o.k7; }
				if (i % 8 === 6) { delete o.k25; o.k25 = 'back'; }
				if (i % 8 === 2 || i % 8 === 3) delete o[plan[1]];
				const probe = plan.concat(['k10', 'k25', 'k7', 'zz']);
				out.push([Object.keys(o), probe.map((k) => [k in o, o[k]])]);
			});
		})(x);
		return out`,
	// keyStrings uses the keys Object.keys gives (imported strings with
	// InstallKeys) as strings, property keys and Map keys, before and
	// after the object gains, loses and re-gains keys.
	"keyStrings": `const out = [];
		(function walk(v) {
			if (v === null || typeof v !== 'object') return;
			const ks = Object.keys(v);
			for (const k of ks) walk(v[k]);
			if (Array.isArray(v)) return;
			const m = new Map(ks.map((k, i) => [k, i]));
			out.push(ks.map((k) => [typeof k, k.length, k === String(k), k + '!', k.toUpperCase(), JSON.stringify(k), m.get(String(k)),
				k < 'm', v[k] === v[String(k)], Object.prototype.hasOwnProperty.call(v, k), ks.indexOf(k), k.charCodeAt(0), [k].includes(k.slice(0))]));
			if (ks.length) { v[ks[0] + '_copy'] = v[ks[0]]; delete v[ks[ks.length - 1]]; v['42'] = 'index'; }
			const again = Object.keys(v);
			out.push(again, again.map((k) => v[k] === undefined), Object.keys(v).join('|'));
			if (ks.length) v[ks[ks.length - 1]] = 'back';
			out.push(Object.keys(v));
		})(x);
		return out`,
	"move": `if (typeof x !== 'object' || x === null || Array.isArray(x)) return x;
		const ks = Object.keys(x);
		if (ks.length < 2) return x;
		x.moved = x[ks[0]];
		x[ks[1]] = x[ks[0]];
		if (typeof x.moved === 'object' && x.moved !== null && !Array.isArray(x.moved)) x.moved.inner = 'changed';
		return ks`,
}

// lazyEnv runs snippets over plain and lazy values in one runtime.
type lazyEnv struct {
	rt  *goja.Runtime
	fns map[string]goja.Callable
}

func newLazyEnv(t testing.TB, keys bool) *lazyEnv {
	e := &lazyEnv{rt: goja.New(), fns: map[string]goja.Callable{}}
	if keys {
		if err := InstallKeys(e.rt); err != nil {
			t.Fatal(err)
		}
	}
	for name, body := range lazySnippets {
		v, err := e.rt.RunString("(function(x) { 'use strict';\n" + body + "\n})")
		if err != nil {
			t.Fatalf("snippet %s: %v", name, err)
		}
		fn, _ := goja.AssertFunction(v)
		e.fns[name] = fn
	}
	return e
}

// run applies snippet to a fresh value of src parsed with parse and
// returns what the script saw (as JSON.stringify writes it inside JS) and
// the value written afterwards by Append.
func (e *lazyEnv) run(t testing.TB, snippet, src string, parse func(*goja.Runtime, []byte) (goja.Value, error)) (saw string, wire []byte) {
	t.Helper()
	x, err := parse(e.rt, []byte(src))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	res, err := e.fns[snippet](goja.Undefined(), x)
	if err != nil {
		t.Fatalf("%s: %v", snippet, err)
	}
	stringify, _ := goja.AssertFunction(e.rt.Get("JSON").ToObject(e.rt).Get("stringify"))
	s, err := stringify(goja.Undefined(), e.rt.ToValue([]goja.Value{res}))
	if err != nil {
		t.Fatalf("%s: JSON.stringify: %v", snippet, err)
	}
	wire, err = Append(nil, x)
	if err != nil {
		t.Fatalf("%s: Append: %v", snippet, err)
	}
	return s.String(), wire
}

// sameWire compares two JSON texts as values: numbers by the double they
// denote (an untouched 1.0 is the 1 the plain path writes), and a string
// of digits the plain path made of a long integer equals the number the
// lazy path kept. Object keys are compared in order, except that the
// lazy path may keep an untouched object's document order.
func sameWire(plain, lazy []byte) error {
	var p, l any
	dp := json.NewDecoder(bytes.NewReader(plain))
	dp.UseNumber()
	dl := json.NewDecoder(bytes.NewReader(lazy))
	dl.UseNumber()
	if err := dp.Decode(&p); err != nil {
		return fmt.Errorf("plain: %w", err)
	}
	if err := dl.Decode(&l); err != nil {
		return fmt.Errorf("lazy: %w", err)
	}
	if !equalJSON(p, l) {
		return fmt.Errorf("differ:\nplain %s\nlazy  %s", plain, lazy)
	}
	return nil
}

func equalJSON(p, l any) bool {
	switch pv := p.(type) {
	case json.Number:
		ln, ok := l.(json.Number)
		if !ok {
			return false
		}
		pf, _ := strconv.ParseFloat(string(pv), 64)
		lf, _ := strconv.ParseFloat(string(ln), 64)
		return pf == lf || (math.IsInf(pf, 0) && math.IsInf(lf, 0))
	case string:
		if ln, ok := l.(json.Number); ok {
			return string(ln) == pv // a long integer: digits vs number
		}
		return l == p
	case []any:
		la, ok := l.([]any)
		if !ok || len(la) != len(pv) {
			return false
		}
		for i := range pv {
			if !equalJSON(pv[i], la[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		lm, ok := l.(map[string]any)
		if !ok || len(lm) != len(pv) {
			return false
		}
		for k, v := range pv {
			if lv, ok := lm[k]; !ok || !equalJSON(v, lv) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(p, l)
}

func lazyCorpus(t testing.TB) []string {
	docs := jsonCorpus()
	// Pages of the Pipedrive sandbox: every entity's list, as a
	// connector reads them.
	for _, page := range sandboxPages(t, 120, "/api/v2/persons?limit=40", "/api/v2/organizations?limit=40", "/api/v2/deals?limit=40",
		"/api/v2/activities?limit=40", "/api/v2/products?limit=40", "/v1/users", "/api/v2/personFields?limit=10") {
		docs = append(docs, string(page))
	}
	// The request documents the repository's tests and examples use.
	files, _ := filepath.Glob("../../testdata/requests/*.json")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, string(b))
	}
	return append(docs,
		`{"n":[1.0,1e-7,-0.0,12345678901234567890,1E5,0.10,-1.50e+3],"s":["\u00e9","\/","a\u0000b"]}`,
		`{"b":1,"2":2,"a":3,"1":4,"nested":{"z":1,"0":0}}`,
	)
}

func sep(path string) string {
	if strings.Contains(path, "?") {
		return "&"
	}
	return "?"
}

// TestLazyMatchesPlain runs every snippet over every document, plain and
// lazy, and compares what the script saw (exactly) and what is written
// afterwards (as values): in a runtime of goja's own and in one with
// InstallKeys, where the plain values' Object.keys is still goja's.
func TestLazyMatchesPlain(t *testing.T) {
	t.Parallel()
	docs := lazyCorpus(t)
	for _, keys := range []bool{false, true} {
		e := newLazyEnv(t, keys)
		for _, src := range docs {
			for name := range lazySnippets {
				sawP, wireP := e.run(t, name, src, Parse)
				sawL, wireL := e.run(t, name, src, ParseLazy)
				if sawP != sawL {
					t.Errorf("InstallKeys %v: %s over %.80s: the script saw\nplain %s\nlazy  %s", keys, name, src, sawP, sawL)
					continue
				}
				if err := sameWire(wireP, wireL); err != nil {
					t.Errorf("InstallKeys %v: %s over %.80s: written %v", keys, name, src, err)
				}
			}
		}
	}
}

// TestLazyPassthroughKeepsBytes: what the script did not touch is written
// as the document's bytes, compacted.
func TestLazyPassthroughKeepsBytes(t *testing.T) {
	t.Parallel()
	rt := goja.New()
	for _, c := range []struct{ src, want string }{
		{`{"a":1.0,"b":1e-7,"c":-0.0,"d":12345678901234567890,"e":"\u00e9\/"}`, ""},
		{`[1.50, -0, 1E+2, 0.1e1]`, `[1.50,-0,1E+2,0.1e1]`},
		{" { \"a\" : [ 1 , 2.0 ] ,\n \"b\" : { } } ", `{"a":[1,2.0],"b":{}}`},
		{`{"b":1,"2":2,"a":3}`, ""},
		{"\"bad \xff utf8\"", "\"bad \uFFFD utf8\""},
		{"{\"k\":[\"bad \xff\",1.0]}", "{\"k\":[\"bad \uFFFD\",1.0]}"},
	} {
		if c.want == "" {
			c.want = c.src
		}
		v, err := ParseLazy(rt, []byte(c.src))
		if err != nil {
			t.Fatal(err)
		}
		got, err := Append(nil, v)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != c.want {
			t.Errorf("Append(ParseLazy(%q)) = %s, want %s", c.src, got, c.want)
		}
	}
}

// TestLazyNumbersThroughChanges: numbers keep their text in a changed
// object as long as they themselves are not replaced; what the script
// computes is written as JS would.
func TestLazyNumbersThroughChanges(t *testing.T) {
	t.Parallel()
	rt := goja.New()
	v, err := ParseLazy(rt, []byte(`{"a":1.0,"b":1e-7,"c":-0.0,"d":12345678901234567890,"e":1.10,"f":{"g":2.50},"h":[3.0,4]}`))
	if err != nil {
		t.Fatal(err)
	}
	_ = rt.Set("x", v)
	res, err := rt.RunString(`
		const seen = [x.a, x.b, Object.is(x.c, -0), x.d, typeof x.d, x.f.g];
		x.e = x.e * 2;     // computed
		x.added = 0.5;
		x.h.push(5);       // h changes, its 3.0 does not
		delete x.b;
		JSON.stringify(seen)`)
	if err != nil {
		t.Fatal(err)
	}
	if want := `[1,1e-7,true,"12345678901234567890","string",2.5]`; res.String() != want {
		t.Errorf("the script saw %s, want %s", res, want)
	}
	got, err := Append(nil, v)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"a":1.0,"c":-0.0,"d":12345678901234567890,"e":2.2,"f":{"g":2.50},"h":[3.0,4,5],"added":0.5}`
	if string(got) != want {
		t.Errorf("Append = %s\nwant     %s", got, want)
	}
}

// TestLazyPassthroughFlattened: a number or string the script moves
// unchanged from one document value into another (pipedrive.js's
// flattening of custom fields) is written as the document's bytes, as an
// untouched one is; what the script computed is written as JS would, even
// when it equals the value it came from.
func TestLazyPassthroughFlattened(t *testing.T) {
	t.Parallel()
	rt := goja.New()
	v, err := ParseLazy(rt, []byte(`{"cf":{"a":1.0,"b":1e-7,"c":-0.0,"d":12345678901234567890,"e":"\u00e9\/","f":2.50,"g":"x","h":[1.10]},"arr":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	_ = rt.Set("x", v)
	res, err := rt.RunString(`
		const cf = x.cf;
		const ks = Object.keys(cf);
		for (let i = 0; i < ks.length; i++) { const k = ks[i]; const v = cf[k]; x[k] = v; }
		delete x.cf;
		x.arr.push(x.f, cf.b);    // into an array, passed along twice
		x.f2 = x.f * 2;           // computed
		x.g2 = x.g + 'y';         // computed
		x.d2 = x.d.split('').join(''); // an equal string the script made
		x.f3 = Number(String(x.f)); // an equal number the script made
		x.h2 = x.h[0];            // out of an array
		JSON.stringify([x.a, x.b, Object.is(x.c, -0), x.d, x.e, x.f, x.arr, x.d2 === x.d])`)
	if err != nil {
		t.Fatal(err)
	}
	if want := `[1,1e-7,true,"12345678901234567890","é/",2.5,[2.5,1e-7],true]`; res.String() != want {
		t.Errorf("the script saw %s, want %s", res, want)
	}
	got, err := Append(nil, v)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"arr":[2.50,1e-7],"a":1.0,"b":1e-7,"c":-0.0,"d":12345678901234567890,"e":"\u00e9\/","f":2.50,"g":"x","h":[1.10],` +
		`"f2":5,"g2":"xy","d2":"12345678901234567890","f3":2.5,"h2":1.10}`
	if string(got) != want {
		t.Errorf("Append = %s\nwant     %s", got, want)
	}
}

// TestLazyKeyOrder: keys list as on a plain object: array indexes first,
// ascending; a deleted and re-added key goes last.
func TestLazyKeyOrder(t *testing.T) {
	t.Parallel()
	rt := goja.New()
	v, err := ParseLazy(rt, []byte(`{"b":1,"2":2,"a":3,"1":4}`))
	if err != nil {
		t.Fatal(err)
	}
	_ = rt.Set("x", v)
	res, err := rt.RunString(`
		const a = Object.keys(x).join();
		delete x.b; x.b = 5; x['0'] = 0; x.c = 6;
		const fi = []; for (const k in x) fi.push(k);
		[a, Object.keys(x).join(), fi.join(), JSON.stringify(x), JSON.stringify({...x})].join(' | ')`)
	if err != nil {
		t.Fatal(err)
	}
	want := `1,2,b,a | 0,1,2,a,b,c | 0,1,2,a,b,c | {"0":0,"1":4,"2":2,"a":3,"b":5,"c":6} | {"0":0,"1":4,"2":2,"a":3,"b":5,"c":6}`
	if res.String() != want {
		t.Errorf("got  %s\nwant %s", res, want)
	}
	got, _ := Append(nil, v)
	if string(got) != `{"0":0,"1":4,"2":2,"a":3,"b":5,"c":6}` {
		t.Errorf("Append = %s", got)
	}
}

// TestLazyPrototypeToJSON: a toJSON the script adds is honoured, so the
// bytes are not copied then.
func TestLazyPrototypeToJSON(t *testing.T) {
	t.Parallel()
	rt := goja.New()
	v, err := ParseLazy(rt, []byte(`{"a":{"b":1},"c":[1]}`))
	if err != nil {
		t.Fatal(err)
	}
	_ = rt.Set("x", v)
	if _, err := rt.RunString(`Object.setPrototypeOf(x.a, {toJSON() { return 'A' }})`); err != nil {
		t.Fatal(err)
	}
	got, _ := Append(nil, v)
	if string(got) != `{"a":"A","c":[1]}` {
		t.Errorf("Append = %s", got)
	}
	if _, err := rt.RunString(`x.t = function() {}; x.toJSON = function() { return 'X' }`); err != nil {
		t.Fatal(err)
	}
	got, _ = Append(nil, v)
	if string(got) != `"X"` {
		t.Errorf("Append with an own toJSON = %s", got)
	}
}

// TestLazySyntaxErrors: ParseLazy rejects what Parse rejects, with the
// same message.
func TestLazySyntaxErrors(t *testing.T) {
	t.Parallel()
	rt := goja.New()
	for _, src := range []string{`{`, `[1,]`, `{"a" 1}`, `"abc`, `01`, `1.`, `-`, `{"a":1}x`, `[1 2]`, `"\x"`, "\"a\tb\"", `tru`, `{1:1}`, `"\u12"`} {
		_, errP := Parse(rt, []byte(src))
		_, errL := ParseLazy(rt, []byte(src))
		if errP == nil || errL == nil {
			t.Errorf("%q: Parse err %v, ParseLazy err %v", src, errP, errL)
			continue
		}
		if errP.Error() != errL.Error() {
			t.Errorf("%q:\nParse     %v\nParseLazy %v", src, errP, errL)
		}
	}
}

// FuzzParseLazy holds ParseLazy to Parse on any input: the same documents
// accepted with the same error, the same values for a script that reads
// everything, and an untouched value written back as the compacted input
// (given Parse's rules on invalid UTF-8).
func FuzzParseLazy(f *testing.F) {
	for _, s := range jsonCorpus() {
		f.Add([]byte(s))
	}
	for _, s := range []string{`[1,]`, `01`, `{"a" 1}`, `"\x"`, "\"\xff\"", `{"a":[1.0,-0.0,1e-7,123456789012345678901]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rt := goja.New()
		pv, perr := Parse(rt, data)
		lv, lerr := ParseLazy(rt, data)
		if (perr == nil) != (lerr == nil) || (perr != nil && perr.Error() != lerr.Error()) {
			t.Fatalf("%q: Parse error %v, ParseLazy error %v", data, perr, lerr)
		}
		if perr != nil {
			return
		}
		stringify, _ := goja.AssertFunction(rt.Get("JSON").ToObject(rt).Get("stringify"))
		ps, err1 := stringify(goja.Undefined(), pv)
		ls, err2 := stringify(goja.Undefined(), lv)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("%q: JSON.stringify errors %v and %v", data, err1, err2)
		}
		if err1 == nil && ps.String() != ls.String() {
			t.Fatalf("%q: the script sees\nplain %s\nlazy  %s", data, ps, ls)
		}
		wire, err := Append(nil, lv)
		if err != nil {
			return // nested too deep for the encoder
		}
		plain, err := Append(nil, pv)
		if err != nil {
			return
		}
		if err := sameWire(plain, wire); err != nil {
			t.Fatalf("%q: %v", data, err)
		}
	})
}

// TestLazyAddedListsShared: objects of one shape given keys in a few
// recurring orders (records whose optional fields differ) share a list
// per order instead of keeping their own, up to maxLists orders, and
// read and write as plain objects do either way.
func TestLazyAddedListsShared(t *testing.T) {
	t.Parallel()
	var sb strings.Builder
	sb.WriteString("[")
	for i := range 40 {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"id":%d,"m":%s}`, i, map[bool]string{true: `{"value":1.0,"currency":"EUR"}`, false: "null"}[i%3 == 0])
	}
	sb.WriteString("]")
	src := sb.String()
	const script = `(function(x, orders) {
		x.forEach((r, i) => {
			const m = r.m;
			if (m !== null) { r.m = m.value; r.m_currency = m.currency; } else { r.m = 0; }
			for (const k of orders[i % orders.length]) r[k] = k + i;
		});
		return JSON.stringify(x.map((r) => Object.keys(r)));
	})`
	for _, c := range []struct {
		orders  string
		private bool
	}{
		{`[["a", "b"], ["a", "c"], ["b"]]`, false},
		{`[["a", "b", "c", "d"], ["b", "a"], ["c"], ["d", "a"], ["e"], ["f"], ["g"], ["h"], ["i"], ["j"]]`, true},
	} {
		rt := goja.New()
		if err := InstallKeys(rt); err != nil {
			t.Fatal(err)
		}
		fv, err := rt.RunString(script)
		if err != nil {
			t.Fatal(err)
		}
		fn, _ := goja.AssertFunction(fv)
		orders, err := rt.RunString(c.orders)
		if err != nil {
			t.Fatal(err)
		}
		var seen [2]string
		var wire [2][]byte
		var lazy goja.Value
		for i, parse := range []func(*goja.Runtime, []byte) (goja.Value, error){Parse, ParseLazy} {
			x, err := parse(rt, []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			got, err := fn(goja.Undefined(), x, orders)
			if err != nil {
				t.Fatal(err)
			}
			seen[i] = got.String()
			if wire[i], err = Append(nil, x); err != nil {
				t.Fatal(err)
			}
			lazy = x
		}
		if seen[0] != seen[1] {
			t.Errorf("orders %s: keys\nplain %s\nlazy  %s", c.orders, seen[0], seen[1])
		}
		if err := sameWire(wire[0], wire[1]); err != nil {
			t.Errorf("orders %s: %v", c.orders, err)
		}
		arr := lazy.(*goja.Object).Export().(*lazyArray)
		private, lists := 0, 0
		for j := range arr.slots {
			o := arr.slots[j].v.(*goja.Object).Export().(*lazyObject)
			if o.private {
				private++
			}
			lists = len(o.shape.lists)
		}
		if lists > maxLists {
			t.Errorf("orders %s: %d lists, want at most %d", c.orders, lists, maxLists)
		}
		if got := private > 0; got != c.private {
			t.Errorf("orders %s: %d of 40 objects keep their own keys (%d lists), want private %v", c.orders, private, lists, c.private)
		}
	}
}

// TestLazyBuiltinToJSON: with a toJSON on Object.prototype or
// Array.prototype, however it gets there (own, inherited through a
// changed chain, under a shadowing non-function, behind a getter), a
// document's objects and arrays, changed or not, are written as the plain
// path writes what Parse gives. (Which is not always JSON.stringify's:
// the plain path calls no array's toJSON.)
func TestLazyBuiltinToJSON(t *testing.T) {
	t.Parallel()
	for _, setup := range []string{
		``,
		`Object.prototype.toJSON = function() { return 'O' }`,
		`Array.prototype.toJSON = function() { return 'A' }`,
		`Object.prototype.toJSON = function() { return 'O' }; Array.prototype.toJSON = 1`,
		`Object.prototype.toJSON = 1`,
		`Object.setPrototypeOf(Array.prototype, {toJSON() { return 'P' }})`,
		`Object.setPrototypeOf(Array.prototype, null)`,
		`Object.setPrototypeOf(Array.prototype, null); Object.prototype.toJSON = function() { return 'O' }`,
		`Object.prototype.toJSON = function() { return 'O' }; Object.defineProperty(Array.prototype, 'toJSON', {get() { return undefined }, configurable: true})`,
		`Object.defineProperty(Object.prototype, 'toJSON', {get() { return this.length === undefined ? undefined : () => 'L' }, configurable: true})`,
	} {
		for _, change := range []string{``, `x.added = 1`, `x.b.push(3)`, `x.c.d = 2`} {
			rt := goja.New()
			if _, err := rt.RunString(setup); err != nil {
				t.Fatalf("%s: %v", setup, err)
			}
			var out []string
			for _, parse := range []func(*goja.Runtime, []byte) (goja.Value, error){ParseLazy, Parse} {
				v, err := parse(rt, []byte(`{"a":1,"b":[1,{"e":[]}],"c":{"d":[]}}`))
				if err != nil {
					t.Fatal(err)
				}
				_ = rt.Set("x", v)
				if _, err := rt.RunString(change); err != nil {
					t.Fatal(err)
				}
				got, err := Append(nil, v)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, string(got))
			}
			if out[0] != out[1] {
				t.Errorf("%s; %s:\nlazy  %s\nplain %s", setup, change, out[0], out[1])
			}
		}
	}
}
