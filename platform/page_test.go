package platform

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/synapsejs/synapse-js/internal/jsjson"
)

func TestParseReadPage(t *testing.T) {
	body := []byte(` { "watermark" : {"start":1,"end":2,"offset":7,"limit":0,"cursor":"c\"1"},
	  "offsetType": "CUSTOM",
	  "data" : [ {"values":{"id":"not this","a":[1,{"b":"]}"}]},"id":"x\u0041","lastModified":5} ,
	             {"id":null,"values":{},"lastModified":null}, {"id":"7","values":{}} ] }`)
	p, err := ParseReadPage(body, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.OffsetType != "CUSTOM" || p.Watermark.Offset != 7 || p.Watermark.CursorString() != `c"1` || len(p.Records) != 3 {
		t.Fatalf("%+v", p)
	}
	r := p.Records
	if r[0].ID() != "xA" || string(r[0].IDKey()) != "xA" || !r[0].HasID || r[0].LastModified != 5 || !r[0].HasLM || r[1].HasID || r[1].HasLM ||
		r[2].ID() != "7" || string(r[2].IDKey()) != "7" || r[2].HasLM {
		t.Fatalf("%+v", r)
	}
	if !json.Valid(r[0].Raw) || string(r[2].Raw) != `{"id":"7","values":{}}` {
		t.Fatalf("raw %q %q", r[0].Raw, r[2].Raw)
	}
	for _, bad := range []string{`{"data":[{"id":"1"`, `{"data":[]}`, `[1]`, `{"watermark":{"start":"x"}}`, `{"data":[{"lastModified":1.5}],"watermark":{"start":0,"end":0}}`} {
		if _, err := ParseReadPage([]byte(bad), nil); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
	p, err = ParseReadPage([]byte(`{"data":null,"watermark":{"start":0,"end":0}}`), nil)
	if err != nil || len(p.Records) != 0 || p.OffsetType != "RECORD_COUNT" {
		t.Fatalf("%v %+v", err, p)
	}
}

// splitPageTwice is how pages were split before the one-pass scan: the
// data array, then each record, then each record's fields, each its own
// pass. ParseReadPage must find the same records.
func splitPageTwice(body []byte) ([]Record, error) {
	var out []Record
	err := jsjson.EachField(body, func(key, val []byte) error {
		if string(key) != "data" || string(val) == "null" {
			return nil
		}
		return jsjson.EachElem(val, func(rec []byte) error {
			r, err := ScanRecord(rec)
			out = append(out, r)
			return err
		})
	})
	return out, err
}

func TestParseReadPageOnePass(t *testing.T) {
	t.Parallel()
	var big []byte
	big = append(big, `{"data":[`...)
	for i := range 300 {
		if i > 0 {
			big = append(big, ',')
		}
		big = fmt.Appendf(big, `{"id":"%d","name":"p","values":{"id":%d,"s":"a\\\"}{","n":[1,[2,{"x":"]"}]],"lastModified":9},"lastModified":%d,"deleted":false}`, i, i, 1000+i)
	}
	big = append(big, `],"watermark":{"start":0,"end":5},"offsetType":null}`...)
	for _, body := range [][]byte{
		big,
		[]byte(" {\n \"data\" :\t[ {\"lastModified\" : 3 , \"id\" : 7 } ,{ } ] , \"watermark\":{}}"),
		[]byte(`{"watermark":{},"data":[]}`),
		[]byte(`{"watermark":{},"data":null}`),
	} {
		want, err := splitPageTwice(body)
		if err != nil {
			t.Fatalf("%.60s: %v", body, err)
		}
		p, err := ParseReadPage(body, nil)
		if err != nil {
			t.Fatalf("%.60s: %v", body, err)
		}
		if len(want) == 0 && len(p.Records) == 0 {
			continue
		}
		if !reflect.DeepEqual(p.Records, want) {
			t.Errorf("%.60s: one pass found\n%+v\nwant\n%+v", body, p.Records, want)
		}
	}
	for _, bad := range []string{`{"data":[1],"watermark":{}}`, `{"data":{},"watermark":{}}`, `{"data":[{"id":1}`, `{"data":[{"id":1},],"watermark":{}}`, `{"data":nul,"watermark":{}}`} {
		if _, err := ParseReadPage([]byte(bad), nil); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
