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
	// imported is goja's imported-string type and where its fields are,
	// for key (nil when this goja's is not what key expects).
	imported            reflect.Type
	importedS, scannedF uintptr
	strs                []string
	ints                []int64
	floats              []float64
	bytes               []byte
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
	b.imported, b.importedS, b.scannedF = importedLayout(rt)
	return b
}

// importedLayout finds goja's imported string (a pointer to {s string; u
// unicodeString; scanned bool}, which rt.ToValue makes of a long string)
// and the offsets of its s and scanned fields.
func importedLayout(rt *goja.Runtime) (reflect.Type, uintptr, uintptr) {
	t := reflect.TypeOf(rt.ToValue("a string longer than sixteen bytes"))
	if t == nil || t.Kind() != reflect.Pointer {
		return nil, 0, 0
	}
	e := t.Elem()
	if e.Kind() != reflect.Struct || e.Name() != "importedString" || e.PkgPath() != "github.com/dop251/goja" || e.NumField() != 3 {
		return nil, 0, 0
	}
	s, u, sc := e.Field(0), e.Field(1), e.Field(2)
	if s.Name != "s" || s.Type.Kind() != reflect.String || u.Name != "u" || u.Type.Kind() != reflect.Slice ||
		sc.Name != "scanned" || sc.Type.Kind() != reflect.Bool {
		return nil, 0, 0
	}
	// The meaning too: goja, made to scan an ASCII string of its own,
	// leaves it scanned, with no UTF-16 copy, which is what key writes.
	v := rt.ToValue("an ASCII string longer than sixteen bytes")
	_ = v.ToObject(rt).Get("length")
	base := reflect.ValueOf(v).UnsafePointer()
	if !*(*bool)(unsafe.Add(base, sc.Offset)) || reflect.NewAt(u.Type, unsafe.Add(base, u.Offset)).Elem().Len() != 0 {
		return nil, 0, 0
	}
	return e, s.Offset, sc.Offset
}

// key is the JS string of an object key a script gets from Object.keys
// (see InstallKeys) and then reads and writes members by. goja turns an
// ASCII string into a property key by boxing it again, on every access;
// an imported string is one already, so an ASCII key is made one, as
// goja makes every string longer than 16 bytes and JSON.stringify's
// results.
func (b *boxer) key(rt *goja.Runtime, k string) goja.Value {
	if b.imported == nil || len(k) > 16 || !isASCII(k) {
		return rt.ToValue(k) // long: an imported string; short non-ASCII: scanned
	}
	p := reflect.New(b.imported)
	base := p.UnsafePointer()
	*(*string)(unsafe.Add(base, b.importedS)) = k
	*(*bool)(unsafe.Add(base, b.scannedF)) = true // and u nil: ASCII
	v, _ := p.Interface().(goja.Value)
	if v == nil {
		return rt.ToValue(k)
	}
	return v
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
