package platform

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/synapsejs/synapse-js/internal/jsjson"
)

// Record is one Record of a READ page: its exact bytes and the fields
// paging needs. The id stays bytes (a slice of raw) until asked for, so a
// page of records costs no allocation per record.
type Record struct {
	// Raw is the record's JSON, as the connector returned it.
	Raw   []byte
	idRaw []byte // the id's JSON string with its quotes, or a bare literal
	// HasID and HasLM say whether id and lastModified are set (not null).
	HasID bool
	HasLM bool
	// LastModified is the record's lastModified (epoch ms) when HasLM.
	LastModified int64
}

// ID decodes the record's id ("" when it has none).
func (r *Record) ID() string {
	if !r.HasID {
		return ""
	}
	if r.idRaw[0] != '"' {
		return string(r.idRaw)
	}
	s, err := jsjson.Unquote(r.idRaw)
	if err != nil {
		return string(r.idRaw)
	}
	return s
}

// IDKey is the id as a map key: the raw bytes inside the quotes when they
// need no unescaping (the usual case), else the decoded id. Callers use it
// as m[string(key)], which the compiler does without allocating.
func (r *Record) IDKey() []byte {
	if len(r.idRaw) >= 2 && r.idRaw[0] == '"' {
		inner := r.idRaw[1 : len(r.idRaw)-1]
		for _, c := range inner {
			if c == '\\' {
				return []byte(r.ID())
			}
		}
		return inner
	}
	return r.idRaw
}

// Page is a READ result split without decoding the records.
type Page struct {
	Records []Record
	// WatermarkJSON is the returned Watermark as the connector wrote it.
	WatermarkJSON json.RawMessage
	// Watermark is the same, decoded.
	Watermark Watermark
	// OffsetType is the page's offsetType (RECORD_COUNT when absent).
	OffsetType string
}

// Watermark is the contract's Watermark. Pointers tell "absent or null"
// from zero where paging cares.
type Watermark struct {
	Start    int64   `json:"start"`
	End      int64   `json:"end"`
	Offset   int64   `json:"offset"`
	Limit    int64   `json:"limit"`
	Cursor   *string `json:"cursor"`
	IsResync bool    `json:"isResync"`
	IsTest   bool    `json:"isTest"`
	Initial  bool    `json:"initial"`
}

// CursorString is the cursor, "" when absent or null.
func (w Watermark) CursorString() string {
	if w.Cursor == nil {
		return ""
	}
	return *w.Cursor
}

// ParseReadPage splits a plain-JSON ReadResponse. recs is reused for the
// record slice to save allocations across pages. It reads the body in one
// pass: each record's fields are looked at where the data array holds
// them (a page once split the array, then each record, then its fields:
// three scans of every record, about a twentieth of a sync's CPU).
func ParseReadPage(body []byte, recs []Record) (*Page, error) {
	p := &Page{Records: recs[:0], OffsetType: "RECORD_COUNT"}
	_, err := jsjson.WalkObject(body, 0, func(key []byte, at int) (int, error) {
		switch string(key) {
		case "data":
			if hasLiteral(body, at, "null") {
				return at + 4, nil
			}
			return jsjson.WalkArray(body, at, func(at int) (int, error) {
				r, end, err := scanRecordAt(body, at)
				if err != nil {
					return 0, fmt.Errorf("data[%d]: %w", len(p.Records), err)
				}
				p.Records = append(p.Records, r)
				return end, nil
			})
		}
		end, err := jsjson.SkipValue(body, at)
		if err != nil {
			return 0, err
		}
		val := body[at:end]
		switch string(key) {
		case "watermark":
			p.WatermarkJSON = val
			if err := json.Unmarshal(val, &p.Watermark); err != nil {
				return 0, fmt.Errorf("watermark: %w", err)
			}
		case "offsetType":
			if string(val) != "null" {
				s, err := strconv.Unquote(string(val))
				if err != nil {
					return 0, fmt.Errorf("offsetType: %w", err)
				}
				p.OffsetType = s
			}
		}
		return end, nil
	})
	if err != nil {
		return nil, fmt.Errorf("read result: %w", err)
	}
	if p.WatermarkJSON == nil {
		return nil, fmt.Errorf("read result: no watermark")
	}
	return p, nil
}

// hasLiteral reports that b holds the literal lit at i, ending there.
func hasLiteral(b []byte, i int, lit string) bool {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return false
	}
	end, err := jsjson.SkipValue(b, i)
	return err == nil && end == i+len(lit)
}

// ScanRecord finds a record's id and lastModified.
func ScanRecord(rec []byte) (Record, error) {
	r, _, err := scanRecordAt(rec, 0)
	r.Raw = rec
	return r, err
}

// scanRecordAt reads the record object starting at b[at]: its bytes, id
// and lastModified, and the index just past it.
func scanRecordAt(b []byte, at int) (Record, int, error) {
	var r Record
	end, err := jsjson.WalkObject(b, at, func(key []byte, at int) (int, error) {
		end, err := jsjson.SkipValue(b, at)
		if err != nil {
			return 0, err
		}
		val := b[at:end]
		switch string(key) {
		case "id":
			if string(val) != "null" {
				r.idRaw, r.HasID = val, true
			}
		case "lastModified":
			if string(val) != "null" {
				n, ok := jsjson.ParseInt(val)
				if !ok {
					return 0, fmt.Errorf("lastModified: want an integer, got %.40s", val)
				}
				r.LastModified, r.HasLM = n, true
			}
		}
		return end, nil
	})
	if err != nil {
		return Record{}, 0, err
	}
	r.Raw = b[at:end]
	return r, end, nil
}

// ReadBody is a READ request as the platform sends it. schema is copied
// as it is (describe's answer: a sync sends it with every page, and
// json.Marshal would re-validate its tens of kilobytes each time); nil
// sends null.
func ReadBody(schema json.RawMessage, wm Watermark) json.RawMessage {
	if len(schema) == 0 {
		schema = json.RawMessage("null")
	}
	w, _ := json.Marshal(wm) // plain fields: cannot fail
	b := make([]byte, 0, 2*len(schema)+len(w)+64)
	b = append(b, `{"entity":`...)
	b = append(b, schema...)
	b = append(b, `,"entityWithMappedFields":`...)
	b = append(b, schema...)
	b = append(b, `,"watermark":`...)
	b = append(b, w...)
	return append(b, '}')
}

// NewWatermark is the platform's first Watermark of a window: every key
// present, offset and limit 0, no cursor; start 0 is a historical resync.
func NewWatermark(start, end int64) Watermark {
	return Watermark{Start: start, End: end, IsResync: start == 0, Initial: start == 0}
}

// FormatMs prints epoch ms for people.
func FormatMs(ms int64) string {
	return time.UnixMilli(ms).UTC().Format(time.RFC3339)
}

// Plural formats a count with its noun: "1 page", "5 pages".
func Plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "y") && !strings.HasSuffix(noun, "ey") {
		return fmt.Sprintf("%d %sies", n, noun[:len(noun)-1]) // entity, entities
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
