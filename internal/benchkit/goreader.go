// Package benchkit holds what the read benchmarks share: the plain-Go
// baseline reader, which does exactly what scripts/pipedrive.js does for a
// READ of persons with the fastest reasonable Go tools (a reused fastjson
// parser, values copied out as JSON without building Go maps), so that a
// ratio against it says how far the engine is from Go, not from
// encoding/json.
package benchkit

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/valyala/fastjson"
)

// Watermark is the READ watermark as the platform sends it.
type Watermark struct {
	// Start is the wire's "start", the window's start (epoch ms).
	Start int64 `json:"start"`
	// End is the wire's "end", the window's end (epoch ms).
	End int64 `json:"end"`
	// Limit is the wire's "limit", the page size asked for.
	Limit int64 `json:"limit,omitempty"`
	// Cursor is the wire's "cursor", the position of the next page (nil:
	// the first page).
	Cursor *string `json:"cursor"`
	// IsResync is the wire's "isResync": read the whole history again.
	IsResync bool `json:"isResync"`
}

// Window500 is the whole history in pages of 500: a resync.
func Window500() Watermark {
	return Watermark{Start: 0, End: time.Now().UnixMilli(), Limit: 500, IsResync: true}
}

// GoReader reads persons from a Pipedrive (sandbox) API as pipedrive.js
// does and writes the wire READ answers. It is not safe for concurrent use.
type GoReader struct {
	// Client sends the API requests.
	Client *http.Client
	Base   string // base URL, no trailing slash
	// Token is the API token, sent as x-api-token.
	Token string

	parser fastjson.Parser
	body   []byte
	out    []byte
}

// NewGoReader returns a reader of base with token.
func NewGoReader(base, token string) *GoReader {
	for len(base) > 0 && base[len(base)-1] == '/' {
		base = base[:len(base)-1]
	}
	return &GoReader{Client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}, Base: base, Token: token}
}

// ReadAll pages through the window and returns the records and wire bytes.
func (g *GoReader) ReadAll(wm Watermark) (records, wireBytes int, err error) {
	for {
		wire, n, next, err := g.Page(wm)
		if err != nil {
			return records, wireBytes, err
		}
		records += n
		wireBytes += len(wire)
		if n == 0 || n < int(wm.Limit) {
			return records, wireBytes, nil
		}
		wm = next
	}
}

func rfc3339(sec int64) string { return time.Unix(sec, 0).UTC().Format(time.RFC3339) }

// millis parses an RFC 3339 time as Date.parse does; ok false for
// anything else (written as null).
func millis(v *fastjson.Value) (int64, bool) {
	if v == nil || v.Type() != fastjson.TypeString {
		return 0, false
	}
	b, _ := v.StringBytes()
	t, err := time.Parse(time.RFC3339, string(b))
	if err != nil {
		return 0, false
	}
	return t.UnixMilli(), true
}

// Page is one READ: the window after read skew, the v2 list request, the
// records and the wire answer (valid until the next call).
func (g *GoReader) Page(wm Watermark) (wire []byte, n int, next Watermark, err error) {
	next = wm
	out := g.out[:0]
	if wm.Cursor != nil && *wm.Cursor == "end:" {
		// The page after a full last page (see pipedrive.js read).
		next.Cursor = nil
		out = append(out, `{"data":[],`...)
		out = appendWatermark(out, next)
		g.out = out
		return out, 0, next, nil
	}
	end := min(wm.End, time.Now().UnixMilli()-5000)
	if end < wm.Start {
		end = wm.Start
	}
	q := url.Values{
		"updated_since":  {rfc3339(int64(math.Ceil(float64(wm.Start) / 1000)))},
		"updated_until":  {rfc3339(int64(math.Ceil(float64(end) / 1000)))},
		"sort_by":        {"update_time"},
		"sort_direction": {"asc"},
		"limit":          {strconv.FormatInt(min(max(wm.Limit, 1), 500), 10)},
		"include_fields": {"open_deals_count"},
	}
	if wm.Cursor != nil {
		q.Set("cursor", *wm.Cursor)
	}
	req, err := http.NewRequest("GET", g.Base+"/api/v2/persons?"+q.Encode(), nil)
	if err != nil {
		return nil, 0, next, err
	}
	req.Header.Set("x-api-token", g.Token)
	req.Header.Set("Accept", "application/json")
	resp, err := g.Client.Do(req)
	if err != nil {
		return nil, 0, next, err
	}
	g.body, err = readAll(g.body[:0], resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		return nil, 0, next, fmt.Errorf("GET persons: %d %v", resp.StatusCode, err)
	}
	doc, err := g.parser.ParseBytes(g.body)
	if err != nil {
		return nil, 0, next, err
	}
	items := doc.GetArray("data")
	out = append(out, `{"data":[`...)
	for i, r := range items {
		if i > 0 {
			out = append(out, ',')
		}
		out = appendRecord(out, r)
	}
	out = append(out, "],"...)
	next.End = end
	next.Cursor = nil
	if c := doc.Get("additional_data", "next_cursor"); c != nil && c.Type() == fastjson.TypeString {
		s := string(c.GetStringBytes())
		next.Cursor = &s
	}
	if next.Cursor == nil && len(items) == int(wm.Limit) {
		s := "end:"
		next.Cursor = &s
	}
	out = appendWatermark(out, next)
	g.out = out
	return out, len(items), next, nil
}

func readAll(dst []byte, r io.Reader) ([]byte, error) {
	for {
		if len(dst) == cap(dst) {
			dst = append(dst, 0)[:len(dst)]
		}
		n, err := r.Read(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+n]
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst, err
		}
	}
}

// appendRecord writes toRecord's Record as the host writes it (the SDK's
// fields and defaults): values are the item with its custom fields
// flattened ({value, currency} split in two).
func appendRecord(out []byte, r *fastjson.Value) []byte {
	o, _ := r.Object()
	out = append(out, `{"name":"person","id":`...)
	out = strconv.AppendQuote(out, r.Get("id").String())
	out = append(out, `,"syncariEntityId":null,"deleted":`...)
	out = strconv.AppendBool(out, r.GetBool("is_deleted"))
	out = append(out, `,"values":{`...)
	first := true
	field := func(k []byte) {
		if !first {
			out = append(out, ',')
		}
		first = false
		out = append(out, '"')
		out = append(out, k...)
		out = append(out, '"', ':')
	}
	var cf *fastjson.Object
	o.Visit(func(k []byte, v *fastjson.Value) {
		if string(k) == "custom_fields" {
			cf, _ = v.Object()
			return
		}
		field(k)
		out = v.MarshalTo(out)
	})
	if cf != nil {
		cf.Visit(func(k []byte, v *fastjson.Value) {
			if v.Type() == fastjson.TypeObject && v.Exists("currency") {
				field(k)
				out = marshalOrNull(out, v.Get("value"))
				out = append(out, ',', '"')
				out = append(out, k...)
				out = append(out, `_currency":`...)
				out = v.Get("currency").MarshalTo(out)
				return
			}
			field(k)
			out = v.MarshalTo(out)
		})
	}
	out = append(out, `},"lastModified":`...)
	out = appendMillis(out, r.Get("update_time"))
	out = append(out, `,"createdAt":`...)
	out = appendMillis(out, r.Get("add_time"))
	return append(out, '}')
}

func marshalOrNull(out []byte, v *fastjson.Value) []byte {
	if v == nil {
		return append(out, "null"...)
	}
	return v.MarshalTo(out)
}

func appendMillis(out []byte, v *fastjson.Value) []byte {
	if ms, ok := millis(v); ok {
		return strconv.AppendInt(out, ms, 10)
	}
	return append(out, "null"...)
}

func appendWatermark(out []byte, wm Watermark) []byte {
	out = append(out, `"watermark":{"start":`...)
	out = strconv.AppendInt(out, wm.Start, 10)
	out = append(out, `,"end":`...)
	out = strconv.AppendInt(out, wm.End, 10)
	if wm.Limit != 0 {
		out = append(out, `,"limit":`...)
		out = strconv.AppendInt(out, wm.Limit, 10)
	}
	out = append(out, `,"cursor":`...)
	if wm.Cursor == nil {
		out = append(out, "null"...)
	} else {
		out = strconv.AppendQuote(out, *wm.Cursor)
	}
	out = append(out, `,"isResync":`...)
	out = strconv.AppendBool(out, wm.IsResync)
	return append(out, `},"offsetType":"CUSTOM"}`...)
}
