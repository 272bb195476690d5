package platform

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/synapsejs/synapse-js/host"
	"github.com/synapsejs/synapse-js/sandbox/pipedrive"
	"github.com/synapsejs/synapse-js/scripts"
)

// pagerEnv is pipedrive.js against a sandbox whose handler can be made to
// fail, and the Schema of persons.
type pagerEnv struct {
	c      *host.Connector
	conn   json.RawMessage
	schema json.RawMessage
	// failAfter, when > 0, makes the list request number failAfter and
	// later answer 400.
	failAfter atomic.Int64
	lists     atomic.Int64
}

func newPagerEnv(t *testing.T, records int) *pagerEnv {
	t.Helper()
	ctx := context.Background()
	sb := pipedrive.New(pipedrive.Options{Records: records, Now: func() time.Time { return time.Now().Add(-time.Minute) }})
	pe := &pagerEnv{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v2/persons" {
			if n := pe.lists.Add(1); pe.failAfter.Load() > 0 && n >= pe.failAfter.Load() {
				http.Error(w, `{"success":false,"error":"no more"}`, 400)
				return
			}
		}
		sb.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	e := host.New(host.StdOptions(host.Options{Logger: zerolog.Nop()}))
	c, err := e.Load(ctx, "pipedrive.js", scripts.Pipedrive())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	pe.c = c
	pe.conn, _ = json.Marshal(map[string]any{"name": "t",
		"authConfig": map[string]any{"endpoint": srv.URL, "token": sb.Token()},
		"metaConfig": map[string]any{"pageSize": 100, "readSkewSeconds": 0}})
	if pe.schema, err = DescribeOne(ctx, c, pe.conn, "person", time.Minute); err != nil {
		t.Fatal(err)
	}
	return pe
}

type pagedWindow struct {
	sent    []Watermark
	records [][]string
	reason  string
	err     string
}

func (pe *pagerEnv) page(t *testing.T, prefetch bool, wm Watermark) pagedWindow {
	t.Helper()
	p := NewPager(pe.c, pe.conn, pe.schema, time.Minute, wm)
	p.Prefetch = prefetch
	defer p.Close()
	var w pagedWindow
	for !p.Done() {
		page, sent, err := p.Next(context.Background())
		if err != nil {
			w.err = err.Error()
			break
		}
		w.sent = append(w.sent, sent)
		var ids []string
		for _, r := range page.Records {
			ids = append(ids, string(r.Raw))
		}
		w.records = append(w.records, ids)
	}
	w.reason = p.Reason()
	return w
}

// TestPrefetchPagesAlike: with Prefetch the pager sends the same
// watermarks, gets the same pages and ends for the same reason, also at a
// window's limit and when a call fails mid-window.
func TestPrefetchPagesAlike(t *testing.T) {
	t.Parallel()
	pe := newPagerEnv(t, 700)
	now := time.Now().UnixMilli()
	capped := NewWatermark(0, now)
	capped.Limit = 100
	for i, wm := range []Watermark{NewWatermark(0, now), capped} {
		plain := pe.page(t, false, wm)
		ahead := pe.page(t, true, wm)
		if i == 0 && len(plain.records) < 3 {
			t.Fatalf("only %d pages", len(plain.records))
		}
		if !reflect.DeepEqual(plain, ahead) {
			t.Errorf("limit %d: with Prefetch the window went\n%+v\nwithout\n%+v", wm.Limit, ahead.sent, plain.sent)
		}
	}
	// A call that fails: the same error, and the call running ahead is
	// stopped (Close waits for it, so nothing is left running).
	pe.failAfter.Store(pe.lists.Load() + 3)
	ahead := pe.page(t, true, NewWatermark(0, now))
	if len(ahead.records) != 2 || !strings.Contains(ahead.err, "no more") {
		t.Errorf("a failing third page: %d pages, error %q", len(ahead.records), ahead.err)
	}
}
