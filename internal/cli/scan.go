package cli

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// A light JSON scanner for results the host already checked and encoded.
// sync writes every record of every page, so it slices the records' raw
// bytes out of Response.Body instead of decoding and re-encoding them; only
// the few fields it needs (id, lastModified, the watermark) are decoded.

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
func skipString(b []byte, i int) (int, error) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, nil
		}
	}
	return 0, fmt.Errorf("unterminated string at byte %d", i)
}

// skipValue returns the index just past the JSON value starting at b[i].
func skipValue(b []byte, i int) (int, error) {
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

// eachField calls fn with each key (raw, without quotes) and raw value of
// the object at b. It stops at fn's first error.
func eachField(b []byte, fn func(key, val []byte) error) error {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return fmt.Errorf("want a JSON object")
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return nil
	}
	for i < len(b) {
		if b[i] != '"' {
			return fmt.Errorf("want a key at byte %d", i)
		}
		kend, err := skipString(b, i)
		if err != nil {
			return err
		}
		key := b[i+1 : kend-1]
		i = skipWS(b, kend)
		if i >= len(b) || b[i] != ':' {
			return fmt.Errorf("want ':' at byte %d", i)
		}
		vstart := skipWS(b, i+1)
		vend, err := skipValue(b, vstart)
		if err != nil {
			return err
		}
		if err := fn(key, b[vstart:vend]); err != nil {
			return err
		}
		i = skipWS(b, vend)
		if i >= len(b) {
			break
		}
		if b[i] == '}' {
			return nil
		}
		if b[i] != ',' {
			return fmt.Errorf("want ',' or '}' at byte %d", i)
		}
		i = skipWS(b, i+1)
	}
	return fmt.Errorf("unterminated object")
}

// eachElem calls fn with each element's raw bytes of the array at b.
func eachElem(b []byte, fn func(val []byte) error) error {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '[' {
		return fmt.Errorf("want a JSON array")
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == ']' {
		return nil
	}
	for i < len(b) {
		end, err := skipValue(b, i)
		if err != nil {
			return err
		}
		if err := fn(b[i:end]); err != nil {
			return err
		}
		i = skipWS(b, end)
		if i >= len(b) {
			break
		}
		if b[i] == ']' {
			return nil
		}
		if b[i] != ',' {
			return fmt.Errorf("want ',' or ']' at byte %d", i)
		}
		i = skipWS(b, i+1)
	}
	return fmt.Errorf("unterminated array")
}

// rawRecord is one Record of a READ page: its exact bytes and the fields
// paging needs. The id stays bytes (a slice of raw) until asked for, so a
// page of records costs no allocation per record.
type rawRecord struct {
	raw          []byte
	idRaw        []byte // the id's JSON string with its quotes, or a bare literal
	hasID        bool
	lastModified int64
	hasLM        bool
}

// id decodes the record's id ("" when it has none).
func (r *rawRecord) id() string {
	if !r.hasID {
		return ""
	}
	if r.idRaw[0] != '"' {
		return string(r.idRaw)
	}
	s, err := unquote(r.idRaw)
	if err != nil {
		return string(r.idRaw)
	}
	return s
}

// idKey is the id as a map key: the raw bytes inside the quotes when they
// need no unescaping (the usual case), else the decoded id. Callers use it
// as m[string(key)], which the compiler does without allocating.
func (r *rawRecord) idKey() []byte {
	if len(r.idRaw) >= 2 && r.idRaw[0] == '"' {
		inner := r.idRaw[1 : len(r.idRaw)-1]
		for _, c := range inner {
			if c == '\\' {
				return []byte(r.id())
			}
		}
		return inner
	}
	return r.idRaw
}

// readPage is a READ result split without decoding the records.
type readPage struct {
	records    []rawRecord
	watermark  json.RawMessage
	wm         watermark
	offsetType string
}

// watermark is the contract's Watermark. Pointers tell "absent or null"
// from zero where paging cares.
type watermark struct {
	Start    int64   `json:"start"`
	End      int64   `json:"end"`
	Offset   int64   `json:"offset"`
	Limit    int64   `json:"limit"`
	Cursor   *string `json:"cursor"`
	IsResync bool    `json:"isResync"`
	IsTest   bool    `json:"isTest"`
	Initial  bool    `json:"initial"`
}

func (w watermark) cursor() string {
	if w.Cursor == nil {
		return ""
	}
	return *w.Cursor
}

// parseReadPage splits a plain-JSON ReadResponse. recs is reused for the
// record slice to save allocations across pages.
func parseReadPage(body []byte, recs []rawRecord) (*readPage, error) {
	p := &readPage{records: recs[:0], offsetType: "RECORD_COUNT"}
	err := eachField(body, func(key, val []byte) error {
		switch string(key) {
		case "data":
			if string(val) == "null" {
				return nil
			}
			return eachElem(val, func(rec []byte) error {
				r, err := scanRecord(rec)
				if err != nil {
					return fmt.Errorf("data[%d]: %w", len(p.records), err)
				}
				p.records = append(p.records, r)
				return nil
			})
		case "watermark":
			p.watermark = val
			if err := json.Unmarshal(val, &p.wm); err != nil {
				return fmt.Errorf("watermark: %w", err)
			}
		case "offsetType":
			if string(val) != "null" {
				s, err := strconv.Unquote(string(val))
				if err != nil {
					return fmt.Errorf("offsetType: %w", err)
				}
				p.offsetType = s
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read result: %w", err)
	}
	if p.watermark == nil {
		return nil, fmt.Errorf("read result: no watermark")
	}
	return p, nil
}

// scanRecord finds a record's id and lastModified.
func scanRecord(rec []byte) (rawRecord, error) {
	r := rawRecord{raw: rec}
	err := eachField(rec, func(key, val []byte) error {
		switch string(key) {
		case "id":
			if string(val) != "null" {
				r.idRaw, r.hasID = val, true
			}
		case "lastModified":
			if string(val) != "null" {
				n, ok := parseInt(val)
				if !ok {
					return fmt.Errorf("lastModified: want an integer, got %.40s", val)
				}
				r.lastModified, r.hasLM = n, true
			}
		}
		return nil
	})
	return r, err
}

// parseInt reads a JSON integer without allocating.
func parseInt(b []byte) (int64, bool) {
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

// unquote decodes a JSON string, quickly when it has no escapes.
func unquote(val []byte) (string, error) {
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
