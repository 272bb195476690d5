// Package records is the synapse/records module: helpers for the mapping
// every read does to each record, run by the host instead of the
// interpreter. For now that is flattening a nested object into its
// record, as CRMs nest their custom fields:
//
//	const records = require('synapse/records');
//	records.flatten(item, 'custom_fields');
//	// {id: 1, custom_fields: {a1: 'x', b2: 5}}  becomes  {id: 1, a1: 'x', b2: 5}
//
//	// A function made once, for every record of a page:
//	const flattenCustom = records.flattener('custom_fields', {
//	  split: { value: '', currency: '_currency' },
//	});
//	flattenCustom(item);
//	// {id: 1, custom_fields: {price: {value: 5, currency: 'EUR'}}}
//	// becomes  {id: 1, price: 5, price_currency: 'EUR'}
//
// flatten(record, key, options) does what this loop does, in strict mode
// (a frozen or read-only record throws), and returns record:
//
//	const m = record[key];
//	if (m !== null && typeof m === 'object') {
//	  for (const k of Object.keys(m)) {
//	    const v = m[k];
//	    if (split && typeof v === 'object' && v !== null && !Array.isArray(v) &&
//	        Object.keys(split).every((s) => v[s] !== undefined)) {
//	      for (const s of Object.keys(split)) record[k + split[s]] = v[s]; // other members dropped
//	    } else {
//	      record[k] = v;
//	    }
//	  }
//	  delete record[key];
//	}
//
// with the runtime's own Object.keys and Array.isArray, whatever a script
// put in their place. On an object from resp.json() it moves the members
// without making JS values of them, so what the script does not read is
// written to the platform as the response's own bytes, in about a fifth
// of the loop's instructions. On any other object, or where a setter or a
// changed prototype could tell the difference, it runs the loop itself:
// the result is the same either way.
package records

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/dop251/goja"

	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/internal/jsjson"
)

// ModuleName is the require() name of this module.
const ModuleName = "synapse/records"

// Module is synapse/records. Make it with New: it compiles the loop once
// for every runtime.
type Module struct {
	loop *goja.Program
}

// New returns the module.
func New() *Module {
	return &Module{loop: goja.MustCompile("synapse/records", jsjson.FlattenLoop, true)}
}

// Name implements bindings.Module.
func (*Module) Name() string { return ModuleName }

// Eager implements bindings.Eager: the instance takes Object.keys and
// Array.isArray for its loop before any script could replace them, as
// Flatten, which stands in for the loop, does not call them either.
func (*Module) Eager() {}

// NewInstance implements bindings.Module.
func (m *Module) NewInstance(vu bindings.VU) (goja.Value, error) {
	rt := vu.Runtime()
	v, err := rt.RunProgram(m.loop)
	if err != nil {
		return nil, fmt.Errorf("the loop: %w", err)
	}
	factory, ok := goja.AssertFunction(v)
	if !ok {
		return nil, errors.New("the loop is not a function")
	}
	object, _ := rt.Get("Object").(*goja.Object)
	array, _ := rt.Get("Array").(*goja.Object)
	if object == nil || array == nil {
		return nil, errors.New("no Object or Array constructor")
	}
	v, err = factory(goja.Undefined(), object.Get("keys"), array.Get("isArray"))
	if err != nil {
		return nil, fmt.Errorf("the loop: %w", err)
	}
	loop, ok := goja.AssertFunction(v)
	if !ok {
		return nil, errors.New("the loop is not a function")
	}
	in := &instance{rt: rt, loop: loop}
	obj := rt.NewObject()
	if err := obj.Set("flatten", in.flatten); err != nil {
		return nil, fmt.Errorf("define flatten: %w", err)
	}
	if err := obj.Set("flattener", in.flattener); err != nil {
		return nil, fmt.Errorf("define flattener: %w", err)
	}
	return obj, nil
}

type instance struct {
	rt   *goja.Runtime
	loop goja.Callable
}

// flattening is one flattener's settings: the key, and the split both as
// Flatten takes it and as the loop does.
type flattening struct {
	key     string
	split   []jsjson.Split
	splitJS goja.Value
}

func (in *instance) flatten(call goja.FunctionCall) goja.Value {
	f := in.settings("records.flatten", call.Argument(1), call.Argument(2))
	return in.apply("records.flatten", f, call.Argument(0))
}

func (in *instance) flattener(call goja.FunctionCall) goja.Value {
	f := in.settings("records.flattener", call.Argument(0), call.Argument(1))
	return in.rt.ToValue(func(c goja.FunctionCall) goja.Value {
		return in.apply("a records.flattener function", f, c.Argument(0))
	})
}

// apply flattens record as f says.
func (in *instance) apply(who string, f *flattening, record goja.Value) goja.Value {
	rec, ok := record.(*goja.Object)
	if !ok {
		panic(in.rt.NewTypeError(fmt.Sprintf("%s: the record must be an object, not %s", who, describe(record))))
	}
	if jsjson.Flatten(in.rt, rec, f.key, f.split) {
		return rec
	}
	v, err := in.loop(goja.Undefined(), rec, in.rt.ToValue(f.key), f.splitJS)
	if err != nil {
		panic(err) // goja rethrows a script's exception as it was thrown
	}
	return v
}

// settings reads the key and the options of flatten or flattener.
func (in *instance) settings(who string, key, options goja.Value) *flattening {
	rt := in.rt
	if !goja.IsString(key) {
		panic(rt.NewTypeError(fmt.Sprintf("%s: the key must be a string, not %s", who, describe(key))))
	}
	f := &flattening{key: key.String()}
	var pairs []any
	if !goja.IsUndefined(options) && !goja.IsNull(options) {
		opts, ok := options.(*goja.Object)
		if !ok {
			panic(rt.NewTypeError(fmt.Sprintf("%s: options must be an object, not %s", who, describe(options))))
		}
		for _, name := range opts.Keys() {
			if name != "split" {
				panic(rt.NewTypeError(fmt.Sprintf("%s: options.%s: unknown option (there is only split)", who, name)))
			}
		}
		if sv := opts.Get("split"); sv != nil && !goja.IsUndefined(sv) && !goja.IsNull(sv) {
			so, ok := sv.(*goja.Object)
			if !ok || so.ClassName() == "Array" {
				panic(rt.NewTypeError(fmt.Sprintf("%s: options.split must be an object of key: suffix, such as {value: '', currency: '_currency'}, not %s", who, describe(sv))))
			}
			for _, k := range so.Keys() {
				sv := so.Get(k)
				if !goja.IsString(sv) {
					panic(rt.NewTypeError(fmt.Sprintf("%s: options.split.%s must be a string (the suffix of its key), not %s", who, k, describe(sv))))
				}
				suffix := sv.String()
				f.split = append(f.split, jsjson.Split{Key: k, Suffix: suffix})
				pairs = append(pairs, rt.NewArray(k, suffix))
			}
			if len(f.split) == 0 {
				panic(rt.NewTypeError(fmt.Sprintf("%s: options.split is empty: name the members to split", who)))
			}
		}
	}
	f.splitJS = rt.NewArray(pairs...)
	return f
}

// describe names a value's kind for an error message.
func describe(v goja.Value) string {
	switch {
	case v == nil || goja.IsUndefined(v):
		return "undefined"
	case goja.IsNull(v):
		return "null"
	}
	if o, ok := v.(*goja.Object); ok {
		if o.ClassName() == "Array" {
			return "an array"
		}
		if _, ok := goja.AssertFunction(o); ok {
			return "a function"
		}
		return "an object"
	}
	if goja.IsBigInt(v) {
		return "a bigint (" + v.String() + "n)"
	}
	if sym, ok := v.(*goja.Symbol); ok {
		return "a symbol (Symbol(" + sym.String() + "))"
	}
	switch v.ExportType().Kind() {
	case reflect.String:
		return fmt.Sprintf("a string (%q)", v.String())
	case reflect.Int64, reflect.Float64:
		return "a number (" + v.String() + ")"
	case reflect.Bool:
		return "a boolean (" + v.String() + ")"
	}
	return "a " + v.ExportType().String()
}
