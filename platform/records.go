package platform

import (
	"encoding/json"
	"fmt"
)

// Records turns the data a person gives (run's --data, a connector test's
// data) into the Records a CREATE, UPDATE or DELETE request carries: an
// object with a "values" object is a Record, any other object is the
// values of one (its "id", if any, becomes the Record's id), and an array
// holds several. Numbers are json.Number, as a decoder with UseNumber gives
// them; an id that is a number is sent as its text. nil gives no records.
func Records(data any) ([]map[string]any, error) {
	var items []any
	switch d := data.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		items = []any{d}
	case []any:
		items = d
	default:
		return nil, fmt.Errorf("data: want an object or an array of objects")
	}
	out := make([]map[string]any, 0, len(items))
	for i, it := range items {
		obj, ok := it.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("data[%d]: want an object", i)
		}
		if _, isRecord := obj["values"].(map[string]any); isRecord {
			if id, ok := obj["id"].(json.Number); ok {
				obj["id"] = id.String()
			}
			out = append(out, obj)
			continue
		}
		rec := map[string]any{"values": obj}
		switch id := obj["id"].(type) {
		case string:
			rec["id"] = id
		case json.Number:
			rec["id"] = id.String()
		}
		out = append(out, rec)
	}
	return out, nil
}
