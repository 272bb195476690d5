package jsjson

import (
	"math"
	"unicode/utf8"
)

// refTapeParser is the tape parser before its rewrite into one loop
// (parseTape): the plain recursive descent, kept as the reference the
// fast one is held to, node for node and error for error.
type refTapeParser struct {
	parser
	nodes []node
	ws    int // white space runs skipped so far
	bad   int // strings with invalid UTF-8 so far
}

func refParseTape(data []byte) (*tape, error) {
	if len(data) > math.MaxInt32 {
		return nil, &SyntaxError{Msg: "document larger than 2 GiB"}
	}
	// API pages of records run at about one node per 14 bytes (a
	// Pipedrive persons page: 506 KB, 36,250 nodes): sized for them, the
	// node slice is made once instead of grown, which copied it.
	p := refTapeParser{parser: parser{data: data}, nodes: make([]node, 0, 16+len(data)/12)}
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

func (p *refTapeParser) space() {
	start := p.pos
	p.skipSpace()
	if p.pos != start {
		p.ws++
	}
}

func (p *refTapeParser) add(kind uint8, start int) int {
	p.nodes = append(p.nodes, node{start: int32(start), kind: kind})
	return len(p.nodes) - 1
}

func (p *refTapeParser) close(i int) {
	nd := &p.nodes[i]
	nd.end = int32(p.pos)
	nd.next = int32(len(p.nodes))
}

func (p *refTapeParser) value(depth int) error {
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

func (p *refTapeParser) word(w string, kind uint8) error {
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
func (p *refTapeParser) string() error {
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

func (p *refTapeParser) flagContainer(i, ws, bad int) {
	if p.ws != ws {
		p.nodes[i].flags |= fSpace
	}
	if p.bad != bad {
		p.nodes[i].flags |= fBad
	}
}

func (p *refTapeParser) object(depth int) error {
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

func (p *refTapeParser) array(depth int) error {
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
