// Package jsjson moves JSON between Go bytes and goja values without a
// detour through JSON.parse/JSON.stringify or encoding/json: Parse scans the
// bytes once and builds JS values directly; the encoder walks JS values and
// appends JSON. Integers beyond ±2^53 become strings holding their exact
// digits, because a JS number would silently round them.
package jsjson

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/dop251/goja"
)

// maxDepth bounds nesting so a hostile body cannot exhaust the stack.
const maxDepth = 10000

// maxSafeInt is 2^53, the largest integer a JS number holds exactly.
const maxSafeInt = 1 << 53

// SyntaxError is a malformed JSON document.
type SyntaxError struct {
	Offset int    // byte offset of the problem
	Msg    string // what was wrong
	Start  string // the first bytes of the document, for context
}

// Error implements error.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("malformed JSON at byte offset %d: %s (body starts with %q)", e.Offset, e.Msg, e.Start)
}

// Parse decodes data into a value of rt. Object keys keep document order;
// a repeated key keeps its last value, as in JSON.parse.
func Parse(rt *goja.Runtime, data []byte) (goja.Value, error) {
	p := parser{rt: rt, data: data, keys: make(map[string]goja.Value, 32)}
	p.skipSpace()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos < len(p.data) {
		return nil, p.errorf("unexpected %s after the top-level value", p.describe())
	}
	return v, nil
}

type parser struct {
	rt   *goja.Runtime
	data []byte
	pos  int
	// keys interns object keys: list pages repeat the same keys in every
	// record, and one string per distinct key saves most allocations.
	keys map[string]goja.Value
	buf  []byte
	// stack holds the elements of the arrays being read.
	stack []any
}

func (p *parser) errorf(format string, args ...any) error {
	start := p.data
	if len(start) > 64 {
		start = start[:64]
	}
	return &SyntaxError{Offset: p.pos, Msg: fmt.Sprintf(format, args...), Start: string(start)}
}

func (p *parser) describe() string {
	if p.pos >= len(p.data) {
		return "end of input"
	}
	c := p.data[p.pos]
	if c < 0x20 || c >= 0x7f {
		return fmt.Sprintf("byte 0x%02x", c)
	}
	return fmt.Sprintf("character %q", rune(c))
}

func (p *parser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) value(depth int) (goja.Value, error) {
	if p.pos >= len(p.data) {
		return nil, p.errorf("unexpected end of input, want a value")
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object(depth + 1)
	case c == '[':
		return p.array(depth + 1)
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		return p.rt.ToValue(s), nil
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == 't':
		return p.literal("true", goja.Value(p.rt.ToValue(true)))
	case c == 'f':
		return p.literal("false", goja.Value(p.rt.ToValue(false)))
	case c == 'n':
		return p.literal("null", goja.Null())
	default:
		return nil, p.errorf("unexpected %s, want a value", p.describe())
	}
}

func (p *parser) literal(word string, v goja.Value) (goja.Value, error) {
	if len(p.data)-p.pos < len(word) || string(p.data[p.pos:p.pos+len(word)]) != word {
		return nil, p.errorf("unexpected %s, want %s", p.describe(), word)
	}
	p.pos += len(word)
	return v, nil
}

func (p *parser) object(depth int) (goja.Value, error) {
	if depth > maxDepth {
		return nil, p.errorf("nesting deeper than %d", maxDepth)
	}
	p.pos++ // {
	obj := p.rt.NewObject()
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return obj, nil
	}
	for {
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, p.errorf("unexpected %s, want a string key", p.describe())
		}
		key, err := p.key()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, p.errorf("unexpected %s, want ':' after key %q", p.describe(), key)
		}
		p.pos++
		p.skipSpace()
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		if key == "__proto__" {
			// An own property, as JSON.parse makes: Set would call the
			// inherited __proto__ setter and replace the prototype.
			err = obj.DefineDataProperty(key, v, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE)
		} else {
			err = obj.Set(key, v)
		}
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.pos >= len(p.data) {
			return nil, p.errorf("unexpected end of input, want ',' or '}'")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return obj, nil
		default:
			return nil, p.errorf("unexpected %s, want ',' or '}'", p.describe())
		}
	}
}

func (p *parser) array(depth int) (goja.Value, error) {
	if depth > maxDepth {
		return nil, p.errorf("nesting deeper than %d", maxDepth)
	}
	p.pos++ // [
	// Elements gather on one stack shared by every array of the document,
	// so nested and sibling arrays reuse its memory instead of growing a
	// slice each.
	base := len(p.stack)
	defer func() {
		clear(p.stack[base:])
		p.stack = p.stack[:base]
	}()
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return p.rt.NewArray(), nil
	}
	for {
		p.skipSpace()
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		p.stack = append(p.stack, v)
		p.skipSpace()
		if p.pos >= len(p.data) {
			return nil, p.errorf("unexpected end of input, want ',' or ']'")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return p.rt.NewArray(p.stack[base:]...), nil
		default:
			return nil, p.errorf("unexpected %s, want ',' or ']'", p.describe())
		}
	}
}

// key reads an object key, interned.
func (p *parser) key() (string, error) {
	start := p.pos + 1
	if i := plainEnd(p.data, start); i < len(p.data) && p.data[i] == '"' {
		raw := p.data[start:i]
		if v, ok := p.keys[string(raw)]; ok {
			p.pos = i + 1
			return v.String(), nil
		}
		s := string(raw)
		if len(p.keys) < 4096 {
			p.keys[s] = p.rt.ToValue(s)
		}
		p.pos = i + 1
		return s, nil
	}
	return p.str()
}

// str reads a string starting at the opening quote.
func (p *parser) str() (string, error) {
	p.pos++ // opening quote
	start := p.pos
	// Fast path: plain ASCII with no escapes.
	if i := plainEnd(p.data, start); i < len(p.data) && p.data[i] == '"' {
		p.pos = i + 1
		return string(p.data[start:i]), nil
	}
	buf := p.buf[:0]
	i := start
	for i < len(p.data) {
		c := p.data[i]
		switch {
		case c == '"':
			p.pos = i + 1
			p.buf = buf
			return string(buf), nil
		case c < 0x20:
			p.pos = i
			return "", p.errorf("control %s in a string", p.describe())
		case c == '\\':
			if i+1 >= len(p.data) {
				p.pos = i
				return "", p.errorf("unterminated escape")
			}
			e := p.data[i+1]
			i += 2
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, ok := hex4(p.data, i)
				if !ok {
					p.pos = i - 2
					return "", p.errorf("bad \\u escape")
				}
				i += 4
				if utf16.IsSurrogate(r) {
					r2, ok2 := rune(-1), false
					if i+6 <= len(p.data) && p.data[i] == '\\' && p.data[i+1] == 'u' {
						r2, ok2 = hex4(p.data, i+2)
					}
					if d := utf16.DecodeRune(r, r2); ok2 && d != utf8.RuneError {
						r = d
						i += 6
					} else {
						r = utf8.RuneError
					}
				}
				buf = utf8.AppendRune(buf, r)
			default:
				p.pos = i - 2
				return "", p.errorf("unknown escape \\%c", e)
			}
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			i++
		default:
			r, size := utf8.DecodeRune(p.data[i:])
			buf = utf8.AppendRune(buf, r) // invalid UTF-8 becomes U+FFFD
			i += size
		}
	}
	p.pos = len(p.data)
	return "", p.errorf("unterminated string")
}

// plainEnd is the index of the first byte from i on that ends a string's
// plain run (a quote, a backslash, a control byte or a non-ASCII byte), or
// len(b): the fast path of every string both parsers read.
func plainEnd(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		if m := plainMask(binary.LittleEndian.Uint64(b[i:])); m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c == '"' || c == '\\' || c < 0x20 || c >= 0x80 {
			return i
		}
	}
	return i
}

// lo and hi are the words of eight bytes of 0x01 and of 0x80, for the
// scans of eight bytes at a time.
const lo, hi = 0x0101010101010101, 0x8080808080808080

// plainMask flags the bytes of w (eight bytes of a string, the first
// lowest) that end a plain run: its high bits are set for bytes below
// 0x20, quotes, backslashes and bytes of 0x80 and up. A flag can be wrong
// only above a right one (a borrow), so the lowest is the answer.
//
// A quote xor 2 is a space, and control bytes xor 2 stay below 0x20, so
// one subtraction finds both; or-ing in w itself flags the bytes of 0x80
// and up (whose subtractions borrow nothing).
func plainMask(w uint64) uint64 {
	return (((w ^ (2 * lo)) - 0x21*lo) | ((w ^ ('\\' * lo)) - lo) | w) & hi
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// scanNumber checks a number's syntax and moves past it; both parsers
// use it. digits is where the digits start (after a minus sign); integer
// is false when there is a fraction or an exponent.
func (p *parser) scanNumber() (digits int, integer bool, err error) {
	i := p.pos
	if p.data[i] == '-' {
		i++
	}
	digits = i
	if i < len(p.data) && p.data[i] == '0' {
		i++
	} else {
		for i < len(p.data) && p.data[i] >= '0' && p.data[i] <= '9' {
			i++
		}
	}
	if i == digits {
		p.pos = i
		return 0, false, p.errorf("unexpected %s in a number", p.describe())
	}
	integer = true
	if i < len(p.data) && p.data[i] == '.' {
		integer = false
		i++
		d := i
		for i < len(p.data) && p.data[i] >= '0' && p.data[i] <= '9' {
			i++
		}
		if i == d {
			p.pos = i
			return 0, false, p.errorf("unexpected %s after a decimal point", p.describe())
		}
	}
	if i < len(p.data) && (p.data[i] == 'e' || p.data[i] == 'E') {
		integer = false
		i++
		if i < len(p.data) && (p.data[i] == '+' || p.data[i] == '-') {
			i++
		}
		d := i
		for i < len(p.data) && p.data[i] >= '0' && p.data[i] <= '9' {
			i++
		}
		if i == d {
			p.pos = i
			return 0, false, p.errorf("unexpected %s in an exponent", p.describe())
		}
	}
	p.pos = i
	return digits, integer, nil
}

func (p *parser) number() (goja.Value, error) {
	start := p.pos
	digits, integer, err := p.scanNumber()
	if err != nil {
		return nil, err
	}
	text := p.data[start:p.pos]
	if integer && len(text) <= 18 {
		// Fits in int64 without overflow checks.
		var n int64
		for _, c := range text[digits-start:] {
			n = n*10 + int64(c-'0')
		}
		if text[0] == '-' {
			if n == 0 {
				return p.rt.ToValue(math.Copysign(0, -1)), nil // -0, as JSON.parse
			}
			n = -n
		}
		if n <= maxSafeInt && n >= -maxSafeInt {
			return p.rt.ToValue(n), nil
		}
		return p.rt.ToValue(string(text)), nil
	}
	if integer {
		// Too long for an exact JS number: keep the digits.
		return p.rt.ToValue(string(text)), nil
	}
	f, err := strconv.ParseFloat(string(text), 64)
	if err != nil && !math.IsInf(f, 0) {
		p.pos = start
		return nil, p.errorf("bad number %q", text)
	}
	return p.rt.ToValue(f), nil
}
