package scripts_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/synapsejs/synapse-js/bindings"
	httpb "github.com/synapsejs/synapse-js/bindings/http"
	"github.com/synapsejs/synapse-js/host"
)

// stuckServer answers every list with one item and a next_cursor: the same
// one forever ("STUCK"), or, with moving, a new one each time, the way a
// spec-generated mock server does. It counts the requests per path.
func stuckServer(t *testing.T, moving bool) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := n.Add(1)
		cursor := `"STUCK"`
		if moving {
			cursor = fmt.Sprintf(`"c%d"`, i)
		}
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "Fields"):
			fmt.Fprintf(w, `{"success":true,"data":[{"field_code":"name","field_name":"Name","field_type":"varchar","is_custom_field":false}],"additional_data":{"next_cursor":%s}}`, cursor)
		default:
			fmt.Fprintf(w, `{"success":true,"data":[{"id":1,"name":"A","update_time":"2026-01-01T00:00:00Z","add_time":"2026-01-01T00:00:00Z","is_deleted":false}],"additional_data":{"next_cursor":%s}}`, cursor)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func stuckConnector(t *testing.T) *host.Connector {
	t.Helper()
	eng := host.New(host.StdOptions(host.Options{Timeout: 60 * time.Second, HTTP: &bindings.HTTPConfig{RetryBaseWait: time.Millisecond}}))
	src, err := os.ReadFile(connectorFile)
	if err != nil {
		t.Fatal(err)
	}
	c, err := eng.Load(context.Background(), connectorFile, src)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// TestStuckCursor: against a server that repeats the same cursor forever,
// describe and read stop after a few requests with an error that says why
// (the spec-generated mock made 54,395 requests in 60 s).
func TestStuckCursor(t *testing.T) {
	t.Parallel()
	c := stuckConnector(t)
	for _, moving := range []bool{false, true} {
		srv, n := stuckServer(t, moving)
		e := &env{t: t, conn: c}
		conn := map[string]any{"name": "stuck", "authConfig": map[string]any{"endpoint": srv.URL + "/", "token": "t"}}
		for _, call := range []struct {
			method string
			req    any
			limit  int64 // requests at most
			want   string
		}{
			// The same cursor: refused at the second page. A cursor that
			// moves but never ends: the fields loop's page bound.
			{"describe", map[string]any{"entities": []string{"person"}}, map[bool]int64{false: 2, true: 50}[moving],
				map[bool]string{false: "same next_cursor", true: "did not end after 50 pages"}[moving]},
			// One page of 500 records: the same cursor is caught at once;
			// a moving one fills the page (500 requests of one record)
			// and hands the platform a cursor, never looping in one call.
			{"read", readRequest("person", Watermark{Start: 0, End: time.Now().UnixMilli(), Limit: 500}), map[bool]int64{false: 2, true: 500}[moving],
				"same next_cursor"},
		} {
			n.Store(0)
			r := e.try(call.method, conn, call.req)
			got := n.Load()
			if got > call.limit {
				t.Errorf("moving=%v %s: %d requests, want at most %d", moving, call.method, got, call.limit)
			}
			if moving && call.method == "read" {
				// A full page and a cursor: the next call goes on. The
				// host's budget bounds each call anyway.
				if r.Err != nil || got != 500 {
					t.Errorf("moving cursor read: %d requests, err %v", got, r.Err)
				}
				continue
			}
			if r.Err == nil || !strings.Contains(r.Err.Message, call.want) {
				t.Errorf("moving=%v %s after %d requests: error %v, want it to say %q", moving, call.method, got, r.Err, call.want)
			}
		}
	}
}

// TestHostBudgetStopsARunawayConnector: a connector that ignores its
// cursors (the bug the issue found) is stopped by synapse/http's guards,
// not by the deadline: the same request answered the same way is refused.
func TestHostBudgetStopsARunawayConnector(t *testing.T) {
	t.Parallel()
	srv, n := stuckServer(t, false)
	eng := host.New(host.StdOptions(host.Options{Timeout: 60 * time.Second}))
	src := fmt.Sprintf(`const http = require('synapse/http');
module.exports = {
  synapse_info() { return {name: 'runaway', category: 'crm', metadata: {displayName: 'Runaway'}, supportedAuthTypes: [], configuredFields: []}; },
  test(c) { return c; },
  describe() {
    let cursor = null;
    do {
      const b = http.get(%q + '/api/v2/personFields', {query: cursor ? {cursor} : {}}).json();
      cursor = b.additional_data.next_cursor;
    } while (cursor);
    return [];
  },
  read() { return {data: []}; },
};`, srv.URL)
	c, err := eng.Load(context.Background(), "runaway.js", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	e := &env{t: t, conn: c}
	start := time.Now()
	r := e.try("describe", map[string]any{"name": "x"}, map[string]any{"entities": []string{}})
	if r.Err == nil || !strings.Contains(r.Err.Error(), "answered the same each time") || r.Err.Status != 400 {
		t.Fatalf("runaway describe: %+v", r.Err)
	}
	if got := n.Load(); got != 1+httpb.DefaultMaxIdenticalRepeats {
		t.Errorf("%d requests, want %d", got, 1+httpb.DefaultMaxIdenticalRepeats)
	}
	if time.Since(start) > 30*time.Second {
		t.Error("the guard waited for the deadline")
	}
}
