package echo

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func do(t *testing.T, h http.Handler, method, target, token, body string) (int, map[string]json.RawMessage) {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]json.RawMessage
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Code, out
}

func TestPagingCoversEveryItemOnceInOrder(t *testing.T) {
	now := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	s := New(Options{Records: 230, Now: func() time.Time { return now }})
	h := s.Handler()
	seen := map[int64]bool{}
	var last string
	cursor := ""
	for pages := 0; ; pages++ {
		q := url.Values{"limit": {"50"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		code, body := do(t, h, "GET", "/items?"+q.Encode(), DefaultToken, "")
		if code != 200 {
			t.Fatalf("status %d", code)
		}
		var items []Item
		_ = json.Unmarshal(body["data"], &items)
		for _, it := range items {
			if seen[it.ID] || it.UpdatedAt < last {
				t.Fatalf("item %d repeated or out of order", it.ID)
			}
			seen[it.ID], last = true, it.UpdatedAt
		}
		if string(body["next_cursor"]) == "null" {
			break
		}
		_ = json.Unmarshal(body["next_cursor"], &cursor)
	}
	if len(seen) != 230 {
		t.Fatalf("%d items", len(seen))
	}
	// The filters: since inclusive, until exclusive.
	since := now.Add(-30 * 24 * time.Hour)
	_, body := do(t, h, "GET", "/items?limit=500&updated_since="+since.Format(time.RFC3339)+"&updated_until="+now.Format(time.RFC3339), DefaultToken, "")
	var items []Item
	_ = json.Unmarshal(body["data"], &items)
	for _, it := range items {
		u, _ := time.Parse(time.RFC3339Nano, it.UpdatedAt)
		if u.Before(since) || !u.Before(now) {
			t.Fatalf("item %d at %s outside the filter", it.ID, it.UpdatedAt)
		}
	}
	if len(items) == 0 || len(items) == 230 {
		t.Fatalf("%d items in the last 30 days", len(items))
	}
}

func TestAuthAndCRUD(t *testing.T) {
	s := New(Options{Records: 3, Token: "t0k"})
	h := s.Handler()
	if code, _ := do(t, h, "GET", "/items", "", ""); code != 401 {
		t.Fatalf("no token: %d", code)
	}
	if code, _ := do(t, h, "GET", "/items", "wrong", ""); code != 401 {
		t.Fatalf("wrong token: %d", code)
	}
	code, body := do(t, h, "POST", "/items", "t0k", `{"name":"Ann"}`)
	var it Item
	_ = json.Unmarshal(body["data"], &it)
	if code != 201 || it.ID != 4 || it.Name != "Ann" {
		t.Fatalf("create: %d %+v", code, it)
	}
	if code, _ := do(t, h, "POST", "/items", "t0k", `{"email":"x@y"}`); code != 400 {
		t.Fatalf("create without name: %d", code)
	}
	code, body = do(t, h, "PATCH", "/items/4", "t0k", `{"name":"Bo"}`)
	var up Item
	_ = json.Unmarshal(body["data"], &up)
	if code != 200 || up.Name != "Bo" || up.UpdatedAt <= it.UpdatedAt {
		t.Fatalf("update: %d %+v", code, up)
	}
	if code, _ := do(t, h, "DELETE", "/items/4", "t0k", ""); code != 200 {
		t.Fatalf("delete: %d", code)
	}
	if code, _ := do(t, h, "GET", "/items/4", "t0k", ""); code != 404 {
		t.Fatalf("get deleted: %d", code)
	}
	if code, _ := do(t, h, "GET", "/items?cursor=zzz", "t0k", ""); code != 400 {
		t.Fatalf("bad cursor: %d", code)
	}
	if s.Count() != 3 {
		t.Fatalf("count %d", s.Count())
	}
}
