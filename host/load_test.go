package host_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/synapsejs/synapse-js/host"
)

func loadFile(t *testing.T, e *host.Engine, path string) (*host.Connector, error) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return e.Load(context.Background(), path, src)
}

func TestLoadRejects(t *testing.T) {
	t.Parallel()
	cases := []struct {
		file string
		want []string // each must appear in the problems, in this order
	}{
		{"syntax.js", []string{"syntax.js:3:"}},
		{"not_function.js", []string{"not_function.js:7:3: export read is an integer, want a function"}},
		{"missing_required.js", []string{
			"missing_required.js: missing required export test",
			"missing_required.js: missing required export describe",
			"missing_required.js: missing required export read (for a source) or create/update/delete (for a destination)",
		}},
		{"typos.js", []string{
			"typos.js:2:3: unknown export synapseInfo; did you mean synapse_info?",
			"typos.js:11:3: unknown export get_byid; did you mean get_by_id?",
		}},
		{"bad_info.js", []string{
			"synapse_info returned metadata.displayName: is required but missing",
			`synapse_info returned supportedAuthTypes[0].authType: "ApiToken" is not a valid AuthType`,
		}},
		{"throws_at_load.js", []string{"throws_at_load.js:3:7: the script failed at load: Error: config missing"}},
		{"info_throws.js", []string{"info_throws.js:4:", "synapse_info failed: TypeError"}},
	}
	e := host.New(host.Options{})
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			_, err := loadFile(t, e, filepath.Join("..", "testdata", "invalid", tc.file))
			var le *host.LoadError
			if !errors.As(err, &le) {
				t.Fatalf("want a *LoadError, got %v", err)
			}
			text := err.Error()
			pos := 0
			for _, w := range tc.want {
				i := strings.Index(text[pos:], w)
				if i < 0 {
					t.Fatalf("problems lack %q (in order); got:\n%s", w, text)
				}
				pos += i + len(w)
			}
		})
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	t.Parallel()
	src := `module.exports = {
  synapse_info() { return { name: 'many', metadata: { displayName: 'M' }, supportedAuthTypes: [{ authType: 'Nope' }] }; },
  test: 'not a function',
  Read: () => 1,
};`
	_, err := host.New(host.Options{}).Load(context.Background(), "many.js", []byte(src))
	var le *host.LoadError
	if !errors.As(err, &le) {
		t.Fatalf("want *LoadError, got %v", err)
	}
	want := []string{
		"export test is a string, want a function",
		"unknown export Read; did you mean read?",
		"missing required export describe",
		`"Nope" is not a valid AuthType`,
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("problems lack %q; got:\n%s", w, err)
		}
	}
	if len(le.Problems) < len(want) {
		t.Errorf("got %d problems, want at least %d", len(le.Problems), len(want))
	}
}

func TestLoadSyntaxErrorPosition(t *testing.T) {
	t.Parallel()
	_, err := host.New(host.Options{}).Load(context.Background(), "dir/bad.js", []byte("module.exports = {\n  a: 1,\n  b: ,\n};\n"))
	var le *host.LoadError
	if !errors.As(err, &le) || len(le.Problems) == 0 {
		t.Fatalf("want a LoadError, got %v", err)
	}
	p := le.Problems[0]
	if p.File != "bad.js" || p.Line != 3 || p.Column != 6 {
		t.Errorf("problem at %s:%d:%d, want bad.js:3:6 (%s)", p.File, p.Line, p.Column, p.Message)
	}
	// An error on the first line must not count the module wrapper.
	_, err = host.New(host.Options{}).Load(context.Background(), "first.js", []byte("module.exports = ];"))
	if !errors.As(err, &le) || le.Problems[0].Line != 1 || le.Problems[0].Column != 18 {
		t.Errorf("first-line error: %v", err)
	}
}

func TestLoadESMAndTypeScript(t *testing.T) {
	t.Parallel()
	e := host.New(host.Options{})
	for _, tc := range []struct{ file, name, boom string }{
		{"esm.js", "esm", "esm.js:13:"},
		{"typed.ts", "typed", "typed.ts:18:"},
	} {
		c, err := loadFile(t, e, filepath.Join("..", "testdata", "connectors", tc.file))
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if c.Name() != tc.name {
			t.Errorf("%s: name %q, want %q", tc.file, c.Name(), tc.name)
		}
		if got := strings.Join(c.Methods(), ","); got != "describe,read,synapse_info,test" {
			t.Errorf("%s: methods %s", tc.file, got)
		}
		r := c.Call(context.Background(), "read", nil, []byte(`{"entity":{"apiName":"x"},"watermark":{"start":0,"end":1,"offset":99}}`), host.CallOptions{})
		if r.Err == nil || r.Err.Detail == nil || !strings.Contains(*r.Err.Detail, tc.boom) {
			t.Errorf("%s: error should point at the author's line %s; got %s", tc.file, tc.boom, r.Body)
		}
	}
}

func TestLoadTypeScriptErrors(t *testing.T) {
	t.Parallel()
	_, err := host.New(host.Options{}).Load(context.Background(), "bad.ts", []byte("export function read(req: {a: number) {\n}\n"))
	var le *host.LoadError
	if !errors.As(err, &le) || le.Problems[0].Line != 1 || le.Problems[0].File != "bad.ts" {
		t.Fatalf("want a positioned LoadError for bad.ts, got %v", err)
	}
}

func TestLoadESMDefaultExport(t *testing.T) {
	t.Parallel()
	src := `import { NotFoundError } from 'synapse/errors';
export default {
  synapse_info: () => ({ name: 'dflt', metadata: { displayName: 'D' }, supportedAuthTypes: [{ authType: 'None' }] }),
  test: (c) => c,
  describe: () => [],
  get_by_id() { throw new NotFoundError('nope'); },
  create: (req) => req.data.map(() => ({ id: '1' })),
};
`
	c, err := host.New(host.Options{}).Load(context.Background(), "dflt.mjs", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Name() != "dflt" || strings.Join(c.Methods(), ",") != "create,describe,get_by_id,synapse_info,test" {
		t.Errorf("name %q, methods %v", c.Name(), c.Methods())
	}
	r := c.Call(context.Background(), "get_by_id", nil, []byte(`{"entity":{"apiName":"a"},"data":[{"id":"1","values":{}}]}`), host.CallOptions{})
	if r.Err == nil || r.Err.Status != 404 {
		t.Errorf("imported error class: %s", r.Body)
	}
}

// A request at the top level is refused at load, with the line it is on.
func TestTopLevelHTTPIsALoadError(t *testing.T) {
	e := host.New(host.StdOptions(host.Options{}))
	src := `const http = require('synapse/http');
const config = http.get('http://127.0.0.1:1/config').json();
module.exports = {
  synapse_info: () => ({name: 'x', metadata: {displayName: 'X'}, supportedAuthTypes: [{authType: 'None'}]}),
  test: (c) => c, describe: () => [], read: (r) => ({data: [], watermark: r.watermark}),
};`
	_, err := e.Load(context.Background(), "toplevel.js", []byte(src))
	var le *host.LoadError
	if !errors.As(err, &le) || len(le.Problems) != 1 {
		t.Fatalf("Load = %v, want one problem", err)
	}
	p := le.Problems[0]
	if p.Line != 2 || !strings.Contains(p.Message, "http.get: no HTTP requests at a connector's top level") {
		t.Errorf("problem = %s", p)
	}
}
