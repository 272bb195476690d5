package pipedrive_test

import (
	"net/url"
	"regexp"
	"testing"
	"time"
)

// listV1 pages a v1 list through start/limit and returns every item.
func (e *env) listV1(path string, params url.Values) (items []map[string]any, pages int) {
	e.t.Helper()
	start := 0
	for {
		q := url.Values{}
		for k, v := range params {
			q[k] = v
		}
		q.Set("start", itoa(int64(start)))
		m := e.mustOK(e.get(path + "?" + q.Encode()))
		pages++
		for _, it := range m["data"].([]any) {
			items = append(items, it.(map[string]any))
		}
		p := m["additional_data"].(map[string]any)["pagination"].(map[string]any)
		if p["more_items_in_collection"] != true {
			if _, ok := p["next_start"]; ok {
				e.t.Fatalf("next_start on the last page: %v", p)
			}
			return items, pages
		}
		start = int(num(p["next_start"]))
		if pages > 10000 {
			e.t.Fatal("paging does not end")
		}
	}
}

// listLeads pages a leads list, whose additional_data holds start, limit
// and more_items_in_collection itself (no next_start).
func (e *env) listLeads(path string) []map[string]any {
	e.t.Helper()
	var out []map[string]any
	for start := 0; start < 100000; start += 7 {
		m := e.mustOK(e.get(path + "?limit=7&start=" + itoa(int64(start))))
		for _, it := range m["data"].([]any) {
			out = append(out, it.(map[string]any))
		}
		ad := m["additional_data"].(map[string]any)
		if num(ad["start"]) != int64(start) || num(ad["limit"]) != 7 {
			e.t.Fatalf("%s additional_data %v", path, ad)
		}
		if ad["more_items_in_collection"] != true {
			return out
		}
	}
	e.t.Fatal("paging does not end")
	return nil
}

func TestObjectsListAndGet(t *testing.T) {
	e := newEnv(t, 400)
	for _, c := range []struct {
		path string
		v1   bool
		want int
	}{
		{"/api/v2/pipelines", false, 2}, {"/api/v2/stages", false, 8},
		{"/v1/notes", true, 200}, {"/v1/files", true, 80},
	} {
		var items []map[string]any
		var pages int
		if c.v1 {
			items, pages = e.listV1(c.path, url.Values{"limit": {"37"}})
		} else {
			items, pages = e.listAll(c.path, url.Values{"limit": {"1"}})
		}
		// About 4% of notes and files are deleted: not listed.
		if len(items) > c.want || len(items) < c.want*95/100 {
			t.Errorf("%s: %d items, want about %d", c.path, len(items), c.want)
		}
		if pages < 2 {
			t.Errorf("%s: %d pages, want paging", c.path, pages)
		}
		seen := map[int64]bool{}
		for _, it := range items {
			id := num(it["id"])
			if seen[id] {
				t.Fatalf("%s: id %d twice", c.path, id)
			}
			seen[id] = true
		}
		one := e.mustOK(e.get(c.path + "/" + itoa(num(items[0]["id"]))))["data"].(map[string]any)
		if num(one["id"]) != num(items[0]["id"]) {
			t.Errorf("%s: get answered %v", c.path, one["id"])
		}
		genericError(t, e.get(c.path+"/999999"), 404)
		genericError(t, e.get(c.path+"/abc"), 400)
	}
	// Lists that answer everything at once.
	for path, want := range map[string]int{"/v1/activityTypes": 8, "/v1/currencies": 8, "/v1/filters": 7} {
		m := e.mustOK(e.get(path))
		if n := len(m["data"].([]any)); n != want {
			t.Errorf("%s: %d items, want %d", path, n, want)
		}
		if _, ok := m["additional_data"]; ok {
			t.Errorf("%s has additional_data", path)
		}
	}
	if n := len(e.mustOK(e.get("/v1/currencies?term=eur"))["data"].([]any)); n != 1 {
		t.Errorf("currencies?term=eur: %d", n)
	}
	if n := len(e.mustOK(e.get("/v1/filters?type=deals"))["data"].([]any)); n != 2 {
		t.Errorf("filters?type=deals: %d", n)
	}
	// Stages by pipeline.
	st, _ := e.listAll("/api/v2/stages", url.Values{"pipeline_id": {"2"}})
	if len(st) != 3 {
		t.Errorf("stages of pipeline 2: %d", len(st))
	}
	for _, s := range st {
		if num(s["pipeline_id"]) != 2 {
			t.Fatalf("stage %v in pipeline 2's list", s)
		}
	}
}

func TestObjectsIncremental(t *testing.T) {
	e := newEnv(t, 400)
	all, _ := e.listV1("/v1/notes", url.Values{"limit": {"500"}, "sort": {"update_time ASC"}})
	for i := 1; i < len(all); i++ {
		if all[i]["update_time"].(string) < all[i-1]["update_time"].(string) {
			t.Fatal("sort=update_time ASC is not ascending")
		}
	}
	pivot := all[len(all)/2]["update_time"].(string)
	pt, _ := time.Parse(time.DateTime, pivot)
	since, _ := e.listV1("/v1/notes", url.Values{"updated_since": {pt.Format(time.RFC3339)}})
	want := 0
	for _, n := range all {
		if n["update_time"].(string) >= pivot {
			want++
		}
	}
	if len(since) != want || want == 0 {
		t.Errorf("notes updated_since: %d, want %d", len(since), want)
	}
	genericError(t, e.get("/v1/notes?updated_since=yesterday"), 400)
	genericError(t, e.get("/v1/notes?sort=colour%20ASC"), 400)

	// Leads: the list leaves the archived out; /leads/archived has them.
	live := e.listLeads("/v1/leads")
	arch := e.listLeads("/v1/leads/archived")
	if len(arch) == 0 || len(live) == 0 {
		t.Fatalf("leads %d, archived %d", len(live), len(arch))
	}
	for _, l := range live {
		if l["is_archived"] != false {
			t.Fatal("archived lead in /v1/leads")
		}
	}
	for _, l := range arch {
		if l["is_archived"] != true {
			t.Fatal("live lead in /v1/leads/archived")
		}
	}
	if n := e.sb.Count("lead"); n != len(live)+len(arch) {
		t.Errorf("Count(lead) %d, listed %d", n, len(live)+len(arch))
	}
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	for _, l := range append(live, arch...) {
		if id, _ := l["id"].(string); !uuid.MatchString(id) {
			t.Fatalf("lead id %v is not a UUID", l["id"])
		}
	}
}

func TestObjectsWrites(t *testing.T) {
	e := newEnv(t, 200)
	e.clock.Set(epoch.Add(time.Hour))
	// Notes: POST, PUT, DELETE (data: true).
	n := e.mustOK(e.do("POST", "/v1/notes", map[string]any{"content": "Called, wants a demo", "person_id": 3}, nil))["data"].(map[string]any)
	id := itoa(num(n["id"]))
	if n["person"].(map[string]any)["name"] == "" || n["update_time"] != epoch.Add(time.Hour).Format(time.DateTime) {
		t.Errorf("created note %v", n)
	}
	u := e.mustOK(e.do("PUT", "/v1/notes/"+id, map[string]any{"content": "Demo booked"}, nil))["data"].(map[string]any)
	if u["content"] != "Demo booked" || num(u["person_id"]) != 3 {
		t.Errorf("updated note %v", u)
	}
	genericError(t, e.do("POST", "/v1/notes", map[string]any{"content": "orphan"}, nil), 400)
	genericError(t, e.do("POST", "/v1/notes", map[string]any{"content": 5, "deal_id": 1}, nil), 400)
	if r := e.mustOK(e.do("DELETE", "/v1/notes/"+id, nil, nil)); r["data"] != true {
		t.Errorf("note delete answered %v", r)
	}
	genericError(t, e.get("/v1/notes/"+id), 404)

	// Leads: 201, PATCH, DELETE {"id": uuid}; archiving moves a lead.
	l := e.mustOK(e.do("POST", "/v1/leads", map[string]any{"title": "Inbound", "person_id": 2, "value": map[string]any{"amount": 900, "currency": "EUR"}}, nil))
	lead := l["data"].(map[string]any)
	lid := lead["id"].(string)
	e.mustOK(e.do("PATCH", "/v1/leads/"+lid, map[string]any{"is_archived": true}, nil))
	arch := e.listLeads("/v1/leads/archived")
	found := false
	for _, a := range arch {
		found = found || a["id"] == lid
	}
	if !found {
		t.Error("archived lead not in /leads/archived")
	}
	genericError(t, e.do("POST", "/v1/leads", map[string]any{"title": "x", "person_id": 2, "value": 900}, nil), 400)
	// Leads carry the deals' custom fields, listed by leadFields.
	var seats string
	for _, f := range e.listLeads("/v1/leadFields") {
		if f["name"] == "Seats" {
			seats = f["key"].(string)
		}
	}
	if seats == "" {
		t.Fatal("leadFields lists no deal custom field Seats")
	}
	if v := e.mustOK(e.get("/v1/leads/" + lid))["data"].(map[string]any); v[seats] != nil {
		t.Errorf("a new lead's Seats is %v, want null", v[seats])
	}
	withSeats := e.mustOK(e.do("PATCH", "/v1/leads/"+lid, map[string]any{seats: 12}, nil))["data"].(map[string]any)
	if withSeats[seats] != 12.0 {
		t.Errorf("lead Seats after PATCH: %v", withSeats[seats])
	}
	genericError(t, e.do("PATCH", "/v1/leads/"+lid, map[string]any{seats: "twelve"}, nil), 400)
	if n := len(e.listLeads("/v1/noteFields")); n < 8 {
		t.Errorf("noteFields: %d", n)
	}
	if r := e.mustOK(e.do("DELETE", "/v1/leads/"+lid, nil, nil)); r["data"].(map[string]any)["id"] != lid {
		t.Errorf("lead delete %v", r)
	}

	// Pipelines and stages: soft deletes.
	p := e.mustOK(e.do("POST", "/api/v2/pipelines", map[string]any{"name": "Renewals"}, nil))["data"].(map[string]any)
	pid := num(p["id"])
	s := e.mustOK(e.do("POST", "/api/v2/stages", map[string]any{"name": "Due", "pipeline_id": pid, "deal_probability": 50}, nil))["data"].(map[string]any)
	genericError(t, e.do("POST", "/api/v2/stages", map[string]any{"name": "Due", "pipeline_id": 99}, nil), 400)
	e.mustOK(e.do("PATCH", "/api/v2/stages/"+itoa(num(s["id"])), map[string]any{"name": "Due soon"}, nil))
	// A deal can go into the new stage, and takes its pipeline.
	d0 := e.mustOK(e.do("POST", "/api/v2/deals", map[string]any{"title": "Renewal", "stage_id": num(s["id"])}, nil))["data"].(map[string]any)
	if num(d0["pipeline_id"]) != pid {
		t.Errorf("deal in stage %v has pipeline %v, want %d", s["id"], d0["pipeline_id"], pid)
	}
	genericError(t, e.do("POST", "/api/v2/deals", map[string]any{"title": "Nowhere", "stage_id": 999}, nil), 400)
	e.mustOK(e.do("DELETE", "/api/v2/pipelines/"+itoa(pid), nil, nil))
	genericError(t, e.get("/api/v2/pipelines/"+itoa(pid)), 404)

	// Filters: conditions required and checked.
	f := e.mustOK(e.do("POST", "/v1/filters", map[string]any{"name": "Big", "type": "deals", "conditions": map[string]any{"glue": "and", "conditions": []any{}}}, nil))["data"].(map[string]any)
	genericError(t, e.do("POST", "/v1/filters", map[string]any{"name": "Big", "type": "deals"}, nil), 400)
	genericError(t, e.do("POST", "/v1/filters", map[string]any{"name": "Big", "type": "ships", "conditions": map[string]any{"glue": "and"}}, nil), 400)
	e.mustOK(e.do("PUT", "/v1/filters/"+itoa(num(f["id"])), map[string]any{"name": "Bigger", "conditions": map[string]any{"glue": "and", "conditions": []any{map[string]any{"glue": "or", "conditions": []any{}}}}}, nil))
	e.mustOK(e.do("DELETE", "/v1/filters/"+itoa(num(f["id"])), nil, nil))

	// Deal products: on a deal, 201, sum computed, counted by include_fields.
	deals, _ := e.listAll("/api/v2/deals", url.Values{"limit": {"1"}, "include_fields": {"products_count"}})
	d := deals[0]
	did := itoa(num(d["id"]))
	before := num(d["products_count"])
	dp := e.do("POST", "/api/v2/deals/"+did+"/products", map[string]any{"product_id": 1, "item_price": 10, "quantity": 3, "discount": 10, "tax": 0}, nil)
	if dp.status != 201 {
		t.Fatalf("deal product create: %d %s", dp.status, dp.body)
	}
	dpd := dp.json(t)["data"].(map[string]any)
	if dpd["sum"] != 27.0 || num(dpd["deal_id"]) != num(d["id"]) {
		t.Errorf("deal product %v", dpd)
	}
	genericError(t, e.do("POST", "/api/v2/deals/"+did+"/products", map[string]any{"product_id": 1, "quantity": 3}, nil), 400)
	after := e.mustOK(e.get("/api/v2/deals/" + did + "?include_fields=products_count"))["data"].(map[string]any)
	if num(after["products_count"]) != before+1 {
		t.Errorf("products_count %v, want %d", after["products_count"], before+1)
	}
	list, _ := e.listAll("/api/v2/deals/products", url.Values{"deal_ids": {did}})
	if int64(len(list)) != before+1 {
		t.Errorf("deals/products?deal_ids=%s: %d", did, len(list))
	}
	dpid := itoa(num(dpd["id"]))
	e.mustOK(e.do("PATCH", "/api/v2/deals/"+did+"/products/"+dpid, map[string]any{"quantity": 5}, nil))
	e.mustOK(e.do("DELETE", "/api/v2/deals/"+did+"/products/"+dpid, nil, nil))
	genericError(t, e.do("DELETE", "/api/v2/deals/"+did+"/products/"+dpid, nil, nil), 404)
	genericError(t, e.get("/api/v2/deals/products"), 400)
}

func TestDeletedDealsAndIncludeFields(t *testing.T) {
	e := newEnv(t, 200)
	e.clock.Set(epoch.Add(time.Minute))
	deals, _ := e.listAll("/api/v2/deals", url.Values{"limit": {"3"}})
	id := itoa(num(deals[1]["id"]))
	e.mustOK(e.do("DELETE", "/api/v2/deals/"+id, nil, nil))
	del, _ := e.listAll("/api/v2/deals", url.Values{"status": {"deleted"}, "sort_by": {"update_time"}})
	var ids []string
	for _, d := range del {
		if d["is_deleted"] != true || d["status"] != "deleted" {
			t.Fatalf("status=deleted listed %v", d)
		}
		ids = append(ids, itoa(num(d["id"])))
	}
	if len(ids) == 0 || ids[len(ids)-1] != id {
		t.Errorf("status=deleted: %v, want the newly deleted %s last", ids, id)
	}
	// Only 30 days back.
	e.clock.Set(epoch.AddDate(0, 0, 31))
	if late, _ := e.listAll("/api/v2/deals", url.Values{"status": {"deleted"}}); len(late) >= len(del) {
		t.Errorf("deleted deals 31 days later: %d of %d", len(late), len(del))
	}
	// include_fields adds the fields asked for, and only those.
	ps, _ := e.listAll("/api/v2/persons", url.Values{"limit": {"500"}, "include_fields": {"open_deals_count,activities_count"}})
	total := int64(0)
	for _, p := range ps {
		total += num(p["open_deals_count"])
		if _, ok := p["activities_count"]; !ok {
			t.Fatal("activities_count missing")
		}
	}
	if total == 0 {
		t.Error("no person has open deals")
	}
	plain := e.mustOK(e.get("/api/v2/persons?limit=1"))["data"].([]any)[0].(map[string]any)
	if _, ok := plain["open_deals_count"]; ok {
		t.Error("open_deals_count without include_fields")
	}
	genericError(t, e.get("/api/v2/persons?include_fields=colour"), 400)
	acts, _ := e.listAll("/api/v2/activities", url.Values{"include_fields": {"attendees"}, "limit": {"500"}})
	withAttendees := 0
	for _, a := range acts {
		if at := a["attendees"].([]any); len(at) > 0 {
			withAttendees++
		}
	}
	if withAttendees == 0 {
		t.Error("no activity has attendees")
	}
}
