// Package scripts_test runs the reference connectors end to end: through the
// host (host.StdOptions, Connector.Call and Connector.Invoke) against the
// Pipedrive sandbox served on loopback.
package scripts_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/synapsejs/synapse-js/host"
	"github.com/synapsejs/synapse-js/sandbox/pipedrive"
)

const companyID = "13760517" // the sandbox's company

func TestSynapseInfo(t *testing.T) {
	t.Parallel()
	e := newEnv(t, pipedrive.Options{Records: 50})
	info := decode[struct {
		Name               string `json:"name"`
		SupportedAuthTypes []struct {
			AuthType string `json:"authType"`
			Fields   []struct {
				Name string `json:"name"`
			} `json:"fields"`
		} `json:"supportedAuthTypes"`
		OAuthInfo      map[string]string `json:"oauthInfo"`
		APIMaxCrudSize int               `json:"apiMaxCrudSize"`
		Capabilities   []string          `json:"capabilities"`
	}](t, e.conn.Info())
	if info.Name != "pipedrive" {
		t.Fatalf("name %q", info.Name)
	}
	var types []string
	for _, a := range info.SupportedAuthTypes {
		types = append(types, a.AuthType)
		if a.AuthType == "ApiKey" {
			var names []string
			for _, f := range a.Fields {
				names = append(names, f.Name)
			}
			if !slices.Contains(names, "endpoint") || !slices.Contains(names, "token") {
				t.Errorf("ApiKey fields %v, want endpoint and token", names)
			}
		}
	}
	if !slices.Equal(types, []string{"ApiKey", "Oauth"}) {
		t.Errorf("auth types %v", types)
	}
	if info.OAuthInfo["OAUTH_TOKEN_URL"] != "https://oauth.pipedrive.com/oauth/token" || info.OAuthInfo["OAUTH_HOST"] == "" {
		t.Errorf("oauthInfo %v", info.OAuthInfo)
	}
	caps := slices.Clone(info.Capabilities)
	slices.Sort(caps)
	if !slices.Equal(caps, []string{"create", "delete", "getById", "getByWatermark", "search", "update"}) {
		t.Errorf("capabilities %v", info.Capabilities)
	}
	if info.APIMaxCrudSize <= 0 {
		t.Errorf("apiMaxCrudSize %d", info.APIMaxCrudSize)
	}
	// The wire answers SYNAPSE_INFO as a plain object.
	r := e.invoke("SYNAPSE_INFO", nil, map[string]any{})
	if r.Err != nil || !strings.HasPrefix(string(r.Body), `{"name":"pipedrive"`) {
		t.Fatalf("wire info: %v %s", r.Err, truncate(r.Body, 200))
	}
}

func TestTestConnection(t *testing.T) {
	t.Parallel()
	e := newEnv(t, pipedrive.Options{Records: 50})
	for _, suffix := range []string{"", "v1/", "api/v1/", "v1"} {
		conn := e.connection(map[string]any{"keep": "me"})
		conn["authConfig"].(map[string]any)["endpoint"] = e.base() + suffix
		got := decode[map[string]any](t, e.call("test", conn, nil))
		mc, _ := got["metaConfig"].(map[string]any)
		if mc["webhookIdentifier"] != companyID || mc["keep"] != "me" {
			t.Errorf("endpoint %q: metaConfig %v", suffix, mc)
		}
		if got["name"] != "pipedrive-test" {
			t.Errorf("connection not returned: %v", got)
		}
	}

	// A bad token: 401 with a message a user can act on, on the wire too.
	bad := e.connection(nil)
	bad["authConfig"].(map[string]any)["token"] = "not-the-token"
	r := e.invoke("TEST", bad, map[string]any{})
	if r.Err == nil || r.Err.Status != 401 {
		t.Fatalf("bad token: %v %s", r.Err, r.Body)
	}
	w := decode[map[string]any](t, r.Body)
	if len(w) != 3 || w["status_code"] != 401.0 {
		t.Fatalf("wire error %s", r.Body)
	}
	if msg, _ := w["message"].(string); !strings.HasPrefix(msg, "Pipedrive rejected the API token: check authConfig.token") {
		t.Fatalf("message %q", msg)
	}
	if strings.Contains(string(r.Body), "not-the-token") {
		t.Fatalf("the token leaked into the answer: %s", r.Body)
	}

	// No credentials at all.
	none := e.connection(nil)
	delete(none["authConfig"].(map[string]any), "token")
	if r := e.try("test", none, nil); r.Err == nil || r.Err.Status != 401 {
		t.Fatalf("no token: %v", r.Err)
	}
}

func TestDescribe(t *testing.T) {
	t.Parallel()
	e := newEnv(t, pipedrive.Options{Records: 50})
	conn := e.connection(nil)
	all := decode[[]Schema](t, e.call("describe", conn, map[string]any{"entities": []string{}}))
	var names []string
	for _, s := range all {
		names = append(names, s.APIName)
	}
	if !slices.Equal(names, []string{"person", "organization", "deal", "activity", "product", "user", "pipeline", "stage", "note", "lead",
		"activity_type", "currency", "file", "filter", "deal_product"}) {
		t.Fatalf("entities %v", names)
	}
	for _, s := range all {
		var ids, wms, created, updated int
		for _, a := range s.Attributes {
			if a.IsIDField {
				ids++
				if a.APIName != "id" {
					t.Errorf("%s: id field %s", s.APIName, a.APIName)
				}
			}
			if a.IsWatermarkField {
				wms++
				if a.DataType != "datetime" {
					t.Errorf("%s: watermark %s is %s, want datetime", s.APIName, a.APIName, a.DataType)
				}
			}
			if a.IsCreatedAtField {
				created++
			}
			if a.IsUpdatedAtField {
				updated++
			}
		}
		if s.APIName == "currency" {
			// Pipedrive's currencies carry no times: the connector's
			// read_time is the watermark.
			if ids != 1 || wms != 1 || created+updated != 0 {
				t.Errorf("currency: %d id, %d watermark, %d other time fields", ids, wms, created+updated)
			}
			continue
		}
		if ids != 1 || wms != 1 || created != 1 || updated != 1 {
			t.Errorf("%s: %d id, %d watermark, %d created-at, %d updated-at fields; want one each", s.APIName, ids, wms, created, updated)
		}
	}

	attr := func(s Schema, key string) Attribute {
		t.Helper()
		for _, a := range s.Attributes {
			if a.APIName == key {
				return a
			}
		}
		t.Fatalf("%s has no attribute %s", s.APIName, key)
		return Attribute{}
	}
	person, deal, activity := all[0], all[2], all[3]
	checks := []struct {
		s        Schema
		key      string
		dataType string
		ref      string
		custom   bool
	}{
		{person, "id", "integer", "", false},
		{person, "update_time", "datetime", "", false},
		{person, "add_time", "datetime", "", false},
		{person, "owner_id", "reference", "user", false},
		{person, "org_id", "reference", "organization", false},
		{person, "name", "string", "", false},
		{person, customKey("person", "Lead source"), "picklist", "", true},
		{person, customKey("person", "Interests"), "picklist", "", true},
		{person, customKey("person", "Customer since"), "date", "", true},
		{person, customKey("person", "Lifetime value"), "double", "", true},
		{person, customKey("person", "Lifetime value") + "_currency", "string", "", true},
		{person, customKey("person", "NPS score"), "integer", "", true},
		{person, customKey("person", "Engagement score"), "double", "", true},
		{person, customKey("person", "Account manager"), "reference", "user", true},
		{person, customKey("person", "Billing organization"), "reference", "organization", true},
		{person, customKey("person", "Referred by"), "reference", "person", true},
		{person, customKey("person", "Position"), "string", "", true},
		{deal, "stage_id", "reference", "stage", false},
		{deal, "person_id", "reference", "person", false},
		{deal, "value", "double", "", false},
		{deal, "expected_close_date", "date", "", false},
		{activity, "deal_id", "reference", "deal", false},
		{activity, "done", "boolean", "", false},
	}
	for _, c := range checks {
		a := attr(c.s, c.key)
		if a.DataType != c.dataType || a.ReferenceTo != c.ref || a.Custom != c.custom {
			t.Errorf("%s.%s (%s): %s→%q custom %v; want %s→%q custom %v", c.s.APIName, c.key, a.DisplayName, a.DataType, a.ReferenceTo, a.Custom, c.dataType, c.ref, c.custom)
		}
	}
	lead := attr(person, customKey("person", "Lead source"))
	if lead.IsMultiValueField || len(lead.Picklist) != 6 || lead.Picklist[0].Label != "Website" || lead.Picklist[0].ID == "" {
		t.Errorf("enum picklist %+v", lead)
	}
	if a := attr(person, customKey("person", "Interests")); !a.IsMultiValueField || len(a.Picklist) != 6 {
		t.Errorf("set picklist %+v", a)
	}
	user := all[5]
	if a := attr(user, "modified"); !a.IsWatermarkField || a.DataType != "datetime" {
		t.Errorf("user watermark %+v", a)
	}
	// Only what Pipedrive's PATCH bodies take is updateable (API v2 2.0.0).
	for _, c := range []struct {
		s   Schema
		key string
	}{{person, "first_name"}, {person, "last_name"}, {person, "picture_id"}, {deal, "origin"}, {deal, "stage_change_time"},
		{deal, "creator_user_id"}, {activity, "marked_as_done_time"}, {activity, "creator_user_id"}} {
		if a := attr(c.s, c.key); a.Updateable || a.Initializable {
			t.Errorf("%s.%s is writable", c.s.APIName, c.key)
		}
	}
	for _, c := range []struct {
		s   Schema
		key string
	}{{person, "name"}, {person, "emails"}, {deal, "title"}, {deal, "is_archived"}, {activity, "done"}, {activity, "subject"}} {
		if a := attr(c.s, c.key); !a.Updateable || !a.Initializable {
			t.Errorf("%s.%s is not writable", c.s.APIName, c.key)
		}
	}
	if a := attr(person, "picture_id"); a.DataType != "integer" {
		t.Errorf("picture_id is %s, want integer", a.DataType)
	}
	// Optional fields are published because read asks for them.
	attr(person, "open_deals_count")
	attr(deal, "products_count")
	attr(all[1], "people_count")
	attr(activity, "attendees")
	// The entities without a fields endpoint: their official fields, and
	// read-only where Pipedrive's API cannot write them.
	byName := map[string]Schema{}
	for _, s := range all {
		byName[s.APIName] = s
	}
	if a := attr(byName["stage"], "pipeline_id"); a.DataType != "reference" || a.ReferenceTo != "pipeline" || !a.Updateable {
		t.Errorf("stage.pipeline_id %+v", a)
	}
	if a := attr(byName["lead"], "id"); a.DataType != "string" || !a.IsIDField {
		t.Errorf("lead.id %+v", a)
	}
	if a := attr(byName["note"], "content"); !a.Initializable || !a.Updateable {
		t.Errorf("note.content %+v", a)
	}
	if a := attr(byName["filter"], "type"); !a.Initializable || a.Updateable {
		t.Errorf("filter.type: create-only, got %+v", a)
	}
	for _, name := range []string{"activity_type", "currency", "file"} {
		if !byName[name].ReadOnly {
			t.Errorf("%s is not read-only", name)
		}
	}
	if byName["note"].ReadOnly || byName["deal_product"].ReadOnly {
		t.Error("notes and deal products are writable")
	}

	// Named entities come back exactly, in the order asked; on the wire
	// as a list of JSON strings.
	r := e.invoke("DESCRIBE", conn, map[string]any{"entities": []string{"user", "deal"}})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	named := wireList[Schema](t, r.Body)
	if len(named) != 2 || named[0].APIName != "user" || named[1].APIName != "deal" {
		t.Fatalf("named describe: %s", truncate(r.Body, 300))
	}
	// An unknown entity is a 400 that names it.
	r = e.invoke("DESCRIBE", conn, map[string]any{"entities": []string{"person", "project"}})
	if r.Err == nil || r.Err.Status != 400 || !strings.Contains(r.Err.Message, `"project"`) {
		t.Fatalf("unknown entity: %v", r.Err)
	}
}

// window is a whole-history window: everything up to now.
func fullWindow(limit int64) Watermark {
	return Watermark{Start: 0, End: time.Now().Add(time.Hour).UnixMilli(), Limit: limit, IsResync: true}
}

func TestReadPaging(t *testing.T) {
	t.Parallel()
	e := newEnv(t, pipedrive.Options{Records: 1000, Now: aMinuteAgo})
	conn := e.connection(nil)

	// Everything, 50 per page through the watermark's limit.
	recs, pages := e.readAll(conn, "person", fullWindow(50), 50)
	want := e.sandboxWindow("persons", 0, time.Now().Unix())
	if len(want) != e.sb.Count("person") {
		t.Fatalf("sandbox window %d, Count %d", len(want), e.sb.Count("person"))
	}
	checkOnceAscending(t, recs, want)
	if len(pages) < 20 {
		t.Fatalf("%d pages for %d records", len(pages), len(recs))
	}
	r := recs[0]
	if r.Name != "person" || r.CreatedAt == nil || r.Deleted || r.Values["name"] == nil {
		t.Fatalf("record %+v", r)
	}
	if _, nested := r.Values["custom_fields"]; nested {
		t.Fatal("custom_fields left nested in values")
	}
	if _, ok := r.Values[customKey("person", "Lead source")]; !ok {
		t.Fatalf("custom field not flattened: %v", r.Values)
	}
	ts, _ := time.Parse(time.RFC3339, r.Values["update_time"].(string))
	if *r.LastModified != ts.UnixMilli() {
		t.Fatalf("lastModified %d, update_time %s", *r.LastModified, r.Values["update_time"])
	}

	// A sub-window, with the page size from metaConfig.pageSize: 1000
	// persons over a year leave a few hundred in 90 days.
	now := time.Now()
	since, until := now.Add(-120*24*time.Hour).Unix(), now.Add(-30*24*time.Hour).Unix()
	sub := Watermark{Start: since * 1000, End: until * 1000}
	recs, _ = e.readAll(e.connection(map[string]any{"pageSize": 37}), "person", sub, 37)
	want = e.sandboxWindow("persons", since, until)
	if len(want) < 50 {
		t.Fatalf("window too small to page: %d", len(want))
	}
	checkOnceAscending(t, recs, want)

	// Every v2 entity with a server-side filter pages the same way.
	for _, ent := range []struct{ name, plural string }{{"organization", "organizations"}, {"activity", "activities"}, {"product", "products"}} {
		recs, _ := e.readAll(conn, ent.name, Watermark{Start: since * 1000, End: until * 1000, Limit: 40}, 40)
		checkOnceAscending(t, recs, e.sandboxWindow(ent.plural, since, until))
	}
	// Deals: the live, archived and deleted ones (deleted: true) in one
	// update order.
	recs, _ = e.readAll(conn, "deal", Watermark{Start: since * 1000, End: until * 1000, Limit: 40}, 40)
	wantDeals := e.sandboxWindow("deals", since, until)
	var archived []Record
	for id := range e.sandboxWindowQ("deals/archived", nil, since, until) {
		wantDeals[id] = true
	}
	for _, r := range recs {
		if r.Deleted {
			t.Fatalf("a deal deleted more than 30 days ago was read: %+v", r)
		}
		if r.Values["is_archived"] == true {
			archived = append(archived, r)
		}
	}
	checkOnceAscending(t, recs, wantDeals)
	if len(archived) == 0 {
		t.Fatal("no archived deal in the window")
	}

	// A window exactly a whole number of pages: the last full page carries
	// a cursor that answers an empty page, never null (which would start
	// the window over).
	n := len(want)
	recs, pages = e.readAll(e.connection(map[string]any{"pageSize": n}), "person", sub, n)
	if len(recs) != n || len(pages) != 2 || pages[1].n != 0 {
		t.Fatalf("exact pages: %d records in %+v", len(recs), pages)
	}
}

func TestReadWire(t *testing.T) {
	t.Parallel()
	e := newEnv(t, pipedrive.Options{Records: 200, Now: aMinuteAgo})
	conn := e.connection(nil)
	r := e.invoke("READ", conn, readRequest("person", fullWindow(10)))
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	// READ is a plain object on the wire; records are objects, ids strings.
	var rr struct {
		Data []struct {
			ID           json.RawMessage `json:"id"`
			LastModified json.RawMessage `json:"lastModified"`
		} `json:"data"`
		Watermark  map[string]any `json:"watermark"`
		OffsetType string         `json:"offsetType"`
	}
	if err := json.Unmarshal(r.Body, &rr); err != nil {
		t.Fatalf("%v: %s", err, truncate(r.Body, 300))
	}
	if len(rr.Data) != 10 || rr.OffsetType != "CUSTOM" || rr.Watermark["cursor"] == nil {
		t.Fatalf("wire read: %s", truncate(r.Body, 400))
	}
	if rr.Data[0].ID[0] != '"' || rr.Data[0].LastModified[0] == '"' {
		t.Fatalf("id %s lastModified %s", rr.Data[0].ID, rr.Data[0].LastModified)
	}
}

func TestReadResume(t *testing.T) {
	t.Parallel()
	e := newEnv(t, pipedrive.Options{Records: 500, Now: aMinuteAgo})
	conn := e.connection(nil)
	wm := fullWindow(60)
	var first []Record
	// Three pages, then "the platform restarts" and carries on from the
	// watermark it stored, sent as wire JSON.
	for range 3 {
		rr := decode[ReadResponse](t, e.call("read", conn, readRequest("person", wm)))
		first = append(first, rr.Data...)
		wm = rr.Watermark
	}
	stored := mustJSON(t, wm)
	var resumed Watermark
	if err := json.Unmarshal(stored, &resumed); err != nil {
		t.Fatal(err)
	}
	rest, _ := e.readAll(conn, "person", resumed, 60)
	checkOnceAscending(t, append(first, rest...), e.sandboxWindow("persons", 0, time.Now().Unix()))
}

func TestReadSkew(t *testing.T) {
	t.Parallel()
	e := newEnv(t, pipedrive.Options{Records: 50})
	conn := e.connection(nil)
	created := decode[[]Result](t, e.call("create", conn, map[string]any{
		"entity": map[string]any{"apiName": "person"},
		"data":   []any{map[string]any{"syncariEntityId": "s1", "values": map[string]any{"name": "Fresh Person"}}},
	}))
	id := *created[0].ID
	now := time.Now()
	wm := Watermark{Start: now.Add(-time.Minute).UnixMilli(), End: now.Add(time.Minute).UnixMilli()}

	has := func(rr ReadResponse) bool {
		for _, r := range rr.Data {
			if r.ID == id {
				return true
			}
		}
		return false
	}
	// Default skew (5 s): the window ends 5 s before now, so the record
	// written just now waits for the next cycle; the start never moves.
	rr := decode[ReadResponse](t, e.call("read", conn, readRequest("person", wm)))
	if has(rr) {
		t.Fatal("a record written within the skew was read")
	}
	if rr.Watermark.Start != wm.Start {
		t.Fatalf("start moved: %d → %d", wm.Start, rr.Watermark.Start)
	}
	if lim := time.Now().Add(-5 * time.Second).UnixMilli(); rr.Watermark.End > lim {
		t.Fatalf("end %d is after now-5s %d", rr.Watermark.End, lim)
	}
	// A window that ends before now - skew is not touched.
	old := Watermark{Start: 0, End: now.Add(-time.Hour).UnixMilli()}
	if rr := decode[ReadResponse](t, e.call("read", conn, readRequest("person", old))); rr.Watermark.End != old.End {
		t.Fatalf("an old window's end moved: %d → %d", old.End, rr.Watermark.End)
	}
	// readSkewSeconds 0 turns it off.
	rr = decode[ReadResponse](t, e.call("read", e.connection(map[string]any{"readSkewSeconds": 0}), readRequest("person", wm)))
	if !has(rr) {
		t.Fatal("with readSkewSeconds 0 the new record was not read")
	}
	// Once the skew has passed, the record is read.
	short := e.connection(map[string]any{"readSkewSeconds": "1"})
	time.Sleep(1100 * time.Millisecond)
	if rr := decode[ReadResponse](t, e.call("read", short, readRequest("person", wm))); !has(rr) {
		t.Fatal("the record was not read once the skew passed")
	}
}

func TestReadProducts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, pipedrive.Options{Records: 3000, Now: aMinuteAgo}) // 300 products
	now := time.Now()
	since, until := now.Add(-200*24*time.Hour).Unix(), now.Add(-20*24*time.Hour).Unix()
	want := e.sandboxWindow("products", since, until)
	if len(want) < 30 || len(want) == e.sb.Count("product") {
		t.Fatalf("window holds %d of %d products", len(want), e.sb.Count("product"))
	}
	// Page size 7; updated_since does the filtering: at most one request
	// per page, never a scan of all products.
	before := e.sb.Stats().Total
	recs, pages := e.readAll(e.connection(map[string]any{"pageSize": 7}), "product", Watermark{Start: since * 1000, End: until * 1000}, 7)
	checkOnceAscending(t, recs, want)
	if len(pages) < len(want)/7 {
		t.Fatalf("pages %d", len(pages))
	}
	if n := e.sb.Stats().Total - before; n > int64(len(pages)) {
		t.Fatalf("%d requests for %d pages", n, len(pages))
	}
	// The whole history in one page of 500.
	recs, _ = e.readAll(e.connection(nil), "product", fullWindow(0), 500)
	checkOnceAscending(t, recs, e.sandboxWindow("products", 0, time.Now().Unix()))
}

func TestReadUsers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, pipedrive.Options{Records: 3000, Now: aMinuteAgo}) // 8 users
	n := e.sb.Count("user")
	recs, pages := e.readAll(e.connection(map[string]any{"pageSize": 3}), "user", fullWindow(0), 3)
	if len(recs) != n || len(pages) != (n+3)/3 {
		t.Fatalf("%d users in %d pages, want %d", len(recs), len(pages), n)
	}
	checkOnceAscending(t, recs, nil)
	for _, r := range recs {
		mod, _ := r.Values["modified"].(string)
		ts, err := time.Parse(time.DateTime, mod)
		if err != nil || ts.UnixMilli() != *r.LastModified || r.Name != "user" {
			t.Fatalf("user %s: modified %q lastModified %d", r.ID, mod, *r.LastModified)
		}
	}
	// A window that excludes the older half.
	mid := *recs[len(recs)/2].LastModified
	later, _ := e.readAll(e.connection(nil), "user", Watermark{Start: mid, End: time.Now().UnixMilli()}, 500)
	if len(later) != len(recs)-len(recs)/2 {
		t.Fatalf("users since %d: %d, want %d", mid, len(later), len(recs)-len(recs)/2)
	}
}

func crud(entity string, data ...map[string]any) map[string]any {
	return map[string]any{"entity": map[string]any{"apiName": entity, "displayName": entity, "attributes": []any{}}, "data": data}
}

func TestGetByID(t *testing.T) {
	t.Parallel()
	e := newEnv(t, pipedrive.Options{Records: 100})
	conn := e.connection(nil)
	got := decode[[]Record](t, e.call("get_by_id", conn, crud("person",
		map[string]any{"id": "1", "syncariEntityId": "a"}, map[string]any{"id": "999999"}, map[string]any{"id": "2"})))
	if len(got) != 2 || got[0].ID != "1" || got[1].ID != "2" || got[0].LastModified == nil || *got[0].SyncariEntityID != "a" {
		t.Fatalf("get_by_id: %+v", got)
	}
	users := decode[[]Record](t, e.call("get_by_id", conn, crud("user", map[string]any{"id": "1"})))
	if len(users) != 1 || users[0].Values["email"] == nil || users[0].LastModified == nil {
		t.Fatalf("user: %+v", users)
	}
	// Wire: a list of JSON strings.
	r := e.invoke("GET_BY_ID", conn, crud("deal", map[string]any{"id": "3"}))
	if recs := wireList[Record](t, r.Body); len(recs) != 1 || recs[0].ID != "3" {
		t.Fatalf("wire get_by_id: %s", truncate(r.Body, 300))
	}
}

func TestCRUDLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, pipedrive.Options{Records: 100})
	conn := e.connection(nil)
	lead := customKey("person", "Lead source")
	ltv := customKey("person", "Lifetime value")
	describe := decode[[]Schema](t, e.call("describe", conn, map[string]any{"entities": []string{"person"}}))
	var option string
	for _, a := range describe[0].Attributes {
		if a.APIName == lead {
			option = a.Picklist[1].ID
		}
	}
	optID, _ := strconv.Atoi(option)

	// Create, through the wire: a list of JSON-encoded Results. (Custom
	// fields are set by the update below: the sandbox cannot yet take
	// custom_fields on a create.)
	r := e.invoke("CREATE", conn, crud("person", map[string]any{"syncariEntityId": "syn-1", "values": map[string]any{
		"name": "Ada Lovelace", "emails": []any{map[string]any{"value": "ada@example.com", "primary": true, "label": "work"}},
	}}))
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	if !strings.HasPrefix(string(r.Body), `["{\"success\":true,\"errors\":[],\"id\":\"`) {
		t.Fatalf("wire create: %s", r.Body)
	}
	res := wireList[Result](t, r.Body)
	if len(res) != 1 || !res[0].Success || *res[0].SyncariID != "syn-1" || res[0].ID == nil {
		t.Fatalf("create: %+v", res)
	}
	id := *res[0].ID

	get := func() *Record {
		t.Helper()
		got := decode[[]Record](t, e.call("get_by_id", conn, crud("person", map[string]any{"id": id})))
		if len(got) == 0 {
			return nil
		}
		return &got[0]
	}
	rec := get()
	if rec == nil || rec.Values["name"] != "Ada Lovelace" || rec.Values["first_name"] != "Ada" {
		t.Fatalf("created record %+v", rec)
	}

	// Custom fields travel flattened, a monetary one as <key> and
	// <key>_currency; read-only keys are dropped.
	update := func(values map[string]any) {
		t.Helper()
		upd := decode[[]Result](t, e.call("update", conn, crud("person", map[string]any{"id": id, "syncariEntityId": "syn-1", "values": values})))
		if !upd[0].Success || *upd[0].ID != id || *upd[0].SyncariID != "syn-1" {
			t.Fatalf("update: %+v", upd)
		}
	}
	update(map[string]any{"id": id, "update_time": "ignored", lead: optID, ltv: 1234.5, ltv + "_currency": "EUR"})
	rec = get()
	if rec.Values[lead] != float64(optID) || rec.Values[ltv] != 1234.5 || rec.Values[ltv+"_currency"] != "EUR" {
		t.Fatalf("custom fields %+v", rec.Values)
	}
	update(map[string]any{"name": "Ada King", ltv: 99, ltv + "_currency": "USD"})
	rec = get()
	if rec.Values["name"] != "Ada King" || rec.Values[ltv] != 99.0 || rec.Values[ltv+"_currency"] != "USD" || rec.Values[lead] != float64(optID) {
		t.Fatalf("updated record %+v", rec.Values)
	}
	if *rec.LastModified < *rec.CreatedAt {
		t.Fatal("lastModified before createdAt")
	}

	del := decode[[]Result](t, e.call("delete", conn, crud("person", map[string]any{"id": id, "syncariEntityId": "syn-1"})))
	if !del[0].Success {
		t.Fatalf("delete: %+v", del)
	}
	if get() != nil {
		t.Fatal("deleted record still read by id")
	}
	// Deleting again is not an error: the record is gone either way.
	if del := decode[[]Result](t, e.call("delete", conn, crud("person", map[string]any{"id": id}))); !del[0].Success {
		t.Fatalf("second delete: %+v", del)
	}
	// Updating it is a per-record error.
	if upd := decode[[]Result](t, e.call("update", conn, crud("person", map[string]any{"id": id, "values": map[string]any{"name": "x"}}))); upd[0].Success || len(upd[0].Errors) != 1 {
		t.Fatalf("update of a deleted record: %+v", upd)
	}

	// Every v2 entity takes a create and a delete.
	for _, c := range []struct {
		entity string
		values map[string]any
	}{
		{"organization", map[string]any{"name": "Acme"}},
		{"deal", map[string]any{"title": "Big deal", "value": 1000}},
		{"activity", map[string]any{"subject": "Call Ada", "type": "call"}},
		{"product", map[string]any{"name": "Widget"}},
	} {
		res := decode[[]Result](t, e.call("create", conn, crud(c.entity, map[string]any{"values": c.values})))
		if !res[0].Success {
			t.Fatalf("create %s: %+v", c.entity, res)
		}
		if del := decode[[]Result](t, e.call("delete", conn, crud(c.entity, map[string]any{"id": *res[0].ID}))); !del[0].Success {
			t.Fatalf("delete %s: %+v", c.entity, del)
		}
	}
}

func TestPartialBatchFailure(t *testing.T) {
	t.Parallel()
	e := newEnv(t, pipedrive.Options{Records: 50})
	conn := e.connection(nil)
	r := e.invoke("CREATE", conn, crud("person",
		map[string]any{"syncariEntityId": "a", "values": map[string]any{"name": "One"}},
		map[string]any{"syncariEntityId": "b", "values": map[string]any{"first_name": "", "owner_id": 424242}},
		map[string]any{"syncariEntityId": "c", "values": map[string]any{"name": "Three"}},
	))
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	res := wireList[Result](t, r.Body)
	if len(res) != 3 {
		t.Fatalf("%d results", len(res))
	}
	if !res[0].Success || !res[2].Success || res[1].Success {
		t.Fatalf("results %+v", res)
	}
	for i, want := range []string{"a", "b", "c"} {
		if res[i].SyncariID == nil || *res[i].SyncariID != want {
			t.Fatalf("result %d syncariId %v", i, res[i].SyncariID)
		}
	}
	if len(res[1].Errors) != 1 || !strings.Contains(res[1].Errors[0], "Validation failed") {
		t.Fatalf("errors %v", res[1].Errors)
	}
	if len(res[0].Errors) != 0 || res[0].Errors == nil {
		t.Fatalf("errors of a success: %v", res[0].Errors)
	}

	// An update batch with a record without id.
	upd := decode[[]Result](t, e.call("update", conn, crud("person",
		map[string]any{"id": *res[0].ID, "values": map[string]any{"name": "Uno"}},
		map[string]any{"values": map[string]any{"name": "no id"}},
		map[string]any{"id": "abc", "values": map[string]any{"name": "bad id"}},
	)))
	if !upd[0].Success || upd[1].Success || upd[2].Success || !strings.Contains(upd[1].Errors[0], "no id") {
		t.Fatalf("update batch %+v", upd)
	}
}

// A rate limit in the middle of a batch: the records written stay written
// and the rest fail with the reason, so a retry of the batch cannot
// duplicate them; before anything was written, the whole call fails and
// the platform retries it.
func TestBatchStopsAtQuota(t *testing.T) {
	t.Parallel()
	var posts atomic.Int32
	var failFrom atomic.Int32
	failFrom.Store(2)
	e := newEnvWrapped(t, pipedrive.Options{Records: 50}, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == "POST" && r.URL.Path == "/api/v2/persons" && posts.Add(1) >= failFrom.Load() {
				w.Header().Set("x-daily-ratelimit-token-remaining", "0")
				w.Header().Set("Retry-After", "3600")
				w.WriteHeader(429)
				fmt.Fprint(w, `{"success":false,"error":"Request over limit","errorCode":429}`)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	conn := e.connection(nil)
	batch := crud("person",
		map[string]any{"syncariEntityId": "a", "values": map[string]any{"name": "One"}},
		map[string]any{"syncariEntityId": "b", "values": map[string]any{"name": "Two"}},
		map[string]any{"syncariEntityId": "c", "values": map[string]any{"name": "Three"}})
	res := decode[[]Result](t, e.call("create", conn, batch))
	if !res[0].Success || res[1].Success || res[2].Success || posts.Load() != 2 {
		t.Fatalf("results %+v after %d POSTs", res, posts.Load())
	}
	if !strings.Contains(res[1].Errors[0], "daily") || res[2].Errors[0] != res[1].Errors[0] || *res[2].SyncariID != "c" {
		t.Fatalf("errors %+v", res)
	}
	failFrom.Store(0)
	r := e.invoke("CREATE", conn, batch)
	if r.Err == nil || r.Err.Status != 429 || r.Err.Detail == nil || !strings.HasPrefix(*r.Err.Detail, "retry after ") {
		t.Fatalf("nothing written: %v", r.Err)
	}
}

func TestUsersWrites(t *testing.T) {
	t.Parallel()
	e := newEnv(t, pipedrive.Options{Records: 50})
	conn := e.connection(nil)
	res := decode[[]Result](t, e.call("update", conn, crud("user",
		map[string]any{"id": "2", "values": map[string]any{"active_flag": false}},
		map[string]any{"id": "3", "values": map[string]any{"name": "Renamed"}})))
	if !res[0].Success || res[1].Success || !strings.Contains(res[1].Errors[0], "active_flag") {
		t.Fatalf("user updates %+v", res)
	}
	got := decode[[]Record](t, e.call("get_by_id", conn, crud("user", map[string]any{"id": "2"})))
	if got[0].Values["active_flag"] != false {
		t.Fatalf("user 2 %v", got[0].Values)
	}
	created := decode[[]Result](t, e.call("create", conn, crud("user", map[string]any{"values": map[string]any{"email": "new.user@example.com", "name": "New User"}})))
	if !created[0].Success {
		t.Fatalf("create user %+v", created)
	}
	r := e.invoke("DELETE", conn, crud("user", map[string]any{"id": "2"}))
	if r.Err == nil || r.Err.Status != 405 {
		t.Fatalf("user delete: %v %s", r.Err, r.Body)
	}
}

func TestSearch(t *testing.T) {
	t.Parallel()
	e := newEnv(t, pipedrive.Options{Records: 200})
	conn := e.connection(nil)
	p := decode[[]Record](t, e.call("get_by_id", conn, crud("person", map[string]any{"id": "5"})))[0]
	name := p.Values["name"].(string)

	// The default entity is person; results are full records.
	r := e.invoke("SEARCH", conn, map[string]any{"query": name, "params": []any{}})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	recs := wireList[Record](t, r.Body)
	if len(recs) == 0 || recs[0].Name != "person" || recs[0].LastModified == nil {
		t.Fatalf("search %q: %s", name, truncate(r.Body, 300))
	}
	found := false
	for _, rec := range recs {
		found = found || rec.ID == "5"
		if rec.Values["name"] == nil || rec.Values["update_time"] == nil {
			t.Fatalf("partial record %+v", rec)
		}
	}
	if !found {
		t.Fatalf("person 5 (%s) not found among %d", name, len(recs))
	}

	// params[0] picks the entity, as a name or {entity, ...}.
	org := decode[[]Record](t, e.call("get_by_id", conn, crud("organization", map[string]any{"id": "2"})))[0]
	for _, params := range []any{[]any{"organization"}, []any{map[string]any{"entity": "organization", "exactMatch": true}}} {
		got := decode[[]Record](t, e.call("search", conn, map[string]any{"query": org.Values["name"], "params": params}))
		if len(got) == 0 || got[0].Name != "organization" {
			t.Fatalf("search organizations with %v: %+v", params, got)
		}
	}
	// No search on activities; unknown entities and short terms are 400s.
	if r := e.try("search", conn, map[string]any{"query": "call", "params": []any{"activity"}}); r.Err == nil || r.Err.Status != 405 {
		t.Fatalf("activity search: %v", r.Err)
	}
	if r := e.try("search", conn, map[string]any{"query": "x", "params": []any{}}); r.Err == nil || r.Err.Status != 400 {
		t.Fatalf("short term: %v", r.Err)
	}
	if r := e.try("search", conn, map[string]any{"query": "xyz", "params": []any{"project"}}); r.Err == nil || r.Err.Status != 400 {
		t.Fatalf("unknown entity: %v", r.Err)
	}
	if got := decode[[]Record](t, e.call("search", conn, map[string]any{"query": "zzzzqqqq", "params": []any{}})); len(got) != 0 {
		t.Fatalf("no hits: %+v", got)
	}
}

func TestWebhooks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, pipedrive.Options{Records: 50})
	conn := e.connection(nil)
	lead := customKey("person", "Lead source")
	ltv := customKey("person", "Lifetime value")
	change := map[string]any{
		"meta": map[string]any{"action": "change", "entity": "person", "entity_id": "42", "company_id": 13760517,
			"id": "b5c1c9b8-5c3c-4a8e-a1d2-1f5e3c8d9a10", "timestamp": "2026-03-01T10:00:05.123Z", "version": "2.0"},
		"data": map[string]any{"id": 42, "name": "Grace Hopper", "add_time": "2026-01-01T00:00:00Z", "update_time": "2026-03-01T10:00:05Z",
			"is_deleted": false, "custom_fields": map[string]any{lead: 101, ltv: map[string]any{"value": 10, "currency": "USD"}}},
		"previous": map[string]any{"name": "Grace"},
	}
	body := string(mustJSON(t, change))

	// The identifier is the company id, bare on the wire.
	r := e.invoke("EXTRACT_WEBHOOK_IDENTIFIER", conn, map[string]any{"body": body, "headers": map[string]any{}, "params": map[string]any{}})
	if r.Err != nil || string(r.Body) != companyID {
		t.Fatalf("identifier: %v %s", r.Err, r.Body)
	}
	// ...unless the webhook URL names one.
	r = e.invoke("EXTRACT_WEBHOOK_IDENTIFIER", conn, map[string]any{"body": body, "params": map[string]any{"webhookIdentifier": "hook-7"}})
	if string(r.Body) != "hook-7" {
		t.Fatalf("identifier from params: %s", r.Body)
	}

	r = e.invoke("PROCESS_WEBHOOK", conn, map[string]any{"body": body, "headers": map[string]any{}, "params": map[string]any{}})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	recs := wireList[Record](t, r.Body)
	if len(recs) != 1 || recs[0].ID != "42" || recs[0].Name != "person" || recs[0].Deleted ||
		recs[0].Values[lead] != 101.0 || recs[0].Values[ltv] != 10.0 || recs[0].Values[ltv+"_currency"] != "USD" ||
		*recs[0].LastModified != time.Date(2026, 3, 1, 10, 0, 5, 0, time.UTC).UnixMilli() {
		t.Fatalf("change: %+v", recs)
	}

	del := map[string]any{
		"meta":     map[string]any{"action": "delete", "entity": "deal", "entity_id": "7", "company_id": 13760517, "timestamp": "2026-03-02T08:00:00Z", "version": "2.0"},
		"data":     nil,
		"previous": map[string]any{"id": 7, "title": "Old deal", "update_time": "2026-02-01T00:00:00Z", "add_time": "2026-01-01T00:00:00Z"},
	}
	recs = decode[[]Record](t, e.call("process_webhook", conn, map[string]any{"body": string(mustJSON(t, del))}))
	if len(recs) != 1 || recs[0].ID != "7" || !recs[0].Deleted || recs[0].Values["title"] != "Old deal" ||
		*recs[0].LastModified != time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC).UnixMilli() {
		t.Fatalf("delete: %+v", recs)
	}

	// v1 webhooks are understood too.
	v1 := map[string]any{
		"meta":    map[string]any{"action": "updated", "object": "organization", "id": 9, "company_id": 13760517, "timestamp": 1767225600},
		"current": map[string]any{"id": 9, "name": "Org Nine", "update_time": "2026-01-01T00:00:00Z"},
	}
	recs = decode[[]Record](t, e.call("process_webhook", conn, map[string]any{"body": string(mustJSON(t, v1))}))
	if len(recs) != 1 || recs[0].ID != "9" || recs[0].Name != "organization" {
		t.Fatalf("v1: %+v", recs)
	}

	// Notes are synced too; a v1 note's times are "YYYY-MM-DD HH:MM:SS".
	note := map[string]any{"meta": map[string]any{"action": "create", "entity": "note", "entity_id": "1", "company_id": 1},
		"data": map[string]any{"id": 1, "content": "hi", "update_time": "2026-01-02 03:04:05", "add_time": "2026-01-01 00:00:00"}}
	recs = decode[[]Record](t, e.call("process_webhook", conn, map[string]any{"body": string(mustJSON(t, note))}))
	if len(recs) != 1 || recs[0].Name != "note" || recs[0].ID != "1" || *recs[0].LastModified != time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).UnixMilli() {
		t.Fatalf("note: %+v", recs)
	}
	// Objects the connector does not sync answer no records.
	project := map[string]any{"meta": map[string]any{"action": "create", "entity": "project", "entity_id": "1", "company_id": 1}, "data": map[string]any{"id": 1}}
	if recs := decode[[]Record](t, e.call("process_webhook", conn, map[string]any{"body": string(mustJSON(t, project))})); len(recs) != 0 {
		t.Fatalf("project: %+v", recs)
	}
	if r := e.try("process_webhook", conn, map[string]any{"body": "not json"}); r.Err == nil || r.Err.Status != 400 {
		t.Fatalf("bad body: %v", r.Err)
	}
}

func TestRateLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, pipedrive.Options{Records: 200})
	conn := e.connection(nil)
	wm := fullWindow(20)

	// A burst 429 is waited out and retried: the call succeeds.
	e.sb.SetFault(pipedrive.Fault{Mode: pipedrive.FaultBurst429, Count: 2, RetryAfter: 1})
	start := time.Now()
	rr := decode[ReadResponse](t, e.call("read", conn, readRequest("person", wm)))
	if len(rr.Data) != 20 {
		t.Fatalf("after 429s: %d records", len(rr.Data))
	}
	if d := time.Since(start); d < time.Second {
		t.Fatalf("the 429s' Retry-After was not honoured (%s)", d)
	}

	// A Retry-After past the call's deadline is not slept: the platform
	// gets a 429 with the wait.
	e.sb.SetFault(pipedrive.Fault{Mode: pipedrive.FaultBurst429, RetryAfter: 30})
	start = time.Now()
	r := e.invoke("READ", conn, readRequest("person", wm), host.CallOptions{Timeout: 3 * time.Second})
	e.sb.SetFault(pipedrive.Fault{})
	if r.Err == nil || r.Err.Status != 429 || r.Err.Detail == nil || *r.Err.Detail != "retry after 30 s" {
		t.Fatalf("long Retry-After: %v %s", r.Err, r.Body)
	}
	if time.Since(start) > 2*time.Second {
		t.Fatalf("waited %s before answering", time.Since(start))
	}
	w := decode[map[string]any](t, r.Body)
	if len(w) != 3 || w["status_code"] != 429.0 || w["detail"] != "retry after 30 s" {
		t.Fatalf("wire: %s", r.Body)
	}

	// The daily budget is spent: retry after the next UTC midnight.
	// It is not retried: waiting seconds cannot help (retryIf).
	before := e.sb.Stats().ByStatus["429"]
	start = time.Now()
	e.sb.SetFault(pipedrive.Fault{Mode: pipedrive.FaultDailyBudget})
	r = e.invoke("READ", conn, readRequest("person", wm), host.CallOptions{Timeout: 3 * time.Second})
	e.sb.SetFault(pipedrive.Fault{})
	if n := e.sb.Stats().ByStatus["429"] - before; n != 1 {
		t.Errorf("daily budget: %d requests answered 429, want 1 (no retries)", n)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("daily budget: answered after %s, want at once", d)
	}
	if r.Err == nil || r.Err.Status != 429 || r.Err.Detail == nil || !strings.Contains(r.Err.Message, "daily") {
		t.Fatalf("daily budget: %v", r.Err)
	}
	var secs int64
	fmt.Sscanf(*r.Err.Detail, "retry after %d s", &secs)
	now := time.Now().UTC()
	midnight := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC)
	if want := int64(midnight.Sub(now).Seconds()); secs < want-10 || secs > want+10 {
		t.Fatalf("daily budget retry after %d s, want about %d", secs, want)
	}

	// Server errors: a 503 is retried; a 500 is the end system's status.
	e.sb.SetFault(pipedrive.Fault{Mode: pipedrive.Fault503, Count: 1})
	if rr := decode[ReadResponse](t, e.call("read", conn, readRequest("person", wm))); len(rr.Data) != 20 {
		t.Fatal("503 not retried")
	}
	e.sb.SetFault(pipedrive.Fault{Mode: pipedrive.Fault500, Count: 1})
	if r := e.invoke("READ", conn, readRequest("person", wm)); r.Err == nil || r.Err.Status != 500 {
		t.Fatalf("500: %v", r.Err)
	}
}

func TestHTML403(t *testing.T) {
	t.Parallel()
	e := newEnv(t, pipedrive.Options{Records: 50})
	e.sb.SetFault(pipedrive.Fault{Mode: pipedrive.FaultHTML403, Count: 1})
	r := e.invoke("READ", e.connection(nil), readRequest("person", fullWindow(10)))
	// Cloudflare's block is temporary: a 429 the platform backs off from,
	// with a message that says what happened and no HTML.
	if r.Err == nil || r.Err.Status != 429 || !strings.Contains(r.Err.Message, "Cloudflare") || strings.Contains(string(r.Body), "<html") {
		t.Fatalf("html 403: %v %s", r.Err, truncate(r.Body, 300))
	}
	// The fault is gone: the next call succeeds.
	if r := e.invoke("READ", e.connection(nil), readRequest("person", fullWindow(10))); r.Err != nil {
		t.Fatalf("after the fault: %v", r.Err)
	}
}

func TestOAuth(t *testing.T) {
	t.Parallel()
	e := newEnv(t, pipedrive.Options{Records: 50})
	clientID, secret := e.sb.OAuthClient()
	tokenURL := e.srv.URL + "/oauth/token"
	meta := map[string]any{"tokenUrl": tokenURL}
	conn := map[string]any{"name": "pd-oauth", "authConfig": map[string]any{"endpoint": e.base(), "clientId": clientID, "clientSecret": secret}, "metaConfig": meta}

	// The authorization code exchange.
	tok := decode[map[string]any](t, e.call("get_access_token", conn, map[string]any{
		"code": "good-code", "clientId": clientID, "clientSecret": secret, "redirectUri": "https://app.example/cb", "metaConfig": meta,
	}))
	at, _ := tok["access_token"].(string)
	rt, _ := tok["refresh_token"].(string)
	if at == "" || rt == "" || tok["expires_in"] == nil {
		t.Fatalf("tokens %v", tok)
	}
	bad := e.try("get_access_token", conn, map[string]any{"code": "bad-code", "clientId": clientID, "clientSecret": secret, "metaConfig": meta})
	if bad.Err == nil || bad.Err.Status != 401 {
		t.Fatalf("bad code: %v", bad.Err)
	}

	// The access token works as a Bearer token.
	ac := conn["authConfig"].(map[string]any)
	ac["accessToken"], ac["refreshToken"] = at, rt
	if got := decode[map[string]any](t, e.call("test", conn, nil)); got["metaConfig"].(map[string]any)["webhookIdentifier"] != companyID {
		t.Fatalf("test with OAuth: %v", got)
	}

	// refresh_token rotates: new tokens, and the old refresh token is spent.
	fresh := decode[map[string]any](t, e.call("refresh_token", conn, nil))
	rt2, _ := fresh["refresh_token"].(string)
	if fresh["access_token"] == at || rt2 == "" || rt2 == rt {
		t.Fatalf("refresh: %v", fresh)
	}
	r := e.try("refresh_token", conn, nil)
	if r.Err == nil || r.Err.Status != 401 {
		t.Fatalf("reused refresh token: %v", r.Err)
	}

	// An expired access token is refreshed during a call (synapse/auth),
	// and the rotated tokens come back with the response.
	ac["accessToken"], ac["refreshToken"] = fresh["access_token"], rt2
	e.sb.ExpireAccessTokens()
	resp := e.try("read", conn, readRequest("person", fullWindow(5)))
	if resp.Err != nil {
		t.Fatal(resp.Err)
	}
	if len(resp.Connection) == 0 {
		t.Fatal("rotated tokens not returned")
	}
	nc := decode[map[string]any](t, resp.Connection)
	if got := nc["authConfig"].(map[string]any)["refreshToken"]; got == rt2 || got == "" {
		t.Fatalf("connection after refresh: %v", nc["authConfig"])
	}

	// An access token Pipedrive no longer takes, with no way to refresh
	// it, is a clear 401. (Another connection name: the host remembers the
	// rotation above for this one and would swap the newest tokens in.)
	revoked := map[string]any{"name": "pd-oauth-revoked", "authConfig": map[string]any{"endpoint": e.base(), "accessToken": "revoked-token"}}
	r = e.invoke("TEST", revoked, map[string]any{})
	if r.Err == nil || r.Err.Status != 401 || !strings.Contains(r.Err.Message, "OAuth") {
		t.Fatalf("expired token: %v", r.Err)
	}
}
