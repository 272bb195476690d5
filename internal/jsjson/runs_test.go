package jsjson

import (
	"bytes"
	"testing"

	"github.com/dop251/goja"
)

// runsSnippets change objects so that their untouched members fall into
// runs broken in every way appendTo must notice.
var runsSnippets = map[string]string{
	// deleteMiddle deletes a member in the middle of every object and
	// reads the others.
	"deleteMiddle": `(function walk(v) {
			if (v === null || typeof v !== 'object') return;
			const ks = Object.keys(v);
			for (const k of ks) walk(v[k]);
			if (!Array.isArray(v) && ks.length) { for (const k of ks) void v[k]; delete v[ks[ks.length >> 1]]; }
		})(x);
		return null`,
	// setEveryThird sets every third member, unchanged values included
	// (a set of the value read, passed through), and adds one.
	"setEveryThird": `(function walk(v) {
			if (v === null || typeof v !== 'object') return;
			const ks = Object.keys(v);
			for (const k of ks) walk(v[k]);
			if (Array.isArray(v)) return;
			ks.forEach((k, i) => { if (i % 3 === 1) v[k] = v[k]; else if (i % 3 === 2 && typeof v[k] !== 'object') v[k] = 'set' + i; });
			v.added = 1;
		})(x);
		return null`,
	// changeNested changes a member inside the first nested object or
	// array of every object, and only adds a key to its parent.
	"changeNested": `(function walk(v) {
			if (v === null || typeof v !== 'object') return;
			const ks = Object.keys(v);
			let done = false;
			for (const k of ks) {
				const c = v[k];
				if (!done && c !== null && typeof c === 'object') {
					done = true;
					if (Array.isArray(c)) c.push('pushed'); else c.changed = true;
				} else walk(c);
			}
			if (!Array.isArray(v)) v.tail = 'x';
		})(x);
		return null`,
	// readNested reads nested values without changing them (kids, not
	// dirty) and adds a key.
	"readNested": `(function walk(v) {
			if (v === null || typeof v !== 'object') return;
			for (const k of Object.keys(v)) walk(v[k]);
			if (!Array.isArray(v)) v.tail = 'x';
		})(x);
		return null`,
	// proto gives the nested objects and arrays another prototype and
	// adds a key to their parents.
	"proto": `const P = {toJSON() { return 'from toJSON'; }};
		const A = Object.create(Array.prototype);
		(function walk(v, depth) {
			if (v === null || typeof v !== 'object') return;
			const ks = Object.keys(v);
			for (const k of ks) {
				const c = v[k];
				if (c !== null && typeof c === 'object' && depth > 0) Object.setPrototypeOf(c, Array.isArray(c) ? A : P);
				else walk(c, depth + 1);
			}
			if (!Array.isArray(v)) v.tail = 'x';
		})(x, 0);
		return null`,
}

// TestRunsMatchMembers: a changed object written with runs of untouched
// members copied at once is byte for byte what writing it member by
// member gives, over the corpus, every snippet and documents made to
// break runs (duplicate keys, escaped keys, white space, bad UTF-8).
func TestRunsMatchMembers(t *testing.T) {
	t.Parallel()
	docs := append(lazyCorpus(t),
		`{"a":1,"b":{"x":1,"y":[1,2]},"a":3,"c":"s","d":1.0}`,
		`{"a":1,"b":2,"b":3,"c":4,"a":5,"d":{"e":1,"e":2}}`,
		`{"a\u0062":1,"c":2,"\u00e9":3,"d":"\/","e":1.50}`,
		`{"a": 1, "b":{"c" :2},"d":[1, 2],"e":3}`,
		`{"a":1,"b":{"c":2,"d":[ 3 ]},"e":3,"f":4}`,
		"{\"a\":1,\"b\":\"bad \xff\",\"c\":{\"d\":2},\"e\":3}",
		`{"a":1,"b":{"c":{"d":{"e":1.0}}},"f":[{"g":1},{"h":2}],"i":-0.0}`,
		`[{"a":1,"b":2,"c":3},{"a":1,"b":2,"c":3,"0":4}]`,
	)
	snippets := map[string]string{}
	for k, v := range lazySnippets {
		snippets[k] = v
	}
	for k, v := range runsSnippets {
		snippets[k] = v
	}
	for _, keys := range []bool{false, true} {
		rt := goja.New()
		if keys {
			if err := InstallKeys(rt); err != nil {
				t.Fatal(err)
			}
		}
		fns := map[string]goja.Callable{}
		for name, body := range snippets {
			v, err := rt.RunString("(function(x) { 'use strict';\n" + body + "\n})")
			if err != nil {
				t.Fatalf("snippet %s: %v", name, err)
			}
			fns[name], _ = goja.AssertFunction(v)
		}
		for _, src := range docs {
			for name, fn := range fns {
				var out [2][]byte
				for i, memberwise := range []bool{false, true} {
					x, err := ParseLazy(rt, []byte(src))
					if err != nil {
						t.Fatalf("parse: %v", err)
					}
					if o, ok := x.(*goja.Object); ok {
						switch l := o.Export().(type) {
						case *lazyObject:
							l.d.memberwise = memberwise
						case *lazyArray:
							l.d.memberwise = memberwise
						}
					}
					if _, err := fn(goja.Undefined(), x); err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					if out[i], err = Append(nil, x); err != nil {
						t.Fatalf("%s: Append: %v", name, err)
					}
				}
				if !bytes.Equal(out[0], out[1]) {
					t.Errorf("InstallKeys %v: %s over %.80s:\nruns    %s\nmembers %s", keys, name, src, out[0], out[1])
				}
			}
		}
	}
}
