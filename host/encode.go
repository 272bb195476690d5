package host

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dop251/goja"

	"github.com/synapsejs/synapse-js/internal/jsjson"
)

// ShapeError is a result that does not match the contract's model. Its
// message names the path: "read returned data[3].values: want an object, got a string".
type ShapeError struct {
	Method string
	Path   string
	Msg    string
}

// Error implements error.
func (e *ShapeError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("%s returned %s", e.Method, e.Msg)
	}
	return fmt.Sprintf("%s returned %s: %s", e.Method, e.Path, e.Msg)
}

// encoder writes a JS value as JSON while checking it against a shape. It
// walks goja values directly: exporting to Go and marshalling again would
// copy every record twice.
type encoder struct {
	method string
	path   []string // path segments, joined only on error
	buf    []byte
	// collect, when set, gathers every mismatch instead of stopping at the
	// first (for validation at load, which reports all problems at once);
	// the output is then meaningless.
	collect *[]*ShapeError
}

func (e *encoder) fail(format string, args ...any) error {
	err := &ShapeError{Method: e.method, Path: joinPath(e.path), Msg: fmt.Sprintf(format, args...)}
	if e.collect != nil {
		*e.collect = append(*e.collect, err)
		return nil
	}
	return err
}

func joinPath(segs []string) string {
	var b strings.Builder
	for _, s := range segs {
		if !strings.HasPrefix(s, "[") && b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s)
	}
	return b.String()
}

func (e *encoder) push(seg string) { e.path = append(e.path, seg) }
func (e *encoder) pop()            { e.path = e.path[:len(e.path)-1] }

func got(v goja.Value) string { return "got " + jsjson.KindOf(v).String() }

// value encodes v against s.
func (e *encoder) value(v goja.Value, s *shape) error {
	k := jsjson.KindOf(v)
	if k == jsjson.Null || (k == jsjson.Undefined && s.kind != kStruct) {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	switch s.kind {
	case kAny:
		if k == jsjson.Promise {
			return e.fail("want a value, got a Promise (a missing await?)")
		}
		var err error
		e.buf, err = jsjson.Append(e.buf, v)
		if err != nil {
			return e.fail("%v", err)
		}
		return nil
	case kString:
		switch k {
		case jsjson.String:
			e.buf = jsjson.AppendString(e.buf, v.String())
		case jsjson.Int, jsjson.BigInt:
			e.buf = append(e.buf, '"')
			e.buf = append(e.buf, v.String()...)
			e.buf = append(e.buf, '"')
		case jsjson.Float:
			e.buf = append(e.buf, '"')
			e.buf = jsjson.AppendFloat(e.buf, v.ToFloat())
			e.buf = append(e.buf, '"')
		default:
			return e.fail("want a string, %s", got(v))
		}
		return nil
	case kInt:
		switch k {
		case jsjson.Int:
			e.buf = strconv.AppendInt(e.buf, v.ToInteger(), 10)
		case jsjson.Float:
			f := v.ToFloat()
			if f != float64(int64(f)) {
				return e.fail("want an integer, got %v", f)
			}
			e.buf = strconv.AppendInt(e.buf, int64(f), 10)
		case jsjson.Date:
			t, _ := v.Export().(time.Time)
			e.buf = strconv.AppendInt(e.buf, t.UnixMilli(), 10)
		case jsjson.String:
			n, err := strconv.ParseInt(v.String(), 10, 64)
			if err != nil {
				return e.fail("want an integer, got the string %q", v.String())
			}
			e.buf = strconv.AppendInt(e.buf, n, 10)
		default:
			return e.fail("want an integer, %s", got(v))
		}
		return nil
	case kNumber:
		switch k {
		case jsjson.Int:
			e.buf = strconv.AppendInt(e.buf, v.ToInteger(), 10)
		case jsjson.Float:
			e.buf = jsjson.AppendFloat(e.buf, v.ToFloat())
		default:
			return e.fail("want a number, %s", got(v))
		}
		return nil
	case kBool:
		if k != jsjson.Bool {
			return e.fail("want a boolean, %s", got(v))
		}
		if v.ToBoolean() {
			e.buf = append(e.buf, "true"...)
		} else {
			e.buf = append(e.buf, "false"...)
		}
		return nil
	case kEnum:
		if k != jsjson.String {
			return e.fail("want a %s (one of %s), %s", s.name, strings.Join(s.enum, ", "), got(v))
		}
		str := v.String()
		for _, x := range s.enum {
			if x == str {
				e.buf = jsjson.AppendString(e.buf, str)
				return nil
			}
		}
		return e.fail("%q is not a valid %s; want one of %s", str, s.name, strings.Join(s.enum, ", "))
	case kObject:
		if k != jsjson.Object {
			return e.fail("want an object, %s", got(v))
		}
		var err error
		e.buf, err = jsjson.Append(e.buf, v)
		if err != nil {
			return e.fail("%v", err)
		}
		return nil
	case kStringMap:
		if k != jsjson.Object {
			return e.fail("want an object of strings, %s", got(v))
		}
		o := v.(*goja.Object)
		e.buf = append(e.buf, '{')
		first := true
		for _, key := range o.Keys() {
			ev := o.Get(key)
			ek := jsjson.KindOf(ev)
			if ek == jsjson.Undefined || ek == jsjson.Function {
				continue
			}
			if !first {
				e.buf = append(e.buf, ',')
			}
			first = false
			e.buf = jsjson.AppendString(e.buf, key)
			e.buf = append(e.buf, ':')
			e.push(key)
			if err := e.value(ev, &shape{kind: kString}); err != nil {
				return err
			}
			e.pop()
		}
		e.buf = append(e.buf, '}')
		return nil
	case kArray:
		if k != jsjson.Array {
			return e.fail("want an array, %s", got(v))
		}
		o := v.(*goja.Object)
		n := jsjson.ArrayLen(o)
		e.buf = append(e.buf, '[')
		for i := 0; i < n; i++ {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			e.push("[" + strconv.Itoa(i) + "]")
			if err := e.value(o.Get(jsjson.Index(i)), s.elem); err != nil {
				return err
			}
			e.pop()
		}
		e.buf = append(e.buf, ']')
		return nil
	case kStruct:
		return e.structure(v, s, nil)
	}
	return e.fail("internal: unknown shape")
}

// structure encodes an object of a known model. fill, when set, may append
// fields the author left out (it gets the keys seen, in field order).
func (e *encoder) structure(v goja.Value, s *shape, fill func(seen []bool, first bool) bool) error {
	k := jsjson.KindOf(v)
	if k != jsjson.Object {
		if k == jsjson.Promise {
			return e.fail("want a %s, got a Promise (a missing await?)", s.name)
		}
		if k == jsjson.Undefined {
			return e.fail("want a %s, got undefined (a missing return?)", s.name)
		}
		return e.fail("want a %s object, %s", s.name, got(v))
	}
	o := v.(*goja.Object)
	var seenBuf [32]bool
	seen := seenBuf[:0]
	if len(s.fields) <= len(seenBuf) {
		seen = seenBuf[:len(s.fields)]
	} else {
		seen = make([]bool, len(s.fields))
	}
	e.buf = append(e.buf, '{')
	first := true
	for _, key := range o.Keys() {
		ev := o.Get(key)
		ek := jsjson.KindOf(ev)
		if ek == jsjson.Undefined || ek == jsjson.Function {
			continue
		}
		i, known := s.index[key]
		if !known && !s.extra {
			continue // pydantic drops unknown keys; so do we
		}
		if !first {
			e.buf = append(e.buf, ',')
		}
		e.buf = jsjson.AppendString(e.buf, key)
		e.buf = append(e.buf, ':')
		e.push(key)
		if !known {
			var err error
			if e.buf, err = jsjson.Append(e.buf, ev); err != nil {
				return e.fail("%v", err)
			}
		} else {
			f := s.fields[i]
			if ek == jsjson.Null && f.required {
				return e.fail("is required, got null")
			}
			if err := e.value(ev, f.shape); err != nil {
				return err
			}
			seen[i] = true
		}
		e.pop()
		first = false
	}
	for i, f := range s.fields {
		if f.required && !seen[i] {
			e.push(f.name)
			err := e.fail("is required but missing (want %s)", want(f.shape))
			e.pop()
			if err != nil {
				return err
			}
		}
	}
	if fill != nil {
		first = fill(seen, first)
	}
	e.buf = append(e.buf, '}')
	return nil
}

func want(s *shape) string {
	switch s.kind {
	case kString:
		return "a string"
	case kInt:
		return "an integer"
	case kNumber:
		return "a number"
	case kBool:
		return "a boolean"
	case kEnum:
		return "one of " + strings.Join(s.enum, ", ")
	case kObject, kStringMap:
		return "an object"
	case kArray:
		return "an array"
	case kStruct:
		return "a " + s.name + " object"
	}
	return "a value"
}
