package scripts_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/synapsejs/synapse-js/sandbox/pipedrive"
)

// sandboxItems lists every item of a sandbox list, straight from the
// sandbox: v2 lists through next_cursor, v1 through start/limit, lists
// answered at once in one request.
func (e *env) sandboxItems(path string, q url.Values) []map[string]any {
	e.t.Helper()
	var out []map[string]any
	cursor, start := "", 0
	for page := 0; page < 1000; page++ {
		qq := url.Values{}
		for k, v := range q {
			qq[k] = v
		}
		if strings.HasPrefix(path, "/api/v2/") {
			qq.Set("limit", "500")
			if cursor != "" {
				qq.Set("cursor", cursor)
			}
		} else {
			qq.Set("start", fmt.Sprint(start))
			qq.Set("limit", "500")
		}
		req, _ := http.NewRequest("GET", e.srv.URL+path+"?"+qq.Encode(), nil)
		req.Header.Set("x-api-token", e.sb.Token())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			e.t.Fatal(err)
		}
		var body struct {
			Data           []map[string]any `json:"data"`
			AdditionalData *struct {
				NextCursor *string `json:"next_cursor"`
				Pagination *struct {
					More      bool `json:"more_items_in_collection"`
					NextStart int  `json:"next_start"`
				} `json:"pagination"`
			} `json:"additional_data"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			e.t.Fatalf("sandbox %s: %d %v", path, resp.StatusCode, err)
		}
		out = append(out, body.Data...)
		switch ad := body.AdditionalData; {
		case ad == nil:
			return out
		case ad.NextCursor != nil:
			cursor = *ad.NextCursor
		case ad.Pagination != nil && ad.Pagination.More:
			start = ad.Pagination.NextStart
		default:
			return out
		}
	}
	e.t.Fatalf("sandbox %s: paging did not end", path)
	return nil
}

// itemMillis reads an item's update_time (v1 or v2 format) in ms.
func itemMillis(t testing.TB, v any) int64 {
	s, _ := v.(string)
	for _, layout := range []string{time.RFC3339, time.DateTime, "2006-01-02T15:04:05.000Z"} {
		if tm, err := time.Parse(layout, s); err == nil {
			return tm.UnixMilli()
		}
	}
	t.Fatalf("bad time %v", v)
	return 0
}

// idsIn keeps the ids of items updated in [start, end) ms.
func idsIn(t testing.TB, items []map[string]any, start, end int64) map[string]bool {
	out := map[string]bool{}
	for _, it := range items {
		if ms := itemMillis(t, it["update_time"]); ms >= start && ms < end {
			out[fmt.Sprint(it["id"])] = true
		}
	}
	return out
}

// checkRead asserts recs hold each wanted id once, and that their
// lastModified never goes back within one run of records.
func checkRead(t testing.TB, what string, recs []Record, want map[string]bool) {
	t.Helper()
	seen := map[string]bool{}
	for _, r := range recs {
		if seen[r.ID] {
			t.Fatalf("%s: record %s read twice", what, r.ID)
		}
		seen[r.ID] = true
		if !want[r.ID] {
			t.Fatalf("%s: record %s is not in the window", what, r.ID)
		}
		if r.LastModified == nil {
			t.Fatalf("%s: record %s has no lastModified", what, r.ID)
		}
	}
	if len(seen) != len(want) {
		t.Fatalf("%s: read %d records, want %d", what, len(seen), len(want))
	}
}

func ascending(t testing.TB, what string, recs []Record) {
	t.Helper()
	for i := 1; i < len(recs); i++ {
		if *recs[i].LastModified < *recs[i-1].LastModified {
			t.Fatalf("%s: record %d (%s) goes back in time", what, i, recs[i].ID)
		}
	}
}

func TestNewEntitiesRead(t *testing.T) {
	t.Parallel()
	e := newEnv(t, pipedrive.Options{Records: 600, Now: aMinuteAgo})
	conn := e.connection(nil)
	now := time.Now()
	since, until := now.Add(-200*24*time.Hour).UnixMilli(), now.Add(-20*24*time.Hour).UnixMilli()
	for _, c := range []struct {
		name  string
		paths []string
		page  int
	}{
		{"pipeline", []string{"/api/v2/pipelines"}, 1},
		{"stage", []string{"/api/v2/stages"}, 3},
		{"note", []string{"/v1/notes"}, 37},
		{"lead", []string{"/v1/leads", "/v1/leads/archived"}, 11},
		{"activity_type", []string{"/v1/activityTypes"}, 3},
		{"filter", []string{"/v1/filters"}, 2},
		{"file", []string{"/v1/files"}, 13},
	} {
		var items []map[string]any
		for _, p := range c.paths {
			items = append(items, e.sandboxItems(p, nil)...)
		}
		// The whole history, then a window that cuts the history (for the
		// larger lists), both over several pages.
		wins := []Watermark{fullWindow(int64(c.page))}
		if len(items) > 50 {
			wins = append(wins, Watermark{Start: since, End: until, Limit: int64(c.page)})
		}
		for _, wm := range wins {
			recs, pages := e.readAll(conn, c.name, wm, c.page)
			want := idsIn(t, items, wm.Start, wm.End)
			checkRead(t, c.name, recs, want)
			if len(want) > c.page && len(pages) < 2 {
				t.Errorf("%s: %d pages for %d records of %d", c.name, len(pages), len(want), c.page)
			}
			ascending(t, c.name, recs)
			if len(recs) > 0 && recs[0].Name != c.name {
				t.Errorf("%s: record named %q", c.name, recs[0].Name)
			}
		}
	}
	// Leads: the live and the archived ones in one update order.
	recs, _ := e.readAll(conn, "lead", fullWindow(50), 50)
	ascending(t, "lead", recs)
	archived := 0
	for _, r := range recs {
		if r.Values["is_archived"] == true {
			archived++
		}
	}
	if archived == 0 || archived == len(recs) {
		t.Errorf("%d of %d leads read are archived", archived, len(recs))
	}

	// Currencies carry no times: every read answers all of them.
	curs := e.sandboxItems("/v1/currencies", nil)
	for i := 0; i < 2; i++ {
		recs, _ := e.readAll(conn, "currency", Watermark{Start: since, End: until, Limit: 3}, 3)
		if len(recs) != len(curs) {
			t.Fatalf("currencies: %d of %d", len(recs), len(curs))
		}
		for _, r := range recs {
			if *r.LastModified != until-1 {
				t.Fatalf("currency lastModified %d, want the window's end", *r.LastModified)
			}
		}
	}

	// Deal products: every product on every deal, archived ones included,
	// in the window.
	var dp []map[string]any
	deals := append(e.sandboxItems("/api/v2/deals", url.Values{"sort_by": {"id"}}), e.sandboxItems("/api/v2/deals/archived", url.Values{"sort_by": {"id"}})...)
	for i := 0; i < len(deals); i += 100 {
		var ids []string
		for _, d := range deals[i:min(i+100, len(deals))] {
			ids = append(ids, fmt.Sprint(d["id"]))
		}
		dp = append(dp, e.sandboxItems("/api/v2/deals/products", url.Values{"deal_ids": {strings.Join(ids, ",")}})...)
	}
	if len(dp) < 50 {
		t.Fatalf("only %d deal products", len(dp))
	}
	// Their ids are "<deal id>:<attachment id>".
	for _, it := range dp {
		it["id"] = fmt.Sprint(it["deal_id"]) + ":" + fmt.Sprint(it["id"])
	}
	for _, wm := range []Watermark{fullWindow(17), {Start: since, End: until, Limit: 17}} {
		recs, _ := e.readAll(conn, "deal_product", wm, 17)
		checkRead(t, "deal_product", recs, idsIn(t, dp, wm.Start, wm.End))
	}
}

func TestDealsArchivedAndDeleted(t *testing.T) {
	t.Parallel()
	e := newEnv(t, pipedrive.Options{Records: 400, Now: aMinuteAgo})
	conn := e.connection(map[string]any{"readSkewSeconds": 0})
	start := time.Now().Add(-2 * time.Minute).UnixMilli()
	// Archive one deal, delete another.
	deals := append(e.sandboxItems("/api/v2/deals", url.Values{"sort_by": {"id"}}), e.sandboxItems("/api/v2/deals/archived", url.Values{"sort_by": {"id"}})...)
	a, d := fmt.Sprint(deals[3]["id"]), fmt.Sprint(deals[4]["id"])
	res := decode[[]Result](t, e.call("update", conn, crud("deal", map[string]any{"id": a, "values": map[string]any{"is_archived": true}})))
	if !res[0].Success {
		t.Fatalf("archive: %+v", res)
	}
	decode[[]Result](t, e.call("delete", conn, crud("deal", map[string]any{"id": d})))
	wm := Watermark{Start: start, End: time.Now().Add(time.Minute).UnixMilli(), Limit: 1}
	recs, pages := e.readAll(conn, "deal", wm, 1)
	got := map[string]Record{}
	for _, r := range recs {
		got[r.ID] = r
	}
	if r, ok := got[a]; !ok || r.Deleted || r.Values["is_archived"] != true {
		t.Errorf("archived deal: %+v (read %d in %d pages)", r, len(recs), len(pages))
	}
	if r, ok := got[d]; !ok || !r.Deleted || r.Values["is_deleted"] != true {
		t.Errorf("deleted deal: %+v", r)
	}
	// Page size 1 across three lists: never a page beyond the size, and
	// only the last one short.
	for i, p := range pages[:len(pages)-1] {
		if p.n != 1 {
			t.Fatalf("page %d has %d records", i, p.n)
		}
	}
	// The whole history includes the archived deals.
	all, _ := e.readAll(conn, "deal", fullWindow(500), 500)
	archived := 0
	for _, r := range all {
		if r.Values["is_archived"] == true {
			archived++
		}
	}
	if want := len(e.sandboxItems("/api/v2/deals/archived", nil)); archived != want || want < 2 {
		t.Errorf("read %d archived deals, the sandbox has %d", archived, want)
	}
}

func TestNewEntitiesWrites(t *testing.T) {
	t.Parallel()
	e := newEnv(t, pipedrive.Options{Records: 200})
	conn := e.connection(nil)
	one := func(method, entity string, rec map[string]any) Result {
		t.Helper()
		res := decode[[]Result](t, e.call(method, conn, crud(entity, rec)))
		if len(res) != 1 {
			t.Fatalf("%s %s: %+v", method, entity, res)
		}
		return res[0]
	}
	get := func(entity string, rec map[string]any) []Record {
		t.Helper()
		return decode[[]Record](t, e.call("get_by_id", conn, crud(entity, rec)))
	}
	for _, c := range []struct {
		entity         string
		create, update map[string]any
		check          string // a key update sets
	}{
		{"note", map[string]any{"content": "Wants a demo", "person_id": 3}, map[string]any{"content": "Demo booked"}, "content"},
		{"lead", map[string]any{"title": "Inbound lead", "person_id": 2, "value": map[string]any{"amount": 900, "currency": "EUR"}}, map[string]any{"title": "Qualified lead"}, "title"},
		{"pipeline", map[string]any{"name": "Renewals"}, map[string]any{"name": "Renewals 2027"}, "name"},
		{"stage", map[string]any{"name": "Due", "pipeline_id": 1, "deal_probability": 30}, map[string]any{"name": "Due soon"}, "name"},
		{"filter", map[string]any{"name": "Big deals", "type": "deals", "conditions": map[string]any{"glue": "and", "conditions": []any{}}},
			map[string]any{"name": "Bigger deals", "conditions": map[string]any{"glue": "and", "conditions": []any{map[string]any{"glue": "or", "conditions": []any{}}}}}, "name"},
		{"deal_product", map[string]any{"deal_id": 2, "product_id": 1, "item_price": 10, "quantity": 3}, map[string]any{"deal_id": 2, "quantity": 5}, "quantity"},
	} {
		r := one("create", c.entity, map[string]any{"values": c.create, "syncariEntityId": "s-1"})
		if !r.Success || r.ID == nil || *r.SyncariID != "s-1" {
			t.Fatalf("create %s: %+v", c.entity, r)
		}
		id := *r.ID
		u := one("update", c.entity, map[string]any{"id": id, "values": c.update})
		if !u.Success {
			t.Fatalf("update %s: %+v", c.entity, u)
		}
		ref := map[string]any{"id": id}
		if c.entity == "deal_product" {
			ref["values"] = map[string]any{"deal_id": 2}
		}
		got := get(c.entity, ref)
		if len(got) != 1 || got[0].ID != id || fmt.Sprint(got[0].Values[c.check]) != fmt.Sprint(c.update[c.check]) {
			t.Fatalf("get_by_id %s %s after update: %+v", c.entity, id, got)
		}
		if d := one("delete", c.entity, ref); !d.Success {
			t.Fatalf("delete %s: %+v", c.entity, d)
		}
		if got := get(c.entity, ref); len(got) != 0 {
			t.Fatalf("%s %s still read after delete: %+v", c.entity, id, got)
		}
	}
	// Pipedrive's validation errors fail the record alone.
	if r := one("create", "note", map[string]any{"values": map[string]any{"content": "orphan"}}); r.Success || len(r.Errors) == 0 {
		t.Errorf("a note on nothing: %+v", r)
	}
	if r := one("update", "lead", map[string]any{"id": "42", "values": map[string]any{}}); r.Success || !strings.Contains(r.Errors[0], "UUID") {
		t.Errorf("a lead id that is no UUID: %+v", r)
	}
	if r := one("update", "deal_product", map[string]any{"id": "1", "values": map[string]any{"quantity": 2}}); r.Success || !strings.Contains(r.Errors[0], "deal_id") {
		t.Errorf("a deal product without its deal: %+v", r)
	}
	// What Pipedrive's API cannot write.
	for _, entity := range []string{"activity_type", "currency", "file"} {
		if r := e.try("create", conn, crud(entity, map[string]any{"values": map[string]any{"name": "x"}})); r.Err == nil || r.Err.Status != 405 {
			t.Errorf("create %s: %+v", entity, r.Err)
		}
	}
	// get_by_id of the lists without a single-record endpoint.
	got := get("currency", map[string]any{"id": "2"})
	if len(got) != 1 || got[0].Values["code"] != "USD" {
		t.Errorf("currency 2: %+v", got)
	}
	if got := get("activity_type", map[string]any{"id": "1"}); len(got) != 1 || got[0].Values["key_string"] != "call" {
		t.Errorf("activity type 1: %+v", got)
	}
	if got := get("file", map[string]any{"id": "1"}); len(got) != 1 || got[0].Values["file_name"] == nil {
		t.Errorf("file 1: %+v", got)
	}
}

// TestWritesSendOnlyWritableFields: describe's read-only fields are not
// sent, so a record read and written back does not trip Pipedrive's strict
// v2 validation.
func TestWritesSendOnlyWritableFields(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var bodies []map[string]any
	e := newEnvWrapped(t, pipedrive.Options{Records: 50}, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == "PATCH" {
				raw, _ := io.ReadAll(r.Body)
				var b map[string]any
				_ = json.Unmarshal(raw, &b)
				mu.Lock()
				bodies = append(bodies, b)
				mu.Unlock()
				r.Body = io.NopCloser(bytes.NewReader(raw))
			}
			h.ServeHTTP(w, r)
		})
	})
	conn := e.connection(nil)
	recs := decode[[]Record](t, e.call("get_by_id", conn, crud("person", map[string]any{"id": "1"})))
	if len(recs) != 1 {
		t.Fatalf("person 1: %+v", recs)
	}
	v := recs[0].Values
	v["name"] = "Renamed Person"
	res := decode[[]Result](t, e.call("update", conn, crud("person", map[string]any{"id": "1", "values": v})))
	mu.Lock()
	defer mu.Unlock()
	if !res[0].Success || len(bodies) != 1 {
		t.Fatalf("update: %+v, %d bodies", res, len(bodies))
	}
	var keys []string
	for k := range bodies[0] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range []string{"first_name", "last_name", "picture_id", "id", "add_time", "update_time", "is_deleted", "open_deals_count"} {
		if _, ok := bodies[0][k]; ok {
			t.Errorf("PATCH sent read-only %s (keys %v)", k, keys)
		}
	}
	if bodies[0]["name"] != "Renamed Person" || bodies[0]["custom_fields"] == nil {
		t.Errorf("PATCH body %v", bodies[0])
	}
}

// TestPositionSurvivesUpdatesMidCycle: v1 notes page by position, not by
// offset, so notes updated between two pages (they move to the end of
// Pipedrive's update order) do not shift the rest and make the next page
// skip some: every note is read, and the updated ones once more, as they
// are now.
func TestPositionSurvivesUpdatesMidCycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, pipedrive.Options{Records: 200, Now: aMinuteAgo})
	conn := e.connection(nil)
	wm := fullWindow(10)
	want := idsIn(t, e.sandboxItems("/v1/notes", nil), wm.Start, wm.End)
	first := decode[ReadResponse](t, e.call("read", conn, readRequest("note", wm)))
	if len(first.Data) != 10 || first.Watermark.Cursor == nil {
		t.Fatalf("first page: %d records, cursor %v", len(first.Data), first.Watermark.Cursor)
	}
	// Update the first two notes read: they move to the end of Pipedrive's
	// order (past the window's end, so out of this cycle).
	for _, r := range first.Data[:2] {
		res := decode[[]Result](t, e.call("update", conn, crud("note", map[string]any{"id": r.ID, "values": map[string]any{"content": "edited mid-cycle"}})))
		if !res[0].Success {
			t.Fatalf("update note %s: %+v", r.ID, res)
		}
	}
	rest, _ := e.readAll(conn, "note", first.Watermark, 10)
	seen := map[string]int{}
	for _, r := range append(first.Data, rest...) {
		seen[r.ID]++
	}
	for id := range want {
		if seen[id] == 0 {
			t.Errorf("note %s was skipped", id)
		}
	}
	for i, r := range first.Data {
		if n := seen[r.ID]; (i < 2) != (n == 2) {
			t.Errorf("note %s (updated: %v) read %d times", r.ID, i < 2, n)
		}
	}
	if last := rest[len(rest)-1]; last.Values["content"] != "edited mid-cycle" {
		t.Errorf("the last note read is %s %v, want an edited one", last.ID, last.Values["content"])
	}
}

// TestLeadCustomFields: leads share the deals' custom fields; describe
// takes them from /v1/leadFields and writes send them as top-level keys.
func TestLeadCustomFields(t *testing.T) {
	t.Parallel()
	e := newEnv(t, pipedrive.Options{Records: 50})
	conn := e.connection(nil)
	schemas := decode[[]Schema](t, e.call("describe", conn, map[string]any{"entities": []string{"lead", "note"}}))
	seats := customKey("deal", "Seats")
	var found *Attribute
	for i, a := range schemas[0].Attributes {
		if a.APIName == seats {
			found = &schemas[0].Attributes[i]
		}
	}
	if found == nil || !found.Custom || found.DataType != "integer" || !found.Updateable || found.DisplayName != "Seats" {
		t.Fatalf("lead's Seats attribute: %+v", found)
	}
	for _, a := range schemas[1].Attributes {
		if a.APIName == "content" && a.DisplayName != "Content" {
			t.Errorf("note content named %q, want noteFields' name", a.DisplayName)
		}
	}
	res := decode[[]Result](t, e.call("create", conn, crud("lead", map[string]any{"values": map[string]any{"title": "Seats lead", "person_id": 1, seats: 40}})))
	if !res[0].Success {
		t.Fatalf("create: %+v", res)
	}
	got := decode[[]Record](t, e.call("get_by_id", conn, crud("lead", map[string]any{"id": *res[0].ID})))
	if len(got) != 1 || got[0].Values[seats] != 40.0 {
		t.Fatalf("lead read back: %+v", got)
	}
	bad := decode[[]Result](t, e.call("update", conn, crud("lead", map[string]any{"id": *res[0].ID, "values": map[string]any{seats: "forty"}})))
	if bad[0].Success || !strings.Contains(bad[0].Errors[0], "integer") {
		t.Errorf("a text Seats: %+v", bad)
	}
}
