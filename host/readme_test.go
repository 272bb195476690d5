package host_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/synapsejs/synapse-js/host"
	"github.com/synapsejs/synapse-js/sandbox/echo"
)

// TestReadmeExample keeps the README's connector honest: the example in the
// README is the file testdata/connectors/hello.js, and it pages through the
// echo sandbox with the standard bindings.
func TestReadmeExample(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile(filepath.Join("..", "testdata", "connectors", "hello.js"))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile("(?s)```js\n(// hello.js\n.*?)```").FindSubmatch(readme)
	if block == nil || !bytes.Equal(block[1], src) {
		t.Fatal("the README's js example differs from testdata/connectors/hello.js; keep them the same")
	}
	es := echo.New(echo.Options{Records: 120})
	srv := httptest.NewServer(es.Handler())
	defer srv.Close()

	c, err := host.New(host.StdOptions(host.Options{})).Load(context.Background(), "hello.js", src)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	conn := fmt.Sprintf(`{"name":"c","authConfig":{"endpoint":%q,"token":%q}}`, srv.URL+"/", es.Token())
	wm := json.RawMessage(`{"start":0,"end":9999999999999,"offset":0,"limit":0,"cursor":null}`)
	seen := map[string]bool{}
	for page := 0; page < 10; page++ {
		req := fmt.Sprintf(`{"entity":{"apiName":"item","displayName":"Item","attributes":[]},"watermark":%s}`, wm)
		r := c.Call(context.Background(), "read", json.RawMessage(conn), json.RawMessage(req), host.CallOptions{})
		if r.Err != nil {
			t.Fatalf("read: %s", r.Body)
		}
		var out struct {
			Data      []struct{ ID string }
			Watermark json.RawMessage
		}
		if err := json.Unmarshal(r.Body, &out); err != nil {
			t.Fatal(err)
		}
		for _, d := range out.Data {
			if seen[d.ID] {
				t.Fatalf("record %s twice", d.ID)
			}
			seen[d.ID] = true
		}
		wm = out.Watermark
		var w struct{ Cursor *string }
		_ = json.Unmarshal(wm, &w)
		if w.Cursor == nil {
			break
		}
	}
	if len(seen) != 120 {
		t.Errorf("read %d records, want 120", len(seen))
	}
}
