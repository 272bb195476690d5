package pipedrive_test

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestPagingVisitsEveryLiveRecordOnceInOrder(t *testing.T) {
	e := newEnv(t, 1000)
	for _, tc := range []struct {
		sortBy, dir string
	}{{"update_time", "asc"}, {"", ""}, {"update_time", "desc"}, {"add_time", "asc"}} {
		t.Run(tc.sortBy+"_"+tc.dir, func(t *testing.T) {
			q := url.Values{"limit": {"137"}}
			if tc.sortBy != "" {
				q.Set("sort_by", tc.sortBy)
				q.Set("sort_direction", tc.dir)
			}
			items, pages := e.listAll("/api/v2/persons", q)
			if len(items) != 1000 || e.sb.Count("person") != 1000 {
				t.Fatalf("got %d items, Count=%d, want 1000", len(items), e.sb.Count("person"))
			}
			if pages != 8 {
				t.Errorf("pages = %d, want 8", pages)
			}
			seen := map[int64]bool{}
			ties := 0
			key := tc.sortBy
			for i, it := range items {
				id := num(it["id"])
				if seen[id] {
					t.Fatalf("id %d seen twice", id)
				}
				seen[id] = true
				if it["is_deleted"] != false {
					t.Fatalf("deleted record %d in list", id)
				}
				if i == 0 {
					continue
				}
				prev := items[i-1]
				var c int
				if key == "" {
					c = cmpInt(num(prev["id"]), id)
				} else {
					c = ts(t, prev[key]).Compare(ts(t, it[key]))
					if c == 0 {
						ties++
						c = cmpInt(num(prev["id"]), id)
					}
				}
				if tc.dir == "desc" {
					c = -c
				}
				if c >= 0 {
					t.Fatalf("items %d and %d out of order: %v / %v", i-1, i, prev, it)
				}
			}
			if key == "update_time" && ties < 10 {
				t.Errorf("only %d update_time ties; the data should exercise them", ties)
			}
		})
	}
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestCursorIsBase64URLKeyset(t *testing.T) {
	e := newEnv(t, 300)
	m := e.mustOK(e.get("/api/v2/persons?limit=5&sort_by=update_time"))
	c := m["additional_data"].(map[string]any)["next_cursor"].(string)
	if strings.ContainsAny(c, "=+/") {
		t.Fatalf("cursor %q is not unpadded base64url", c)
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		t.Fatal(err)
	}
	var cur map[string]any
	if err := json.Unmarshal(raw, &cur); err != nil {
		t.Fatal(err)
	}
	last := m["data"].([]any)[4].(map[string]any)
	if cur["field"] != "update_time" || cur["sortDirection"] != "asc" || cur["fieldValue"] != last["update_time"] || cur["id"] != last["id"] {
		t.Fatalf("cursor %s does not point at the last item %v", raw, last["id"])
	}
	genericError(t, e.get("/api/v2/persons?cursor=not-a-cursor!"), 400)
}

func TestUpdatedSinceUntilBoundaries(t *testing.T) {
	e := newEnv(t, 1000)
	all, _ := e.listAll("/api/v2/persons", url.Values{"limit": {"500"}, "sort_by": {"update_time"}})
	// Find a second several records share, so both boundaries are tested
	// where it matters.
	counts := map[string]int{}
	for _, it := range all {
		counts[it["update_time"].(string)]++
	}
	var pivot string
	for i := len(all) / 4; i < len(all); i++ {
		if v := all[i]["update_time"].(string); counts[v] >= 2 {
			pivot = v
			break
		}
	}
	if pivot == "" {
		t.Fatal("no shared update_time in the data")
	}
	pt := ts(t, pivot)
	since, _ := e.listAll("/api/v2/persons", url.Values{"limit": {"500"}, "updated_since": {pivot}})
	until, _ := e.listAll("/api/v2/persons", url.Values{"limit": {"500"}, "updated_until": {pivot}})
	if len(since)+len(until) != len(all) {
		t.Fatalf("since %d + until %d != all %d", len(since), len(until), len(all))
	}
	atPivot := 0
	for _, it := range since {
		u := ts(t, it["update_time"])
		if u.Before(pt) {
			t.Fatalf("updated_since is inclusive: %v < %v", u, pt)
		}
		if u.Equal(pt) {
			atPivot++
		}
	}
	if atPivot != counts[pivot] {
		t.Fatalf("updated_since=%s returned %d records of that second, want %d", pivot, atPivot, counts[pivot])
	}
	for _, it := range until {
		if !ts(t, it["update_time"]).Before(pt) {
			t.Fatalf("updated_until is exclusive: got %v", it["update_time"])
		}
	}
	// Records have whole seconds: a bound between two seconds, or in another
	// zone, means the same as the whole-second UTC one.
	half := func(d time.Duration) string { return pt.Add(d).Format(time.RFC3339Nano) }
	zoned := pt.In(time.FixedZone("", 2*3600)).Format(time.RFC3339)
	for _, tc := range []struct {
		param, value string
		want         int
	}{
		{"updated_since", half(-500 * time.Millisecond), len(since)},
		{"updated_since", zoned, len(since)},
		{"updated_since", half(500 * time.Millisecond), len(since) - counts[pivot]},
		{"updated_until", half(500 * time.Millisecond), len(until) + counts[pivot]},
		{"updated_until", zoned, len(until)},
		{"updated_until", half(-500 * time.Millisecond), len(until)},
	} {
		got, _ := e.listAll("/api/v2/persons", url.Values{"limit": {"500"}, tc.param: {tc.value}})
		if len(got) != tc.want {
			t.Errorf("%s=%s: %d records, want %d", tc.param, tc.value, len(got), tc.want)
		}
	}
	// updated_since == updated_until is an empty window.
	if empty, _ := e.listAll("/api/v2/persons", url.Values{"updated_since": {pivot}, "updated_until": {pivot}}); len(empty) != 0 {
		t.Errorf("empty window returned %d records", len(empty))
	}
	// A window, sorted by id, combined with both filters.
	hi := pt.Add(30 * 24 * time.Hour).Format(time.RFC3339)
	win, _ := e.listAll("/api/v2/persons", url.Values{"limit": {"50"}, "updated_since": {pivot}, "updated_until": {hi}})
	want := 0
	for _, it := range all {
		if u := ts(t, it["update_time"]); !u.Before(pt) && u.Before(pt.Add(30*24*time.Hour)) {
			want++
		}
	}
	if len(win) != want {
		t.Fatalf("window returned %d, want %d", len(win), want)
	}
	// The same window by update_time, both ways, paged through the cursor.
	asc, _ := e.listAll("/api/v2/persons", url.Values{"limit": {"37"}, "sort_by": {"update_time"}, "updated_since": {pivot}, "updated_until": {hi}})
	desc, _ := e.listAll("/api/v2/persons", url.Values{"limit": {"37"}, "sort_by": {"update_time"}, "sort_direction": {"desc"}, "updated_since": {pivot}, "updated_until": {hi}})
	if len(asc) != want || len(desc) != want {
		t.Fatalf("update_time window: asc %d, desc %d, want %d", len(asc), len(desc), want)
	}
	for i := range asc {
		if num(asc[i]["id"]) != num(desc[len(desc)-1-i]["id"]) {
			t.Fatalf("desc window is not the asc one reversed at %d", i)
		}
	}
	// Recent windows hold records.
	recent, _ := e.listAll("/api/v2/persons", url.Values{"limit": {"500"}, "updated_since": {epoch.AddDate(0, 0, -30).Format(time.RFC3339)}})
	if len(recent) < 100 {
		t.Errorf("only %d of 1000 persons updated in the last 30 days", len(recent))
	}
	for _, bad := range []string{"2025-01-01", "yesterday", "2025-01-01 10:00:00"} {
		genericError(t, e.get("/api/v2/persons?updated_since="+url.QueryEscape(bad)), 400)
		genericError(t, e.get("/api/v2/deals?updated_until="+url.QueryEscape(bad)), 400)
	}
	// Products take updated_since too (supported by Pipedrive, though
	// older copies of its OpenAPI file leave it out).
	if prods, _ := e.listAll("/api/v2/products", url.Values{"updated_since": {"2100-01-01T00:00:00Z"}}); len(prods) != 0 {
		t.Fatalf("products updated since 2100: %d, want 0", len(prods))
	}
	allProds, _ := e.listAll("/api/v2/products", url.Values{"limit": {"500"}})
	recentProds, _ := e.listAll("/api/v2/products", url.Values{"updated_since": {pivot}})
	n := 0
	for _, p := range allProds {
		if !ts(t, p["update_time"]).Before(pt) {
			n++
		}
	}
	if len(recentProds) != n || n == 0 || n == len(allProds) {
		t.Fatalf("products updated_since=%s: %d, want %d of %d", pivot, len(recentProds), n, len(allProds))
	}
}

func TestLimit(t *testing.T) {
	e := newEnv(t, 700)
	m := e.mustOK(e.get("/api/v2/persons"))
	if n := len(m["data"].([]any)); n != 100 {
		t.Fatalf("default limit gave %d items, want 100", n)
	}
	m = e.mustOK(e.get("/api/v2/persons?limit=500"))
	if n := len(m["data"].([]any)); n != 500 {
		t.Fatalf("limit=500 gave %d items", n)
	}
	for _, bad := range []string{"501", "0", "-1", "ten"} {
		msg := genericError(t, e.get("/api/v2/persons?limit="+bad), 400)
		if !strings.Contains(msg, "limit") {
			t.Errorf("limit=%s: error %q does not name the parameter", bad, msg)
		}
	}
	genericError(t, e.get("/api/v2/persons?sort_by=name"), 400)
	genericError(t, e.get("/api/v2/persons?sort_direction=up"), 400)
	e.mustOK(e.get("/api/v2/products?sort_by=name"))
	e.mustOK(e.get("/api/v2/activities?sort_by=due_date&sort_direction=desc"))
}

func TestAllEntitiesListAndGet(t *testing.T) {
	e := newEnv(t, 400)
	want := map[string]int{"persons": 400, "organizations": 100, "deals": 200, "activities": 400, "products": 40}
	for plural, n := range want {
		items, _ := e.listAll("/api/v2/"+plural, url.Values{"limit": {"500"}})
		if plural == "deals" {
			// Archived deals have their own list.
			archived, _ := e.listAll("/api/v2/deals/archived", url.Values{"limit": {"500"}})
			if len(archived) == 0 {
				t.Error("no archived deals generated")
			}
			for _, a := range archived {
				if a["is_archived"] != true {
					t.Fatalf("deals/archived listed %v", a)
				}
			}
			for _, d := range items {
				if d["is_archived"] != false {
					t.Fatalf("/deals listed an archived deal: %v", d)
				}
			}
			items = append(items, archived...)
		}
		if len(items) != n || e.sb.Count(plural) != n {
			t.Errorf("%s: listed %d, Count %d, want %d", plural, len(items), e.sb.Count(plural), n)
		}
		id := num(items[len(items)/2]["id"])
		m := e.mustOK(e.get("/api/v2/" + plural + "/" + itoa(id)))
		d := m["data"].(map[string]any)
		if num(d["id"]) != id {
			t.Fatalf("%s/%d returned id %v", plural, id, d["id"])
		}
		if _, ok := d["custom_fields"].(map[string]any); !ok && plural != "activities" {
			t.Errorf("%s has no custom_fields object", plural)
		}
		if _, ok := d["custom_fields"]; ok && plural == "activities" {
			t.Error("activities have no custom fields in Pipedrive")
		}
		for _, k := range []string{"add_time", "update_time"} {
			v := d[k].(string)
			if len(v) != len("2006-01-02T15:04:05Z") || !strings.HasSuffix(v, "Z") {
				t.Errorf("%s.%s = %q: want RFC 3339 with 1-second precision", plural, k, v)
			}
		}
		if !ts(t, d["add_time"]).After(epoch.AddDate(0, 0, -366)) || ts(t, d["update_time"]).Before(ts(t, d["add_time"])) {
			t.Errorf("%s %d: times out of range: %v %v", plural, id, d["add_time"], d["update_time"])
		}
		genericError(t, e.get("/api/v2/"+plural+"/999999"), 404)
	}
	if e.sb.Count("user") != 5 {
		t.Errorf("users = %d, want 5", e.sb.Count("user"))
	}
	genericError(t, e.get("/api/v2/persons/abc"), 400)
	genericError(t, e.get("/api/v2/nothing"), 404)
	// v2 answers only under /api/v2.
	genericError(t, e.get("/v2/persons"), 404)
	r := e.do("PUT", "/api/v2/persons/1", map[string]any{"name": "x"}, nil)
	if r.status != 405 {
		t.Fatalf("PUT on v2 = %d, want 405", r.status)
	}
	// Filters.
	deals, _ := e.listAll("/api/v2/deals", url.Values{"status": {"won"}, "limit": {"500"}})
	for _, d := range deals {
		if d["status"] != "won" {
			t.Fatalf("status=won returned %v", d["status"])
		}
	}
	if len(deals) == 0 {
		t.Fatal("no won deals")
	}
	some := e.mustOK(e.get("/api/v2/persons?ids=3,5,7"))["data"].([]any)
	if len(some) == 0 || len(some) > 3 {
		t.Fatalf("ids filter returned %d", len(some))
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
