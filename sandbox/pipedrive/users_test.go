package pipedrive_test

import (
	"net/url"
	"regexp"
	"strconv"
	"testing"
)

var v1TimeRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$`)

func TestV1Users(t *testing.T) {
	e := newEnv(t, 100)
	m := e.mustOK(e.get("/v1/users"))
	users := m["data"].([]any)
	if len(users) != 5 || e.sb.Count("user") != 5 {
		t.Fatalf("%d users, Count %d, want 5", len(users), e.sb.Count("user"))
	}
	// Pipedrive's definition of GET /v1/users has no additional_data.
	if _, ok := m["additional_data"]; ok {
		t.Fatalf("additional_data: %v", m["additional_data"])
	}
	for i, it := range users {
		u := it.(map[string]any)
		if num(u["id"]) != int64(i+1) || u["is_you"] != (i == 0) || u["active_flag"] != true {
			t.Fatalf("user %d: id %v is_you %v active %v", i, u["id"], u["is_you"], u["active_flag"])
		}
		if !v1TimeRE.MatchString(u["created"].(string)) || u["email"] == "" || u["name"] == "" {
			t.Fatalf("user %d: created %v email %v name %v", i, u["created"], u["email"], u["name"])
		}
	}
	if _, ok := users[0].(map[string]any)["is_admin"]; ok {
		t.Error("users carry is_admin, which Pipedrive's definition does not have")
	}
	// /api/v1 serves the same.
	if r := e.get("/api/v1/users"); r.status != 200 || len(e.mustOK(r)["data"].([]any)) != 5 {
		t.Fatalf("/api/v1/users: %d", r.status)
	}

	u3 := e.mustOK(e.get("/v1/users/3"))["data"].(map[string]any)
	if num(u3["id"]) != 3 || u3["is_you"] != false {
		t.Fatalf("/v1/users/3: %v", u3)
	}
	genericError(t, e.get("/v1/users/99"), 404)
	genericError(t, e.get("/v1/users/abc"), 400)

	me := e.mustOK(e.get("/v1/users/me"))["data"].(map[string]any)
	if num(me["id"]) != 1 || me["is_you"] != true || num(me["company_id"]) != 13760517 ||
		me["company_domain"] != "sandboxtrading" || me["company_name"] == "" || me["email"] != users[0].(map[string]any)["email"] {
		t.Fatalf("/v1/users/me: %v", me)
	}
	if lang, ok := me["language"].(map[string]any); !ok || lang["language_code"] == nil {
		t.Fatalf("/v1/users/me language: %v", me["language"])
	}
	if r := e.do("POST", "/v1/users/me", map[string]any{}, nil); r.status != 405 {
		t.Fatalf("POST /v1/users/me: %d", r.status)
	}

	// POST adds a user; email is required and unique.
	r := e.do("POST", "/v1/users", map[string]any{"email": "new.rep@example.com"}, nil)
	if r.status != 200 {
		t.Fatalf("POST /v1/users: %d %s", r.status, r.body)
	}
	nu := r.json(t)["data"].(map[string]any)
	if num(nu["id"]) != 6 || nu["email"] != "new.rep@example.com" || nu["active_flag"] != true || nu["activated"] != false {
		t.Fatalf("created user: %v", nu)
	}
	if e.sb.Count("user") != 6 || len(e.mustOK(e.get("/v1/users"))["data"].([]any)) != 6 {
		t.Fatal("created user not listed")
	}
	genericError(t, e.do("POST", "/v1/users", map[string]any{"email": "NEW.REP@example.com"}, nil), 400)
	genericError(t, e.do("POST", "/v1/users", map[string]any{"name": "No Mail"}, nil), 400)
	genericError(t, e.do("POST", "/v1/users", map[string]any{"email": "not an address"}, nil), 400)

	// PUT changes only active_flag.
	put := e.mustOK(e.do("PUT", "/v1/users/6", map[string]any{"active_flag": false, "name": "Renamed"}, nil))["data"].(map[string]any)
	if put["active_flag"] != false || put["name"] != nu["name"] {
		t.Fatalf("PUT: %v", put)
	}
	if g := e.mustOK(e.get("/v1/users/6"))["data"].(map[string]any); g["active_flag"] != false {
		t.Fatal("deactivation not kept")
	}
	genericError(t, e.do("PUT", "/v1/users/6", map[string]any{"name": "x"}, nil), 400)
	genericError(t, e.do("PUT", "/v1/users/99", map[string]any{"active_flag": true}, nil), 404)
	// Users cannot be deleted.
	if r := e.do("DELETE", "/v1/users/6", nil, nil); r.status != 405 || r.header.Get("Allow") == "" {
		t.Fatalf("DELETE /v1/users/6: %d Allow=%q", r.status, r.header.Get("Allow"))
	}
}

func TestV1EntityLists(t *testing.T) {
	e := newEnv(t, 120)
	var ids []int64
	for start := 0; ; {
		m := e.mustOK(e.get("/v1/persons?" + url.Values{"start": {strconv.Itoa(start)}, "limit": {"50"}}.Encode()))
		for _, it := range m["data"].([]any) {
			p := it.(map[string]any)
			ids = append(ids, num(p["id"]))
			if p["active_flag"] != true || !v1TimeRE.MatchString(p["update_time"].(string)) {
				t.Fatalf("v1 person: active_flag %v update_time %v", p["active_flag"], p["update_time"])
			}
			if _, ok := p["owner_id"].(map[string]any); !ok {
				t.Fatalf("v1 owner_id is not an object: %v", p["owner_id"])
			}
		}
		pg := m["additional_data"].(map[string]any)["pagination"].(map[string]any)
		if pg["more_items_in_collection"] != true {
			break
		}
		start = int(num(pg["next_start"]))
	}
	if len(ids) != 120 {
		t.Fatalf("v1 paging gave %d persons, want 120", len(ids))
	}
	for i := 1; i < len(ids); i++ {
		if ids[i] <= ids[i-1] {
			t.Fatalf("v1 list not in id order at %d", i)
		}
	}
	p := e.mustOK(e.get("/v1/persons/" + itoa(ids[0])))["data"].(map[string]any)
	if num(p["id"]) != ids[0] || num(p["company_id"]) != 13760517 {
		t.Fatalf("v1 person: %v", p)
	}
	if r := e.do("POST", "/v1/persons", map[string]any{"name": "x"}, nil); r.status != 405 {
		t.Fatalf("v1 entity write: %d, want 405", r.status)
	}
	genericError(t, e.get("/v1/persons?start=-1"), 400)
}
