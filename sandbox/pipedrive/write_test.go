package pipedrive_test

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// bookmark returns the newest update_time of an entity.
func (e *env) bookmark(plural string) string {
	e.t.Helper()
	m := e.mustOK(e.get("/api/v2/" + plural + "?sort_by=update_time&sort_direction=desc&limit=1"))
	return m["data"].([]any)[0].(map[string]any)["update_time"].(string)
}

func TestWritesBumpUpdateTimeAndShowInIncrementalRead(t *testing.T) {
	e := newEnv(t, 300)
	bm := e.bookmark("persons")
	// The first incremental read from the bookmark sees the records of that
	// second (inclusive), nothing newer.
	before, _ := e.listAll("/api/v2/persons", url.Values{"updated_since": {bm}, "sort_by": {"update_time"}})

	now := epoch.Add(90 * time.Minute)
	e.clock.Set(now)
	created := e.mustOK(e.do("POST", "/api/v2/persons", map[string]any{
		"name": "Ada Lovelace", "emails": []map[string]any{{"value": "ada@example.com", "primary": true, "label": "work"}},
		"org_id": 1, "id": 5, "update_time": "2000-01-01T00:00:00Z",
	}, nil))["data"].(map[string]any)
	if created["update_time"] != now.Format(time.RFC3339) || created["add_time"] != created["update_time"] {
		t.Fatalf("create times: %v %v", created["add_time"], created["update_time"])
	}
	if created["first_name"] != "Ada" || created["last_name"] != "Lovelace" || created["owner_id"].(float64) != 1 {
		t.Fatalf("create derived fields: %v", created)
	}
	newID := num(created["id"])
	if newID <= int64(e.sb.Count("person")) {
		t.Fatalf("new id %d not above existing ids", newID)
	}
	if e.sb.Count("person") != 301 {
		t.Fatalf("Count = %d after create", e.sb.Count("person"))
	}

	old := e.mustOK(e.get("/api/v2/persons/10"))["data"].(map[string]any)
	patched := e.mustOK(e.do("PATCH", "/api/v2/persons/10", map[string]any{"first_name": "Zed"}, nil))["data"].(map[string]any)
	if patched["name"] != "Zed "+old["last_name"].(string) || patched["update_time"] != now.Format(time.RFC3339) {
		t.Fatalf("patch: %v", patched)
	}
	if patched["add_time"] != old["add_time"] || fmt.Sprint(patched["emails"]) != fmt.Sprint(old["emails"]) {
		t.Fatal("PATCH must leave other fields alone")
	}

	after, _ := e.listAll("/api/v2/persons", url.Values{"updated_since": {bm}, "sort_by": {"update_time"}})
	if len(after) != len(before)+2 {
		t.Fatalf("incremental read: %d records, want %d", len(after), len(before)+2)
	}
	tail := after[len(after)-2:]
	if num(tail[0]["id"]) != 10 || num(tail[1]["id"]) != newID {
		t.Fatalf("writes not at the end in (update_time,id) order: %v %v", tail[0]["id"], tail[1]["id"])
	}

	// With the clock behind the data, a write still lands at the newest
	// second, so a reader resuming from its bookmark sees it.
	e.clock.Set(epoch.AddDate(-2, 0, 0))
	p := e.mustOK(e.do("PATCH", "/api/v2/persons/11", map[string]any{"visible_to": 7}, nil))["data"].(map[string]any)
	if p["update_time"] != now.Format(time.RFC3339) {
		t.Fatalf("write with a lagging clock got update_time %v, want %v", p["update_time"], now.Format(time.RFC3339))
	}
}

func TestCreateValidationAndShapes(t *testing.T) {
	e := newEnv(t, 100)
	for plural, body := range map[string]map[string]any{
		"persons":       {"emails": []any{}},
		"organizations": {"name": "  "},
		"deals":         {"value": 10},
		"activities":    {"type": "call"},
		"products":      {"code": "X"},
	} {
		msg := genericError(t, e.do("POST", "/api/v2/"+plural, body, nil), 400)
		if !strings.Contains(msg, "required") {
			t.Errorf("%s: %q", plural, msg)
		}
	}
	bad := []struct {
		plural string
		body   map[string]any
	}{
		{"persons", map[string]any{"name": "X", "owner_id": "1"}},
		{"persons", map[string]any{"name": "X", "visible_to": 2}},
		{"persons", map[string]any{"name": "X", "owner_id": 9999}},
		{"persons", map[string]any{"name": "X", "emails": "a@b.c"}},
		{"deals", map[string]any{"title": "X", "status": "maybe"}},
		{"deals", map[string]any{"title": "X", "stage_id": 99}},
		{"activities", map[string]any{"subject": "X", "done": 1}},
		{"activities", map[string]any{"subject": "X", "due_date": "tomorrow"}},
		{"products", map[string]any{"name": "X", "prices": []any{map[string]any{"price": 1, "currency": "euro"}}}},
	}
	for _, b := range bad {
		genericError(t, e.do("POST", "/api/v2/"+b.plural, b.body, nil), 400)
	}
	genericError(t, e.do("POST", "/api/v2/persons", `{"name":`, nil), 400)

	// Status codes: 200 for POST, 201 for products.
	for plural, body := range map[string]map[string]any{
		"organizations": {"name": "Acme"},
		"deals":         {"title": "Acme deal", "value": 1200, "currency": "EUR", "status": "won"},
		"activities":    {"subject": "Call Ada", "type": "call", "done": true, "due_date": "2026-04-01", "due_time": "10:30"},
	} {
		r := e.do("POST", "/api/v2/"+plural, body, nil)
		if r.status != 200 {
			t.Fatalf("POST %s = %d %s", plural, r.status, r.body)
		}
	}
	r := e.do("POST", "/api/v2/products", map[string]any{"name": "Widget", "prices": []any{map[string]any{"price": 9.5, "currency": "EUR"}}}, nil)
	if r.status != 201 {
		t.Fatalf("POST products = %d %s", r.status, r.body)
	}
	prod := r.json(t)["data"].(map[string]any)
	if num(prod["prices"].([]any)[0].(map[string]any)["product_id"]) != num(prod["id"]) {
		t.Fatalf("prices.product_id not set: %v", prod["prices"])
	}
	won := e.mustOK(e.get("/api/v2/deals?status=won&sort_by=id&sort_direction=desc&limit=1"))["data"].([]any)[0].(map[string]any)
	if won["title"] != "Acme deal" || won["won_time"] == nil || won["close_time"] == nil {
		t.Fatalf("won deal: %v", won)
	}
}

func TestCustomFieldWrites(t *testing.T) {
	e := newEnv(t, 100)
	fields, _ := e.listAll("/api/v2/dealFields", nil)
	byType := map[string]map[string]any{}
	for _, f := range fields {
		if f["is_custom_field"] == true {
			byType[f["field_type"].(string)] = f
		}
	}
	key := func(typ string) string { return byType[typ]["field_code"].(string) }
	opt := func(typ string, i int) float64 {
		return byType[typ]["options"].([]any)[i].(map[string]any)["id"].(float64)
	}
	body := map[string]any{"custom_fields": map[string]any{
		key("monetary"): map[string]any{"value": 2300, "currency": "EUR"},
		key("set"):      []any{opt("set", 0), opt("set", 2)},
		key("enum"):     opt("enum", 1),
		key("date"):     "2026-05-01",
		key("int"):      42,
		key("varchar"):  "PO-1",
		key("user"):     2,
	}}
	r := e.do("PATCH", "/api/v2/deals/5", body, nil)
	d := e.mustOK(r)["data"].(map[string]any)
	cf := d["custom_fields"].(map[string]any)
	// Monetary values keep the v2 key order of generated records.
	if !strings.Contains(string(r.body), `"`+key("monetary")+`":{"value":2300,"currency":"EUR"}`) {
		t.Fatalf("monetary value not rendered as {value,currency}: %s", r.body)
	}
	if fmt.Sprint(cf[key("monetary")]) != "map[currency:EUR value:2300]" || cf[key("int")] != 42.0 || cf[key("date")] != "2026-05-01" {
		t.Fatalf("custom_fields after patch: %v", cf)
	}
	if len(cf) != countCustom(fields) {
		t.Fatalf("custom_fields lost keys: %d", len(cf))
	}
	// Clearing a set needs null; [] is a validation error.
	genericError(t, e.do("PATCH", "/api/v2/deals/5", map[string]any{"custom_fields": map[string]any{key("set"): []any{}}}, nil), 400)
	d = e.mustOK(e.do("PATCH", "/api/v2/deals/5", map[string]any{"custom_fields": map[string]any{key("set"): nil}}, nil))["data"].(map[string]any)
	if d["custom_fields"].(map[string]any)[key("set")] != nil {
		t.Fatal("set not cleared by null")
	}
	for _, bad := range []map[string]any{
		{key("monetary"): 2300},
		{key("enum"): 123456},
		{key("int"): 1.5},
		{key("date"): "01.05.2026"},
		{key("user"): 999},
		{strings.Repeat("0", 40): "x"},
	} {
		genericError(t, e.do("PATCH", "/api/v2/deals/5", map[string]any{"custom_fields": bad}, nil), 400)
	}
}

func countCustom(fields []map[string]any) int {
	n := 0
	for _, f := range fields {
		if f["is_custom_field"] == true {
			n++
		}
	}
	return n
}

func TestSoftDelete(t *testing.T) {
	e := newEnv(t, 200)
	e.clock.Set(epoch.Add(time.Hour))
	bm := e.bookmark("persons")
	r := e.do("DELETE", "/api/v2/persons/42", nil, nil)
	if r.status != 200 || string(r.body) != `{"success":true,"data":{"id":42}}` {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	msg := genericError(t, e.get("/api/v2/persons/42"), 404)
	if !strings.Contains(msg, "not found") {
		t.Fatalf("404 message %q", msg)
	}
	if r.json(t)["data"] == nil {
		t.Fatal("no data")
	}
	if e.sb.Count("person") != 199 {
		t.Fatalf("Count after delete = %d", e.sb.Count("person"))
	}
	all, _ := e.listAll("/api/v2/persons", url.Values{"limit": {"500"}})
	for _, p := range all {
		if num(p["id"]) == 42 {
			t.Fatal("deleted person still listed")
		}
	}
	inc, _ := e.listAll("/api/v2/persons", url.Values{"updated_since": {bm}})
	for _, p := range inc {
		if num(p["id"]) == 42 {
			t.Fatal("v2 lists exclude deleted records, incremental ones too")
		}
	}
	genericError(t, e.do("DELETE", "/api/v2/persons/42", nil, nil), 404)
	genericError(t, e.do("PATCH", "/api/v2/persons/42", map[string]any{"name": "x"}, nil), 404)
	// Generated data holds soft-deleted records too: ids with gaps.
	maxID := int64(0)
	for _, p := range all {
		maxID = max(maxID, num(p["id"]))
	}
	if maxID <= int64(len(all)) {
		t.Fatalf("max id %d with %d live records: no generated soft-deleted ones", maxID, len(all))
	}
}

func TestConcurrentReadsAndWrites(t *testing.T) {
	e := newEnv(t, 500)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		statuses = map[string]int{} // "POST 200" -> count
	)
	note := func(method string, r resp) {
		mu.Lock()
		defer mu.Unlock()
		statuses[fmt.Sprintf("%s %d", method, r.status)]++
	}
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				switch i % 4 {
				case 0:
					note("POST", e.do("POST", "/api/v2/persons", map[string]any{"name": fmt.Sprintf("W%d %d", w, i)}, nil))
				case 1:
					note("PATCH", e.do("PATCH", fmt.Sprintf("/api/v2/persons/%d", 1+w*50+i), map[string]any{"name": "P Q"}, nil))
				case 2:
					note("DELETE", e.do("DELETE", fmt.Sprintf("/api/v2/persons/%d", 300+w*20+i), nil, nil))
				default:
					note("GET", e.do("GET", "/api/v2/persons/search?term=an", nil, nil))
				}
			}
		}()
	}
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				e.listAll("/api/v2/persons", url.Values{"limit": {"97"}, "sort_by": {"update_time"}})
			}
		}()
	}
	wg.Wait()
	// Generated soft-deleted ids answer 404 to PATCH and DELETE; nothing
	// else may fail.
	if statuses["POST 200"] != 20 || statuses["GET 200"] != 20 ||
		statuses["PATCH 200"]+statuses["PATCH 404"] != 20 || statuses["DELETE 200"]+statuses["DELETE 404"] != 20 {
		t.Fatalf("statuses: %v", statuses)
	}
	if want := 500 + 20 - statuses["DELETE 200"]; e.sb.Count("person") != want {
		t.Fatalf("Count = %d, want %d", e.sb.Count("person"), want)
	}
	all, _ := e.listAll("/api/v2/persons", url.Values{"limit": {"500"}})
	if len(all) != e.sb.Count("person") {
		t.Fatalf("list %d != Count %d", len(all), e.sb.Count("person"))
	}
	byUpd, _ := e.listAll("/api/v2/persons", url.Values{"limit": {"500"}, "sort_by": {"update_time"}})
	seen := map[int64]bool{}
	for _, p := range byUpd {
		seen[num(p["id"])] = true
	}
	if len(byUpd) != len(all) || len(seen) != len(all) {
		t.Fatalf("update_time index: %d records, %d distinct, want %d", len(byUpd), len(seen), len(all))
	}
}
