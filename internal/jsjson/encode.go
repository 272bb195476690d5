package jsjson

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/dop251/goja"
	"github.com/synapsejs/synapse-js/internal/jsvalue"
)

// ErrTooDeep is returned for values nested deeper than the encoder allows,
// which in practice means a cycle.
var errTooDeep = errors.New("value is nested too deep (a cycle?)")

// Append appends v as JSON, with JSON.stringify's rules: undefined,
// functions and symbols are left out of objects and become null in arrays,
// NaN and Infinity become null, a Date becomes its ISO string. BigInts are
// written as exact integers. A top-level undefined or function appends null.
func Append(dst []byte, v goja.Value) ([]byte, error) {
	return appendValue(dst, v, 0)
}

func appendValue(dst []byte, v goja.Value, depth int) ([]byte, error) {
	return appendJSON(dst, v, depth, true)
}

// appendJSON encodes v. replace says whether an object's toJSON (or a
// primitive wrapper's value) stands in for it: not for what a toJSON
// returned, whose own toJSON JSON.stringify does not call again.
func appendJSON(dst []byte, v goja.Value, depth int, replace bool) ([]byte, error) {
	if depth > 1000 {
		return dst, errTooDeep
	}
	switch jsvalue.KindOf(v) {
	case jsvalue.Undefined, jsvalue.Null, jsvalue.Function, jsvalue.Other, jsvalue.Promise:
		return append(dst, "null"...), nil
	case jsvalue.Bool:
		if v.ToBoolean() {
			return append(dst, "true"...), nil
		}
		return append(dst, "false"...), nil
	case jsvalue.Int:
		return strconv.AppendInt(dst, v.ToInteger(), 10), nil
	case jsvalue.Float:
		return AppendFloat(dst, v.ToFloat()), nil
	case jsvalue.String:
		return AppendString(dst, v.String()), nil
	case jsvalue.BigInt:
		return append(dst, v.String()...), nil
	case jsvalue.Date:
		return AppendDate(dst, v.(*goja.Object)), nil
	case jsvalue.Array:
		o := v.(*goja.Object)
		if out, ok, err := appendLazy(dst, o, depth); ok {
			return out, err
		}
		n := jsvalue.ArrayLen(o)
		dst = append(dst, '[')
		var err error
		for i := 0; i < n; i++ {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = appendValue(dst, o.Get(jsvalue.Index(i)), depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	default:
		o := v.(*goja.Object)
		if out, ok, err := appendLazy(dst, o, depth); ok {
			return out, err
		}
		if replace {
			if alt, ok, err := replacement(o); err != nil {
				return dst, err
			} else if ok {
				return appendJSON(dst, alt, depth+1, false)
			}
		}
		dst = append(dst, '{')
		first := true
		for _, k := range o.Keys() {
			ev := o.Get(k)
			switch jsvalue.KindOf(ev) {
			case jsvalue.Undefined, jsvalue.Function, jsvalue.Other:
				continue
			}
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = AppendString(dst, k)
			dst = append(dst, ':')
			var err error
			if dst, err = appendValue(dst, ev, depth+1); err != nil {
				return dst, fmt.Errorf("%s: %w", k, err)
			}
		}
		return append(dst, '}'), nil
	}
}

// replacement is what JSON.stringify writes in place of an object: the
// result of its toJSON method, or the primitive inside a Number, String,
// Boolean or BigInt wrapper.
func replacement(o *goja.Object) (goja.Value, bool, error) {
	switch o.ClassName() {
	case "Number", "String", "Boolean", "BigInt":
		if valueOf, ok := goja.AssertFunction(o.Get("valueOf")); ok {
			v, err := valueOf(o)
			return v, err == nil, err
		}
	}
	if toJSON, ok := goja.AssertFunction(o.Get("toJSON")); ok {
		v, err := toJSON(o)
		if err != nil {
			return nil, false, fmt.Errorf("toJSON: %w", err)
		}
		return v, true, nil
	}
	return nil, false, nil
}

// AppendFloat appends f as a JSON number (null for NaN and ±Inf).
func AppendFloat(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	if f == 0 {
		return append(dst, '0') // -0 too, as JSON.stringify
	}
	// Number::toString: plain decimals from 1e-6 up to 1e21, exponents
	// outside that, with as few exponent digits as needed (1e-7, not 1e-07).
	if abs := math.Abs(f); abs >= 1e-6 && abs < 1e21 {
		return strconv.AppendFloat(dst, f, 'f', -1, 64)
	}
	dst = strconv.AppendFloat(dst, f, 'e', -1, 64)
	if n := len(dst); dst[n-4] == 'e' && dst[n-2] == '0' {
		dst[n-2] = dst[n-1]
		dst = dst[:n-1]
	}
	return dst
}

// AppendDate appends a Date object as JS's toISOString does, in quotes.
func AppendDate(dst []byte, o *goja.Object) []byte {
	t, ok := o.Export().(time.Time)
	if !ok {
		return append(dst, "null"...)
	}
	dst = append(dst, '"')
	t = t.UTC()
	if y := t.Year(); y < -9999 || y > 9999 {
		// An expanded year, written as goja's toISOString writes it.
		dst = fmt.Appendf(dst, "%+06d", y)
		dst = t.AppendFormat(dst, "-01-02T15:04:05.000Z")
	} else {
		dst = t.AppendFormat(dst, "2006-01-02T15:04:05.000Z")
	}
	return append(dst, '"')
}

const hexDigits = "0123456789abcdef"

// AppendStringBytes is AppendString of b's bytes, without copying them
// into a string first (a wire READ writes every record this way).
func AppendStringBytes(dst, b []byte) []byte {
	// The string only lives for the call, which reads b and writes dst
	// (never b itself).
	return AppendString(dst, unsafe.String(unsafe.SliceData(b), len(b)))
}

// AppendString appends s as a JSON string. Invalid UTF-8 (a lone surrogate
// from JS) becomes U+FFFD.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
