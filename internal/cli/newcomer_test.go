package cli

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// tokenRecorder is a fake end system that remembers every Authorization
// header it was sent.
type tokenRecorder struct {
	mu   sync.Mutex
	seen []string
}

func (r *tokenRecorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.seen = append(r.seen, req.Header.Get("Authorization"))
	r.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"ok":true}`))
}

func (r *tokenRecorder) tokens() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.seen)
}

const authedJS = `const http = require('synapse/http'), auth = require('synapse/auth');
module.exports = {
  synapse_info: () => ({name: 'authed', metadata: {displayName: 'A'}, supportedAuthTypes: [{authType: 'ApiKey'}]}),
  test(c) { http.get(c.authConfig.endpoint, {auth: auth.fromConnection(c)}); return c; },
  describe: () => [],
  read: (r) => ({data: [], watermark: r.watermark}),
};`

// SYNAPSE_JS_TOKEN is the end system's token and SYNAPSE_JS_ADMIN_TOKEN the
// server's: neither ever reaches the other.
func TestEndSystemAndServerTokensStayApart(t *testing.T) {
	rec := &tokenRecorder{}
	api := httptest.NewServer(rec)
	defer api.Close()
	js := writeFile(t, filepath.Join(t.TempDir(), "authed.js"), authedJS)

	// Only the admin token is set: the end system gets nothing of it.
	r := run(t, map[string]string{EnvAdminToken: "adm-Secret-1"}, "run", js, "test", "--endpoint", api.URL)
	if r.code == 0 {
		t.Errorf("run test without an end-system token succeeded: %s", r.stdout)
	}
	for _, tok := range rec.tokens() {
		if strings.Contains(tok, "adm-Secret-1") {
			t.Fatalf("the end system received the server's admin token: %q", tok)
		}
	}
	// Both set: the end system gets its own.
	r = run(t, map[string]string{EnvAdminToken: "adm-Secret-1", EnvToken: "end-Secret-2"}, "run", js, "test", "--endpoint", api.URL)
	if r.code != 0 {
		t.Fatalf("run test: exit %d: %s", r.code, r.stderr)
	}
	if got := rec.tokens(); len(got) == 0 || got[len(got)-1] != "Bearer end-Secret-2" {
		t.Errorf("the end system saw %q, want Bearer end-Secret-2 last", got)
	}

	// The server clients send the admin token, never the end system's.
	srvRec := &tokenRecorder{}
	srv := httptest.NewServer(srvRec)
	defer srv.Close()
	_ = hostCLI(t, map[string]string{EnvServer: srv.URL, EnvToken: "end-Secret-2"}, "synapses", "list")
	_ = hostCLI(t, map[string]string{EnvServer: srv.URL, EnvToken: "end-Secret-2", EnvAdminToken: "adm-Secret-1"}, "synapses", "list")
	got := srvRec.tokens()
	if len(got) != 2 || got[0] != "" || got[1] != "Bearer adm-Secret-1" {
		t.Errorf("the server saw %q; want no token, then the admin token", got)
	}
}

// Generic SYNAPSE_JS_<FLAG> variables are not read.
func TestOnlyDocumentedVariablesAreRead(t *testing.T) {
	dir := t.TempDir()
	js := writeFile(t, filepath.Join(dir, "paged.js"), pagedJS)
	out := filepath.Join(dir, "out.ndjson")
	r := run(t, map[string]string{"SYNAPSE_JS_OUT": filepath.Join(dir, "hijacked.ndjson"), "SYNAPSE_JS_LIMIT": "3"},
		"sync", js, "--entity", "item", "--out", out)
	if r.code != 0 {
		t.Fatalf("sync: exit %d: %s", r.code, r.stderr)
	}
	if ids := readIDs(t, out); len(ids) != 50 {
		t.Errorf("SYNAPSE_JS_LIMIT changed the sync: %d records", len(ids))
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, "hijacked*")); len(matches) > 0 {
		t.Errorf("SYNAPSE_JS_OUT redirected the output: %v", matches)
	}
}

// Each command's --help lists the variables it reads, and only those.
func TestHelpListsTheVariablesEachCommandReads(t *testing.T) {
	want := map[string][]string{
		"run":           {EnvPassword, EnvToken},
		"sync":          {EnvPassword, EnvToken},
		"check":         {EnvPassword, EnvToken},
		"sandbox echo":  {EnvToken},
		"serve":         {EnvAdminToken, EnvInvokeToken, EnvStore, EnvTokenKey},
		"upload":        {EnvAdminToken, EnvServer},
		"synapses list": {EnvAdminToken, EnvServer},
		"validate":      nil,
	}
	root := NewApp().Root()
	for path, vars := range want {
		cmd, _, err := root.Find(strings.Fields(path))
		if err != nil {
			t.Fatal(err)
		}
		if got := envVars(cmd); !slices.Equal(got, vars) {
			t.Errorf("%s reads %v, want %v", path, got, vars)
		}
		r := run(t, nil, append(strings.Fields(path), "--help")...)
		for _, v := range vars {
			if !strings.Contains(r.stdout, v) {
				t.Errorf("%s --help does not mention %s:\n%s", path, v, r.stdout)
			}
		}
		if path == "serve" || path == "upload" || strings.HasPrefix(path, "synapses") {
			if strings.Contains(r.stdout, EnvToken+" ") {
				t.Errorf("%s --help mentions the end system's %s:\n%s", path, EnvToken, r.stdout)
			}
		}
	}
}

// --output takes text or json on every command that has it.
func TestOutputValuesAreTheSameEverywhere(t *testing.T) {
	js := writeFile(t, filepath.Join(t.TempDir(), "paged.js"), pagedJS)
	for _, args := range [][]string{
		{"validate", js}, {"check", js}, {"demo", "--records", "20"}, {"upload", js, "--server", "http://127.0.0.1:1"},
		{"synapses", "list", "--server", "http://127.0.0.1:1"}, {"sandbox", "echo", "--addr", "127.0.0.1:0"},
	} {
		r := run(t, nil, append(args, "--output", "table")...)
		if r.code != 2 || !strings.Contains(r.stderr, `--output "table": want text or json`) {
			t.Errorf("%v --output table: exit %d: %s", args, r.code, r.stderr)
		}
	}
	if r := run(t, nil, "validate", js, "--output", "text"); r.code != 0 {
		t.Errorf("validate --output text: exit %d: %s", r.code, r.stderr)
	}
	if r := run(t, nil, "validate", js, "--output", "json"); r.code != 0 || !strings.HasPrefix(r.stdout, "[") {
		t.Errorf("validate --output json: exit %d: %s", r.code, r.stdout)
	}
}

// A sandbox serves on loopback unless --public says otherwise.
func TestSandboxBindsLoopbackOnly(t *testing.T) {
	r := run(t, nil, "sandbox", "echo", "--addr", "0.0.0.0:0")
	if r.code != 2 || !strings.Contains(r.stderr, "--public") {
		t.Fatalf("sandbox echo --addr 0.0.0.0:0: exit %d: %s", r.code, r.stderr)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan result, 1)
	go func() {
		done <- runCLI(ctx, t, nil, "sandbox", "echo", "--addr", "0.0.0.0:0", "--public", "--output", "json")
	}()
	time.Sleep(300 * time.Millisecond)
	cancel()
	if r := <-done; r.code != 0 || !strings.Contains(r.stdout, `"baseUrl":"http://[::]:`) && !strings.Contains(r.stdout, `"baseUrl":"http://0.0.0.0:`) {
		t.Errorf("--public: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
}

// Argument mistakes name what is wrong and suggest the fix.
func TestArgumentErrorsSayWhatIsMissing(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"run", "x.js"}, "run FILE TYPE: missing TYPE"},
		{[]string{"run"}, "run FILE TYPE: missing FILE TYPE"},
		{[]string{"run", "x.js", "read", "extra"}, `run FILE TYPE: unexpected argument "extra"`},
		{[]string{"validate"}, "validate FILE...: missing FILE"},
		{[]string{"synapses", "lst"}, `unknown command "lst" for "synapse-js synapses"; did you mean "list"?`},
		{[]string{"sandbox", "pipedrve"}, `did you mean "pipedrive"?`},
	}
	for _, c := range cases {
		if r := run(t, nil, c.args...); r.code != 2 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d: %q, want %q", c.args, r.code, r.stderr, c.want)
		}
	}
}

// A taken --addr says how to get a free port.
func TestAddressInUseSuggestsAFreePort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	addr := l.Addr().String()
	for _, args := range [][]string{
		{"serve", "--addr", addr, "--data-dir", t.TempDir()},
		{"sandbox", "echo", "--addr", addr},
	} {
		if r := run(t, nil, args...); r.code != 1 || !strings.Contains(r.stderr, "already in use") || !strings.Contains(r.stderr, "--addr 127.0.0.1:0") {
			t.Errorf("%v: exit %d: %s", args, r.code, r.stderr)
		}
	}
}

// TestCLIDocsListTheVariablesEachCommandReads holds docs/cli.md's table of
// environment variables to the commands: each SYNAPSE_JS_ variable lists
// exactly the commands (by their first word) that read it.
func TestCLIDocsListTheVariablesEachCommandReads(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(repoRoot(t), "docs", "cli.md"))
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `(SYNAPSE_JS_[A-Z_]+)` \\| ([^|]+) \\|")
	cmdName := regexp.MustCompile("`([a-z]+)`")
	documented := map[string][]string{}
	for _, m := range row.FindAllStringSubmatch(string(doc), -1) {
		for _, c := range cmdName.FindAllStringSubmatch(m[2], -1) {
			documented[m[1]] = append(documented[m[1]], c[1])
		}
	}
	if len(documented) == 0 {
		t.Fatal("docs/cli.md has no table of SYNAPSE_JS_ variables")
	}
	read := map[string][]string{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		top := strings.Fields(c.CommandPath())
		if len(top) > 1 {
			for _, v := range envVars(c) {
				if !slices.Contains(read[v], top[1]) {
					read[v] = append(read[v], top[1])
				}
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(NewApp().Root())
	for v := range read {
		if _, ok := documented[v]; !ok {
			documented[v] = nil
		}
	}
	for v, cmds := range documented {
		slices.Sort(cmds)
		got := read[v]
		slices.Sort(got)
		if !slices.Equal(cmds, got) {
			t.Errorf("docs/cli.md says %s is read by %v; the commands that read it are %v", v, cmds, got)
		}
	}
}
