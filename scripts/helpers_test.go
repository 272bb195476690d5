package scripts_test

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/host"
	"github.com/synapsejs/synapse-js/sandbox/pipedrive"
)

// connectorFile is the connector under test, relative to this package.
const connectorFile = "pipedrive.js"

// env is one sandbox served on loopback and the connector loaded in an
// engine with the standard modules.
type env struct {
	t    testing.TB
	sb   *pipedrive.Sandbox
	srv  *httptest.Server
	conn *host.Connector
}

// newEnv starts a sandbox with opts and loads pipedrive.js. Retries back off
// from 10 ms so the rate-limit tests stay quick; the sandbox's own
// Retry-After still rules where it is longer.
func newEnv(t testing.TB, opts pipedrive.Options) *env {
	t.Helper()
	return newEnvWrapped(t, opts, nil)
}

// newEnvWrapped is newEnv with the sandbox's handler wrapped (nil: not),
// for answers the sandbox's fault modes cannot target.
func newEnvWrapped(t testing.TB, opts pipedrive.Options, wrap func(http.Handler) http.Handler) *env {
	t.Helper()
	sb := pipedrive.New(opts)
	h := sb.Handler()
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	eng := host.New(host.StdOptions(host.Options{
		Timeout: 30 * time.Second,
		HTTP:    &bindings.HTTPConfig{RetryBaseWait: 10 * time.Millisecond},
	}))
	src, err := os.ReadFile(connectorFile)
	if err != nil {
		t.Fatal(err)
	}
	c, err := eng.Load(context.Background(), connectorFile, src)
	if err != nil {
		t.Fatalf("load %s: %v", connectorFile, err)
	}
	t.Cleanup(c.Close)
	return &env{t: t, sb: sb, srv: srv, conn: c}
}

// aMinuteAgo is a sandbox clock a minute behind: every generated record is
// then older than the connector's read skew (5 s), so a read of the whole
// history sees them all however soon after New it runs.
func aMinuteAgo() time.Time { return time.Now().Add(-time.Minute) }

// base is the sandbox's URL with a trailing slash, as the platform sends
// endpoints.
func (e *env) base() string { return e.srv.URL + "/" }

// connection is an API-token connection to the sandbox; meta, if given,
// becomes metaConfig.
func (e *env) connection(meta map[string]any) map[string]any {
	c := map[string]any{
		"name":       "pipedrive-test",
		"authConfig": map[string]any{"endpoint": e.base(), "token": e.sb.Token()},
	}
	if meta != nil {
		c["metaConfig"] = meta
	}
	return c
}

func mustJSON(t testing.TB, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// call runs a method through the plain JSON API and fails the test on an
// error answer.
func (e *env) call(method string, conn, req any) json.RawMessage {
	e.t.Helper()
	r := e.try(method, conn, req)
	if r.Err != nil {
		e.t.Fatalf("%s: %v", method, r.Err)
	}
	return r.Body
}

// try runs a method through the plain JSON API.
func (e *env) try(method string, conn, req any, opts ...host.CallOptions) *host.Response {
	e.t.Helper()
	var o host.CallOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	var rq json.RawMessage
	if req != nil {
		rq = mustJSON(e.t, req)
	}
	return e.conn.Call(context.Background(), method, mustJSON(e.t, conn), rq, o)
}

// invoke runs a wire envelope and returns the exact wire response.
func (e *env) invoke(typ string, conn, body any, opts ...host.CallOptions) *host.Response {
	e.t.Helper()
	var o host.CallOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	env := map[string]any{"type": typ, "connection": conn, "body": body, "requestId": "req-1"}
	return e.conn.Invoke(context.Background(), mustJSON(e.t, env), o)
}

func decode[T any](t testing.TB, raw []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decode %s: %v", truncate(raw, 300), err)
	}
	return v
}

// wireList decodes a wire list answer: a JSON array of JSON-encoded strings.
func wireList[T any](t testing.TB, raw []byte) []T {
	t.Helper()
	strs := decode[[]string](t, raw)
	out := make([]T, len(strs))
	for i, s := range strs {
		out[i] = decode[T](t, []byte(s))
	}
	return out
}

func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "…"
}

// customKey is the sandbox's deterministic custom field key.
func customKey(entity, name string) string {
	sum := sha1.Sum([]byte("pipedrive-sandbox:" + entity + ":" + name))
	return hex.EncodeToString(sum[:])
}

// Record, Watermark and friends are the contract's models as tests read them.
type Record struct {
	Name            string         `json:"name"`
	ID              string         `json:"id"`
	SyncariEntityID *string        `json:"syncariEntityId"`
	Deleted         bool           `json:"deleted"`
	Values          map[string]any `json:"values"`
	LastModified    *int64         `json:"lastModified"`
	CreatedAt       *int64         `json:"createdAt"`
}

// Watermark is the contract's Watermark.
type Watermark struct {
	Start    int64   `json:"start"`
	End      int64   `json:"end"`
	Offset   int64   `json:"offset"`
	Limit    int64   `json:"limit"`
	Cursor   *string `json:"cursor"`
	IsResync bool    `json:"isResync"`
	IsTest   bool    `json:"isTest"`
	Initial  bool    `json:"initial"`
}

// ReadResponse is the contract's ReadResponse.
type ReadResponse struct {
	Data       []Record  `json:"data"`
	Watermark  Watermark `json:"watermark"`
	OffsetType string    `json:"offsetType"`
}

// Result is the contract's Result.
type Result struct {
	Success   bool     `json:"success"`
	Errors    []string `json:"errors"`
	ID        *string  `json:"id"`
	SyncariID *string  `json:"syncariId"`
}

// Attribute is the part of the contract's Attribute the tests look at.
type Attribute struct {
	APIName           string `json:"apiName"`
	DisplayName       string `json:"displayName"`
	DataType          string `json:"dataType"`
	Custom            bool   `json:"custom"`
	ReferenceTo       string `json:"referenceTo"`
	IsIDField         bool   `json:"isIdField"`
	IsWatermarkField  bool   `json:"isWatermarkField"`
	IsCreatedAtField  bool   `json:"isCreatedAtField"`
	IsUpdatedAtField  bool   `json:"isUpdatedAtField"`
	IsMultiValueField bool   `json:"isMultiValueField"`
	Updateable        bool   `json:"updateable"`
	Initializable     bool   `json:"initializable"`
	Picklist          []struct {
		ID    string `json:"id"`
		Label string `json:"label"`
	} `json:"picklist"`
}

// Schema is the part of the contract's Schema the tests look at.
type Schema struct {
	APIName     string      `json:"apiName"`
	DisplayName string      `json:"displayName"`
	ReadOnly    bool        `json:"readOnly"`
	Attributes  []Attribute `json:"attributes"`
}

func readRequest(entity string, wm Watermark) map[string]any {
	return map[string]any{
		"entity":    map[string]any{"apiName": entity, "displayName": entity, "attributes": []any{}},
		"watermark": wm,
	}
}

// pageOutcome is what the platform's iterator saw of one READ.
type pageOutcome struct {
	n      int
	cursor *string
}

// readAll pages through a window as the platform does for offsetType
// CUSTOM: call READ again with the watermark returned until a page is
// shorter than the page size or empty. It returns the records and what
// each page looked like.
func (e *env) readAll(conn map[string]any, entity string, wm Watermark, pageSize int) ([]Record, []pageOutcome) {
	e.t.Helper()
	var all []Record
	var pages []pageOutcome
	for i := 0; ; i++ {
		if i > 10000 {
			e.t.Fatal("read never ended")
		}
		rr := decode[ReadResponse](e.t, e.call("read", conn, readRequest(entity, wm)))
		if rr.OffsetType != "CUSTOM" {
			e.t.Fatalf("offsetType %q, want CUSTOM", rr.OffsetType)
		}
		if len(rr.Data) > pageSize {
			e.t.Fatalf("page %d has %d records, more than the page size %d", i, len(rr.Data), pageSize)
		}
		pages = append(pages, pageOutcome{len(rr.Data), rr.Watermark.Cursor})
		all = append(all, rr.Data...)
		if len(rr.Data) == 0 || len(rr.Data) < pageSize {
			if rr.Watermark.Cursor != nil {
				e.t.Fatalf("last page (%d records) returned cursor %q, want null", len(rr.Data), *rr.Watermark.Cursor)
			}
			return all, pages
		}
		if rr.Watermark.Cursor == nil {
			e.t.Fatalf("a full page returned a null cursor: the platform would start the window over")
		}
		wm = rr.Watermark
	}
}

// sandboxWindow asks the sandbox itself, without the connector, which ids
// of a v2 entity were updated in [since, until) (seconds), by paging its
// list. Products have no server-side filter: all are listed and filtered.
func (e *env) sandboxWindow(plural string, since, until int64) map[int64]bool {
	e.t.Helper()
	return e.sandboxWindowQ(plural, nil, since, until)
}

// sandboxWindowQ is sandboxWindow with extra query parameters (a path such
// as "deals/archived" works too).
func (e *env) sandboxWindowQ(plural string, extra url.Values, since, until int64) map[int64]bool {
	e.t.Helper()
	ids := map[int64]bool{}
	cursor := ""
	for {
		q := url.Values{"limit": {"500"}, "sort_by": {"update_time"}}
		q.Set("updated_since", time.Unix(since, 0).UTC().Format(time.RFC3339))
		q.Set("updated_until", time.Unix(until, 0).UTC().Format(time.RFC3339))
		for k, v := range extra {
			q[k] = v
		}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		req, _ := http.NewRequest("GET", e.srv.URL+"/api/v2/"+plural+"?"+q.Encode(), nil)
		req.Header.Set("x-api-token", e.sb.Token())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			e.t.Fatal(err)
		}
		var body struct {
			Data []struct {
				ID         int64  `json:"id"`
				UpdateTime string `json:"update_time"`
			} `json:"data"`
			AdditionalData struct {
				NextCursor *string `json:"next_cursor"`
			} `json:"additional_data"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			e.t.Fatalf("sandbox list %s: %d %v", plural, resp.StatusCode, err)
		}
		for _, d := range body.Data {
			ts, _ := time.Parse(time.RFC3339, d.UpdateTime)
			if ts.Unix() >= since && ts.Unix() < until {
				ids[d.ID] = true
			}
		}
		if body.AdditionalData.NextCursor == nil {
			return ids
		}
		cursor = *body.AdditionalData.NextCursor
	}
}

// checkOnceAscending checks that records are each read exactly once, in
// ascending lastModified order (ties by ascending id), and are exactly want.
func checkOnceAscending(t testing.TB, recs []Record, want map[int64]bool) {
	t.Helper()
	seen := map[string]bool{}
	var prevT int64 = -1
	var prevID int64
	for i, r := range recs {
		if seen[r.ID] {
			t.Fatalf("record %s read twice", r.ID)
		}
		seen[r.ID] = true
		if r.LastModified == nil {
			t.Fatalf("record %s has no lastModified", r.ID)
		}
		var id int64
		fmt.Sscan(r.ID, &id)
		if *r.LastModified < prevT || (*r.LastModified == prevT && id < prevID) {
			t.Fatalf("record %d (%s at %d) comes after %d at %d: not ascending", i, r.ID, *r.LastModified, prevID, prevT)
		}
		prevT, prevID = *r.LastModified, id
		if want != nil && !want[id] {
			t.Fatalf("record %s is outside the window", r.ID)
		}
	}
	if want != nil && len(seen) != len(want) {
		t.Fatalf("read %d records, the sandbox has %d in the window", len(seen), len(want))
	}
}
