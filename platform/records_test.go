package platform

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestRecords(t *testing.T) {
	var data any
	dec := json.NewDecoder(strings.NewReader(`[{"id":7,"name":"a"},{"id":8,"values":{"name":"b"}},{"name":"c"}]`))
	dec.UseNumber()
	if err := dec.Decode(&data); err != nil {
		t.Fatal(err)
	}
	got, err := Records(data)
	if err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{
		{"id": "7", "values": map[string]any{"id": json.Number("7"), "name": "a"}},
		{"id": "8", "values": map[string]any{"name": "b"}},
		{"values": map[string]any{"name": "c"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Records = %#v\nwant %#v", got, want)
	}
	if recs, err := Records(nil); err != nil || recs != nil {
		t.Errorf("Records(nil) = %v, %v; want none", recs, err)
	}
	for want, in := range map[string]any{"data: want an object or an array of objects": "x", "data[1]: want an object": []any{map[string]any{}, 3.0}} {
		if _, err := Records(in); err == nil || err.Error() != want {
			t.Errorf("Records(%v): %v, want %q", in, err, want)
		}
	}
}
