package host

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dop251/goja"

	"github.com/synapsejs/synapse-js/internal/jsjson"
	"github.com/synapsejs/synapse-js/internal/jsvalue"
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
	// inputID is the syncariEntityId of the input record the element being
	// written answers (Results), nil otherwise.
	inputID goja.Value
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

// indexSegs are the path segments of the first array indexes, made once:
// a page of records would otherwise build two strings per record.
var indexSegs = func() (s [1024]string) {
	for i := range s {
		s[i] = "[" + strconv.Itoa(i) + "]"
	}
	return
}()

func indexSeg(i int) string {
	if i < len(indexSegs) {
		return indexSegs[i]
	}
	return "[" + strconv.Itoa(i) + "]"
}

func got(v goja.Value) string { return "got " + jsvalue.KindOf(v).String() }

// value encodes v against s.
func (e *encoder) value(v goja.Value, s *shape) error {
	return e.valueKind(v, jsvalue.KindOf(v), s)
}

// valueKind is value of v, whose kind k is known: a record's fields are
// classified once, for the defaults and for writing them.
func (e *encoder) valueKind(v goja.Value, k jsvalue.Kind, s *shape) error {
	if k == jsvalue.Null || (k == jsvalue.Undefined && s.kind != kStruct) {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	switch s.kind {
	case kAny:
		if k == jsvalue.Promise {
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
		case jsvalue.String:
			e.buf = jsjson.AppendString(e.buf, v.String())
		case jsvalue.Int, jsvalue.BigInt:
			e.buf = append(e.buf, '"')
			e.buf = append(e.buf, v.String()...)
			e.buf = append(e.buf, '"')
		case jsvalue.Float:
			e.buf = append(e.buf, '"')
			e.buf = jsjson.AppendFloat(e.buf, v.ToFloat())
			e.buf = append(e.buf, '"')
		default:
			return e.fail("want a string, %s", got(v))
		}
		return nil
	case kInt:
		switch k {
		case jsvalue.Int:
			e.buf = strconv.AppendInt(e.buf, v.ToInteger(), 10)
		case jsvalue.Float:
			f := v.ToFloat()
			if f != float64(int64(f)) {
				return e.fail("want an integer, got %v", f)
			}
			e.buf = strconv.AppendInt(e.buf, int64(f), 10)
		case jsvalue.Date:
			t, _ := v.Export().(time.Time)
			e.buf = strconv.AppendInt(e.buf, t.UnixMilli(), 10)
		case jsvalue.String:
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
		case jsvalue.Int:
			e.buf = strconv.AppendInt(e.buf, v.ToInteger(), 10)
		case jsvalue.Float:
			e.buf = jsjson.AppendFloat(e.buf, v.ToFloat())
		default:
			return e.fail("want a number, %s", got(v))
		}
		return nil
	case kBool:
		if k != jsvalue.Bool {
			return e.fail("want a boolean, %s", got(v))
		}
		if v.ToBoolean() {
			e.buf = append(e.buf, "true"...)
		} else {
			e.buf = append(e.buf, "false"...)
		}
		return nil
	case kEnum:
		if k != jsvalue.String {
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
		if k != jsvalue.Object {
			return e.fail("want an object, %s", got(v))
		}
		var err error
		e.buf, err = jsjson.Append(e.buf, v)
		if err != nil {
			return e.fail("%v", err)
		}
		return nil
	case kStringMap:
		if k != jsvalue.Object {
			return e.fail("want an object of strings, %s", got(v))
		}
		o := v.(*goja.Object)
		e.buf = append(e.buf, '{')
		first := true
		for _, key := range o.Keys() {
			ev := o.Get(key)
			ek := jsvalue.KindOf(ev)
			if ek == jsvalue.Undefined || ek == jsvalue.Function {
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
		if k != jsvalue.Array {
			return e.fail("want an array, %s", got(v))
		}
		o := v.(*goja.Object)
		n := jsvalue.ArrayLen(o)
		e.buf = append(e.buf, '[')
		for i := 0; i < n; i++ {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			e.push(indexSeg(i))
			if err := e.value(o.Get(jsvalue.Index(i)), s.elem); err != nil {
				return err
			}
			e.pop()
		}
		e.buf = append(e.buf, ']')
		return nil
	case kStruct:
		return e.structure(v, k, s)
	}
	return e.fail("internal: unknown shape")
}

// structure encodes an object of a known model: every field of the model,
// in the model's order, with its default when the author left it out
// (undefined, null or a function, which JSON.stringify would drop too),
// then, for a model that keeps them, the object's other keys in its own
// order. Fields are read by name, so a getter (also an inherited one)
// counts as set.
func (e *encoder) structure(v goja.Value, k jsvalue.Kind, s *shape) error {
	if k != jsvalue.Object {
		if k == jsvalue.Promise {
			return e.fail("want a %s, got a Promise (a missing await?)", s.name)
		}
		if k == jsvalue.Undefined {
			return e.fail("want a %s, got undefined (a missing return?)", s.name)
		}
		return e.fail("want a %s object, %s", s.name, got(v))
	}
	o := v.(*goja.Object)
	e.buf = append(e.buf, '{')
	for i := range s.fields {
		f := &s.fields[i]
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.buf = append(e.buf, f.key...)
		ev := o.Get(f.name)
		ek := jsvalue.KindOf(ev)
		switch ek {
		case jsvalue.Undefined, jsvalue.Function:
			if f.required {
				e.push(f.name)
				err := e.fail("is required but missing (want %s)", want(f.shape))
				e.pop()
				if err != nil {
					return err
				}
			}
			e.fill(o, f)
			continue
		case jsvalue.Null:
			if f.required {
				e.push(f.name)
				err := e.fail("is required, got null")
				e.pop()
				if err != nil {
					return err
				}
			}
			e.fill(o, f)
			continue
		}
		e.push(f.name)
		if err := e.valueKind(ev, ek, f.shape); err != nil {
			return err
		}
		e.pop()
	}
	if s.extra {
		if err := e.extraKeys(o, s); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, '}')
	return nil
}

// fill writes what a field the author left out gets: its derivation, or
// its default.
func (e *encoder) fill(o *goja.Object, f *field) {
	switch f.fill {
	case fillSuccess:
		// A Result whose errors are not empty did not succeed.
		if errs, ok := o.Get("errors").(*goja.Object); ok && jsvalue.KindOf(errs) == jsvalue.Array && jsvalue.ArrayLen(errs) > 0 {
			e.buf = append(e.buf, "false"...)
			return
		}
	case fillInputID:
		if k := jsvalue.KindOf(e.inputID); k != jsvalue.Undefined && k != jsvalue.Null {
			e.push(f.name)
			// The input's id was checked as the platform sent it; a
			// number is written as a string, as the SDK's str field does.
			if err := e.value(e.inputID, f.shape); err == nil {
				e.pop()
				return
			}
			e.pop()
		}
	}
	e.buf = append(e.buf, f.def...)
}

// extraKeys writes the keys of o its model does not name, after the
// model's fields, as pydantic writes a model's extra keys.
func (e *encoder) extraKeys(o *goja.Object, s *shape) error {
	for _, key := range o.Keys() {
		if _, known := s.index[key]; known {
			continue
		}
		ev := o.Get(key)
		if ek := jsvalue.KindOf(ev); ek == jsvalue.Undefined || ek == jsvalue.Function {
			continue
		}
		e.buf = append(e.buf, ',')
		e.buf = jsjson.AppendString(e.buf, key)
		e.buf = append(e.buf, ':')
		e.push(key)
		var err error
		if e.buf, err = jsjson.Append(e.buf, ev); err != nil {
			return e.fail("%v", err)
		}
		e.pop()
	}
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

// encodeResult checks res against the model its request type must return
// and writes it as the wire (or plain JSON) wants.
func (c *Connector) encodeResult(res goja.Value, m *Method, wire bool, in input) ([]byte, error) {
	hint := c.sizeHints[m.Type]
	size := 256
	if hint != nil {
		size = max(size, int(hint.Load())+int(hint.Load())/8)
	}
	enc := &encoder{method: m.Export, buf: make([]byte, 0, size)}
	if hint != nil {
		defer func() { hint.Store(int64(len(enc.buf))) }()
	}
	var err error
	switch m.result {
	case resultModel:
		if jsvalue.KindOf(res) == jsvalue.Null {
			return nil, &ShapeError{Method: m.Export, Msg: "want an object, got null"}
		}
		err = enc.value(res, m.shape(c.engine.models))
	case resultList:
		err = encodeList(enc, res, m.shape(c.engine.models), wire, nil)
		if err == nil && m.Type == "DESCRIBE" {
			err = checkDescribeOrder(m.Export, in.req, res)
		}
	case resultResults:
		if o, ok := res.(*goja.Object); ok && o.ClassName() == "Array" && in.n >= 0 {
			if n := jsvalue.ArrayLen(o); n != in.n {
				return nil, &ShapeError{Method: m.Export, Msg: fmt.Sprintf("%d results for %d input records; want one Result per record, in order", n, in.n)}
			}
		}
		if in.ids == nil {
			in.ids = []goja.Value{} // results, not plain elements
		}
		err = encodeList(enc, res, m.shape(c.engine.models), wire, in.ids)
	case resultString:
		k := jsvalue.KindOf(res)
		if k != jsvalue.String && k != jsvalue.Int && k != jsvalue.Float {
			return nil, &ShapeError{Method: m.Export, Msg: "want a string, " + got(res)}
		}
		if wire && m.Wire == WireBareString {
			return []byte(res.String()), nil // the bare string, not quoted
		}
		return jsjson.AppendString(nil, res.String()), nil
	}
	if err != nil {
		return nil, err
	}
	return enc.buf, nil
}

// encodeList writes a list result; on the wire each element is itself a
// JSON-encoded string, because the platform reads List<String>.
// ids, when not nil, holds the input records' syncariEntityIds, which
// Results that leave syncariId out get.
func encodeList(enc *encoder, res goja.Value, s *shape, wire bool, ids []goja.Value) error {
	k := jsvalue.KindOf(res)
	if k != jsvalue.Array {
		if k == jsvalue.Promise {
			return enc.fail("want an array, got a Promise (a missing await?)")
		}
		return enc.fail("want an array, %s", got(res))
	}
	o := res.(*goja.Object)
	n := jsvalue.ArrayLen(o)
	enc.buf = append(enc.buf, '[')
	var scratch encoder
	for i := 0; i < n; i++ {
		if i > 0 {
			enc.buf = append(enc.buf, ',')
		}
		el := o.Get(jsvalue.Index(i))
		target := enc
		if wire {
			scratch = encoder{method: enc.method, path: enc.path, buf: scratch.buf[:0]}
			target = &scratch
		}
		target.push(indexSeg(i))
		target.inputID = nil
		if i < len(ids) {
			target.inputID = ids[i]
		}
		if err := target.value(el, s.elem); err != nil {
			return err
		}
		target.pop()
		if wire {
			enc.buf = jsjson.AppendStringBytes(enc.buf, scratch.buf)
		}
	}
	enc.buf = append(enc.buf, ']')
	return nil
}

// checkDescribeOrder holds describe to "the entities asked, in order".
func checkDescribeOrder(method string, req, res goja.Value) error {
	ro, ok := req.(*goja.Object)
	if !ok {
		return nil
	}
	asked, ok := ro.Get("entities").(*goja.Object)
	if !ok || asked.ClassName() != "Array" {
		return nil
	}
	n := jsvalue.ArrayLen(asked)
	if n == 0 {
		return nil
	}
	out := res.(*goja.Object)
	m := jsvalue.ArrayLen(out)
	var want, have []string
	for i := range n {
		want = append(want, asked.Get(jsvalue.Index(i)).String())
	}
	for i := range m {
		if s, ok := out.Get(jsvalue.Index(i)).(*goja.Object); ok {
			have = append(have, s.Get("apiName").String())
		}
	}
	if strings.Join(want, "\x00") != strings.Join(have, "\x00") {
		return &ShapeError{Method: method, Msg: fmt.Sprintf("schemas for %v; want the entities asked for, in order: %v", have, want)}
	}
	return nil
}
