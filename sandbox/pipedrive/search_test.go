package pipedrive_test

import (
	"net/url"
	"strings"
	"testing"
	"unicode"
)

// searchItem is one entry of a search answer.
type searchItem struct {
	score float64
	item  map[string]any
}

// search runs one search page and returns its items and next_cursor.
func (e *env) search(plural string, q url.Values) (items []searchItem, next string) {
	e.t.Helper()
	m := e.mustOK(e.get("/api/v2/" + plural + "/search?" + q.Encode()))
	for _, it := range m["data"].(map[string]any)["items"].([]any) {
		x := it.(map[string]any)
		items = append(items, searchItem{x["result_score"].(float64), x["item"].(map[string]any)})
	}
	if nc := m["additional_data"].(map[string]any)["next_cursor"]; nc != nil {
		next = nc.(string)
	}
	return items, next
}

func hasID(items []searchItem, id int64) bool {
	for _, it := range items {
		if num(it.item["id"]) == id {
			return true
		}
	}
	return false
}

func TestSearch(t *testing.T) {
	e := newEnv(t, 400)
	// A person with an e-mail and a phone to look for.
	var p map[string]any
	persons, _ := e.listAll("/api/v2/persons", url.Values{"limit": {"500"}})
	for _, it := range persons {
		if len(it["emails"].([]any)) > 0 && len(it["phones"].([]any)) > 0 {
			p = it
			break
		}
	}
	if p == nil {
		t.Fatal("no person with both an e-mail and a phone")
	}
	id := num(p["id"])
	name := p["name"].(string)

	// Exact match on the whole name, case-insensitively.
	items, _ := e.search("persons", url.Values{"term": {strings.ToUpper(name)}, "exact_match": {"true"}, "fields": {"name"}})
	if !hasID(items, id) {
		t.Fatalf("exact search for %q misses person %d", name, id)
	}
	for _, it := range items {
		if it.score != 1 || !strings.EqualFold(it.item["name"].(string), name) {
			t.Fatalf("exact search for %q returned %v (score %v)", name, it.item["name"], it.score)
		}
		if it.item["type"] != "person" {
			t.Fatalf("item type %v", it.item["type"])
		}
	}

	// A substring: scores descend, ties in id order.
	last := p["last_name"].(string)
	term := strings.ToLower(last[1:])
	items, _ = e.search("persons", url.Values{"term": {term}, "limit": {"500"}})
	if !hasID(items, id) {
		t.Fatalf("substring %q misses person %d", term, id)
	}
	for i, it := range items {
		if !strings.Contains(strings.ToLower(it.item["name"].(string)+" "+strings.Join(anyStrings(it.item["emails"]), " ")+
			" "+strings.Join(anyStrings(it.item["custom_fields"]), " ")), term) {
			t.Fatalf("%v does not contain %q", it.item, term)
		}
		if i > 0 {
			prev := items[i-1]
			if prev.score < it.score || prev.score == it.score && num(prev.item["id"]) >= num(it.item["id"]) {
				t.Fatalf("results %d and %d out of order", i-1, i)
			}
		}
	}

	// E-mail and phone (digits only) fields.
	email := p["emails"].([]any)[0].(map[string]any)["value"].(string)
	if items, _ = e.search("persons", url.Values{"term": {email}, "fields": {"email"}}); !hasID(items, id) {
		t.Fatalf("e-mail search for %q misses %d", email, id)
	}
	phone := p["phones"].([]any)[0].(map[string]any)["value"].(string)
	digits := strings.Map(func(r rune) rune {
		if unicode.IsDigit(r) {
			return r
		}
		return -1
	}, phone)
	if items, _ = e.search("persons", url.Values{"term": {digits[len(digits)-7:]}, "fields": {"phone"}, "limit": {"500"}}); !hasID(items, id) {
		t.Fatalf("phone search for %q (from %q) misses %d", digits[len(digits)-7:], phone, id)
	}
	// fields restricts where to look: the name is not an e-mail.
	if items, _ = e.search("persons", url.Values{"term": {name}, "fields": {"email"}, "exact_match": {"true"}}); len(items) != 0 {
		t.Fatalf("fields=email matched names: %v", items[0].item)
	}

	// Paging through the cursor gives the one-page result.
	all, _ := e.search("persons", url.Values{"term": {"an"}, "limit": {"500"}})
	if len(all) < 20 {
		t.Fatalf("only %d hits for \"an\"", len(all))
	}
	var paged []searchItem
	cursor := ""
	for pages := 0; ; pages++ {
		q := url.Values{"term": {"an"}, "limit": {"7"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var items []searchItem
		items, cursor = e.search("persons", q)
		paged = append(paged, items...)
		if cursor == "" {
			break
		}
		if pages > 1000 {
			t.Fatal("search paging does not end")
		}
	}
	if len(paged) != len(all) {
		t.Fatalf("paged %d hits, one page %d", len(paged), len(all))
	}
	for i := range all {
		if num(paged[i].item["id"]) != num(all[i].item["id"]) {
			t.Fatalf("paged hit %d differs", i)
		}
	}

	// Soft-deleted records are not found.
	e.mustOK(e.do("DELETE", "/api/v2/persons/"+itoa(id), nil, nil))
	if items, _ = e.search("persons", url.Values{"term": {name}, "exact_match": {"true"}}); hasID(items, id) {
		t.Fatal("deleted person found")
	}

	// Validation.
	genericError(t, e.get("/api/v2/persons/search"), 400)
	genericError(t, e.get("/api/v2/persons/search?term=a"), 400)
	e.mustOK(e.get("/api/v2/persons/search?term=a&exact_match=true"))
	genericError(t, e.get("/api/v2/persons/search?term=ab&exact_match=maybe"), 400)
	genericError(t, e.get("/api/v2/persons/search?term=ab&fields=title"), 400)
	genericError(t, e.get("/api/v2/persons/search?term=ab&limit=501"), 400)
	genericError(t, e.get("/api/v2/persons/search?term=ab&cursor=not-a-cursor!"), 400)
	if r := e.get("/api/v2/activities/search?term=call"); r.status/100 != 4 {
		t.Fatalf("activities have no search: %d", r.status)
	}

	// The other searchable entities.
	org := e.mustOK(e.get("/api/v2/organizations/3"))["data"].(map[string]any)
	if items, _ = e.search("organizations", url.Values{"term": {org["name"].(string)}, "exact_match": {"true"}}); !hasID(items, 3) || items[0].item["type"] != "organization" {
		t.Fatalf("organization search misses 3: %v", items)
	}
	deal := e.mustOK(e.get("/api/v2/deals/4"))["data"].(map[string]any)
	if items, _ = e.search("deals", url.Values{"term": {deal["title"].(string)}, "fields": {"title"}, "limit": {"500"}}); !hasID(items, 4) {
		t.Fatal("deal search misses 4")
	}
	for _, it := range items {
		if num(it.item["id"]) == 4 && (it.item["type"] != "deal" || it.item["stage"] == nil) {
			t.Fatalf("deal item: %v", it.item)
		}
	}
	prod := e.mustOK(e.get("/api/v2/products/2"))["data"].(map[string]any)
	if items, _ = e.search("products", url.Values{"term": {prod["code"].(string)}, "fields": {"code"}, "exact_match": {"true"}}); len(items) != 1 || num(items[0].item["id"]) != 2 {
		t.Fatalf("product code search: %v", items)
	}
}

func anyStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}
