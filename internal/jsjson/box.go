package jsjson

import (
	"math"
	"reflect"
	"unsafe"

	"github.com/dop251/goja"
)

// boxer makes the JS values of a lazy document's plain strings and
// numbers without an allocation each. rt.ToValue boxes its argument into
// an interface, then boxes goja's value again (and scans a string for
// non-ASCII bytes); a page hands a script a dozen of them per record.
// boxer makes the very value goja makes (an ASCII string, an integer, a
// double, of goja's own types), with the payloads carved out of chunks:
// a value the script keeps holds on to its chunk, not to the document.
//
// It knows goja's types from values rt made, and checks their kinds; a
// goja whose values are not what it expects leaves the tables nil, and
// then every value comes from rt.ToValue.
type boxer struct {
	asciiTab, intTab, floatTab unsafe.Pointer
	strs                       []string
	ints                       []int64
	floats                     []float64
	bytes                      []byte
}

// iface is the layout of a non-empty interface value.
type iface struct {
	tab, data unsafe.Pointer
}

const (
	boxChunk   = 128  // values per chunk
	bytesChunk = 4096 // string bytes per chunk
)

func newBoxer(rt *goja.Runtime) boxer {
	var b boxer
	b.asciiTab = tabOf(rt.ToValue("ab"), reflect.String, "asciiString")
	b.intTab = tabOf(rt.ToValue(int64(1)<<40), reflect.Int64, "valueInt")
	b.floatTab = tabOf(rt.ToValue(0.5), reflect.Float64, "valueFloat")
	return b
}

// tabOf is v's type word, if v's dynamic type is goja's named type of
// that kind.
func tabOf(v goja.Value, kind reflect.Kind, name string) unsafe.Pointer {
	t := reflect.TypeOf(v)
	if t == nil || t.Kind() != kind || t.Name() != name || t.PkgPath() != "github.com/dop251/goja" {
		return nil
	}
	return (*iface)(unsafe.Pointer(&v)).tab
}

func makeValue(tab, data unsafe.Pointer) goja.Value {
	var v goja.Value
	*(*iface)(unsafe.Pointer(&v)) = iface{tab: tab, data: data}
	return v
}

// ascii is the JS string of raw, printable ASCII bytes.
func (b *boxer) ascii(rt *goja.Runtime, raw []byte) goja.Value {
	if b.asciiTab == nil {
		return rt.ToValue(string(raw))
	}
	var s string
	if len(raw) > bytesChunk/8 {
		s = string(raw)
	} else {
		if len(b.bytes)+len(raw) > cap(b.bytes) {
			b.bytes = make([]byte, 0, bytesChunk)
		}
		at := len(b.bytes)
		b.bytes = append(b.bytes, raw...)
		s = unsafe.String(unsafe.SliceData(b.bytes[at:]), len(raw))
	}
	if len(b.strs) == cap(b.strs) {
		b.strs = make([]string, 0, boxChunk)
	}
	b.strs = append(b.strs, s)
	return makeValue(b.asciiTab, unsafe.Pointer(&b.strs[len(b.strs)-1]))
}

// integer is the JS number of n, |n| <= 2^53.
func (b *boxer) integer(rt *goja.Runtime, n int64) goja.Value {
	// goja shares the values of small integers; Go boxes them without
	// allocating.
	if b.intTab == nil || (n >= -256 && n < 256) {
		return rt.ToValue(n)
	}
	if len(b.ints) == cap(b.ints) {
		b.ints = make([]int64, 0, boxChunk)
	}
	b.ints = append(b.ints, n)
	return makeValue(b.intTab, unsafe.Pointer(&b.ints[len(b.ints)-1]))
}

// float is the JS number of f, as goja makes it: an integer when f is
// one (not -0), a double otherwise.
func (b *boxer) float(rt *goja.Runtime, f float64) goja.Value {
	if b.floatTab == nil || f == math.Trunc(f) || math.IsNaN(f) || math.IsInf(f, 0) {
		return rt.ToValue(f)
	}
	if len(b.floats) == cap(b.floats) {
		b.floats = make([]float64, 0, boxChunk)
	}
	b.floats = append(b.floats, f)
	return makeValue(b.floatTab, unsafe.Pointer(&b.floats[len(b.floats)-1]))
}
