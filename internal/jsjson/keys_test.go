package jsjson

import (
	"testing"

	"github.com/dop251/goja"
)

// TestInstallKeysIsObjectKeys: to a script, the Object.keys InstallKeys
// puts in place is goja's own: how it looks and what it answers for
// anything but a lazy object, errors included.
func TestInstallKeysIsObjectKeys(t *testing.T) {
	t.Parallel()
	const probe = `(function() {
		const d = Object.getOwnPropertyDescriptor(Object, 'keys');
		const f = Object.keys;
		const err = (fn) => { try { fn(); return 'no error'; } catch (e) { return e.constructor.name + ': ' + e.message; } };
		const proxied = new Proxy({a: 1, b: 2}, { ownKeys: () => ['b', 'a', 'c'], getOwnPropertyDescriptor: (t, k) => k === 'c' ? undefined : {value: t[k], enumerable: k !== 'b', configurable: true} });
		const withHidden = Object.defineProperty({z: 1, 2: 'two', 1: 'one'}, 'hidden', {value: 1, enumerable: false});
		return JSON.stringify([
			f.name, f.length, String(f), typeof f, Object.getOwnPropertyNames(f).sort(), Object.getPrototypeOf(f) === Function.prototype,
			Object.getOwnPropertyDescriptor(f, 'name'), Object.getOwnPropertyDescriptor(f, 'length'),
			d.writable, d.enumerable, d.configurable, Object.keys(Object).includes('keys'),
			Object.keys({b: 1, a: 2, 10: 3, 2: 4}), Object.keys('abc'), Object.keys([7, 8]), Object.keys(42), Object.keys(withHidden),
			Object.keys(proxied), Object.keys(JSON.parse('{"x":{"y":1},"w":2}').x),
			err(() => Object.keys(null)), err(() => Object.keys()), err(() => new Object.keys({})),
			Reflect.apply(Object.keys, null, [{q: 1}]), Object.keys.call(undefined, {r: 1}), ['s'].map(Object.keys),
		]);
	})()`
	run := func(install bool) string {
		rt := goja.New()
		if install {
			if err := InstallKeys(rt); err != nil {
				t.Fatal(err)
			}
		}
		v, err := rt.RunString(probe)
		if err != nil {
			t.Fatal(err)
		}
		return v.String()
	}
	if own, ours := run(false), run(true); own != ours {
		t.Errorf("Object.keys differs from goja's:\n goja's %s\n ours   %s", own, ours)
	}
}

// TestInstallKeysAnswersLazyObjects: Object.keys of a lazy object is its
// Keys, through every state of it, and a script that redefines
// Object.keys gets its own.
func TestInstallKeysAnswersLazyObjects(t *testing.T) {
	t.Parallel()
	rt := goja.New()
	if err := InstallKeys(rt); err != nil {
		t.Fatal(err)
	}
	fn, err := rt.RunString(`(function(x) {
		const out = [Object.keys(x), Object.keys(x.a), Object.keys(x.list[0]), Object.keys(x.list[1])];
		x.list[0].added = 1; x.list[1].added = 2; x.list[1].more = 3;
		delete x.a.k1; x.a['5'] = 'i';
		out.push(Object.keys(x.list[0]), Object.keys(x.list[1]), Object.keys(x.a));
		const own = Object.keys;
		Object.keys = () => ['mine'];
		out.push(Object.keys(x));
		Object.keys = own;
		out.push(Object.keys(x), Object.keys(x)[0] === Object.keys(x)[0], Object.keys(x) !== Object.keys(x));
		return JSON.stringify(out);
	})`)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := goja.AssertFunction(fn)
	x, err := ParseLazy(rt, []byte(`{"a":{"k0":0,"k1":1,"k2":2},"list":[{"id":1,"n":"a"},{"id":2,"n":"b"}],"3":"index"}`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := f(goja.Undefined(), x)
	if err != nil {
		t.Fatal(err)
	}
	const want = `[["3","a","list"],["k0","k1","k2"],["id","n"],["id","n"],["id","n","added"],["id","n","added","more"],["5","k0","k2"],["mine"],["3","a","list"],true,true]`
	if got.String() != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestBoxerKeysAreGojas: the keys the boxer makes are goja's imported
// strings (if a goja upgrade changes that type, key falls back to
// rt.ToValue, which is correct but allocates on every access by key, and
// this test says so), and to a script they are the strings rt.ToValue
// makes.
func TestBoxerKeysAreGojas(t *testing.T) {
	t.Parallel()
	rt := goja.New()
	b := newBoxer(rt)
	if b.imported == nil {
		t.Fatal("the boxer does not know this goja's imported strings: Object.keys of lazy objects makes keys with rt.ToValue")
	}
	cmp, err := rt.RunString(`(function(a, b) {
		const o = {}; o[a] = 1;
		const m = new Map([[a, 1]]);
		return JSON.stringify([a === b, Object.is(a, b), typeof a, a.length === b.length, a + '|' + b, o[b], m.get(b), new Set([a, b]).size,
			a < b, a > b, [a].indexOf(b), JSON.stringify(a) === JSON.stringify(b), a.toUpperCase() === b.toUpperCase(), a.split('').join() === b.split('').join(),
			a.localeCompare(b), /^[a-z]/.test(a) === /^[a-z]/.test(b), {[a]: 1}[b], a.padEnd(20, '.') === b.padEnd(20, '.'), a.charCodeAt(0) === b.charCodeAt(0)]);
	})`)
	if err != nil {
		t.Fatal(err)
	}
	fn, _ := goja.AssertFunction(cmp)
	for _, k := range []string{"", "a", "name", "first_name", "sixteen_bytes_ab", "seventeen_bytes_a", "3499d0073d9ee5a8424240262883b6e103b1f997", "héllo", "日本", "with space", "0", "42"} {
		made, want := b.key(rt, k), rt.ToValue(k)
		if made.String() != k {
			t.Errorf("key %q: made %q", k, made.String())
		}
		for _, pair := range [][2]goja.Value{{made, want}, {want, made}, {made, made}} {
			got, err := fn(goja.Undefined(), pair[0], pair[1])
			if err != nil {
				t.Fatalf("key %q: %v", k, err)
			}
			same, _ := fn(goja.Undefined(), want, want)
			if got.String() != same.String() {
				t.Errorf("key %q: a script tells the made key from goja's:\n made %s\n goja %s", k, got, same)
			}
		}
	}
}
