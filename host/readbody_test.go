package host

import (
	"encoding/json"
	"testing"
)

// TestCheckReadBodyFast holds the READ body check's fast path to the
// encoding/json one: wherever it answers, it answers the same.
func TestCheckReadBodyFast(t *testing.T) {
	t.Parallel()
	schema := `{"apiName":"person","displayName":"Person","attributes":[{"apiName":"id","dataType":"string"}]}`
	answered := 0
	for _, body := range []string{
		`{"entity":` + schema + `,"entityWithMappedFields":` + schema + `,"watermark":{"start":0,"end":1700000000000,"limit":500,"cursor":null}}`,
		` { "watermark" : { "end" : 5 , "start" : -1.5e3 } , "entity" : {} } `,
		`{"entity":{},"watermark":{"start":0}}`,
		`{"entity":{},"watermark":{"end":0}}`,
		`{"entity":{},"watermark":{"start":null,"end":1}}`,
		`{"entity":{},"watermark":{"start":1,"start":null,"end":1}}`,
		`{"entity":{},"watermark":{"start":null,"start":1,"end":1}}`,
		`{"entity":{},"watermark":{}}`,
		`{"entity":{},"watermark":null}`,
		`{"entity":{}}`,
		`{"entity":{},"watermark":{"start":1,"end":2},"watermark":null}`,
		`{"watermark":{"start":1,"end":2}}`,
		`{"entity":null,"watermark":{"start":1,"end":2}}`,
		`{"entity":[],"watermark":{"start":1,"end":2}}`,
		`{"entity":"person","watermark":{"start":1,"end":2}}`,
		`{"entity":{},"entity":5,"watermark":{"start":1,"end":2}}`,
		// Where encoding/json decides (and words the error):
		`{"entity":{},"watermark":{"start":"1","end":2}}`,
		`{"entity":{},"watermark":{"start":"x","end":2}}`,
		`{"entity":{},"watermark":{"start":true,"end":2}}`,
		`{"entity":{},"watermark":{"Start":1,"end":2}}`,
		`{"entity":{},"Watermark":{"start":1,"end":2}}`,
		`{"ENTITY":{},"watermark":{"start":1,"end":2}}`,
		`{"entity":{},"watermark":5}`,
		`{"entity":{},"watermark":[1]}`,
		`{"entity":{},"watermark":{"start":1,"end":2}`,
		`{"entity":{x},"watermark":{"start":1,"end":2}}`,
		`[1]`, `null`, `"READ"`, ``, `{}`,
	} {
		want := checkReadBodySlow(json.RawMessage(body))
		if got := (&Method{Type: "READ"}).checkBody(json.RawMessage(body)); got != want {
			t.Errorf("%s: checkBody says %q, want %q", body, got, want)
		}
		msg, ok := checkReadBodyFast([]byte(body))
		if !ok {
			continue
		}
		answered++
		if msg != want {
			t.Errorf("%s: fast path says %q, encoding/json %q", body, msg, want)
		}
	}
	if answered < 16 {
		t.Errorf("the fast path answered only %d bodies", answered)
	}
}
