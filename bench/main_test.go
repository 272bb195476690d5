package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/synapsejs/synapse-js/internal/benchkit"
	"github.com/synapsejs/synapse-js/sandbox/pipedrive"
)

// The sides must do the same work: the same pages of the same records, as
// pipedrive.js writes them. These tests check that, and that the harness
// runs; they time nothing.

func testSandbox(t *testing.T, records int) (base, token string) {
	sb := pipedrive.New(pipedrive.Options{Records: records, Now: func() time.Time { return time.Now().Add(-time.Minute) }})
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	return srv.URL + "/", sb.Token()
}

// pagesOf decodes READ answers into their data arrays, page by page.
func pagesOf(t *testing.T, answers [][]byte) [][]any {
	t.Helper()
	var out [][]any
	for _, a := range answers {
		var r struct {
			Data       []any          `json:"data"`
			Watermark  map[string]any `json:"watermark"`
			OffsetType string         `json:"offsetType"`
		}
		if err := json.Unmarshal(a, &r); err != nil {
			t.Fatalf("answer %.200s: %v", a, err)
		}
		if r.OffsetType != "CUSTOM" || r.Watermark == nil {
			t.Fatalf("answer without the watermark or offsetType: %.300s", a)
		}
		out = append(out, r.Data)
	}
	return out
}

func TestSidesReadTheSameRecords(t *testing.T) {
	base, token := testSandbox(t, 1200)
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	conn, _ := json.Marshal(map[string]any{"name": "bench", "authConfig": map[string]any{"endpoint": base, "token": token}})
	eng, err := newEngineReader(context.Background(), filepath.Join(root, "scripts", "pipedrive.js"), conn)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.close()
	g := benchkit.NewGoReader(base, token)

	var js, gw [][]byte
	wm := benchkit.Window500()
	for {
		body, err := eng.page(wm)
		if err != nil {
			t.Fatal(err)
		}
		js = append(js, body)
		n, next, err := scanPage(body)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 || n < int(wm.Limit) {
			break
		}
		wm = next
	}
	wm = benchkit.Window500()
	for {
		wire, n, next, err := g.Page(wm)
		if err != nil {
			t.Fatal(err)
		}
		gw = append(gw, bytes.Clone(wire))
		if n == 0 || n < int(wm.Limit) {
			break
		}
		wm = next
	}
	want := pagesOf(t, js)
	total := 0
	for _, p := range want {
		total += len(p)
	}
	if total == 0 || len(want) < 3 {
		t.Fatalf("the engine read %d records in %d pages; want several pages", total, len(want))
	}
	if got := pagesOf(t, gw); !reflect.DeepEqual(got, want) {
		t.Fatalf("the Go baseline's records differ from pipedrive.js's:\njs %.600s\ngo %.600s", js[0], gw[0])
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Log("node is not on PATH: the Node.js side is not checked")
		return
	}
	cmd := exec.Command(node, filepath.Join(root, "bench", "node-synapse.mjs"), "dump", base, token)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node dump: %v", err)
	}
	var nd [][]byte
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		nd = append(nd, bytes.Clone(sc.Bytes()))
	}
	if got := pagesOf(t, nd); !reflect.DeepEqual(got, want) {
		t.Fatalf("the Node synapse's records differ from pipedrive.js's:\njs   %.600s\nnode %.600s", js[0], nd[0])
	}
}

// TestHarnessRuns runs the whole harness once on a small sandbox: the
// binary is built, sync runs as its own process, the report is written.
func TestHarnessRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	c := &config{records: 600, rounds: 1, pageRounds: 1, root: root}
	if p, err := exec.LookPath("node"); err == nil {
		c.node = p
	}
	res, err := run(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.CreateTemp(t.TempDir(), "report")
	if err != nil {
		t.Fatal(err)
	}
	res.report(f, c)
	f.Close()
	report, _ := os.ReadFile(f.Name())
	for _, side := range []string{"| sync |", "| sync -p2 |", "| read |", "| go |", "| read page |", "sync / read"} {
		if !strings.Contains(string(report), side) {
			t.Errorf("the report has no %q:\n%s", side, report)
		}
	}
	if st := statsOf(res.sides["sync"]); st.rssKiB <= 0 {
		t.Errorf("no peak RSS for sync:\n%s", report)
	}
}
