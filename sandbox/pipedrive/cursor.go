package pipedrive

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// cursorJSON is the decoded form of a v2 next_cursor: unpadded base64url
// JSON holding a keyset position, like the spec's example
// {"field":"id","fieldValue":7,"sortDirection":"asc","id":7}. The position is
// the last record of the page; the next page starts strictly after it.
type cursorJSON struct {
	// Field is the sort key (sort_by).
	Field string `json:"field"`
	// FieldValue is the page's last record's value of Field.
	FieldValue json.RawMessage `json:"fieldValue"`
	// SortDirection is "asc" or "desc".
	SortDirection string `json:"sortDirection"`
	// ID is the page's last record's id, which breaks ties on Field.
	ID int64 `json:"id"`
}

func appendCursor(b []byte, key sortKey, desc bool, r *record) []byte {
	dir := "asc"
	if desc {
		dir = "desc"
	}
	var fv []byte
	switch key {
	case keyID:
		fv = json.RawMessage(itoa(r.id))
	case keyUpdate:
		fv = mustJSON(v2Time(r.upd))
	case keyAdd:
		fv = mustJSON(v2Time(r.add))
	default:
		fv = mustJSON(r.strKey(key))
	}
	raw := mustJSON(cursorJSON{Field: sortKeyNames[key], FieldValue: fv, SortDirection: dir, ID: r.id})
	return base64.RawURLEncoding.AppendEncode(b, raw)
}

var errBadCursor = errors.New("Validation failed: cursor: Invalid cursor")

// decodeCursor parses a cursor made by appendCursor. Padded base64 is
// tolerated.
func decodeCursor(s string) (key sortKey, desc bool, p pos, err error) {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return 0, false, p, errBadCursor
	}
	var c cursorJSON
	if err := json.Unmarshal(raw, &c); err != nil || c.ID <= 0 {
		return 0, false, p, errBadCursor
	}
	key, ok := parseSortKey(c.Field)
	if !ok {
		return 0, false, p, errBadCursor
	}
	switch c.SortDirection {
	case "asc":
	case "desc":
		desc = true
	default:
		return 0, false, p, errBadCursor
	}
	p.id = c.ID
	switch key {
	case keyID:
		if json.Unmarshal(c.FieldValue, &p.num) != nil {
			return 0, false, p, errBadCursor
		}
	case keyUpdate, keyAdd:
		var ts string
		if json.Unmarshal(c.FieldValue, &ts) != nil {
			return 0, false, p, errBadCursor
		}
		t, err := time.Parse(time.RFC3339, ts)
		if err != nil {
			return 0, false, p, errBadCursor
		}
		p.num = t.Unix()
	default:
		if json.Unmarshal(c.FieldValue, &p.str) != nil {
			return 0, false, p, errBadCursor
		}
	}
	return key, desc, p, nil
}

// offsetCursor is the cursor of search and *Fields pages: a plain offset,
// as opaque to clients as the keyset one.
func offsetCursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(`{"offset":` + itoa(int64(offset)) + `}`))
}

func decodeOffsetCursor(s string) (int, error) {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return 0, errBadCursor
	}
	var c struct {
		Offset *int `json:"offset"`
	}
	if json.Unmarshal(raw, &c) != nil || c.Offset == nil || *c.Offset < 0 {
		return 0, errBadCursor
	}
	return *c.Offset, nil
}
