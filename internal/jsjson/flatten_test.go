package jsjson

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dop251/goja"
)

// flattenEnv is a runtime with Object.keys installed, the loop, and
// flatten(record, key, split) for scripts: Flatten, or the loop where
// Flatten declines (or always, with loopOnly). fast counts Flatten's yes.
type flattenEnv struct {
	rt       *goja.Runtime
	loopOnly bool
	fast     int
}

func newFlattenEnv(t testing.TB, loopOnly bool) *flattenEnv {
	t.Helper()
	e := &flattenEnv{rt: goja.New(), loopOnly: loopOnly}
	if err := InstallKeys(e.rt); err != nil {
		t.Fatal(err)
	}
	fv, err := e.rt.RunString(FlattenLoop)
	if err != nil {
		t.Fatal(err)
	}
	factory, _ := goja.AssertFunction(fv)
	lv, err := factory(goja.Undefined(), e.rt.Get("Object").ToObject(e.rt).Get("keys"), e.rt.Get("Array").ToObject(e.rt).Get("isArray"))
	if err != nil {
		t.Fatal(err)
	}
	loop, _ := goja.AssertFunction(lv)
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(e.rt.Set("flatten", func(c goja.FunctionCall) goja.Value {
		rec := c.Argument(0).(*goja.Object)
		key := c.Argument(1).String()
		var split []Split
		var pairs []any
		if o, ok := c.Argument(2).(*goja.Object); ok {
			for _, k := range o.Keys() {
				split = append(split, Split{Key: k, Suffix: o.Get(k).String()})
				pairs = append(pairs, e.rt.NewArray(k, o.Get(k).String()))
			}
		}
		if !e.loopOnly && Flatten(e.rt, rec, key, split) {
			e.fast++
			return rec
		}
		v, err := loop(goja.Undefined(), rec, e.rt.ToValue(key), e.rt.NewArray(pairs...))
		if err != nil {
			panic(err)
		}
		return v
	}))
	return e
}

// run parses src (lazily, or plainly with lazy false), hands it to the
// script as x, and returns what the script returned, as JSON.stringify
// writes it, and x as Append writes it.
func (e *flattenEnv) run(t testing.TB, script, src string, lazy bool) (saw string, wire []byte) {
	t.Helper()
	parse := Parse
	if lazy {
		parse = ParseLazy
	}
	x, err := parse(e.rt, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	fn, err := e.rt.RunString("(function(x) { 'use strict';\n" + script + "\n})")
	if err != nil {
		t.Fatalf("%s: %v", script, err)
	}
	f, _ := goja.AssertFunction(fn)
	res, err := f(goja.Undefined(), x)
	if err != nil {
		return "threw " + err.Error(), nil
	}
	stringify, _ := goja.AssertFunction(e.rt.Get("JSON").ToObject(e.rt).Get("stringify"))
	s, err := stringify(goja.Undefined(), res)
	if err != nil {
		t.Fatal(err)
	}
	if wire, err = Append(nil, x); err != nil {
		t.Fatal(err)
	}
	return s.String(), wire
}

// checkFlatten runs script over src three ways, Flatten on a lazy value,
// the loop on a lazy value and the loop on a plain one, and wants the
// same: what the script saw, and the written value (byte for byte between
// the lazy two). It returns how many times Flatten did the work.
func checkFlatten(t *testing.T, name, script, src string) int {
	t.Helper()
	fast := newFlattenEnv(t, false)
	fs, fw := fast.run(t, script, src, true)
	ls, lw := newFlattenEnv(t, true).run(t, script, src, true)
	ps, pw := newFlattenEnv(t, true).run(t, script, src, false)
	if fs != ls || fs != ps {
		t.Errorf("%s: the script saw\nFlatten   %s\nlazy loop %s\nplain     %s", name, fs, ls, ps)
	}
	if string(fw) != string(lw) {
		t.Errorf("%s: written\nFlatten   %s\nlazy loop %s", name, fw, lw)
	}
	if pw != nil || fw != nil {
		if err := sameWire(pw, fw); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	return fast.fast
}

// TestFlattenSandboxPages: Flatten does the flattening of every record of
// the sandbox's pages, with the same outcome as the loop.
func TestFlattenSandboxPages(t *testing.T) {
	t.Parallel()
	pages := sandboxPages(t, 300, "/api/v2/persons?limit=100", "/api/v2/deals?limit=100", "/api/v2/organizations?limit=100", "/api/v2/products?limit=100", "/api/v2/activities?limit=100")
	script := `let n = 0;
		for (const r of x.data) { if (r.custom_fields) n++; flatten(r, 'custom_fields', {value: '', currency: '_currency'}); }
		return [n, x.data];`
	for i, p := range pages {
		records := strings.Count(string(p), `"custom_fields":{`)
		if got := checkFlatten(t, fmt.Sprintf("page %d", i), script, string(p)); got != records {
			t.Errorf("page %d: Flatten flattened %d records of %d", i, got, records)
		}
	}
}

// TestFlattenCorpus: every document of the corpus as the member to
// flatten, with and without a split.
func TestFlattenCorpus(t *testing.T) {
	t.Parallel()
	for i, doc := range lazyCorpus(t) {
		src := `{"a":0,"m":` + doc + `,"z":1}`
		checkFlatten(t, fmt.Sprintf("doc %d", i), `flatten(x, 'm'); return x;`, src)
		checkFlatten(t, fmt.Sprintf("doc %d split", i), `flatten(x, 'm', {a: '_a', b: ''}); return x;`, src)
	}
}

// TestFlattenCases: what Flatten does itself and what it leaves to the
// loop, each with the loop's outcome.
func TestFlattenCases(t *testing.T) {
	t.Parallel()
	const cf = `{"id":1,"a":"keep","cf":{"a":"over","n":1.0,"big":12345678901234567890,"s":"\u00e9","o":{"p":1},"l":[1,2],"price":{"value":5.50,"currency":"EUR"},"half":{"currency":"USD"},"nul":null},"z":true}`
	for _, c := range []struct {
		name, script, src string
		fast              int
	}{
		{"members overwrite, split, the rest moved", `flatten(x, 'cf', {value: '', currency: '_currency'}); return [Object.keys(x), x];`, cf, 1},
		{"no split", `flatten(x, 'cf'); return [Object.keys(x), x];`, cf, 1},
		{"objects and arrays are shared", `const m = x.cf; flatten(x, 'cf'); m.o.q = 2; m.l.push(3); return [x.o === m.o, x.l === m.l, x];`, cf, 1},
		{"values read before", `const n = x.cf.n, s = x.cf.s; flatten(x, 'cf'); return [n, s, x];`, cf, 1},
		{"a member deleted before", `delete x.cf.n; flatten(x, 'cf'); return x;`, cf, 1},
		{"a member the script set", `x.cf.n = 7; flatten(x, 'cf'); return x;`, cf, 0},
		{"a split member the script set", `x.cf.price.value = 7; flatten(x, 'cf', {value: '', currency: '_c'}); return x;`, cf, 0},
		{"the key inside the member", `flatten(x, 'cf'); return x;`, `{"cf":{"cf":1,"b":2}}`, 1},
		{"index keys", `flatten(x, 'cf'); return [Object.keys(x), x];`, `{"b":1,"cf":{"2":"two","x":"x","1":"one"}}`, 1},
		{"twice", `flatten(x, 'cf'); flatten(x, 'cf'); return x;`, cf, 1},
		{"null member", `flatten(x, 'cf'); return x;`, `{"cf":null,"a":1}`, 0},
		{"string member", `flatten(x, 'cf'); return x;`, `{"cf":"s","a":1}`, 0},
		{"absent member", `flatten(x, 'cf'); return x;`, `{"a":1}`, 0},
		{"array member", `flatten(x, 'cf'); return x;`, `{"cf":[1,2],"a":1}`, 0},
		{"a setter on Object.prototype", `const log = [];
			Object.defineProperty(Object.prototype, 'n', {set(v) { log.push(v); }, configurable: true});
			try { flatten(x, 'cf'); } finally { delete Object.prototype.n; }
			return [log, x];`, cf, 0},
		{"a read-only Object.prototype property", `Object.defineProperty(Object.prototype, 's', {value: 1, configurable: true});
			try { flatten(x, 'cf'); return x; } catch (e) { return String(e.constructor.name); } finally { delete Object.prototype.s; }`, cf, 0},
		{"a split key on Object.prototype", `Object.defineProperty(Object.prototype, 'currency', {get() { return 'XXX'; }, configurable: true});
			try { flatten(x, 'cf', {value: '', currency: '_currency'}); } finally { delete Object.prototype.currency; }
			return x;`, cf, 0},
		{"a split key on Object.prototype, flattened without a split", `Object.defineProperty(Object.prototype, 'currency', {get() { return 'XXX'; }, configurable: true});
			try { flatten(x, 'cf'); } finally { delete Object.prototype.currency; }
			return x;`, cf, 1},
		{"a name Object.prototype has anyway", `flatten(x, 'cf'); return [Object.keys(x), x.hasOwnProperty('toString')];`, `{"cf":{"toString":1,"a":2}}`, 0},
		{"a non-ASCII setter on Object.prototype", `const log = [];
			Object.defineProperty(Object.prototype, 'é', {set(v) { log.push(v); }, configurable: true});
			try { flatten(x, 'cf'); } finally { delete Object.prototype['é']; }
			return [log, x];`, `{"cf":{"é":1,"b":2}}`, 0},
		{"a non-ASCII key", `flatten(x, 'cf'); return x;`, `{"cf":{"é":1,"b":2}}`, 1},
		{"a suffixed key on Object.prototype", `const log = [];
			Object.defineProperty(Object.prototype, 'price_currency', {set(v) { log.push(v); }, configurable: true});
			try { flatten(x, 'cf', {value: '', currency: '_currency'}); } finally { delete Object.prototype.price_currency; }
			return [log, x];`, cf, 0},
		{"the record's prototype changed", `const log = [];
			Object.setPrototypeOf(x, {set n(v) { log.push(v); }});
			flatten(x, 'cf'); return [log, Object.keys(x)];`, cf, 0},
		{"a split object's prototype changed", `Object.setPrototypeOf(x.cf.half, {value: 9});
			flatten(x, 'cf', {value: '', currency: '_currency'}); return x;`, cf, 0},
		{"the member's prototype changed", `Object.setPrototypeOf(x.cf, {inherited: 1});
			flatten(x, 'cf'); return x;`, cf, 1},
		{"the member is the record", `x.cf = x; flatten(x, 'cf'); return Object.keys(x);`, `{"cf":1,"a":2}`, 0},
		{"a member of another document", `x.cf = other.cf; flatten(x, 'cf'); return x;`, `{"cf":1,"a":2}`, 0},
	} {
		src := c.src
		script := c.script
		if strings.Contains(script, "other.") {
			script = `const other = JSON.parse('{"cf":{"q":1}}');` + script
		}
		if got := checkFlatten(t, c.name, script, src); got != c.fast {
			t.Errorf("%s: Flatten did the work %d times, want %d", c.name, got, c.fast)
		}
	}
}

// TestFlattenKeepsBytes: what Flatten moves unread is written as the
// document's bytes; the rest of the record too.
func TestFlattenKeepsBytes(t *testing.T) {
	t.Parallel()
	e := newFlattenEnv(t, false)
	_, wire := e.run(t, `flatten(x, 'cf', {value: '', currency: '_currency'}); return x;`,
		`{"id":1,"cf":{"n":1.0,"big":12345678901234567890,"s":"\u00e9\/","price":{"value":5.50,"currency":"EUR"}},"z":-0.0}`, true)
	want := `{"id":1,"z":-0.0,"n":1.0,"big":12345678901234567890,"s":"\u00e9\/","price":5.50,"price_currency":"EUR"}`
	if string(wire) != want {
		t.Errorf("written %s\nwant    %s", wire, want)
	}
	if e.fast != 1 {
		t.Errorf("Flatten did the work %d times, want 1", e.fast)
	}
}

// TestProtoNamesKnowGoja: Object.prototype's names are read where goja
// keeps them, not asked of GetOwnPropertyNames (which costs more than
// the flattening): if goja's layout changed, this says so.
func TestProtoNamesKnowGoja(t *testing.T) {
	if objectProtoLayout == nil {
		t.Fatal("goja's templated Object.prototype is not laid out as protonames.go expects: Flatten asks GetOwnPropertyNames, at about 10,000 instructions a record")
	}
	rt := goja.New()
	d := &doc{rt: rt, objectProto: rt.NewObject().Prototype()}
	want := d.objectProto.GetOwnPropertyNames()
	if got := d.objectProtoNames(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("names %v, want %v", got, want)
	}
	if _, err := rt.RunString(`Object.defineProperty(Object.prototype, 'added', {set(v) {}}); delete Object.prototype.valueOf; Object.prototype['é'] = 1;`); err != nil {
		t.Fatal(err)
	}
	names := newProtoKeys(d.objectProtoNames())
	for key, has := range map[string]bool{"added": true, "valueOf": false, "toString": true, "é": true, "other": false} {
		if got := names.has(key, ""); got != has {
			t.Errorf("has(%q) = %v, want %v", key, got, has)
		}
	}
	if !names.has("add", "ed") || names.has("add", "") {
		t.Error("has(key, suffix) does not join them")
	}
}
