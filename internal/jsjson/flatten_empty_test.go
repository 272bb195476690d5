package jsjson

import "testing"

func TestFlattenProbeEmptyKey(t *testing.T) {
	for _, c := range []probe{
		{"flatten key '' absent, record opened", `Object.keys(x); flatten(x, ''); return [Object.keys(x), x];`, `{"a":{"b":1},"c":2}`, -1},
		{"split key '' absent", `flatten(x, 'cf', {'': '_e'}); return [Object.keys(x), x];`, `{"cf":{"p":{"a":1}}}`, -1},
		{"plain read of '' after keys", `Object.keys(x); return [x[''], '' in x];`, `{"a":1}`, -1},
		{"plain write of '' after keys", `Object.keys(x); x[''] = 'e'; return [Object.keys(x), x];`, `{"a":1}`, -1},
		{"delete '' after keys", `Object.keys(x); delete x['']; return [Object.keys(x), x];`, `{"a":1}`, -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: panic %v", c.name, r)
				}
			}()
			runFlattenProbes(t, []probe{c})
		})
	}
	t.Run("split key '' on empty object", func(t *testing.T) {
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("panic %v", r)
			}
		}()
		runFlattenProbes(t, []probe{{"split '' on {}", `flatten(x, 'cf', {'': '_e'}); return [Object.keys(x), x];`, `{"cf":{"p":{}}}`, -1}})
	})
	t.Run("'' on empty object", func(t *testing.T) {
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("panic %v", r)
			}
		}()
		runFlattenProbes(t, []probe{{"{}['']", `Object.keys(x); return [x[''] === undefined];`, `{}`, -1}})
	})
}

func TestFlattenProbeMisc(t *testing.T) {
	runFlattenProbes(t, []probe{
		{"flatten key __proto__ own", `flatten(x, '__proto__'); return [Object.keys(x), x, Object.getPrototypeOf(x) === Object.prototype];`, `{"a":1,"__proto__":{"b":2,"c":{"d":1}}}`, -1},
		{"same member twice", `const m = x.cf; flatten(x, 'cf'); x.cf = m; flatten(x, 'cf'); return [Object.keys(x), x];`, `{"a":1,"cf":{"b":2,"a":3}}`, -1},
		{"member re-adds deleted record key", `delete x.a; flatten(x, 'cf'); return [Object.keys(x), x];`, `{"a":1,"z":0,"cf":{"b":2,"a":3}}`, 1},
		{"big ints, -0, escapes", `flatten(x, 'cf', {value: '', currency: '_c'}); return [Object.keys(x), x];`, `{"cf":{"n":-0.0,"b":123456789012345678901234,"s":"\u00e9\n","p":{"value":1e300,"currency":"\ud83d\ude00"}}}`, 1},
	})
}

func TestFlattenProbeProtoBeforeParse(t *testing.T) {
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
