package platform

import (
	"encoding/json"
	"testing"
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
