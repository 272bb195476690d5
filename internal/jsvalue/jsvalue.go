// Package jsvalue classifies and walks goja values without exporting them
// (Export copies objects), for the JSON encoder, the result checks and the
// bindings' argument checks.
package jsvalue

import (
	"math/big"
	"reflect"
	"strconv"

	"github.com/dop251/goja"
)

// Kind is the kind of a JS value as the host tells them apart (the JSON
// encoder, the result checks, the bindings' argument checks).
type Kind int

// The kinds KindOf tells apart.
const (
	Undefined Kind = iota
	Null
	Bool
	Int
	Float
	String
	BigInt
	Object
	Array
	Date
	Function
	Promise
	Other
)

var kindNames = [...]string{"undefined", "null", "a boolean", "an integer", "a number", "a string", "a BigInt", "an object", "an array", "a Date", "a function", "a Promise", "a value of another kind"}

// String names the kind as an error message would: "an object".
func (k Kind) String() string { return kindNames[k] }

var (
	typeInt     = reflect.TypeOf(int64(0))
	typeFloat   = reflect.TypeOf(float64(0))
	typeString  = reflect.TypeOf("")
	typeBool    = reflect.TypeOf(false)
	typeBigInt  = reflect.TypeOf((*big.Int)(nil))
	typePromise = reflect.TypeOf((*goja.Promise)(nil))
)

// KindOf classifies v without exporting it (Export would copy objects).
func KindOf(v goja.Value) Kind {
	if v == nil || goja.IsUndefined(v) {
		return Undefined
	}
	if goja.IsNull(v) {
		return Null
	}
	if _, ok := v.(*goja.Symbol); ok {
		return Other // a Symbol exports as a string; JSON.stringify drops it
	}
	if o, ok := v.(*goja.Object); ok {
		switch o.ClassName() {
		case "Array":
			return Array
		case "Function":
			return Function
		case "Date":
			return Date
		}
		// Async arrow functions have class "Object" in goja.
		if _, ok := goja.AssertFunction(o); ok {
			return Function
		}
		// Promises have class "Object" in goja; their export type tells.
		if o.ExportType() == typePromise {
			return Promise
		}
		return Object
	}
	switch v.ExportType() {
	case typeInt:
		return Int
	case typeFloat:
		return Float
	case typeString:
		return String
	case typeBool:
		return Bool
	case typeBigInt:
		return BigInt
	}
	return Other
}

// ArrayLen returns an array's length.
func ArrayLen(o *goja.Object) int {
	return int(o.Get("length").ToInteger())
}

// smallIndexes avoids an allocation per element for the common small arrays.
var smallIndexes = func() (s [512]string) {
	for i := range s {
		s[i] = strconv.Itoa(i)
	}
	return
}()

// Index returns the property name of array index i.
func Index(i int) string {
	if i < len(smallIndexes) {
		return smallIndexes[i]
	}
	return strconv.Itoa(i)
}
