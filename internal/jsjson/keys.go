package jsjson

import (
	"errors"

	"github.com/dop251/goja"
)

// InstallKeys gives rt an Object.keys that answers for the objects of
// lazy documents from key values their shape boxed once, and leaves every
// other argument to goja's own. goja's boxes each key anew, for every
// object, and a script that reads the object by those keys (cf[k], the
// flattening loop of most connectors) pays a second allocation per access
// to turn a boxed ASCII key into a property key; the shape's keys are
// goja's imported strings, which are property keys already. To a script
// the function is Object.keys: its name, length, source text and
// property attributes are the builtin's.
func InstallKeys(rt *goja.Runtime) error {
	ctor, ok := rt.Get("Object").(*goja.Object)
	if !ok {
		return errors.New("jsjson: no Object constructor")
	}
	orig, ok := goja.AssertFunction(ctor.Get("keys"))
	if !ok {
		return errors.New("jsjson: Object.keys is not a function")
	}
	fn, ok := rt.ToValue(func(call goja.FunctionCall) goja.Value {
		if o, ok := call.Argument(0).(*goja.Object); ok {
			if lo, _ := lazyOf(o); lo != nil && lo.d.rt == rt {
				return rt.NewArray(lo.keyValues()...)
			}
		}
		v, err := orig(call.This, call.Arguments...)
		if err != nil {
			panic(err) // goja rethrows an *Exception as it was thrown
		}
		return v
	}).(*goja.Object)
	if !ok {
		return errors.New("jsjson: a Go function did not become a JS function")
	}
	for _, p := range []struct {
		name string
		v    any
	}{{"name", "keys"}, {"length", 1}} {
		// writable, configurable, enumerable: as goja's builtins have them
		if err := fn.DefineDataProperty(p.name, rt.ToValue(p.v), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE); err != nil {
			return err
		}
	}
	return ctor.DefineDataProperty("keys", fn, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
}

// keyValues is Keys as JS strings: the shape's own, shared by its objects.
func (o *lazyObject) keyValues() []any {
	o.open()
	s := o.shape
	own := s.keyValues(o.d)
	if !o.reshaped && !s.indexed {
		return own
	}
	out := make([]any, 0, len(o.slots))
	base := len(s.keys)
	o.eachLive(func(j int) {
		switch {
		case j < base:
			out = append(out, own[j])
		case o.private:
			out = append(out, o.d.keyValue(o.extra[j-base]))
		default:
			out = append(out, o.list.keyValue(o.d, j-base))
		}
	})
	return out
}

// keyValues is the shape's keys as JS strings, made on first use.
func (s *shape) keyValues(d *doc) []any {
	if s.jsKeys == nil {
		s.jsKeys = make([]any, len(s.keys))
		for j, k := range s.keys {
			s.jsKeys[j] = d.keyValue(k)
		}
	}
	return s.jsKeys
}

// keyValue is key j of l as a JS string.
func (l *addedList) keyValue(d *doc, j int) any {
	for len(l.js) <= j {
		l.js = append(l.js, d.keyValue(l.keys[len(l.js)]))
	}
	return l.js[j]
}

// keyValue is key as a JS string.
func (d *doc) keyValue(k string) goja.Value { return d.box.key(d.rt, k) }
