package jsjson

import (
	"reflect"
	"unsafe"

	"github.com/dop251/goja"
)

// Finding the lazy value behind a *goja.Object: Export is an interface
// call that allocates an export context each time, and the encoder and
// Object.keys ask it of every record (ExportType first, another call).
// A goja dynamic object is an Object whose self is a *dynamicObject (or
// *dynamicArray) holding the handler it was made with; lazyOf reads the
// handler from there, at offsets learned once, by reflection, from
// objects goja made. A goja whose objects are not laid out as expected
// leaves the layout nil, and then lazyOf asks Export, as before
// (TestUnwrapKnowsGoja says so).

// gojaLayout is where goja keeps a dynamic object's handler.
type gojaLayout struct {
	selfOff uintptr // of Object.self
	// objImpl and arrImpl are self's type words for a dynamic object
	// and a dynamic array; objOff and arrOff where their handler is.
	objImpl, arrImpl unsafe.Pointer
	objOff, arrOff   uintptr
	// lazyObj and lazyArr are the handler's type words when it is a
	// *lazyObject or a *lazyArray.
	lazyObj, lazyArr unsafe.Pointer
}

// layout is learned at start-up and never changed.
var layout = learnLayout()

func learnLayout() *gojaLayout {
	self, ok := reflect.TypeFor[goja.Object]().FieldByName("self")
	if !ok || self.Type.Kind() != reflect.Interface || len(self.Index) != 1 {
		return nil
	}
	l := &gojaLayout{selfOff: self.Offset}
	po, pa := &lazyObject{}, &lazyArray{}
	o, a := goja.NewSharedDynamicObject(po), goja.NewSharedDynamicArray(pa)
	var hasOff bool
	if l.objOff, hasOff = handlerOffset(o, self.Index[0], "dynamicObject", "d", reflect.TypeFor[goja.DynamicObject]()); !hasOff {
		return nil
	}
	if l.arrOff, hasOff = handlerOffset(a, self.Index[0], "dynamicArray", "a", reflect.TypeFor[goja.DynamicArray]()); !hasOff {
		return nil
	}
	l.objImpl = (*iface)(unsafe.Add(unsafe.Pointer(o), l.selfOff)).tab
	l.arrImpl = (*iface)(unsafe.Add(unsafe.Pointer(a), l.selfOff)).tab
	var ho goja.DynamicObject = po
	var ha goja.DynamicArray = pa
	l.lazyObj = (*iface)(unsafe.Pointer(&ho)).tab
	l.lazyArr = (*iface)(unsafe.Pointer(&ha)).tab
	// What it reads must be what it was given, and the array is no
	// object (nor the other way round).
	if x, y := l.lazy(o); x != po || y != nil {
		return nil
	}
	if x, y := l.lazy(a); x != nil || y != pa {
		return nil
	}
	return l
}

// handlerOffset checks that o's self (field i of Object) is a pointer to
// goja's struct name whose field handler is of type want, and returns
// that field's offset.
func handlerOffset(o *goja.Object, i int, name, handler string, want reflect.Type) (uintptr, bool) {
	self := reflect.ValueOf(o).Elem().Field(i)
	if self.Kind() != reflect.Interface || self.IsNil() {
		return 0, false
	}
	t := self.Elem().Type()
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct || t.Elem().Name() != name || t.Elem().PkgPath() != "github.com/dop251/goja" {
		return 0, false
	}
	f, ok := t.Elem().FieldByName(handler)
	if !ok || f.Type != want || len(f.Index) != 1 {
		return 0, false
	}
	return f.Offset, true
}

// lazy is the lazy object or array o was made over, if either.
func (l *gojaLayout) lazy(o *goja.Object) (*lazyObject, *lazyArray) {
	self := (*iface)(unsafe.Add(unsafe.Pointer(o), l.selfOff))
	switch self.tab {
	case l.objImpl:
		if h := (*iface)(unsafe.Add(self.data, l.objOff)); h.tab == l.lazyObj {
			return (*lazyObject)(h.data), nil
		}
	case l.arrImpl:
		if h := (*iface)(unsafe.Add(self.data, l.arrOff)); h.tab == l.lazyArr {
			return nil, (*lazyArray)(h.data)
		}
	}
	return nil, nil
}

// lazyOf is the lazy object or array behind o, if either.
func lazyOf(o *goja.Object) (*lazyObject, *lazyArray) {
	if layout != nil {
		return layout.lazy(o)
	}
	return exportLazy(o)
}

// exportLazy is lazyOf by Export, for a goja whose layout is unknown.
func exportLazy(o *goja.Object) (*lazyObject, *lazyArray) {
	// ExportType first: Export of a plain object would copy all of it.
	switch o.ExportType() {
	case typeLazyObject:
		x, _ := o.Export().(*lazyObject)
		return x, nil
	case typeLazyArray:
		y, _ := o.Export().(*lazyArray)
		return nil, y
	}
	return nil, nil
}
