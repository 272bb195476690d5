package jsjson

import (
	"math"
	"strconv"
	"unicode/utf8"

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
	ws    int // white space runs skipped so far
	bad   int // strings with invalid UTF-8 so far
}

func parseTape(data []byte) (*tape, error) {
	if len(data) > math.MaxInt32 {
		return nil, &SyntaxError{Msg: "document larger than 2 GiB"}
	}
	// API pages of records run at about one node per 14 bytes (a
	// Pipedrive persons page: 506 KB, 36,250 nodes): sized for them, the
	// node slice is made once instead of grown, which copied it.
	p := tapeParser{parser: parser{data: data}, nodes: make([]node, 0, 16+len(data)/12)}
	p.space()
	if err := p.value(0); err != nil {
		return nil, err
	}
	p.space()
	if p.pos < len(p.data) {
		return nil, p.errorf("unexpected %s after the top-level value", p.describe())
	}
	return &tape{data: data, nodes: p.nodes}, nil
}

func (p *tapeParser) space() {
	start := p.pos
	p.skipSpace()
	if p.pos != start {
		p.ws++
	}
}

func (p *tapeParser) add(kind uint8, start int) int {
	p.nodes = append(p.nodes, node{start: int32(start), kind: kind})
	return len(p.nodes) - 1
}

func (p *tapeParser) close(i int) {
	nd := &p.nodes[i]
	nd.end = int32(p.pos)
	nd.next = int32(len(p.nodes))
}

func (p *tapeParser) value(depth int) error {
	if p.pos >= len(p.data) {
		return p.errorf("unexpected end of input, want a value")
	}
	start := p.pos
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object(depth + 1)
	case c == '[':
		return p.array(depth + 1)
	case c == '"':
		return p.string()
	case c == '-' || (c >= '0' && c <= '9'):
		i := p.add(nNumber, start)
		_, integer, err := p.scanNumber()
		if err != nil {
			return err
		}
		if integer && p.pos-start <= 15 {
			p.nodes[i].flags = fPlain
		}
		p.close(i)
		return nil
	case c == 't':
		return p.word("true", nTrue)
	case c == 'f':
		return p.word("false", nFalse)
	case c == 'n':
		return p.word("null", nNull)
	default:
		return p.errorf("unexpected %s, want a value", p.describe())
	}
}

func (p *tapeParser) word(w string, kind uint8) error {
	if len(p.data)-p.pos < len(w) || string(p.data[p.pos:p.pos+len(w)]) != w {
		return p.errorf("unexpected %s, want %s", p.describe(), w)
	}
	i := p.add(kind, p.pos)
	p.pos += len(w)
	p.close(i)
	return nil
}

// string records a string (or key) and checks it: escapes, control bytes,
// UTF-8.
func (p *tapeParser) string() error {
	i := p.add(nString, p.pos)
	j := plainEnd(p.data, p.pos+1)
	if j < len(p.data) && p.data[j] == '"' {
		p.pos = j + 1
		p.nodes[i].flags = fPlain
		p.close(i)
		return nil
	}
	for j < len(p.data) {
		c := p.data[j]
		switch {
		case c == '"':
			p.pos = j + 1
			p.close(i)
			return nil
		case c < 0x20:
			p.pos = j
			return p.errorf("control %s in a string", p.describe())
		case c == '\\':
			if j+1 >= len(p.data) {
				p.pos = j
				return p.errorf("unterminated escape")
			}
			switch e := p.data[j+1]; e {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				if _, ok := hex4(p.data, j+2); !ok {
					p.pos = j
					return p.errorf("bad \\u escape")
				}
				j += 6
			default:
				p.pos = j
				return p.errorf("unknown escape \\%c", e)
			}
		case c < utf8.RuneSelf:
			j++
		default:
			r, size := utf8.DecodeRune(p.data[j:])
			if r == utf8.RuneError && size == 1 && p.nodes[i].flags&fBad == 0 {
				p.nodes[i].flags |= fBad
				p.bad++
			}
			j += size
		}
	}
	p.pos = len(p.data)
	return p.errorf("unterminated string")
}

func (p *tapeParser) flagContainer(i, ws, bad int) {
	if p.ws != ws {
		p.nodes[i].flags |= fSpace
	}
	if p.bad != bad {
		p.nodes[i].flags |= fBad
	}
}

func (p *tapeParser) object(depth int) error {
	if depth > maxDepth {
		return p.errorf("nesting deeper than %d", maxDepth)
	}
	ws, bad := p.ws, p.bad
	i := p.add(nObject, p.pos)
	p.pos++ // {
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		p.close(i)
		p.flagContainer(i, ws, bad)
		return nil
	}
	n := int32(0)
	for {
		p.space()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return p.errorf("unexpected %s, want a string key", p.describe())
		}
		k := len(p.nodes)
		if err := p.string(); err != nil {
			return err
		}
		p.space()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			t := tape{data: p.data, nodes: p.nodes}
			return p.errorf("unexpected %s, want ':' after key %q", p.describe(), t.str(int32(k), &p.buf))
		}
		p.pos++
		p.space()
		if err := p.value(depth); err != nil {
			return err
		}
		n++
		p.space()
		if p.pos >= len(p.data) {
			return p.errorf("unexpected end of input, want ',' or '}'")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			p.nodes[i].n = n
			p.close(i)
			p.flagContainer(i, ws, bad)
			return nil
		default:
			return p.errorf("unexpected %s, want ',' or '}'", p.describe())
		}
	}
}

func (p *tapeParser) array(depth int) error {
	if depth > maxDepth {
		return p.errorf("nesting deeper than %d", maxDepth)
	}
	ws, bad := p.ws, p.bad
	i := p.add(nArray, p.pos)
	p.pos++ // [
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		p.close(i)
		p.flagContainer(i, ws, bad)
		return nil
	}
	n := int32(0)
	for {
		p.space()
		if err := p.value(depth); err != nil {
			return err
		}
		n++
		p.space()
		if p.pos >= len(p.data) {
			return p.errorf("unexpected end of input, want ',' or ']'")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			p.nodes[i].n = n
			p.close(i)
			p.flagContainer(i, ws, bad)
			return nil
		default:
			return p.errorf("unexpected %s, want ',' or ']'", p.describe())
		}
	}
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
