package jsjson

import (
	"github.com/dop251/goja"
)

// Split names one member of the objects Flatten splits, and the suffix
// its value's key gets: {Key: "currency", Suffix: "_currency"} makes
// price: {value: 5, currency: "EUR"} give price_currency: "EUR".
type Split struct {
	Key, Suffix string
}

// FlattenLoop is the JS function Flatten stands in for, as a function
// of the builtins it uses: called with the runtime's own Object.keys and
// Array.isArray (taken before any script could replace them), it returns
// flatten(record, key, split), split an array of [key, suffix] pairs.
// bindings/records runs it for the objects Flatten leaves to it.
const FlattenLoop = `(function (keys, isArray) {
  'use strict';
  return function flatten(record, key, split) {
    const m = record[key];
    if (m === null || typeof m !== 'object') return record;
    const ks = keys(m);
    for (let i = 0; i < ks.length; i++) {
      const k = ks[i];
      const v = m[k];
      let parts = split.length > 0 && typeof v === 'object' && v !== null && !isArray(v);
      for (let j = 0; parts && j < split.length; j++) parts = v[split[j][0]] !== undefined;
      if (parts) {
        for (let j = 0; j < split.length; j++) record[k + split[j][1]] = v[split[j][0]];
      } else {
        record[k] = v;
      }
    }
    delete record[key];
    return record;
  };
})`

// Flatten does to target, a lazy document's object, what FlattenLoop's
// function does with target, key and split.
//
// It moves slots instead: a member the script never read is not made a
// JS value, and is written back as its document bytes. It first makes
// sure that no script code could run in the loop, so that the outcome is
// all there is to match: no getter or setter, no read-only property. It
// reports false, having changed nothing a script can see, when it cannot
// be sure: target or target[key] is not an object of one lazy document
// of rt; target, or an object it would split, has another prototype than
// Object.prototype; Object.prototype has a property by a key the loop
// would assign or a split key (its setter, getter or read-only flag
// would apply); or the script set a member of target[key] or of an
// object it would split. Then the caller runs the loop.
func Flatten(rt *goja.Runtime, target *goja.Object, key string, split []Split) bool {
	lo, _ := lazyOf(target)
	if lo == nil || lo.d.rt != rt {
		return false
	}
	d := lo.d
	if target.Prototype() != d.objectProto {
		return false
	}
	j := lo.find(key)
	if j < 0 {
		return false // target[key] may come from its prototype
	}
	mobj, ok := lo.get(j).(*goja.Object)
	if !ok {
		return false
	}
	mo, _ := lazyOf(mobj)
	if mo == nil || mo.d != d || mo == lo {
		return false
	}
	mo.open()
	proto := newProtoKeys(d.objectProtoNames()) // no script runs until Flatten returns
	for _, sp := range split {
		if proto.has(sp.Key, "") {
			return false
		}
	}
	// First every check, with the assignments noted; then the
	// assignments, so that a refusal leaves everything as it was.
	steps := d.flat[:0]
	defer func() {
		clear(steps[:cap(steps)]) // the slots hold JS values: let them go
		d.flat = steps[:0]
	}()
	failed := false
	mo.eachLive(func(mj int) {
		if failed {
			return
		}
		k := mo.slotKey(mj)
		if mo.slots[mj].state == sSet {
			failed = true // a value of the script's: the loop handles it
			return
		}
		if len(split) > 0 && d.nodes[mo.slots[mj].node].kind == nObject {
			n := len(steps)
			ok, bad := mo.splitOf(lo, mj, split, &steps)
			if bad {
				failed = true
				return
			}
			if ok {
				for i, sp := range split {
					if proto.has(k, sp.Suffix) {
						failed = true
						return
					}
					steps[n+i].key, steps[n+i].suffix = k, sp.Suffix
				}
				return
			}
		}
		if proto.has(k, "") {
			failed = true
			return
		}
		steps = append(steps, flatStep{key: k, s: mo.moved(mj)})
	})
	if failed {
		return false
	}
	for i := range steps {
		st := &steps[i]
		k := st.key
		if st.suffix != "" {
			var ok bool
			if k, ok = lo.nextKey(st.key, st.suffix); !ok {
				k = st.key + st.suffix
			}
		}
		lo.put(k, st.s)
	}
	lo.Delete(key)
	return true
}

// flatStep is one assignment Flatten makes: key+suffix = s.
type flatStep struct {
	key, suffix string
	s           slot
}

// moved is the slot member j, which the script did not set, becomes in
// another object of the document: a number, string, boolean or null
// passes its node through (written as its bytes, made a JS value only if
// read); an object or array is the very JS value the member holds, made
// now if it was not yet, so both places share it as an assignment would.
func (o *lazyObject) moved(j int) slot {
	s := o.slots[j]
	switch o.d.nodes[s.node].kind {
	case nObject, nArray:
		return slot{v: o.get(j), node: -1, state: sSet}
	}
	return slot{v: s.v, node: s.node, state: sPass}
}

// splitOf reads member j, an object node, for Flatten: ok when it is to
// be split (every split key holds a value), with the slots its split
// members become appended to steps; bad when the loop must decide (the
// object is not a plain one of this document, it is target, whose values
// the loop may have changed by the time it reads them, or the script set
// one of its members).
func (o *lazyObject) splitOf(target *lazyObject, j int, split []Split, steps *[]flatStep) (ok, bad bool) {
	v, isObj := o.get(j).(*goja.Object)
	if !isObj {
		return false, true
	}
	no, _ := lazyOf(v)
	if no == nil || no.d != o.d || no == target || v.Prototype() != o.d.objectProto {
		return false, true
	}
	no.open()
	n := len(*steps)
	for _, sp := range split {
		nj := no.find(sp.Key)
		if nj < 0 {
			// v[key] is Object.prototype's, which has none: undefined.
			*steps = (*steps)[:n]
			return false, false
		}
		if no.slots[nj].state == sSet {
			*steps = (*steps)[:n]
			return false, true
		}
		*steps = append(*steps, flatStep{s: no.moved(nj)})
	}
	return true, false
}
