package pipedrive_test

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"testing"

	"github.com/synapsejs/synapse-js/sandbox/pipedrive"
)

// v1Fields pages a v1 *Fields list through start/limit.
func (e *env) v1Fields(path string, limit int) []map[string]any {
	e.t.Helper()
	var out []map[string]any
	for start := 0; ; {
		m := e.mustOK(e.get(path + "?" + url.Values{"start": {strconv.Itoa(start)}, "limit": {strconv.Itoa(limit)}}.Encode()))
		for _, it := range m["data"].([]any) {
			out = append(out, it.(map[string]any))
		}
		pg := m["additional_data"].(map[string]any)["pagination"].(map[string]any)
		if pg["more_items_in_collection"] != true {
			return out
		}
		start = int(num(pg["next_start"]))
	}
}

func optionsOf(v any) string {
	opts, _ := v.([]any)
	s := ""
	for _, o := range opts {
		m := o.(map[string]any)
		s += fmt.Sprintf("%v=%v;", m["id"], m["label"])
	}
	return s
}

func TestFieldsV1AndV2Agree(t *testing.T) {
	e := newEnv(t, 60)
	other := newEnvWith(t, pipedrive.Options{Records: 10, Seed: 2}) // the same registry whatever the data
	entities := []struct{ name, plural string }{
		{"person", "persons"}, {"organization", "organizations"}, {"deal", "deals"},
		{"activity", "activities"}, {"product", "products"},
	}
	for _, ent := range entities {
		t.Run(ent.name, func(t *testing.T) {
			path := ent.name + "Fields"
			v2, pages := e.listAll("/api/v2/"+path, url.Values{"limit": {"7"}})
			if pages < 2 {
				t.Fatalf("%s: v2 fields fit in one page of 7; paging untested", path)
			}
			v1 := e.v1Fields("/v1/"+path, 7)
			if len(v1) != len(v2) || len(v2) < 10 {
				t.Fatalf("v1 has %d fields, v2 %d", len(v1), len(v2))
			}
			var customCodes []string
			for i := range v2 {
				a, b := v1[i], v2[i]
				if a["key"] != b["field_code"] || a["name"] != b["field_name"] || a["field_type"] != b["field_type"] {
					t.Fatalf("field %d: v1 %v/%v/%v, v2 %v/%v/%v", i, a["key"], a["name"], a["field_type"],
						b["field_code"], b["field_name"], b["field_type"])
				}
				if optionsOf(a["options"]) != optionsOf(b["options"]) {
					t.Fatalf("%v: options differ: v1 %s v2 %s", a["key"], optionsOf(a["options"]), optionsOf(b["options"]))
				}
				if num(a["order_nr"]) != int64(i+1) {
					t.Fatalf("%v: order_nr %v at %d", a["key"], a["order_nr"], i)
				}
				code := b["field_code"].(string)
				if b["is_custom_field"] == true {
					sum := sha1.Sum([]byte("pipedrive-sandbox:" + ent.name + ":" + b["field_name"].(string)))
					if code != hex.EncodeToString(sum[:]) || a["edit_flag"] != true {
						t.Fatalf("custom field %v: key %s, edit_flag %v", b["field_name"], code, a["edit_flag"])
					}
					customCodes = append(customCodes, code)
				}
				// Single-field endpoints answer the list's item.
				one := e.mustOK(e.get("/api/v2/" + path + "/" + code))["data"].(map[string]any)
				if fmt.Sprint(one) != fmt.Sprint(b) {
					t.Fatalf("v2 %s/%s differs from the list item", path, code)
				}
				one = e.mustOK(e.get("/v1/" + path + "/" + itoa(num(a["id"]))))["data"].(map[string]any)
				if fmt.Sprint(one) != fmt.Sprint(a) {
					t.Fatalf("v1 %s/%v differs from the list item", path, a["id"])
				}
			}
			if ent.name == "activity" {
				// Pipedrive's activities have no custom fields.
				if len(customCodes) != 0 {
					t.Fatalf("activityFields has custom fields %v", customCodes)
				}
				return
			}
			if len(customCodes) < 4 {
				t.Fatalf("only %d custom fields", len(customCodes))
			}
			// Records carry exactly the registry's custom fields.
			rec := e.mustOK(e.get("/api/v2/" + ent.plural + "?limit=1"))["data"].([]any)[0].(map[string]any)
			var got []string
			for k := range rec["custom_fields"].(map[string]any) {
				got = append(got, k)
			}
			sort.Strings(got)
			sort.Strings(customCodes)
			if fmt.Sprint(got) != fmt.Sprint(customCodes) {
				t.Fatalf("record custom_fields keys %v, fields %v", got, customCodes)
			}
			// Custom keys do not depend on the seed or size.
			v2other, _ := other.listAll("/api/v2/"+path, url.Values{"limit": {"500"}})
			if fmt.Sprint(v2other) != fmt.Sprint(v2) {
				t.Fatal("fields differ between sandboxes")
			}
			genericError(t, e.get("/api/v2/"+path+"/nope"), 404)
			genericError(t, e.get("/v1/"+path+"/1"), 404)
			if r := e.do("POST", "/api/v2/"+path, map[string]any{"field_name": "x"}, nil); r.status != 405 {
				t.Fatalf("field write: %d, want 405", r.status)
			}
		})
	}
}
