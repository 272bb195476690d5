package jsjson

import (
	"reflect"
	"slices"
	"strconv"
	"unsafe"

	"github.com/dop251/goja"

	"github.com/synapsejs/synapse-js/internal/jsvalue"
)

// ParseLazy decodes data for rt as Parse does, but builds nothing up
// front: objects and arrays are goja dynamic objects over one parsed tape,
// and a value becomes a JS value only when the script reads it. To the
// script they are ordinary objects and arrays: Object.keys, for…in,
// spread, JSON.stringify, mutation, delete and key order behave as on what
// JSON.parse returns. The differences: they cannot be frozen, sealed or
// given accessor, read-only or symbol-keyed properties; arrays hold no
// named (non-index) properties, and a deleted element reads undefined but
// stays listed (i in arr is true), as goja's dynamic arrays do.
//
// What the script never changed is written back by Append as the
// document's own bytes: the same number text (1.0, 1e-7, -0.0, integers of
// any length) and the same strings, and so is a number or string the
// script just read and stored unchanged into another of the document's
// objects or arrays (flattening: r[k] = cf[k]). A number the script reads
// is what Parse gives: a JS number, or for an integer beyond ±2^53 a
// string of its digits.
func ParseLazy(rt *goja.Runtime, data []byte) (goja.Value, error) {
	t, err := parseTape(data)
	if err != nil {
		return nil, err
	}
	d := &doc{tape: t, rt: rt, keys: make(map[string]string, 32), box: newBoxer(rt)}
	d.objectProto = rt.NewObject().Prototype()
	d.arrayProto = rt.NewArray().Prototype()
	return d.value(0, nil), nil
}

// doc is one lazily decoded document of a runtime.
type doc struct {
	*tape
	rt          *goja.Runtime
	keys        map[string]string // interned keys
	shapes      []*shape          // recently seen key lists
	buf         []byte
	objectProto *goja.Object
	arrayProto  *goja.Object
	box         boxer
	// handed are the last numbers and strings handed to the script, and
	// handedNode their nodes: a script that stores one unchanged into a
	// document value (r[k] = cf[k], flattening; arr.push(a.x, a.y))
	// passes its node through. handedAt is where the next one goes.
	handed     [4]goja.Value
	handedNode [4]int32
	handedAt   uint8
	// flat is Flatten's list of assignments, kept for the next call.
	flat []flatStep
	// memberwise makes Append write a changed object member by member,
	// without copying runs of untouched members at once: tests compare
	// the two.
	memberwise bool
}

// hand returns node i's value v to the script, remembering it.
func (d *doc) hand(i int32, v goja.Value) goja.Value {
	if k := d.nodes[i].kind; k == nNumber || k == nString {
		j := d.handedAt & 3
		d.handed[j], d.handedNode[j] = v, i
		d.handedAt++
	}
	return v
}

// setSlot is the slot a script's value v makes: one that passes the
// node of a value just handed out through when v is that very value (the
// same boxed number or string, not an equal one the script made), or else
// a plain set slot.
func (d *doc) setSlot(v goja.Value) slot {
	for n := uint8(1); n <= 4; n++ {
		j := (d.handedAt - n) & 3 // the newest first
		if h := d.handed[j]; h != nil && sameValue(v, h) {
			return slot{v: v, node: d.handedNode[j], state: sPass}
		}
	}
	return slot{v: v, node: -1, state: sSet}
}

// sameValue reports that a and b are one value: the same dynamic type
// and the same data word. goja boxes each number or string it makes
// anew, and moves values around without reboxing them, so this is true
// for a value passed along and false for an equal one computed (except
// for goja's cached small integers, which are the same number anyway).
func sameValue(a, b goja.Value) bool {
	x := (*[2]unsafe.Pointer)(unsafe.Pointer(&a))
	y := (*[2]unsafe.Pointer)(unsafe.Pointer(&b))
	return x[0] == y[0] && x[1] == y[1]
}

// shape is a key list that objects of one document share (list pages
// repeat the same keys in every record), with an index once it is long.
type shape struct {
	keys    []string
	index   map[string]int32
	indexed bool // some key is an array index ("0", "42"): Keys reorders
	// quoted holds the keys as JSON strings, made on the first write.
	quoted [][]byte
	// grow is the most keys a script has added to one object of this
	// shape: the records of a page get the same ones (flattened fields),
	// so the next object's slots are made the right size.
	grow int
	// lists are the sequences of keys the objects of this shape were
	// given, each key once per list: an object given the same keys in the
	// same order as another (the records of a page, flattened alike)
	// shares that list, and its quoted and JS forms, instead of keeping
	// its own. There are a few: records whose optional fields differ
	// (a monetary field null in some, split in two in others) take
	// different but recurring paths.
	lists []*addedList
	// cache remembers recent answers of find, once there is an index.
	cache [keyCacheSize]keyCacheEntry
	// jsKeys is keys as JS strings, for Object.keys (see InstallKeys),
	// made on first use.
	jsKeys []any
}

// addedList is one sequence of keys objects of a shape were given.
type addedList struct {
	keys []string
	// fresh[j] says that keys[j] is none of the shape's keys: an object
	// of the shape that follows the list to j does not have it, which
	// spares the lookup when it is given it (see lazyObject.isNew).
	fresh  []bool
	quoted [][]byte         // keys as JSON strings, made on first write
	index  map[string]int32 // once keys is long
	js     []any            // keys as JS strings, made on first use
}

// maxLists bounds a shape's lists: an object that would need another
// keeps its own keys.
const maxLists = 8

const keyCacheSize = 16

type keyCacheEntry struct {
	key string
	j   int32
	set bool
}

// maxAdded bounds a shape's shared added keys: an object given more
// keeps its own list.
const maxAdded = 256

// pos is key's position in l, or -1.
func (l *addedList) pos(key string) int {
	if l.index != nil {
		if j, ok := l.index[key]; ok {
			return int(j)
		}
		return -1
	}
	return slices.Index(l.keys, key)
}

// add appends key to l, a list of shape s.
func (l *addedList) add(s *shape, key string) {
	l.keys = append(l.keys, key)
	l.fresh = append(l.fresh, s.find(key) < 0)
	if l.index != nil {
		l.index[key] = int32(len(l.keys) - 1)
	} else if len(l.keys) > 8 {
		l.index = make(map[string]int32, 2*len(l.keys))
		for j, k := range l.keys {
			l.index[k] = int32(j)
		}
	}
}

// quotedKey returns key j of l as a JSON string.
func (l *addedList) quotedKey(j int) []byte {
	for len(l.quoted) <= j {
		l.quoted = append(l.quoted, AppendString(nil, l.keys[len(l.quoted)]))
	}
	return l.quoted[j]
}

// follow returns the list an object on list l (nil: none yet), given p
// keys so far, continues on when given key as its next: l itself, if
// key is its next or can be, another of the shape's lists that starts
// with the same p keys and then key, or a new one. It returns nil when
// the object must keep its own keys: key is among its p already (a
// deleted key given again), or the shape has as many lists as it keeps.
func (s *shape) follow(l *addedList, p int, key string) *addedList {
	if l != nil {
		if p < len(l.keys) && l.keys[p] == key {
			return l
		}
		if j := l.pos(key); j >= 0 && j < p {
			return nil
		}
		if p == len(l.keys) && p < maxAdded {
			l.add(s, key)
			return l
		}
	}
	var prefix []string
	if l != nil {
		prefix = l.keys[:p]
	}
	for _, c := range s.lists {
		if len(c.keys) > p && c.keys[p] == key && slices.Equal(c.keys[:p], prefix) {
			return c
		}
	}
	if len(s.lists) == maxLists || p >= maxAdded {
		return nil
	}
	c := &addedList{keys: make([]string, p, p+1+s.grow), fresh: make([]bool, p, p+1+s.grow)}
	copy(c.keys, prefix)
	if l != nil {
		copy(c.fresh, l.fresh[:p])
	}
	if p > 8 {
		c.index = make(map[string]int32, 2*(p+1))
		for j, k := range c.keys {
			c.index[k] = int32(j)
		}
	}
	c.add(s, key)
	s.lists = append(s.lists, c)
	return c
}

// quotedKey returns key j as a JSON string.
func (s *shape) quotedKey(j int) []byte {
	if s.quoted == nil {
		s.quoted = make([][]byte, len(s.keys))
		for i, k := range s.keys {
			s.quoted[i] = AppendString(nil, k)
		}
	}
	return s.quoted[j]
}

func (s *shape) find(key string) int32 {
	if s.index != nil {
		// A script asks for the same few names object after object, as
		// the same strings (its own constants, the keys Object.keys gave
		// it): the string's address picks a cache entry, which answers
		// when it holds that key (a key may take another's entry, never
		// its answer).
		c := &s.cache[uintptr(unsafe.Pointer(unsafe.StringData(key)))>>4&(keyCacheSize-1)]
		if c.set && c.key == key {
			return c.j
		}
		j, ok := s.index[key]
		if !ok {
			j = -1
		}
		*c = keyCacheEntry{key: key, j: j, set: true}
		return j
	}
	for i, k := range s.keys {
		if k == key {
			return int32(i)
		}
	}
	return -1
}

// Slot states.
const (
	sTape    uint8 = iota // the document's value (maybe read: v caches it)
	sSet                  // set by the script: v
	sPass                 // set by the script to node's value, unchanged: v
	sDeleted              // deleted
)

type slot struct {
	v     goja.Value
	node  int32
	state uint8
}

// base is what lazy objects and arrays share: where they are in the
// document, and whether anything in them changed.
type base struct {
	d      *doc
	node   int32
	parent *base
	// dirty: something in this value (or below) changed, so its bytes
	// no longer say what it holds.
	dirty bool
	// kids counts the objects and arrays read out of it: the script may
	// have changed their prototypes, which nothing reports, so they are
	// looked at before the bytes are copied.
	kids int
}

func (b *base) touch() {
	for c := b; c != nil && !c.dirty; c = c.parent {
		c.dirty = true
	}
}

// value is the JS value of node i, a child of parent.
func (d *doc) value(i int32, parent *base) goja.Value {
	nd := &d.nodes[i]
	switch nd.kind {
	case nNull:
		return goja.Null()
	case nTrue:
		return d.rt.ToValue(true)
	case nFalse:
		return d.rt.ToValue(false)
	case nNumber:
		return d.number(d.rt, &d.box, i)
	case nString:
		if nd.flags&fPlain != 0 && nd.end-nd.start > 2 {
			return d.box.ascii(d.rt, d.data[nd.start+1:nd.end-1])
		}
		return d.rt.ToValue(d.str(i, &d.buf))
	case nObject:
		if parent != nil {
			parent.kids++
		}
		o := &lazyObject{base: base{d: d, node: i, parent: parent}}
		return d.rt.NewDynamicObject(o)
	default:
		if parent != nil {
			parent.kids++
		}
		a := &lazyArray{base: base{d: d, node: i, parent: parent}, n: int(nd.n)}
		return d.rt.NewDynamicArray(a)
	}
}

// key returns node i's string, interned.
func (d *doc) key(i int32) string {
	nd := &d.nodes[i]
	if nd.flags&fPlain != 0 {
		raw := d.data[nd.start+1 : nd.end-1]
		if s, ok := d.keys[string(raw)]; ok {
			return s
		}
		s := string(raw)
		if len(d.keys) < 4096 {
			d.keys[s] = s
		}
		return s
	}
	return d.str(i, &d.buf)
}

// shapeOf returns the shape of object node i, from the recent shapes when
// one matches, and the value nodes of its keys. A document with a repeated
// key gets a shape of its own, first position and last value, as
// JSON.parse does.
func (d *doc) shapeOf(i int32, vals []int32) (*shape, []int32) {
	nd := &d.nodes[i]
	n := int(nd.n)
	for _, s := range d.shapes {
		if len(s.keys) == n {
			if vals, ok := d.sameKeys(i, s, vals[:0]); ok {
				return s, vals
			}
		}
	}
	vals = vals[:0]
	c := i + 1
	for range n {
		vals = append(vals, c+1)
		c = d.nodes[c+1].next
	}
	s := &shape{keys: make([]string, 0, n)}
	c = i + 1
	for range n {
		s.keys = append(s.keys, d.key(c))
		c = d.nodes[c+1].next
	}
	if n > 8 {
		s.index = make(map[string]int32, n)
	}
	dup := false
	for j, k := range s.keys {
		if isIndex(k) {
			s.indexed = true
		}
		if s.index != nil {
			if _, ok := s.index[k]; ok {
				dup = true
				continue
			}
			s.index[k] = int32(j)
		} else if s.find(k) != int32(j) {
			dup = true
		}
	}
	if dup {
		return dedupe(s, vals)
	}
	if len(d.shapes) < 8 {
		d.shapes = append(d.shapes, s)
	} else {
		copy(d.shapes, d.shapes[1:])
		d.shapes[len(d.shapes)-1] = s
	}
	return s, vals
}

// dedupe keeps each key once, at its first position with its last value.
func dedupe(s *shape, vals []int32) (*shape, []int32) {
	out := &shape{indexed: s.indexed, index: map[string]int32{}}
	var ov []int32
	for j, k := range s.keys {
		if at, ok := out.index[k]; ok {
			ov[at] = vals[j]
			continue
		}
		out.index[k] = int32(len(out.keys))
		out.keys = append(out.keys, k)
		ov = append(ov, vals[j])
	}
	return out, ov
}

// sameKeys reports that object node i has s's keys, in order, and
// appends the value nodes to vals as it walks them.
func (d *doc) sameKeys(i int32, s *shape, vals []int32) ([]int32, bool) {
	c := i + 1
	for _, k := range s.keys {
		nd := &d.nodes[c]
		if nd.flags&fPlain == 0 || string(d.data[nd.start+1:nd.end-1]) != k {
			return vals, false
		}
		vals = append(vals, c+1)
		c = d.nodes[c+1].next
	}
	return vals, true
}

// isIndex reports an array index key, which plain objects list first.
func isIndex(k string) bool {
	if k == "" || len(k) > 10 || (k[0] == '0' && len(k) > 1) {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < '0' || k[i] > '9' {
			return false
		}
	}
	n, _ := strconv.ParseUint(k, 10, 64)
	return n < 1<<32-1
}

// lazyObject is a JSON object as a goja.DynamicObject.
type lazyObject struct {
	base
	shape *shape // nil until first used
	slots []slot // the shape's keys, then the added ones
	// nExtra counts the keys added; they are list.keys[:nExtra] unless
	// private, when this object was given keys in an order no list of
	// its shape holds: then they are extra.
	nExtra  int
	list    *addedList
	private bool
	extra   []string
	// extraIndex finds private extra keys once there are many.
	extraIndex map[string]int32
	indexed    bool // an extra key is an array index
	reshaped   bool // a key was added or deleted: keys differ from the shape's
	// last remembers the last lookup: goja asks Has before every Set.
	// It holds one once lastSet (the zero lastKey, "", is a key too).
	lastKey string
	lastIdx int
	lastSet bool
}

func (o *lazyObject) open() {
	if o.shape != nil {
		return
	}
	var buf [64]int32
	s, vals := o.d.shapeOf(o.node, buf[:0])
	o.shape = s
	// Room for the keys the shape's other objects got added: the records
	// of a page are flattened alike, and growing later copied every slot.
	o.slots = make([]slot, len(vals), len(vals)+s.grow)
	for j, v := range vals {
		o.slots[j] = slot{node: v}
	}
}

// extraKey is the name of added key j.
func (o *lazyObject) extraKey(j int) string {
	if o.private {
		return o.extra[j]
	}
	return o.list.keys[j]
}

// find returns the slot of a live key, or -1.
func (o *lazyObject) find(key string) int {
	if o.shape != nil {
		if o.lastSet && key == o.lastKey {
			return o.lastIdx
		}
		// Members are mostly read in order (Object.keys, then each key):
		// the slot after the last one found is tried before the index. The
		// key is usually the shape's own string, so == is a pointer check.
		if j := o.lastIdx + 1; j >= 0 && j < len(o.shape.keys) && o.shape.keys[j] == key && o.slots[j].state != sDeleted {
			o.lastKey, o.lastIdx, o.lastSet = key, j, true
			return j
		}
	}
	j := o.lookup(key)
	o.lastKey, o.lastIdx, o.lastSet = key, j, true
	return j
}

func (o *lazyObject) lookup(key string) int {
	o.open()
	if j := o.shape.find(key); j >= 0 && o.slots[j].state != sDeleted {
		return int(j)
	}
	if o.nExtra == 0 {
		return -1
	}
	base := len(o.shape.keys)
	if !o.private {
		l := o.list
		if p := o.nExtra; p < len(l.keys) && l.keys[p] == key {
			// The next key of this object's list: not one of those
			// before it (each is there once), so not one of this
			// object's.
			return -1
		}
		if idx := l.index; idx != nil {
			if j, ok := idx[key]; ok && int(j) < o.nExtra && o.slots[base+int(j)].state != sDeleted {
				return base + int(j)
			}
			return -1
		}
		for j, k := range l.keys[:o.nExtra] {
			if k == key && o.slots[base+j].state != sDeleted {
				return base + j
			}
		}
		return -1
	}
	if o.extraIndex != nil {
		if j, ok := o.extraIndex[key]; ok {
			return base + int(j)
		}
		return -1
	}
	for j, k := range o.extra {
		if k == key && o.slots[base+j].state != sDeleted {
			return base + j
		}
	}
	return -1
}

func (o *lazyObject) get(j int) goja.Value {
	s := &o.slots[j]
	if s.v == nil {
		s.v = o.d.value(s.node, &o.base)
	}
	if s.state != sSet {
		return o.d.hand(s.node, s.v)
	}
	return s.v
}

// Get implements goja.DynamicObject.
func (o *lazyObject) Get(key string) goja.Value {
	j := o.find(key)
	if j < 0 {
		return nil
	}
	return o.get(j)
}

// Set implements goja.DynamicObject.
func (o *lazyObject) Set(key string, v goja.Value) bool {
	o.put(key, o.d.setSlot(v))
	return true
}

// put gives key the value slot s holds, as Set does with a value: in
// place if the key is there, else as a new key, last.
func (o *lazyObject) put(key string, sl slot) {
	o.touch()
	if !o.isNew(key) {
		if j := o.find(key); j >= 0 {
			o.slots[j] = sl
			return
		}
	}
	// A new key goes last, as on a plain object. A script that adds one
	// key usually adds several (flattening nested fields): grow once, by
	// as many as the shape's objects got before, or else double.
	s := o.shape
	if len(o.slots) == cap(o.slots) {
		n := 2*len(o.slots) + 8
		if o.nExtra == 0 && s.grow > 0 {
			n = len(o.slots) + s.grow
		}
		o.slots = append(make([]slot, 0, n), o.slots...)
	}
	o.slots = append(o.slots, sl)
	p := o.nExtra
	o.nExtra++
	s.grow = max(s.grow, o.nExtra)
	o.reshaped = true
	o.lastKey, o.lastIdx, o.lastSet = key, len(o.slots)-1, true
	if isIndex(key) {
		o.indexed = true
	}
	if !o.private {
		if l := s.follow(o.list, p, key); l != nil {
			o.list = l // as others of its shape were given
			return
		}
		// Keys of its own: from here on this object keeps its list.
		o.private = true
		o.extra = make([]string, p, max(2*p, s.grow, 4))
		if p > 0 {
			copy(o.extra, o.list.keys[:p])
		}
		if p > 16 {
			o.extraIndex = make(map[string]int32, 2*p)
			base := len(s.keys)
			for j, k := range o.extra {
				if o.slots[base+j].state != sDeleted {
					o.extraIndex[k] = int32(j)
				}
			}
		}
	}
	o.extra = append(o.extra, key)
	if o.extraIndex != nil {
		o.extraIndex[key] = int32(len(o.extra) - 1)
	} else if len(o.extra) > 16 {
		o.extraIndex = make(map[string]int32, 2*len(o.extra))
		base := len(o.shape.keys)
		for j, k := range o.extra {
			if o.slots[base+j].state != sDeleted {
				o.extraIndex[k] = int32(j)
			}
		}
	}
}

// isNew reports, without a lookup, that key is certainly not o's: it
// is the next key of the list o follows (or of one it may start on),
// and none of the shape's keys. Objects flattened alike are given their
// new keys in this order, one after another.
func (o *lazyObject) isNew(key string) bool {
	if o.shape == nil || o.private {
		return false
	}
	p := o.nExtra
	if l := o.list; l != nil {
		return p < len(l.keys) && l.fresh[p] && l.keys[p] == key
	}
	for _, c := range o.shape.lists {
		if len(c.keys) > 0 && c.fresh[0] && c.keys[0] == key {
			return true
		}
	}
	return false
}

// nextKey returns the next key of the list o follows when it is k+suffix,
// so the caller need not make that string.
func (o *lazyObject) nextKey(k, suffix string) (string, bool) {
	if o.shape == nil || o.private || o.list == nil || o.nExtra >= len(o.list.keys) {
		return "", false
	}
	n := o.list.keys[o.nExtra]
	if len(n) == len(k)+len(suffix) && n[:len(k)] == k && n[len(k):] == suffix {
		return n, true
	}
	return "", false
}

// Has implements goja.DynamicObject.
func (o *lazyObject) Has(key string) bool { return o.find(key) >= 0 }

// Delete implements goja.DynamicObject.
func (o *lazyObject) Delete(key string) bool {
	j := o.find(key)
	if j < 0 {
		return true
	}
	o.touch()
	o.reshaped = true
	o.lastKey, o.lastIdx, o.lastSet = key, -1, true
	o.slots[j] = slot{node: -1, state: sDeleted}
	if base := len(o.shape.keys); j >= base && o.extraIndex != nil {
		delete(o.extraIndex, o.extra[j-base])
	}
	return true
}

// Keys implements goja.DynamicObject: plain-object order (array indexes
// ascending, then the other keys in the order they were added).
func (o *lazyObject) Keys() []string {
	o.open()
	if !o.reshaped && !o.shape.indexed {
		return o.shape.keys // goja only reads it
	}
	keys := make([]string, 0, len(o.slots))
	o.eachLive(func(j int) { keys = append(keys, o.slotKey(j)) })
	return keys
}

// slotKey is the key of slot j.
func (o *lazyObject) slotKey(j int) string {
	if base := len(o.shape.keys); j >= base {
		return o.extraKey(j - base)
	}
	return o.shape.keys[j]
}

// eachLive calls f with each slot not deleted, in plain-object key order
// (see Keys).
func (o *lazyObject) eachLive(f func(j int)) {
	if o.shape.indexed || o.indexed {
		for _, j := range o.slotOrder() {
			if o.slots[j].state != sDeleted {
				f(j)
			}
		}
		return
	}
	for j := range o.slots {
		if o.slots[j].state != sDeleted {
			f(j)
		}
	}
}

// lazyArray is a JSON array as a goja.DynamicArray.
type lazyArray struct {
	base
	n     int    // length
	slots []slot // nil until an element is used
}

func (a *lazyArray) open() {
	if a.slots != nil || a.n == 0 {
		return
	}
	a.slots = make([]slot, a.n)
	c := a.node + 1
	for j := range a.slots {
		a.slots[j].node = c
		c = a.d.nodes[c].next
	}
}

// Len implements goja.DynamicArray.
func (a *lazyArray) Len() int { return a.n }

// Get implements goja.DynamicArray.
func (a *lazyArray) Get(idx int) goja.Value {
	if idx < 0 || idx >= a.n {
		return nil
	}
	a.open()
	s := &a.slots[idx]
	if s.v == nil {
		if s.state == sSet {
			return goja.Undefined()
		}
		s.v = a.d.value(s.node, &a.base)
	}
	if s.state != sSet {
		return a.d.hand(s.node, s.v)
	}
	return s.v
}

// Set implements goja.DynamicArray.
func (a *lazyArray) Set(idx int, v goja.Value) bool {
	if idx < 0 {
		return false
	}
	a.open()
	a.touch()
	if idx >= a.n {
		a.grow(idx + 1)
	}
	a.slots[idx] = a.d.setSlot(v)
	return true
}

func (a *lazyArray) grow(n int) {
	for len(a.slots) < n {
		a.slots = append(a.slots, slot{v: goja.Undefined(), node: -1, state: sSet})
	}
	a.n = n
}

// SetLen implements goja.DynamicArray.
func (a *lazyArray) SetLen(n int) bool {
	if n < 0 {
		return false
	}
	if n == a.n {
		return true
	}
	a.open()
	a.touch()
	if n < a.n {
		clear(a.slots[n:])
		a.slots = a.slots[:n]
		a.n = n
		return true
	}
	a.grow(n)
	return true
}

// appendLazy writes a lazy value as JSON, or reports that v is not one.
// Untouched values are their document bytes; changed ones are written
// member by member, untouched members again as bytes.
func appendLazy(dst []byte, o *goja.Object, depth int) ([]byte, bool, error) {
	x, y := lazyOf(o)
	switch {
	case x != nil:
		if !x.d.plainProtos(o, x.d.objectProto) || (x.dirty && x.Has("toJSON")) {
			// JSON.stringify would call a toJSON: the generic path does.
			return dst, false, nil
		}
		dst, err := x.appendTo(dst, depth)
		return dst, true, err
	case y != nil:
		if !y.d.plainProtos(o, y.d.arrayProto) {
			return dst, false, nil
		}
		dst, err := y.appendTo(dst, depth)
		return dst, true, err
	}
	return dst, false, nil
}

// plainProtos reports that nothing can make JSON.stringify treat the
// document's values specially: o has its original prototype and neither
// Object.prototype nor Array.prototype has gained a toJSON.
func (d *doc) plainProtos(o, proto *goja.Object) bool {
	if o.Prototype() != proto {
		return false
	}
	// Usually neither prototype has a toJSON at all: looked up on
	// Array.prototype, whose chain goes on to Object.prototype (and no
	// further: its prototype cannot change), one lookup says so for both.
	if d.arrayProto.Prototype() == d.objectProto && d.arrayProto.Get("toJSON") == nil {
		return true
	}
	if _, ok := goja.AssertFunction(d.objectProto.Get("toJSON")); ok {
		return false
	}
	if _, ok := goja.AssertFunction(d.arrayProto.Get("toJSON")); ok {
		return false
	}
	return true
}

// appendSlot writes one member: the document's bytes unless the script
// set it or changed something inside it.
func (b *base) appendSlot(dst []byte, s *slot, depth int) ([]byte, error) {
	if s.state == sPass {
		return b.d.appendNode(dst, s.node, &b.d.buf), nil
	}
	if s.state == sTape {
		if s.v == nil {
			return b.d.appendNode(dst, s.node, &b.d.buf), nil
		}
		if o, ok := s.v.(*goja.Object); !ok || !b.d.changed(o) {
			return b.d.appendNode(dst, s.node, &b.d.buf), nil
		}
	}
	return appendValue(dst, s.v, depth+1)
}

var (
	typeLazyObject = reflect.TypeOf((*lazyObject)(nil))
	typeLazyArray  = reflect.TypeOf((*lazyArray)(nil))
)

// changed reports that a value read from the document may no longer be
// what its bytes say: something in it changed, or its prototype did.
func (d *doc) changed(o *goja.Object) bool {
	x, y := lazyOf(o)
	switch {
	case x != nil:
		return x.dirty || x.kids > 0 || o.Prototype() != d.objectProto
	case y != nil:
		return y.dirty || y.kids > 0 || o.Prototype() != d.arrayProto
	}
	return true
}

func (o *lazyObject) appendTo(dst []byte, depth int) ([]byte, error) {
	if depth > 1000 {
		return dst, errTooDeep
	}
	if !o.dirty && o.kids == 0 {
		return o.d.appendNode(dst, o.node, &o.d.buf), nil
	}
	o.open()
	var order []int
	if o.shape.indexed || o.indexed {
		order = o.slotOrder()
	}
	dst = append(dst, '{')
	first := true
	base := len(o.shape.keys)
	// In a document without white space or bad UTF-8 (nested values
	// included: the flags cover the whole container), untouched members
	// that follow each other in the document are its bytes from the first
	// one's key to the last one's value: copied at once instead of member
	// by member (a record keeps most of its members).
	runs := order == nil && !o.d.memberwise && o.d.nodes[o.node].flags&(fSpace|fBad) == 0
	for n := 0; n < len(o.slots); n++ {
		j := n
		if order != nil {
			j = order[n]
		}
		s := &o.slots[j]
		if s.state == sDeleted {
			continue
		}
		if runs && j < base && o.asBytes(s) {
			last := j
			for last+1 < base && o.d.nodes[o.slots[last].node].next == o.slots[last+1].node-1 && o.asBytes(&o.slots[last+1]) {
				last++
			}
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = append(dst, o.d.data[o.d.nodes[s.node-1].start:o.d.nodes[o.slots[last].node].end]...)
			n = last
			continue
		}
		if s.state == sSet {
			switch jsvalue.KindOf(s.v) {
			case jsvalue.Undefined, jsvalue.Function, jsvalue.Other:
				continue
			}
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		if j < base {
			dst = append(dst, o.shape.quotedKey(j)...)
		} else {
			if o.private {
				dst = AppendString(dst, o.extra[j-base])
			} else {
				dst = append(dst, o.list.quotedKey(j-base)...)
			}
		}
		dst = append(dst, ':')
		var err error
		if dst, err = o.appendSlot(dst, s, depth); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// asBytes reports that shape slot s is written as its member's bytes, key
// included: the document's value, unchanged, under a key whose bytes are
// what quotedKey makes of it (plain, no escapes). The value's node follows
// its key's.
func (o *lazyObject) asBytes(s *slot) bool {
	if s.state != sTape || o.d.nodes[s.node-1].flags&fPlain == 0 {
		return false
	}
	if s.v == nil {
		return true
	}
	x, ok := s.v.(*goja.Object)
	return !ok || !o.d.changed(x)
}

// slotOrder is the slots in plain-object key order, for objects with
// array-index keys.
func (o *lazyObject) slotOrder() []int {
	order := make([]int, 0, len(o.slots))
	for j := range o.slots {
		order = append(order, j)
	}
	if !o.shape.indexed && !o.indexed {
		return order
	}
	name := o.slotKey
	var idx, rest []int
	for _, j := range order {
		if isIndex(name(j)) {
			idx = append(idx, j)
		} else {
			rest = append(rest, j)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		x, _ := strconv.ParseUint(name(a), 10, 64)
		y, _ := strconv.ParseUint(name(b), 10, 64)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
	return append(idx, rest...)
}

func (a *lazyArray) appendTo(dst []byte, depth int) ([]byte, error) {
	if depth > 1000 {
		return dst, errTooDeep
	}
	if !a.dirty && a.kids == 0 {
		return a.d.appendNode(dst, a.node, &a.d.buf), nil
	}
	a.open()
	dst = append(dst, '[')
	for j := range a.slots {
		if j > 0 {
			dst = append(dst, ',')
		}
		s := &a.slots[j]
		if s.state == sSet {
			switch jsvalue.KindOf(s.v) {
			case jsvalue.Undefined, jsvalue.Function, jsvalue.Other:
				dst = append(dst, "null"...)
				continue
			}
		}
		var err error
		if dst, err = a.appendSlot(dst, s, depth); err != nil {
			return dst, err
		}
	}
	return append(dst, ']'), nil
}
