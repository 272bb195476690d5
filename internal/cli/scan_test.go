package cli

import (
	"encoding/json"
	"testing"
)

func TestParseInt(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "-12": -12, "1700000000000": 1700000000000, "9223372036854775807": 9223372036854775807} {
		if got, ok := parseInt([]byte(in)); !ok || got != want {
			t.Errorf("parseInt(%s) = %d, %v", in, got, ok)
		}
	}
	for _, bad := range []string{"", "-", "1.5", "1e3", "x", "99999999999999999999"} {
		if _, ok := parseInt([]byte(bad)); ok {
			t.Errorf("parseInt(%q) ok", bad)
		}
	}
}

func TestParseReadPage(t *testing.T) {
	body := []byte(` { "watermark" : {"start":1,"end":2,"offset":7,"limit":0,"cursor":"c\"1"},
	  "offsetType": "CUSTOM",
	  "data" : [ {"values":{"id":"not this","a":[1,{"b":"]}"}]},"id":"x\u0041","lastModified":5} ,
	             {"id":null,"values":{},"lastModified":null}, {"id":"7","values":{}} ] }`)
	p, err := parseReadPage(body, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.offsetType != "CUSTOM" || p.wm.Offset != 7 || p.wm.cursor() != `c"1` || len(p.records) != 3 {
		t.Fatalf("%+v", p)
	}
	r := p.records
	if r[0].id() != "xA" || string(r[0].idKey()) != "xA" || !r[0].hasID || r[0].lastModified != 5 || !r[0].hasLM || r[1].hasID || r[1].hasLM ||
		r[2].id() != "7" || string(r[2].idKey()) != "7" || r[2].hasLM {
		t.Fatalf("%+v", r)
	}
	if !json.Valid(r[0].raw) || string(r[2].raw) != `{"id":"7","values":{}}` {
		t.Fatalf("raw %q %q", r[0].raw, r[2].raw)
	}
	for _, bad := range []string{`{"data":[{"id":"1"`, `{"data":[]}`, `[1]`, `{"watermark":{"start":"x"}}`, `{"data":[{"lastModified":1.5}],"watermark":{"start":0,"end":0}}`} {
		if _, err := parseReadPage([]byte(bad), nil); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
	p, err = parseReadPage([]byte(`{"data":null,"watermark":{"start":0,"end":0}}`), nil)
	if err != nil || len(p.records) != 0 || p.offsetType != "RECORD_COUNT" {
		t.Fatalf("%v %+v", err, p)
	}
}
