package jsjson

import (
	"fmt"
	"strings"
	"testing"
)

// probe is a script over src held to the loop; fast is how often Flatten
// must do the work itself (-1: either way).
type probe struct {
	name, script, src string
	fast              int // -1: don't care
}

// runFlattenProbes checks each probe with checkFlatten.
func runFlattenProbes(t *testing.T, ps []probe) {
	t.Helper()
	for _, c := range ps {
		got := checkFlatten(t, c.name, c.script, c.src)
		if c.fast >= 0 && got != c.fast {
			t.Errorf("%s: fast %d, want %d", c.name, got, c.fast)
		}
	}
}

const fpage = `{"data":[
{"id":1,"name":"a","cf":{"a1":"x","b2":5,"price":{"value":1.50,"currency":"EUR"},"o":{"p":1}}},
{"id":2,"name":"b","cf":{"b2":6,"a1":"y","price":{"value":2,"currency":"USD"},"o":{"p":2}}},
{"id":3,"name":"c","cf":{"a1":"z","c3":7,"price":null,"o":{"p":3}}},
{"id":4,"name":"d","cf":{"a1":"w","b2":8,"price":{"value":3},"o":{"p":4}}},
{"id":5,"name":"e","cf":{"a1":"v","b2":9,"price":{"currency":"GBP","value":4},"o":{"p":5}}}
]}`

const ret = `return x.data.map(r => [Object.keys(r), r, JSON.stringify(r)]);`

// TestFlattenRecordInsideMember: the record is its member's member (and
// split object): the loop reads it after the members before changed it.
func TestFlattenRecordInsideMember(t *testing.T) {
	runFlattenProbes(t, []probe{
		{"target is a split object of the member",
			`x.cf.m = x; flatten(x.cf, 'm', {value: '', currency: '_currency'}); return [Object.keys(x.cf), x.cf];`,
			`{"value":1,"cf":{"value":2,"currency":"EUR"}}`, -1},
		{"target is a member of the member, no split",
			`x.cf.m = x; flatten(x.cf, 'm'); const r = [Object.keys(x.cf), x.cf === x.cf.cf]; delete x.cf.cf; return r;`,
			`{"value":1,"cf":{"value":2,"currency":"EUR"}}`, -1},
	})
}

// TestFlattenKeepsBuiltins: a script's Object.keys or Array.isArray is
// called on neither path.
func TestFlattenKeepsBuiltins(t *testing.T) {
	runFlattenProbes(t, []probe{
		{"Object.keys replaced", `const log = []; const ok = Object.keys; Object.keys = function(o) { log.push('keys'); return ok(o); };
			try { flatten(x, 'cf'); } finally { Object.keys = ok; } return [log, x];`, `{"cf":{"a":1}}`, -1},
		{"Array.isArray replaced", `const log = []; const ai = Array.isArray; Array.isArray = function(o) { log.push('isArray'); return ai(o); };
			try { flatten(x, 'cf', {value: ''}); } finally { Array.isArray = ai; } return [log, x];`, `{"cf":{"a":{"value":1}}}`, -1},
	})
}

// TestFlattenPageSequences: records of a page flattened alike and not,
// with assignments, deletions and reads before and after, sharing key lists.
func TestFlattenPageSequences(t *testing.T) {
	sp := `{value: '', currency: '_currency'}`
	runFlattenProbes(t, []probe{
		{"fpage split", `for (const r of x.data) flatten(r, 'cf', ` + sp + `); ` + ret, fpage, 5},
		{"fpage no split", `for (const r of x.data) flatten(r, 'cf'); ` + ret, fpage, 5},
		{"fpage reversed", `for (const r of x.data.slice().reverse()) flatten(r, 'cf', ` + sp + `); ` + ret, fpage, 5},
		{"split orders differ", `x.data.forEach((r, i) => flatten(r, 'cf', i % 2 ? {currency: '_c', value: ''} : {value: '', currency: '_c'})); ` + ret, fpage, 5},
		{"assign before", `x.data.forEach((r, i) => { if (i % 2) r.extra = i; flatten(r, 'cf', ` + sp + `); }); ` + ret, fpage, -1},
		{"assign after", `x.data.forEach((r, i) => { flatten(r, 'cf', ` + sp + `); r.extra = i; if (i == 2) r.a1 = 'changed'; }); ` + ret, fpage, 5},
		{"delete and readd after", `x.data.forEach((r, i) => { flatten(r, 'cf', ` + sp + `); delete r.a1; delete r.id; if (i % 2) { r.a1 = 1; r.id = 2; } }); ` + ret, fpage, 5},
		{"delete and readd before", `x.data.forEach((r, i) => { r.zz = 1; delete r.zz; if (i%2) r.zz = 2; delete r.name; r.name = 'n'; flatten(r, 'cf', ` + sp + `); }); ` + ret, fpage, -1},
		{"delete member key before", `x.data.forEach((r, i) => { if (i%2) delete r.cf.a1; flatten(r, 'cf', ` + sp + `); }); ` + ret, fpage, 5},
		{"flatten twice different", `x.data.forEach((r, i) => { r.n = r.cf.o; flatten(r, 'cf', ` + sp + `); flatten(r, 'o'); flatten(r, 'n'); }); ` + ret, fpage, -1},
		{"nested read before", `x.data.forEach((r, i) => { const p = r.cf.price; if (p) p.value; r.cf.o.p; flatten(r, 'cf', ` + sp + `); }); ` + ret, fpage, 5},
		{"nested modified before", `x.data.forEach((r, i) => { const p = r.cf.price; if (p) { p.extra = 1; p.currency = p.currency; } r.cf.o.q = 1; flatten(r, 'cf', ` + sp + `); }); ` + ret, fpage, -1},
		{"nested split key deleted", `x.data.forEach((r, i) => { const p = r.cf.price; if (p) delete p.value; flatten(r, 'cf', ` + sp + `); }); ` + ret, fpage, -1},
		{"same member into two", `const m = x.data[0].cf; flatten(x.data[0], 'cf', ` + sp + `); x.data[1].cf = m; flatten(x.data[1], 'cf', ` + sp + `); m.o.p = 99; return [x.data[0].o === x.data[1].o, x.data[0], x.data[1], Object.keys(x.data[1])];`, fpage, -1},
		{"member shared then modified", `const m = x.data[0].cf; flatten(x.data[0], 'cf'); m.a1 = 'q'; x.data[1].cf = m; flatten(x.data[1], 'cf'); return [x.data[0], x.data[1]];`, fpage, -1},
		{"member key = flatten key", `x.data.forEach(r => { r.cf.cf = r.cf.o; flatten(r, 'cf'); }); ` + ret, fpage, -1},
		{"member key cf tape", `flatten(x, 'cf'); flatten(x, 'cf'); return [Object.keys(x), x];`, `{"a":1,"cf":{"cf":{"cf":2,"b":3},"a":9}}`, -1},
		{"suffix collision", `flatten(x, 'cf', ` + sp + `); return [Object.keys(x), x];`, `{"a":1,"cf":{"p":{"value":1,"currency":"E"},"p_currency":"X","q_currency":"Y","q":{"value":2,"currency":"F"}}}`, 1},
		{"suffix collision with record", `flatten(x, 'cf', ` + sp + `); return [Object.keys(x), x];`, `{"p_currency":0,"p":0,"cf":{"p":{"value":1,"currency":"E"}}}`, 1},
		{"empty suffixes", `flatten(x, 'cf', {a: '', b: ''}); return [Object.keys(x), x];`, `{"cf":{"p":{"a":1,"b":2},"q":{"b":3,"a":4}}}`, 1},
		{"split key equals suffix", `flatten(x, 'cf', {a: 'a', b: ''}); return [Object.keys(x), x];`, `{"cf":{"p":{"a":1,"b":2},"pa":5,"":{"a":1,"b":2}}}`, 1},
	})
}

// TestFlattenUnusualKeys: index keys, "", __proto__, non-ASCII, escaped
// and lone-surrogate keys, and names Object.prototype has.
func TestFlattenUnusualKeys(t *testing.T) {
	runFlattenProbes(t, []probe{
		{"index keys", `flatten(x, 'cf'); return [Object.keys(x), x];`, `{"b":1,"7":2,"cf":{"42":"a","0":"b","x":1,"4294967295":3,"4294967294":4,"01":5,"-1":6,"7":8}}`, 1},
		{"index keys split", `flatten(x, 'cf', {v: '0', w: ''}); return [Object.keys(x), x];`, `{"b":1,"cf":{"4":{"v":1,"w":2},"a":{"v":3,"w":4},"1":{"v":5}}}`, 1},
		{"index keys fpage", `for (const r of x.data) flatten(r, 'cf'); return x.data.map(r => [Object.keys(r), r]);`, `{"data":[{"a":1,"cf":{"5":1,"b":2}},{"a":1,"cf":{"b":2,"5":1}},{"a":1,"cf":{"3":1,"5":2}}]}`, 3},
		{"empty key", `flatten(x, 'cf'); return [Object.keys(x), x];`, `{"":0,"cf":{"":1,"a":2}}`, 1},
		{"empty flatten key", `flatten(x, ''); return [Object.keys(x), x];`, `{"a":0,"":{"":1,"a":2}}`, 1},
		{"__proto__ member", `flatten(x, 'cf'); return [Object.keys(x), x, Object.getPrototypeOf(x) === Object.prototype];`, `{"cf":{"__proto__":{"a":1},"b":2}}`, 0},
		{"__proto__ record", `flatten(x, 'cf'); return [Object.keys(x), x];`, `{"__proto__":1,"cf":{"__proto__":{"a":1},"b":2}}`, 0},
		{"__proto__ split", `flatten(x, 'cf', {a: 'proto__'}); return [Object.keys(x), x, Object.getPrototypeOf(x) === Object.prototype];`, `{"cf":{"__":{"a":{"z":1}},"b":2}}`, 0},
		{"non-ASCII", `flatten(x, 'ключ', {значение: '', валюта: '_валюта'}); return [Object.keys(x), x];`, `{"ключ":{"цена":{"значение":1,"валюта":"€"},"日本":"語","😀":1}}`, 1},
		{"escaped keys", `flatten(x, 'c\u00e9', {v: '\u00e9'}); return [Object.keys(x), x];`, `{"c\u00e9":{"\u00e9":1,"a\"b":{"v":2},"\u0000":3,"\ud83d\ude00":4}}`, 1},
		{"lone surrogate keys", `flatten(x, 'cf'); return [Object.keys(x).map(k => k.length), x];`, `{"cf":{"\ud800":1,"\udc00":2}}`, -1},
		{"toString member", `flatten(x, 'cf'); return [Object.keys(x), x];`, `{"cf":{"toString":1,"valueOf":2,"constructor":3}}`, 0},
		{"hasOwnProperty member", `flatten(x, 'cf'); return [Object.keys(x), Object.prototype.hasOwnProperty.call(x, 'hasOwnProperty')];`, `{"cf":{"hasOwnProperty":1}}`, 0},
	})
}

func manyKeys(n int, prefix string) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"%s%d":%d`, prefix, i, i)
	}
	return b.String()
}

// TestFlattenManyKeys: members around the sizes where key lists get an
// index (8, 16) and stop being shared (256).
func TestFlattenManyKeys(t *testing.T) {
	for _, n := range []int{7, 8, 9, 16, 17, 40, 255, 256, 257, 300} {
		rec := func(id int, pre string) string {
			return fmt.Sprintf(`{"id":%d,"cf":{%s}}`, id, manyKeys(n, pre))
		}
		src := `{"data":[` + rec(1, "k") + "," + rec(2, "k") + "," + rec(3, "j") + "," + rec(4, "k") + `]}`
		runFlattenProbes(t, []probe{
			{fmt.Sprintf("many %d", n), `for (const r of x.data) flatten(r, 'cf'); return x.data.map(r => [Object.keys(r), r]);`, src, 4},
			{fmt.Sprintf("many %d del readd", n), `x.data.forEach((r, i) => { flatten(r, 'cf'); delete r.k3; delete r.j5; if (i % 2) { r.k3 = 1; r.j5 = 2; } r.k3; r.k7 = r.id; });
				x.data.forEach((r, i) => { r.more = 1; delete r.k1; r.k1 = 3; }); return x.data.map(r => [Object.keys(r), r, r.k3, r.k1, r.j5, 'k3' in r]);`, src, 4},
			{fmt.Sprintf("many %d assigned before", n), `x.data.forEach((r, i) => { for (let j = 0; j < i * 5; j++) r['a' + j] = j; flatten(r, 'cf'); });
				return x.data.map(r => [Object.keys(r), r]);`, src, 4},
			{fmt.Sprintf("many %d split", n), `x.data.forEach((r, i) => { r.cf.pp = {value: 1, currency: 'c'}; });` +
				`x.data.forEach((r, i) => flatten(r, 'cf', {value: '', currency: '_c'})); return x.data.map(r => [Object.keys(r), r]);`, src, 0},
		})
	}
}

// TestFlattenPrototypes: Object.prototype and the objects' prototypes
// changed in ways that do and do not matter.
func TestFlattenPrototypes(t *testing.T) {
	cf := `{"id":1,"cf":{"a":1,"b":{"value":1,"currency":"X"},"0":2}}`
	runFlattenProbes(t, []probe{
		{"proto idx setter", `let log = ''; Object.defineProperty(Object.prototype, '0', {set(v) { log += v; }, configurable: true});
			try { flatten(x, 'cf'); } finally { delete Object.prototype[0]; } return [log, x];`, cf, 0},
		{"proto idx assigned", `Object.prototype[0] = 5; try { flatten(x, 'cf'); } finally { delete Object.prototype[0]; } return [x, Object.keys(x)];`, cf, 0},
		{"proto builtin deleted", `const ts = Object.prototype.toString; delete Object.prototype.toString; try { flatten(x, 'cf'); } finally { Object.prototype.toString = ts; } return [x, Object.keys(x)];`, `{"cf":{"toString":1}}`, 1},
		{"proto setter added then deleted", `Object.defineProperty(Object.prototype, 'a', {set(v) {}, configurable: true}); delete Object.prototype.a; flatten(x, 'cf'); return x;`, cf, 1},
		{"proto setter before parse", `return x;`, cf, -1},
		{"proto frozen", `Object.freeze(Object.prototype); flatten(x, 'cf'); return [x, Object.keys(x)];`, cf, 1},
		{"proto non-extensible", `Object.preventExtensions(Object.prototype); flatten(x, 'cf'); return [x, Object.keys(x)];`, cf, 1},
		{"proto suffix non-ASCII", `const log = []; Object.defineProperty(Object.prototype, 'bé', {set(v) { log.push(v); }, configurable: true});
			try { flatten(x, 'cf', {value: 'é'}); } finally { delete Object.prototype['bé']; } return [log, x];`, cf, 0},
		{"proto split key non-ASCII", `Object.defineProperty(Object.prototype, 'vé', {get() { return 1; }, configurable: true});
			try { flatten(x, 'cf', {'vé': ''}); } finally { delete Object.prototype['vé']; } return x;`, cf, 0},
		{"split object proto = null", `Object.setPrototypeOf(x.cf.b, null); flatten(x, 'cf', {value: ''}); return x;`, cf, 0},
		{"record proto changed back", `Object.setPrototypeOf(x, null); Object.setPrototypeOf(x, Object.prototype); flatten(x, 'cf'); return x;`, cf, 1},
		{"member of other runtime doc", `return 1;`, cf, -1},
		{"symbol on proto", `Object.prototype[Symbol.iterator] = 1; flatten(x, 'cf'); delete Object.prototype[Symbol.iterator]; return x;`, cf, 1},
	})
}

// TestLazyEmptyKey: "" is a key like any other, also once an object's
// keys were listed (a lookup remembered nothing yet answered for it).
func TestLazyEmptyKey(t *testing.T) {
	runFlattenProbes(t, []probe{
		{"flatten key '' absent, record opened", `Object.keys(x); flatten(x, ''); return [Object.keys(x), x];`, `{"a":{"b":1},"c":2}`, -1},
		{"split key '' absent", `flatten(x, 'cf', {'': '_e'}); return [Object.keys(x), x];`, `{"cf":{"p":{"a":1}}}`, -1},
		{"split key '' on an empty object", `flatten(x, 'cf', {'': '_e'}); return [Object.keys(x), x];`, `{"cf":{"p":{}}}`, -1},
		{"read of '' after keys", `Object.keys(x); return [x[''], '' in x];`, `{"a":1}`, -1},
		{"read of '' on an empty object", `Object.keys(x); return [x[''] === undefined];`, `{}`, -1},
		{"write of '' after keys", `Object.keys(x); x[''] = 'e'; return [Object.keys(x), x];`, `{"a":1}`, -1},
		{"delete '' after keys", `Object.keys(x); delete x['']; return [Object.keys(x), x];`, `{"a":1}`, -1},
	})
}

// TestFlattenMisc: __proto__ as the key, a member flattened twice, a
// deleted key given back, numbers and strings that keep their text.
func TestFlattenMisc(t *testing.T) {
	runFlattenProbes(t, []probe{
		{"flatten key __proto__ own", `flatten(x, '__proto__'); return [Object.keys(x), x, Object.getPrototypeOf(x) === Object.prototype];`, `{"a":1,"__proto__":{"b":2,"c":{"d":1}}}`, -1},
		{"same member twice", `const m = x.cf; flatten(x, 'cf'); x.cf = m; flatten(x, 'cf'); return [Object.keys(x), x];`, `{"a":1,"cf":{"b":2,"a":3}}`, -1},
		{"member re-adds deleted record key", `delete x.a; flatten(x, 'cf'); return [Object.keys(x), x];`, `{"a":1,"z":0,"cf":{"b":2,"a":3}}`, 1},
		{"big ints, -0, escapes", `flatten(x, 'cf', {value: '', currency: '_c'}); return [Object.keys(x), x];`, `{"cf":{"n":-0.0,"b":123456789012345678901234,"s":"\u00e9\n","p":{"value":1e300,"currency":"\ud83d\ude00"}}}`, 1},
	})
}

// TestFlattenSetterBeforeParse: a setter Object.prototype got before the
// response was parsed is called, on both paths.
func TestFlattenSetterBeforeParse(t *testing.T) {
	for _, loopOnly := range []bool{false, true} {
		e := newFlattenEnv(t, loopOnly)
		if _, err := e.rt.RunString(`var log = []; Object.defineProperty(Object.prototype, 'a', {set(v) { log.push(v); }, configurable: true});`); err != nil {
			t.Fatal(err)
		}
		saw, _ := e.run(t, `flatten(x, 'cf'); return [log, Object.keys(x)];`, `{"cf":{"a":1,"b":2}}`, true)
		if saw != `[[1],["b"]]` || e.fast != 0 {
			t.Errorf("loopOnly %v: saw %s fast %d", loopOnly, saw, e.fast)
		}
	}
}
