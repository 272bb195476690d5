package host

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestScanEnvelopeMatchesEncodingJSON: the fast path decodes what
// encoding/json decodes, and gives up on everything it would decode
// differently or reject.
func TestScanEnvelopeMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, src := range []string{
		`{"type":"READ","connection":{"name":"c","authConfig":{}},"body":{"a":[1,2]},"host":"h","syncariId":"s","requestId":"r"}`,
		`{"type":"TEST","connection":{"name":"c"},"body":null,"host":null,"syncariId":null,"requestId":null}`,
		` { "type" : "READ" , "connection" : { } , "extra" : [ 1 , { "x" : "y" } ] } `,
		`{"type":"READ","type":"TEST","requestId":"a","requestId":"b"}`,
		`{"type":"R\u0045AD","requestId":"\ud83d\ude00 é \n"}`,
		`{"type":null,"connection":"text","body":7}`,
		`{"Type":"READ"}`, `{"TYPE":"READ","connection":{}}`, `{"requestid":"x"}`,
		`{"type":5}`, `{"type":"READ","host":5}`, `{"requestId":{"a":1}}`,
		`{}`, `[]`, `"READ"`, `null`, `{"type":"READ"`, `{"type":"READ"}x`, `{"type":READ}`,
		"{\"type\":\"R\xffAD\"}",
	} {
		var want Envelope
		wantErr := json.Unmarshal([]byte(src), &want)
		got, ok := scanEnvelope([]byte(src))
		if !ok {
			continue // encoding/json decides
		}
		if wantErr != nil {
			t.Errorf("%s: scanned, but encoding/json says %v", src, wantErr)
			continue
		}
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("%s:\nscanned %+v\nwant    %+v", src, *got, want)
		}
	}
	// The common envelope does take the fast path.
	if _, ok := scanEnvelope([]byte(`{"type":"READ","connection":{"name":"c","authConfig":{}},"body":{}}`)); !ok {
		t.Error("a plain envelope is not scanned")
	}
}
