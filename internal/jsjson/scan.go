package jsjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// A light JSON scanner for documents the host already checked and encoded.
// The platform's sync writes every record of every page, so it slices the
// records' raw bytes out of a result instead of decoding and re-encoding
// them; only the few fields it needs (id, lastModified, the watermark) are
// decoded. It does not validate: feed it only JSON the host wrote.

// skipWS returns the index of the first non-space byte at or after i.
func skipWS(b []byte, i int) int {
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

// skipString returns the index just past the string starting at b[i] ('"').
// It jumps from quote to quote (bytes.IndexByte is vectorised: records are
// mostly strings); a quote after an odd run of backslashes is escaped.
func skipString(b []byte, i int) (int, error) {
	j := i + 1
	for j <= len(b) {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			break
		}
		q := j + k
		n := 0
		for p := q - 1; p > i && b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return q + 1, nil
		}
		j = q + 1
	}
	return 0, fmt.Errorf("unterminated string at byte %d", i)
}

// SkipValue returns the index just past the JSON value starting at b[i].
func SkipValue(b []byte, i int) (int, error) {
	i = skipWS(b, i)
	if i >= len(b) {
		return 0, fmt.Errorf("unexpected end of JSON")
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, err := skipString(b, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, fmt.Errorf("unterminated value at byte %d", i)
	default: // number, true, false, null
		j := i
		for j < len(b) {
			switch b[j] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return j, nil
			}
			j++
		}
		return j, nil
	}
}

// EachField calls fn with each key (raw, without quotes) and raw value of
// the object at b. It stops at fn's first error.
func EachField(b []byte, fn func(key, val []byte) error) error {
	_, err := WalkObject(b, 0, func(key []byte, at int) (int, error) {
		end, err := SkipValue(b, at)
		if err != nil {
			return 0, err
		}
		return end, fn(key, b[at:end])
	})
	return err
}

// EachElem calls fn with each element's raw bytes of the array at b.
func EachElem(b []byte, fn func(val []byte) error) error {
	_, err := WalkArray(b, 0, func(at int) (int, error) {
		end, err := SkipValue(b, at)
		if err != nil {
			return 0, err
		}
		return end, fn(b[at:end])
	})
	return err
}

// WalkObject walks the object starting at or after b[i] (white space
// first is skipped) and returns the index just past it. For each member
// it calls fn with the raw key (without quotes) and the index of the
// value's first byte; fn reads the value, or skips it with SkipValue, and
// returns the index just past it. A caller that needs the insides of some
// values (a page's records) reads them in the same pass: each byte is
// looked at once, where EachField inside EachElem looks at it twice.
func WalkObject(b []byte, i int, fn func(key []byte, at int) (end int, err error)) (int, error) {
	i = skipWS(b, i)
	if i >= len(b) || b[i] != '{' {
		return 0, fmt.Errorf("want a JSON object")
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, nil
	}
	for i < len(b) {
		if b[i] != '"' {
			return 0, fmt.Errorf("want a key at byte %d", i)
		}
		kend, err := skipString(b, i)
		if err != nil {
			return 0, err
		}
		key := b[i+1 : kend-1]
		i = skipWS(b, kend)
		if i >= len(b) || b[i] != ':' {
			return 0, fmt.Errorf("want ':' at byte %d", i)
		}
		vstart := skipWS(b, i+1)
		if vstart >= len(b) {
			return 0, fmt.Errorf("unexpected end of JSON")
		}
		vend, err := fn(key, vstart)
		if err != nil {
			return 0, err
		}
		i = skipWS(b, vend)
		if i >= len(b) {
			break
		}
		if b[i] == '}' {
			return i + 1, nil
		}
		if b[i] != ',' {
			return 0, fmt.Errorf("want ',' or '}' at byte %d", i)
		}
		i = skipWS(b, i+1)
	}
	return 0, fmt.Errorf("unterminated object")
}

// WalkArray is WalkObject for an array: fn gets the index of each
// element's first byte and returns the index just past the element.
func WalkArray(b []byte, i int, fn func(at int) (end int, err error)) (int, error) {
	i = skipWS(b, i)
	if i >= len(b) || b[i] != '[' {
		return 0, fmt.Errorf("want a JSON array")
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == ']' {
		return i + 1, nil
	}
	for i < len(b) {
		end, err := fn(i)
		if err != nil {
			return 0, err
		}
		i = skipWS(b, end)
		if i >= len(b) {
			break
		}
		if b[i] == ']' {
			return i + 1, nil
		}
		if b[i] != ',' {
			return 0, fmt.Errorf("want ',' or ']' at byte %d", i)
		}
		i = skipWS(b, i+1)
	}
	return 0, fmt.Errorf("unterminated array")
}

// ParseInt reads a JSON integer without allocating.
func ParseInt(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && b[0] == '-' {
		neg, b = true, b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		if len(b) > 18 {
			n, err := strconv.ParseInt(string(b), 10, 64)
			if neg {
				n = -n
			}
			return n, err == nil
		}
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// Unquote decodes a JSON string (with its quotes), quickly when it has no
// escapes.
func Unquote(val []byte) (string, error) {
	inner := val[1 : len(val)-1]
	plain := true
	for _, c := range inner {
		if c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		return string(inner), nil
	}
	var s string
	err := json.Unmarshal(val, &s)
	return s, err
}
