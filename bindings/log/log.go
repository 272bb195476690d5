package log

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dop251/goja"
	"github.com/rs/zerolog"

	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/internal/jsjson"
	"github.com/synapsejs/synapse-js/internal/jsvalue"
	"github.com/synapsejs/synapse-js/internal/text"
)

// ModuleName is the require() name of this module.
const ModuleName = "synapse/log"

// Limits that keep one log call from flooding the host's log.
const (
	// MaxValueBytes caps a message or one field value; longer ones are cut
	// and marked.
	MaxValueBytes = 64 << 10
	// MaxFields caps the fields of one line; the rest are dropped and
	// counted in "fields_dropped".
	MaxFields = 100
)

// reserved reports the keys the host's lines already carry; a script
// field with one of these names is written as "field_<name>" so it cannot
// pose as them.
func reserved(key string) bool {
	switch key {
	case zerolog.LevelFieldName, zerolog.MessageFieldName, zerolog.TimestampFieldName,
		zerolog.CallerFieldName, "synapse", "type", "request_id", "fields_dropped":
		return true
	}
	return false
}

// Module is synapse/log: log.debug/info/warn/error(message, [fields]).
type Module struct{}

// Name implements bindings.Module.
func (Module) Name() string { return ModuleName }

// NewInstance implements bindings.Module.
func (Module) NewInstance(vu bindings.VU) (goja.Value, error) {
	rt := vu.Runtime()
	obj := rt.NewObject()
	for name, level := range map[string]zerolog.Level{
		"debug": zerolog.DebugLevel,
		"info":  zerolog.InfoLevel,
		"warn":  zerolog.WarnLevel,
		"error": zerolog.ErrorLevel,
	} {
		fn := "log." + name
		if err := obj.Set(name, func(c goja.FunctionCall) goja.Value {
			logFields(vu, fn, level, c.Argument(0), c.Argument(1))
			return goja.Undefined()
		}); err != nil {
			return nil, fmt.Errorf("define %s: %w", fn, err)
		}
	}
	return obj, nil
}

// InstallConsole defines the global console in vu's runtime: console.log
// and console.debug write at debug level, console.info at info,
// console.warn at warn and console.error at error, all to the call in
// progress's logger. The host calls it once when it makes a runtime.
func InstallConsole(vu bindings.VU) error {
	rt := vu.Runtime()
	obj := rt.NewObject()
	for name, level := range map[string]zerolog.Level{
		"log":   zerolog.DebugLevel,
		"debug": zerolog.DebugLevel,
		"info":  zerolog.InfoLevel,
		"warn":  zerolog.WarnLevel,
		"error": zerolog.ErrorLevel,
	} {
		if err := obj.Set(name, func(c goja.FunctionCall) goja.Value {
			logArgs(vu, level, c.Arguments)
			return goja.Undefined()
		}); err != nil {
			return fmt.Errorf("define console.%s: %w", name, err)
		}
	}
	return rt.Set("console", obj)
}

// logArgs writes console.*(...args): the arguments joined by spaces.
func logArgs(vu bindings.VU, level zerolog.Level, args []goja.Value) {
	call := vu.Call()
	e := call.Log.WithLevel(level)
	if !e.Enabled() {
		return
	}
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(format(vu.Runtime(), a))
	}
	e.Msg(capString(call.Secrets.Redact(b.String())))
}

// logFields writes log.<level>(message, [fields]).
func logFields(vu bindings.VU, fn string, level zerolog.Level, msg, fields goja.Value) {
	rt := vu.Runtime()
	var fo *goja.Object
	switch k := jsvalue.KindOf(fields); k {
	case jsvalue.Undefined, jsvalue.Null:
	case jsvalue.Object:
		fo = fields.(*goja.Object)
	default:
		panic(rt.NewTypeError(fmt.Sprintf("%s: fields must be a plain object, got %s", fn, k)))
	}
	call := vu.Call()
	e := call.Log.WithLevel(level)
	if !e.Enabled() {
		return
	}
	redact := call.Secrets.Redact
	if fo != nil {
		keys := fo.Keys()
		if len(keys) > MaxFields {
			e.Int("fields_dropped", len(keys)-MaxFields)
			keys = keys[:MaxFields]
		}
		for _, k := range keys {
			addField(rt, e, k, fo.Get(k), redact)
		}
	}
	e.Msg(capString(redact(format(rt, msg))))
}

func addField(rt *goja.Runtime, e *zerolog.Event, key string, v goja.Value, redact func(string) string) {
	if reserved(key) {
		key = "field_" + key
	}
	key = redact(key)
	switch jsvalue.KindOf(v) {
	case jsvalue.Undefined, jsvalue.Function:
		// left out, as JSON.stringify does
	case jsvalue.Null:
		e.RawJSON(key, []byte("null"))
	case jsvalue.Bool:
		e.Bool(key, v.ToBoolean())
	case jsvalue.Int:
		e.Int64(key, v.ToInteger())
	case jsvalue.Float:
		f := v.ToFloat()
		e.RawJSON(key, jsjson.AppendFloat(nil, f)) // NaN/Inf become null, not invalid JSON
	case jsvalue.String, jsvalue.BigInt, jsvalue.Promise, jsvalue.Other:
		e.Str(key, capString(redact(v.String())))
	case jsvalue.Date:
		b := jsjson.AppendDate(nil, v.(*goja.Object))
		e.RawJSON(key, b)
	default: // objects and arrays
		o := v.(*goja.Object)
		if isError(rt, o) {
			e.Str(key, capString(redact(errorString(o))))
			return
		}
		b, err := jsjson.Append(nil, v)
		if err != nil {
			e.Str(key, "[unencodable: "+err.Error()+"]")
			return
		}
		s := redact(string(b))
		if len(s) > MaxValueBytes || !json.Valid([]byte(s)) {
			e.Str(key, capString(s))
			return
		}
		e.RawJSON(key, []byte(s))
	}
}

// format renders one console argument as Node would, roughly: strings as
// they are, objects and arrays as JSON, errors with their stack.
func format(rt *goja.Runtime, v goja.Value) string {
	switch jsvalue.KindOf(v) {
	case jsvalue.Undefined:
		return "undefined"
	case jsvalue.Null:
		return "null"
	case jsvalue.String, jsvalue.Int, jsvalue.Float, jsvalue.Bool, jsvalue.BigInt, jsvalue.Other:
		return v.String()
	case jsvalue.Function:
		name := v.(*goja.Object).Get("name")
		if name == nil || name.String() == "" {
			return "[Function]"
		}
		return "[Function: " + name.String() + "]"
	case jsvalue.Promise:
		return "[object Promise]"
	case jsvalue.Date:
		return strings.Trim(string(jsjson.AppendDate(nil, v.(*goja.Object))), `"`)
	}
	o := v.(*goja.Object)
	if isError(rt, o) {
		return errorString(o)
	}
	b, err := jsjson.Append(nil, v)
	if err != nil {
		return "[object " + o.ClassName() + "]"
	}
	return string(b)
}

// isError reports whether o inherits from Error.prototype.
func isError(rt *goja.Runtime, o *goja.Object) bool {
	ctor, ok := rt.Get("Error").(*goja.Object)
	if !ok {
		return false
	}
	proto, ok := ctor.Get("prototype").(*goja.Object)
	if !ok {
		return false
	}
	for p := o.Prototype(); p != nil; p = p.Prototype() {
		if p.SameAs(proto) {
			return true
		}
	}
	return false
}

// errorString is the error's stack when it has one (it starts with
// "Name: message"), else "Name: message".
func errorString(o *goja.Object) string {
	if s := o.Get("stack"); s != nil && jsvalue.KindOf(s) == jsvalue.String && s.String() != "" {
		return s.String()
	}
	name, msg := "Error", ""
	if n := o.Get("name"); n != nil && jsvalue.KindOf(n) == jsvalue.String {
		name = n.String()
	}
	if m := o.Get("message"); m != nil && jsvalue.KindOf(m) == jsvalue.String {
		msg = m.String()
	}
	if msg == "" {
		return name
	}
	return name + ": " + msg
}

func capString(s string) string {
	if len(s) <= MaxValueBytes {
		return s
	}
	return text.Truncate(s, MaxValueBytes) + "(truncated)"
}
