package platform

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/synapsejs/synapse-js/host"
	"github.com/synapsejs/synapse-js/sandbox/pipedrive"
	"github.com/synapsejs/synapse-js/scripts"
)

// TestParallelSyncOfEveryPipedriveEntity syncs every entity pipedrive.js
// describes from the sandbox, in pages of 50, one call after another and
// in three slices: the outputs are the same bytes. deal_product is read
// deal by deal, not in lastModified order: a parallel sync of it must
// either write the same bytes (it was not cut, or was lucky) or fail with
// an OrderError; currency's records carry the time they were read, so only
// their ids are compared.
func TestParallelSyncOfEveryPipedriveEntity(t *testing.T) {
	if testing.Short() {
		t.Skip("syncs every entity twice")
	}
	ctx := context.Background()
	sb := pipedrive.New(pipedrive.Options{Records: 1500, Now: func() time.Time { return time.Now().Add(-time.Minute) }})
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	e := host.New(host.StdOptions(host.Options{Logger: zerolog.Nop()}))
	c, err := e.Load(ctx, "pipedrive.js", scripts.Pipedrive())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	conn, _ := json.Marshal(map[string]any{"name": "t",
		"authConfig": map[string]any{"endpoint": srv.URL, "token": sb.Token()},
		"metaConfig": map[string]any{"pageSize": 50, "readSkewSeconds": 0}})
	resp := c.Call(ctx, "describe", conn, json.RawMessage(`{"entities":[]}`), host.CallOptions{})
	if resp.Err != nil {
		t.Fatal(resp.Err)
	}
	var schemas []struct {
		APIName string `json:"apiName"`
	}
	if err := json.Unmarshal(resp.Body, &schemas); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	until := time.Now().UnixMilli()
	syncOne := func(entity string, parallel int) ([]byte, Summary, error) {
		t.Helper()
		schema, err := DescribeOne(ctx, c, conn, entity, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, fmt.Sprintf("%s-%d.ndjson", entity, parallel))
		r := &Sync{Connector: c, Connection: conn, Schema: schema, Timeout: time.Minute, Until: until, Parallel: parallel}
		if err := r.LoadState("", "pipedrive", entity, 0); err != nil {
			t.Fatal(err)
		}
		o, closeOut, err := r.OpenOutput(out, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		sum, err := r.Run(ctx, o)
		if cerr := closeOut(); err == nil {
			err = cerr
		}
		return read(t, out), sum, err
	}
	var sliced []string
	for _, s := range schemas {
		one, _, err := syncOne(s.APIName, 1)
		if err != nil {
			t.Fatalf("%s: %v", s.APIName, err)
		}
		three, sum, err := syncOne(s.APIName, 3)
		var oe *OrderError
		switch {
		case s.APIName == "deal_product" && errors.As(err, &oe):
			t.Logf("deal_product in slices: %v", err)
			continue
		case err != nil:
			t.Fatalf("%s in slices: %v", s.APIName, err)
		}
		if sum.Slices > 1 {
			sliced = append(sliced, s.APIName)
		}
		switch s.APIName {
		case "currency":
			if a, b := lineIDs(t, one), lineIDs(t, three); fmt.Sprint(a) != fmt.Sprint(b) {
				t.Errorf("currency: ids %v, one pager %v", b, a)
			}
			continue
		}
		sameOutput(t, fmt.Sprintf("%s in %d slices", s.APIName, sum.Slices), three, one)
	}
	if len(sliced) < 3 {
		t.Errorf("only %v were read in slices", sliced)
	}
	t.Logf("read in slices: %v", sliced)
}

func lineIDs(t *testing.T, ndjson []byte) []string {
	t.Helper()
	var ids []string
	for _, l := range bytes.Split(bytes.TrimSpace(ndjson), []byte("\n")) {
		var r struct{ ID string }
		if err := json.Unmarshal(l, &r); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	return ids
}
