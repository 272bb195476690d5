package jsjson

import (
	"strings"
	"testing"

	"github.com/dop251/goja"
)

// probeRun runs fn(x) where x is doc parsed by mode: "lazy" (no
// InstallKeys), "keys" (lazy with InstallKeys), "plain" (JSON.parse in a
// runtime with InstallKeys).
func probeRun(t *testing.T, mode, doc, body string) string {
	t.Helper()
	rt := goja.New()
	if mode != "lazy" {
		if err := InstallKeys(rt); err != nil {
			t.Fatal(err)
		}
	}
	fv, err := rt.RunString("(function(x, src) {\n" + body + "\n})")
	if err != nil {
		t.Fatal(err)
	}
	f, _ := goja.AssertFunction(fv)
	var x goja.Value
	if mode == "plain" {
		x, err = rt.RunString("JSON.parse(" + quoteJS(doc) + ")")
	} else {
		x, err = ParseLazy(rt, []byte(doc))
	}
	if err != nil {
		t.Fatal(err)
	}
	v, err := f(goja.Undefined(), x, rt.ToValue(doc))
	if err != nil {
		return "ERR " + err.Error()
	}
	return v.String()
}

func quoteJS(s string) string {
	return string(AppendString(nil, s))
}

var probes = []struct{ name, doc, body string }{
	{"order", `{"b":1,"a":2,"c":{"z":1,"y":2}}`, `const o=[];
		o.push(Object.keys(x));
		x.d=1; x["42"]=2; x["0"]=3; x["4294967295"]=4; x["4294967294"]=5; x["01"]=6; x["-1"]=7;
		o.push(Object.keys(x));
		delete x.a; delete x["42"]; x.a=9; x["42"]=1;
		o.push(Object.keys(x));
		delete x.b; delete x.d; delete x.c;
		o.push(Object.keys(x), Object.keys(x.c||{}));
		return JSON.stringify(o)`},
	{"indexedShape", `{"10":1,"b":2,"2":3,"4294967295":4,"a":5,"4294967294":6,"0":7}`, `const o=[Object.keys(x)];
		x.q=1; x["1"]=2; o.push(Object.keys(x)); delete x["10"]; o.push(Object.keys(x));
		o.push(Object.keys(x).map(k => [k, x[k], k in x, typeof k]));
		return JSON.stringify(o)`},
	{"sharedAdded", `[{"id":1,"n":"a"},{"id":2,"n":"b"},{"id":3,"n":"c"},{"id":4,"n":"d"},{"id":5,"n":"e"},{"id":6,"n":"f"}]`, `const o=[];
		x[0].a=1; x[0].b=1;
		x[1].a=1; x[1].c=1;           // diverges: private
		x[2].a=1; x[2].b=1; x[2].d=1;  // extends the shared list
		x[3].b=1;                      // different first
		x[4].a=1; x[4].b=1; delete x[4].a; x[4].a=2; // re-add shared
		x[5].a=1; delete x[5].id; x[5].id=0; x[5].b=3;
		for (const r of x) o.push(Object.keys(r));
		x[0].d=1; x[1].d=1; x[0].e=1;
		for (const r of x) o.push(Object.keys(r), Object.entries(r).map(e=>e[0]), Reflect.ownKeys(r), Object.getOwnPropertyNames(r));
		for (const r of x) { const f=[]; for (const k in r) f.push(k); o.push(f); }
		return JSON.stringify(o)`},
	{"manyAdded", `[{"id":1},{"id":2},{"id":3}]`, `const o=[];
		for (let i=0;i<300;i++) x[0]['k'+i]=i;
		for (let i=0;i<20;i++) x[1]['k'+i]=i;
		x[1].other=1;
		for (let i=20;i<40;i++) x[1]['k'+i]=i;
		for (let i=0;i<40;i+=3) delete x[1]['k'+i];
		for (let i=0;i<40;i+=6) x[1]['k'+i]='again';
		for (let i=0;i<10;i++) x[2]['k'+i]=i;
		for (const r of x) o.push(Object.keys(r).join(','), Object.keys(r).every(k => r[k] !== undefined));
		return JSON.stringify(o)`},
	{"dupKeys", `{"a":1,"b":2,"a":3,"c":{"x":1,"x":2},"d":[{"p":1,"p":2},{"p":1,"p":2}]}`, `const o=[Object.keys(x), Object.keys(x.c), Object.keys(x.d[0]), Object.keys(x.d[1]), x.a, x.c.x];
		x.d[0].q=1; x.d[1].q=2; o.push(Object.keys(x.d[0]), Object.keys(x.d[1]));
		return JSON.stringify(o)`},
	{"strangeKeys", `{"\u00e9":1,"a\"b":2,"":3,"sixteen_bytes_ab":4,"seventeen_bytes_a":5,"日本":6,"\ud83d\ude00":7,"\ud800":8,"a\\b":9,"tab\there":10,"\u0000":11,"__proto__":12,"constructor":13,"with space":14}`, `const o=[];
		const ks=Object.keys(x);
		o.push(ks);
		for (const k of ks) o.push([k, k.length, x[k], k in x, JSON.stringify(k), k===String(k), k.normalize('NFD').length, [...k].length, encodeURIComponent(k), k.codePointAt(0), k.localeCompare('m'), k<'m', k.toUpperCase(), ` + "`${k}|`" + `, Symbol.for(k)===Symbol.for(String(k)), new RegExp(k.replace(/[\\^$.*+?()[\]{}|]/g,'\\$&')).source]);
		const m=new Map(), s=new Set(); for (const k of ks) { m.set(k, 1); s.add(k); s.add(String(k)); }
		o.push(m.size, s.size, [...m.keys()], ks.slice().sort(), JSON.stringify(Object.fromEntries(ks.map(k=>[k,1]))));
		return JSON.stringify(o)`},
	{"keyUses", `{"id":1,"name":"n","0":"zero","42":"f","type":"t","long_key_name_over_16":2,"list":[{"id":1,"name":"a"},{"id":2,"name":"b"}]}`, `const o=[];
		const ks=Object.keys(x);
		const plain={}; const arr=['a','b']; arr.foo=1; const ta=new Uint8Array(50);
		for (const k of ks) {
			plain[k]=k; arr[k]=k;
			let sw; switch (k) { case 'id': sw=1; break; case '0': sw=2; break; case 'long_key_name_over_16': sw=3; break; default: sw=0 }
			o.push([k, sw, k=='id', k===('i'+'d'), Object.is(k,'name'), k in x.list[0], x.list[0][k], x.list[1][k], ta[k], arr[k], +k, Number(k), parseInt(k), k*1, !k, k?1:0, typeof k, k.split(''), k.concat(k), k.repeat(2), k[0], k.at(-1), k.padStart(3,'.'), k.startsWith('i'), k.includes('a'), k.replace('a','A'), k.match(/a/)&&k.match(/a/).index, k.search('e'), k.trim(), k.valueOf(), Object(k) instanceof String, Object(k).length, String.prototype.toString.call(k), [k].join(), JSON.parse(JSON.stringify({[k]:1}))[k]]);
		}
		o.push(plain, Object.keys(plain), Object.keys(arr), arr.length, Object.keys(ta).length);
		const nested=Object.keys(x.list[0]); for (const k of nested) { x.list[1][k]=x.list[0][k]; x[k+'_']=k; }
		o.push(Object.keys(x), x.list[1]);
		const wm=new WeakMap(); const sym=Symbol.for(ks[1]); o.push(sym.toString(), Symbol.keyFor(sym));
		return JSON.stringify(o)`},
	{"arraysProtos", `{"a":[1,2,{"k":1}],"b":{"c":1,"d":2},"e":{"f":1}}`, `const o=[];
		o.push(Object.keys(x.a), Object.keys(x.a[2]));
		Object.setPrototypeOf(x.b, {inh:1, c:5}); o.push(Object.keys(x.b), (()=>{const f=[]; for (const k in x.b) f.push(k); return f})());
		Object.setPrototypeOf(x.e, null); o.push(Object.keys(x.e));
		Object.prototype.enumerableProto = 1; o.push(Object.keys(x), (()=>{const f=[]; for (const k in x) f.push(k); return f})()); delete Object.prototype.enumerableProto;
		Object.defineProperty(Object.prototype, 'ro', {value: 1, enumerable: true, configurable: true}); o.push(Object.keys(x.e), Object.keys(x.b)); delete Object.prototype.ro;
		o.push(Object.keys(new Proxy(x, {})), Object.keys(new Proxy(x, {ownKeys: t => ['e','a','zz'], getOwnPropertyDescriptor: (t,k) => k==='zz'? {value:1,enumerable:true,configurable:true} : Reflect.getOwnPropertyDescriptor(t,k)})));
		o.push(Object.keys(Object.create(x)), Object.keys(Object.assign({}, x)), Object.keys({...x}), Object.keys(x.a[2]).concat(Object.keys(x)));
		return JSON.stringify(o)`},
	{"saveRestore", `{"a":1,"b":{"c":2}}`, `const o=[];
		const k=Object.keys; o.push(k(x), k.call({}, x), k.apply(null, [x]), Reflect.apply(k, x, [x]), k.bind(null)(x), k.bind(x, x.b)(), [x, x.b].map(Object.keys));
		Object.keys = function(v) { return ['wrapped'].concat(k(v)) }; o.push(Object.keys(x)); Object.keys = k;
		o.push(Object.keys === k, Object.keys(x), Object.keys.name, Object.keys.length, String(Object.keys), Object.getOwnPropertyNames(Object.keys), Object.keys.hasOwnProperty('prototype'), Object.keys.prototype);
		o.push(Object.getOwnPropertyNames(Object).indexOf('keys'), Object.getOwnPropertyNames(Object).join());
		let ctor; try { new Object.keys(x); ctor='constructed' } catch (e) { ctor = e.constructor.name + ': ' + e.message } o.push(ctor);
		let ext; try { class C extends Object.keys {}; ext='ok' } catch (e) { ext = e.constructor.name + ': ' + e.message } o.push(ext);
		o.push(Object.keys(x, 'extra', 1), typeof Object.keys(x), Array.isArray(Object.keys(x)), Object.isFrozen(Object.keys(x)), Object.keys(x).constructor === Array);
		const a = Object.keys(x); a.push('p'); a[0]='q'; o.push(a, Object.keys(x));
		return JSON.stringify(o)`},
	{"errors", `{"a":1}`, `const o=[];
		const err = (fn) => { try { fn(); return 'no error' } catch (e) { return [typeof e, e && e.constructor && e.constructor.name, String(e), e && e.message, e instanceof Error, e === thrown] } };
		var thrown = new RangeError('from trap'); thrown.extra = 7;
		o.push(err(() => Object.keys(new Proxy(x, { ownKeys() { throw thrown } }))));
		o.push(err(() => Object.keys(new Proxy({}, { ownKeys() { throw 'a string' } }))));
		o.push(err(() => Object.keys(new Proxy({}, { ownKeys() { throw 42 } }))));
		o.push(err(() => Object.keys(new Proxy({}, { ownKeys() { throw undefined } }))));
		o.push(err(() => Object.keys(new Proxy({}, { ownKeys() { return [1] } }))));
		o.push(err(() => Object.keys(new Proxy({}, { getOwnPropertyDescriptor() { throw thrown }, ownKeys() { return ['a'] } }))));
		o.push(err(() => Object.keys(null)), err(() => Object.keys(undefined)), err(() => Object.keys()));
		let fin = []; try { try { Object.keys(null) } finally { fin.push('finally') } } catch (e) { fin.push(e.name) } o.push(fin);
		const p = Promise.resolve().then(() => Object.keys(null));
		let revoked = Proxy.revocable(x, {}); revoked.revoke(); o.push(err(() => Object.keys(revoked.proxy)));
		return JSON.stringify(o)`},
	{"stack", `{"a":1}`, `try { Object.keys(null) } catch (e) { return e.stack }`},
	{"stackTrap", `{"a":1}`, `try { Object.keys(new Proxy(x, { ownKeys() { throw new Error('t') } })) } catch (e) { return e.stack }`},
	{"stackLazyTrap", `{"a":{"b":1}}`, `function inner(v) { return Object.keys(v).map(k => { if (k === 'b') throw new Error('in map'); return k }) } try { inner(x.a) } catch (e) { return e.stack }`},
	{"recursion", `{"a":{"b":1}}`, `let n=0; const h={ ownKeys(t) { n++; if (n < 50) return Object.keys(p); return ['a'] } }; const p = new Proxy(x, h); return JSON.stringify([Object.keys(p), n])`},
}

// TestProbeKeys compares lazy objects with and without InstallKeys, and
// with JSON.parse's objects.
func TestProbeKeys(t *testing.T) {
	for _, p := range probes {
		t.Run(p.name, func(t *testing.T) {
			lazy := probeRun(t, "lazy", p.doc, p.body)
			keys := probeRun(t, "keys", p.doc, p.body)
			plain := probeRun(t, "plain", p.doc, p.body)
			if testing.Verbose() {
				t.Logf("%s", keys)
			}
			if lazy != keys {
				t.Errorf("InstallKeys differs from goja's Object.keys:\n goja %s\n ours %s", lazy, keys)
			}
			if keys != plain && !strings.HasPrefix(p.name, "stack") {
				t.Errorf("lazy (with keys) differs from JSON.parse:\n plain %s\n keys  %s", plain, keys)
			}
		})
	}
}
