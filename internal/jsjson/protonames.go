package jsjson

import (
	"encoding/binary"
	"reflect"
	"slices"
	"unsafe"

	"github.com/dop251/goja"
	"github.com/dop251/goja/unistring"
)

// Flatten assigns to a lazy object without goja, which, for a key the
// object lacks, first asks its prototype whether it has a setter or a
// read-only property by that name. For Object.prototype, the only
// prototype Flatten allows, it asks here instead: does Object.prototype
// have an own property by this name now? goja's answer, GetOwnPropertyNames,
// cost about 10,000 instructions a record, more than the flattening it
// guards. So the names are read where goja keeps them, the propNames of
// its templated Object.prototype, at an offset learned by reflection
// (nil there means none was ever added or deleted: the builtin ones).
// A goja laid out otherwise leaves protoLayout nil and GetOwnPropertyNames
// answers; TestProtoNamesKnowGoja fails then.

// protoLayout is where goja keeps Object.prototype's property names.
type protoLayout struct {
	selfOff  uintptr        // of Object.self
	impl     unsafe.Pointer // self's type word for a templated object
	namesOff uintptr        // of propNames in it
	builtin  []string       // the names of a new runtime's Object.prototype
}

// objectProtoLayout is learned at start-up and never changed.
var objectProtoLayout = learnProtoLayout()

func learnProtoLayout() *protoLayout {
	self, ok := reflect.TypeFor[goja.Object]().FieldByName("self")
	if !ok || self.Type.Kind() != reflect.Interface || len(self.Index) != 1 {
		return nil
	}
	rt := goja.New()
	proto := rt.NewObject().Prototype()
	if proto == nil {
		return nil
	}
	sv := reflect.ValueOf(proto).Elem().Field(self.Index[0])
	if sv.Kind() != reflect.Interface || sv.IsNil() {
		return nil
	}
	t := sv.Elem().Type()
	if t.Kind() != reflect.Pointer || t.Elem().Name() != "templatedObject" || t.Elem().PkgPath() != "github.com/dop251/goja" {
		return nil
	}
	f, ok := t.Elem().FieldByName("propNames")
	if !ok || f.Type.Kind() != reflect.Slice || f.Type.Elem().Kind() != reflect.String || f.Type.Elem().PkgPath() != "github.com/dop251/goja/unistring" {
		return nil
	}
	l := &protoLayout{selfOff: self.Offset, impl: (*iface)(unsafe.Add(unsafe.Pointer(proto), self.Offset)).tab, namesOff: f.Offset}
	// Before anything asked for them, goja keeps no names of its own.
	if n, ok := l.names(proto); !ok || n != nil {
		return nil
	}
	l.builtin = proto.GetOwnPropertyNames()
	// Now it does (GetOwnPropertyNames made them): they must be these.
	if n, ok := l.names(proto); !ok || !slices.Equal(n, l.builtin) {
		return nil
	}
	// A name added must show.
	if err := proto.DefineDataProperty("synapseJsProbe", goja.Null(), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE); err != nil {
		return nil
	}
	if n, ok := l.names(proto); !ok || !slices.Contains(n, "synapseJsProbe") {
		return nil
	}
	return l
}

// names is o's propNames as goja holds them (nil: the builtin ones), or
// false when o is not a templated object.
func (l *protoLayout) names(o *goja.Object) ([]string, bool) {
	self := (*iface)(unsafe.Add(unsafe.Pointer(o), l.selfOff))
	if self.tab != l.impl {
		return nil, false
	}
	return *(*[]string)(unsafe.Add(self.data, l.namesOff)), true
}

// objectProtoNames returns Object.prototype's own property names as they
// stand, in goja's form: a name that is not ASCII is UTF-16 there (see
// protoKeys.has).
func (d *doc) objectProtoNames() []string {
	if l := objectProtoLayout; l != nil {
		if n, ok := l.names(d.objectProto); ok {
			if n == nil {
				return l.builtin
			}
			return n
		}
	}
	return d.objectProto.GetOwnPropertyNames()
}

// protoKeys is Object.prototype's own property names, read once for
// many questions.
type protoKeys struct {
	names []string
	mask  uint64 // bit n%64 is set when an ASCII name is n bytes long
	other bool   // some name is in goja's UTF-16 form: not ASCII
}

func newProtoKeys(names []string) protoKeys {
	p := protoKeys{names: names}
	for _, n := range names {
		if isASCII(n) {
			p.mask |= 1 << (len(n) & 63)
		} else {
			p.other = true
		}
	}
	return p
}

// has reports that Object.prototype has the property k+suffix. An ASCII
// key can only be an ASCII name, of its length; another key is compared
// in goja's form.
func (p *protoKeys) has(k, suffix string) bool {
	n := len(k) + len(suffix)
	if p.other && !(isASCII(k) && isASCII(suffix)) {
		u := string(unistring.NewFromString(k + suffix))
		return slices.Contains(p.names, u)
	}
	if p.mask&(1<<(n&63)) == 0 {
		return false
	}
	for _, m := range p.names {
		if len(m) == n && m[:len(k)] == k && m[len(k):] == suffix {
			return true
		}
	}
	return false
}

// isASCII reports that s is all ASCII, eight bytes at a time.
func isASCII(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s[i:]), 8))&0x8080808080808080 != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
