package jsjson

import (
	"strconv"
	"testing"

	"github.com/dop251/goja"
)

// TestUnwrapKnowsGoja: lazyOf reads the handler of goja's dynamic objects
// where this goja keeps it. If a goja upgrade moves it, the layout is nil
// and lazyOf asks Export, which is correct but allocates per record:
// this test says so.
func TestUnwrapKnowsGoja(t *testing.T) {
	t.Parallel()
	if layout == nil {
		t.Fatal("jsjson does not know where this goja keeps a dynamic object's handler: lazyOf falls back to Export")
	}
}

// TestLazyOf: the layout and the Export fallback find the lazy value
// behind every object and array a document makes, and none behind
// anything else: plain objects and arrays, other dynamic objects,
// functions, wrappers, proxies.
func TestLazyOf(t *testing.T) {
	t.Parallel()
	rt := goja.New()
	v, err := ParseLazy(rt, []byte(`{"o":{"a":1},"a":[1,{"b":[]}],"e":{},"z":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	root := v.(*goja.Object)
	mine := []*goja.Object{root}
	for _, k := range []string{"o", "a", "e", "z"} {
		mine = append(mine, root.Get(k).(*goja.Object))
	}
	mine = append(mine, mine[2].Get("1").(*goja.Object).Get("b").(*goja.Object))
	plain, err := rt.RunString(`[{}, [], [1, 2], function() {}, () => 1, new Date(0), new Number(1), new String('s'),
		new Proxy({}, {}), new Proxy([], {}), Object.create(null), new Map(), /x/, new Uint8Array(2)]`)
	if err != nil {
		t.Fatal(err)
	}
	others := []*goja.Object{rt.NewObject(), rt.NewArray(1, 2), rt.NewDynamicObject(otherDynamic{}), rt.NewDynamicArray(otherDynamicArray{}),
		goja.NewSharedDynamicObject(otherDynamic{}), goja.NewSharedDynamicArray(otherDynamicArray{})}
	p := plain.(*goja.Object)
	for i := range int(p.Get("length").ToInteger()) {
		others = append(others, p.Get(strconv.Itoa(i)).(*goja.Object))
	}
	for _, c := range []struct {
		name string
		find func(*goja.Object) (*lazyObject, *lazyArray)
	}{{"layout", layout.lazy}, {"Export", exportLazy}} {
		for i, o := range mine {
			x, y := c.find(o)
			switch want := o.Export().(type) {
			case *lazyObject:
				if x != want || y != nil {
					t.Errorf("%s: value %d: got %p, %p; want the object %p", c.name, i, x, y, want)
				}
			case *lazyArray:
				if x != nil || y != want {
					t.Errorf("%s: value %d: got %p, %p; want the array %p", c.name, i, x, y, want)
				}
			default:
				t.Errorf("value %d: Export gave %T", i, want)
			}
		}
		for i, o := range others {
			if x, y := c.find(o); x != nil || y != nil {
				t.Errorf("%s: other %d (%s): got %p, %p; want none", c.name, i, o.ClassName(), x, y)
			}
		}
	}
}

type otherDynamic struct{}

func (otherDynamic) Get(string) goja.Value       { return nil }
func (otherDynamic) Set(string, goja.Value) bool { return false }
func (otherDynamic) Has(string) bool             { return false }
func (otherDynamic) Delete(string) bool          { return false }
func (otherDynamic) Keys() []string              { return nil }

type otherDynamicArray struct{}

func (otherDynamicArray) Len() int                 { return 0 }
func (otherDynamicArray) Get(int) goja.Value       { return nil }
func (otherDynamicArray) Set(int, goja.Value) bool { return false }
func (otherDynamicArray) SetLen(int) bool          { return false }
