package jsjson

import (
	"encoding/binary"
	"math"
	"math/bits"
	"strconv"
	"unicode/utf8"
	"unsafe"

	"github.com/dop251/goja"
)

// The tape: one pass over a JSON document records every value as a node
// (its kind and byte span) in document order, without building anything
// else. ParseLazy hands scripts objects over the tape that build JS
// values only for what is read, and the encoder copies the bytes of
// whatever the script left untouched.

// Node kinds.
const (
	nNull uint8 = iota
	nTrue
	nFalse
	nNumber
	nString
	nObject
	nArray
)

// Node flags.
const (
	// fPlain: a string of printable ASCII without escapes, or an integer
	// of at most 15 digits: decoded without a second look.
	fPlain uint8 = 1 << iota
	// fSpace: a container with white space between its tokens; its bytes
	// are compacted, not copied.
	fSpace
	// fBad: a container or string holding invalid UTF-8, which is
	// re-encoded (as U+FFFD) rather than copied.
	fBad
)

// node is one value of the tape. For a container, its members follow it
// (an object's as key, value pairs) and next is the index after them.
type node struct {
	start, end int32 // the value's bytes, quotes included
	next       int32 // index of the next sibling
	n          int32 // containers: members (pairs for objects)
	kind       uint8
	flags      uint8
}

// tape is a parsed document.
type tape struct {
	data  []byte
	nodes []node
}

// tapeParser builds a tape; its errors are those of Parse.
type tapeParser struct {
	parser
	nodes []node
	// stack holds the nodes of the open containers around the innermost
	// one (-1 for the top level, outside any).
	stack []int32
}

func parseTape(data []byte) (*tape, error) {
	if len(data) > math.MaxInt32 {
		return nil, &SyntaxError{Msg: "document larger than 2 GiB"}
	}
	// API pages of records run at about one node per 14 bytes (a
	// Pipedrive persons page: 506 KB, 36,250 nodes): sized for them, the
	// node slice is made once instead of grown, which copied it.
	p := tapeParser{parser: parser{data: data}, nodes: make([]node, 0, 16+len(data)/12), stack: make([]int32, 0, 16)}
	if err := p.parse(); err != nil {
		return nil, err
	}
	return &tape{data: data, nodes: p.nodes}, nil
}

// parse reads the document as one loop over its tokens, with the open
// containers on a stack of its own, rather than as a recursive descent:
// a page is tens of thousands of small values, and a call per value, the
// position kept in memory across calls and a node appended then patched
// cost more than reading them. The checks, and so the errors and their
// offsets, are those of Parse, token for token.
//
// Few variables live across the loop, so that they stay in registers: a
// container's member count and flags are kept in its node as they are
// found, and fSpace and fBad pass up to the enclosing container when it
// closes.
func (p *tapeParser) parse() error {
	data := p.data
	nodes := p.nodes
	base := unsafe.Pointer(unsafe.SliceData(data))
	var (
		pos, j, k int
		ci        = -1 // the innermost open container's node
		closer    byte // its closing bracket: '}' for an object, ']' for an array
		c, fl     byte
		w         uint64
		nd        *node
	)
	pos = skipSpaceFrom(data, 0)

value: // a value starts at pos
	if pos >= len(data) {
		p.pos = pos
		return p.errorf("unexpected end of input, want a value")
	}
	c = data[pos]
	switch {
	case c == '"':
		goto str
	case c == '-' || c-'0' < 10:
		// Integers and plain decimals here; an exponent (and any
		// error) goes to scanNumber, which reads the number again.
		j = pos
		if c == '-' {
			j++
		}
		k = j
		if j < len(data) && data[j] == '0' {
			j++
		} else {
			for j < len(data) && data[j]-'0' < 10 {
				j++
			}
		}
		if j == k {
			goto number
		}
		fl = fPlain
		if j < len(data) && data[j] == '.' {
			j++
			k = j
			for j < len(data) && data[j]-'0' < 10 {
				j++
			}
			if j == k {
				goto number
			}
			fl = 0
		}
		if j < len(data) && data[j]|0x20 == 'e' {
			goto number
		}
		if j-pos > 15 {
			fl = 0
		}
		c = nNumber
		goto scalar
	case c == '{' || c == '[':
		p.stack = append(p.stack, int32(ci))
		if len(p.stack) > maxDepth {
			p.pos = pos
			return p.errorf("nesting deeper than %d", maxDepth)
		}
		if k = len(nodes); k == cap(nodes) {
			nodes = append(nodes, node{})[:k]
		}
		nodes = nodes[:k+1]
		nd = &nodes[k]
		*nd = node{start: int32(pos), kind: nArray}
		closer = ']'
		if c == '{' {
			nd.kind = nObject
			closer = '}'
		}
		ci = k
		pos++
		if pos < len(data) && data[pos] <= ' ' {
			if j = skipSpaceFrom(data, pos); j != pos {
				pos = j
				nodes[ci].flags |= fSpace
			}
		}
		if pos < len(data) && data[pos] == closer {
			pos++
			goto close
		}
		if closer == '}' {
			goto key
		}
		goto value
	case c == 't':
		if len(data)-pos < 4 || string(data[pos:pos+4]) != "true" {
			p.pos = pos
			return p.errorf("unexpected %s, want true", p.describe())
		}
		j, c, fl = pos+4, nTrue, 0
		goto scalar
	case c == 'f':
		if len(data)-pos < 5 || string(data[pos:pos+5]) != "false" {
			p.pos = pos
			return p.errorf("unexpected %s, want false", p.describe())
		}
		j, c, fl = pos+5, nFalse, 0
		goto scalar
	case c == 'n':
		if len(data)-pos < 4 || string(data[pos:pos+4]) != "null" {
			p.pos = pos
			return p.errorf("unexpected %s, want null", p.describe())
		}
		j, c, fl = pos+4, nNull, 0
		goto scalar
	default:
		p.pos = pos
		return p.errorf("unexpected %s, want a value", p.describe())
	}

number: // a number the fast path above does not take
	p.pos = pos
	if _, integer, err := p.scanNumber(); err != nil {
		return err
	} else if integer && p.pos-pos <= 15 {
		fl = fPlain
	} else {
		fl = 0
	}
	j, c = p.pos, nNumber

scalar: // a value of kind c and flags fl spans pos to j
	if k = len(nodes); k == cap(nodes) {
		nodes = append(nodes, node{})[:k]
	}
	nodes = nodes[:k+1]
	nd = &nodes[k]
	nd.start, nd.end, nd.next, nd.n, nd.kind, nd.flags = int32(pos), int32(j), int32(k+1), 0, c, fl
	pos = j
	goto after

str: // a string value starts at pos
	// Eight bytes at a time, as plainEnd, to the first byte that is not
	// printable ASCII; the last few bytes of the document by plainEnd.
	j = pos + 1
	for j <= len(data)-8 {
		// (j+8 <= len(data): an unchecked load of data[j:j+8], the
		// bounds checks and slicing of which were a third of the loop.)
		if w = plainMask(binary.LittleEndian.Uint64(unsafe.Slice((*byte)(unsafe.Add(base, j)), 8))); w != 0 {
			j += bits.TrailingZeros64(w) / 8
			goto strEnd
		}
		j += 8
	}
	j = plainEnd(data, j)
strEnd:
	c, fl = nString, fPlain
	if j < len(data) && data[j] == '"' {
		j++
		goto scalar
	}
	p.pos = pos
	{
		var err error
		if j, fl, err = p.slowString(j); err != nil {
			return err
		}
	}
	if ci >= 0 {
		nodes[ci].flags |= fl
	}
	goto scalar

key: // an object's key is wanted at pos
	// The string scan of str again: its own copy, so that what follows
	// a key (almost always a colon straight after it) is read without
	// a test of which of the two it was.
	if pos >= len(data) || data[pos] != '"' {
		p.pos = pos
		return p.errorf("unexpected %s, want a string key", p.describe())
	}
	j = pos + 1
	for j <= len(data)-8 {
		if w = plainMask(binary.LittleEndian.Uint64(unsafe.Slice((*byte)(unsafe.Add(base, j)), 8))); w != 0 {
			j += bits.TrailingZeros64(w) / 8
			goto keyEnd
		}
		j += 8
	}
	j = plainEnd(data, j)
keyEnd:
	fl = fPlain
	if j < len(data) && data[j] == '"' {
		j++
	} else {
		p.pos = pos
		var err error
		if j, fl, err = p.slowString(j); err != nil {
			return err
		}
		nodes[ci].flags |= fl
	}
	if k = len(nodes); k == cap(nodes) {
		nodes = append(nodes, node{})[:k]
	}
	nodes = nodes[:k+1]
	nd = &nodes[k]
	nd.start, nd.end, nd.next, nd.n, nd.kind, nd.flags = int32(pos), int32(j), int32(k+1), 0, nString, fl
	pos = j
	if pos < len(data) && data[pos] == ':' {
		pos++
	} else {
		if j = skipSpaceFrom(data, pos); j != pos {
			pos = j
			nodes[ci].flags |= fSpace
		}
		if pos >= len(data) || data[pos] != ':' {
			p.pos = pos
			t := tape{data: data, nodes: nodes}
			return p.errorf("unexpected %s, want ':' after key %q", p.describe(), t.str(int32(len(nodes)-1), &p.buf))
		}
		pos++
	}
	if pos < len(data) && data[pos] <= ' ' {
		if j = skipSpaceFrom(data, pos); j != pos {
			pos = j
			nodes[ci].flags |= fSpace
		}
	}
	goto value

after: // a value ended at pos
	if ci < 0 {
		goto done
	}
	nodes[ci].n++
	if pos < len(data) && data[pos] <= ' ' {
		if j = skipSpaceFrom(data, pos); j != pos {
			pos = j
			nodes[ci].flags |= fSpace
		}
	}
	if pos >= len(data) {
		p.pos = pos
		return p.errorf("unexpected end of input, want ',' or '%c'", closer)
	}
	switch data[pos] {
	case ',':
		pos++
		if pos < len(data) && data[pos] <= ' ' {
			if j = skipSpaceFrom(data, pos); j != pos {
				pos = j
				nodes[ci].flags |= fSpace
			}
		}
		if closer == '}' {
			goto key
		}
		goto value
	case closer:
		pos++
		goto close
	default:
		p.pos = pos
		return p.errorf("unexpected %s, want ',' or '%c'", p.describe(), closer)
	}

close: // the container of node ci ended at pos
	nd = &nodes[ci]
	nd.end = int32(pos)
	nd.next = int32(len(nodes))
	fl = nd.flags
	ci = int(p.stack[len(p.stack)-1])
	p.stack = p.stack[:len(p.stack)-1]
	if ci < 0 {
		goto done
	}
	nd = &nodes[ci]
	nd.flags |= fl
	closer = ']'
	if nd.kind == nObject {
		closer = '}'
	}
	goto after

done:
	p.nodes = nodes
	pos = skipSpaceFrom(data, pos)
	if pos < len(data) {
		p.pos = pos
		return p.errorf("unexpected %s after the top-level value", p.describe())
	}
	return nil
}

// slowString reads the rest of a string from j, the first byte of it its
// fast path did not take, checking escapes, control bytes and UTF-8; p.pos
// is at its opening quote. It returns the index after the closing quote
// and fBad when the string holds invalid UTF-8.
func (p *tapeParser) slowString(j int) (end int, flags uint8, err error) {
	data := p.data
	for j < len(data) {
		c := data[j]
		switch {
		case c == '"':
			return j + 1, flags, nil
		case c < 0x20:
			p.pos = j
			return 0, 0, p.errorf("control %s in a string", p.describe())
		case c == '\\':
			if j+1 >= len(data) {
				p.pos = j
				return 0, 0, p.errorf("unterminated escape")
			}
			switch e := data[j+1]; e {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				if _, ok := hex4(data, j+2); !ok {
					p.pos = j
					return 0, 0, p.errorf("bad \\u escape")
				}
				j += 6
			default:
				p.pos = j
				return 0, 0, p.errorf("unknown escape \\%c", e)
			}
		case c < utf8.RuneSelf:
			j++
		default:
			r, size := utf8.DecodeRune(data[j:])
			if r == utf8.RuneError && size == 1 {
				flags = fBad
			}
			j += size
		}
	}
	p.pos = len(data)
	return 0, 0, p.errorf("unterminated string")
}

// skipSpaceFrom is the index of the first byte from i on that is not
// JSON white space.
func skipSpaceFrom(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// raw is a node's bytes.
func (t *tape) raw(i int32) []byte {
	nd := &t.nodes[i]
	return t.data[nd.start:nd.end]
}

// str decodes a string node.
func (t *tape) str(i int32, buf *[]byte) string {
	nd := &t.nodes[i]
	if nd.flags&fPlain != 0 {
		return string(t.data[nd.start+1 : nd.end-1])
	}
	p := parser{data: t.data[:nd.end], pos: int(nd.start), buf: *buf}
	s, _ := p.str() // checked by the tape parser
	*buf = p.buf
	return s
}

// number is what a script reads for a number node: as Parse, an integer
// when a JS number holds it exactly, a string of its digits for a longer
// integer (a JS number would round it; a BigInt would make JSON.stringify
// throw), otherwise the nearest double.
func (t *tape) number(rt *goja.Runtime, b *boxer, i int32) goja.Value {
	nd := &t.nodes[i]
	text := t.data[nd.start:nd.end]
	if nd.flags&fPlain != 0 {
		var n int64
		neg := text[0] == '-'
		digits := text
		if neg {
			digits = text[1:]
		}
		for _, c := range digits {
			n = n*10 + int64(c-'0')
		}
		if neg {
			if n == 0 {
				return rt.ToValue(math.Copysign(0, -1))
			}
			n = -n
		}
		return b.integer(rt, n)
	}
	integer := true
	for _, c := range text {
		if c == '.' || c == 'e' || c == 'E' {
			integer = false
			break
		}
	}
	if integer {
		n, err := strconv.ParseInt(string(text), 10, 64)
		if err == nil && n <= maxSafeInt && n >= -maxSafeInt {
			if n == 0 && text[0] == '-' {
				return rt.ToValue(math.Copysign(0, -1))
			}
			return b.integer(rt, n)
		}
		if n == 0 && err == nil && text[0] == '-' {
			return rt.ToValue(math.Copysign(0, -1))
		}
		return rt.ToValue(string(text))
	}
	f, _ := strconv.ParseFloat(string(text), 64)
	return b.float(rt, f)
}

// appendNode writes node i as compact JSON: its bytes when they are
// already compact and valid UTF-8, otherwise rebuilt from its members.
func (t *tape) appendNode(dst []byte, i int32, buf *[]byte) []byte {
	nd := &t.nodes[i]
	if nd.flags&(fSpace|fBad) == 0 || (nd.kind != nObject && nd.kind != nArray && nd.kind != nString) {
		return append(dst, t.data[nd.start:nd.end]...)
	}
	switch nd.kind {
	case nString:
		return AppendString(dst, t.str(i, buf))
	case nArray:
		dst = append(dst, '[')
		c := i + 1
		for m := int32(0); m < nd.n; m++ {
			if m > 0 {
				dst = append(dst, ',')
			}
			dst = t.appendNode(dst, c, buf)
			c = t.nodes[c].next
		}
		return append(dst, ']')
	default:
		dst = append(dst, '{')
		c := i + 1
		for m := int32(0); m < nd.n; m++ {
			if m > 0 {
				dst = append(dst, ',')
			}
			dst = t.appendNode(dst, c, buf)
			dst = append(dst, ':')
			dst = t.appendNode(dst, c+1, buf)
			c = t.nodes[c+1].next
		}
		return append(dst, '}')
	}
}

// ObjectMembers checks that data is one well-formed JSON document and, when
// it is an object, calls fn with each member's key and value bytes, in
// document order (a repeated key comes as often as it appears). key is the
// decoded key, valid only during the call. isObject is false for a
// well-formed document of another kind.
func ObjectMembers(data []byte, fn func(key, val []byte)) (isObject bool, err error) {
	t, err := parseTape(data)
	if err != nil {
		return false, err
	}
	root := &t.nodes[0]
	if root.kind != nObject {
		return false, nil
	}
	var buf []byte
	c := int32(1)
	for range root.n {
		k := &t.nodes[c]
		if k.flags&fPlain != 0 {
			fn(data[k.start+1:k.end-1], t.raw(c+1))
		} else {
			fn([]byte(t.str(c, &buf)), t.raw(c+1))
		}
		c = t.nodes[c+1].next
	}
	return true, nil
}

// StringValue decodes raw, the bytes of one JSON value: ok is false when it
// is not a string.
func StringValue(raw []byte) (s string, ok bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	p := parser{data: raw}
	s, err := p.str()
	return s, err == nil && p.pos == len(raw)
}
