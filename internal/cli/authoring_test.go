package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/synapsejs/synapse-js/platform"
	"github.com/synapsejs/synapse-js/sandbox/echo"
	"github.com/synapsejs/synapse-js/sandbox/pipedrive"
)

// startPipedrive serves a Pipedrive sandbox on loopback for one test.
func startPipedrive(t testing.TB, records int) (*pipedrive.Sandbox, string) {
	t.Helper()
	sb := pipedrive.New(pipedrive.Options{Records: records, Seed: 3})
	base, stop, err := sb.Start(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return sb, base
}

func pipedriveJS(t testing.TB) string {
	return filepath.Join(repoRoot(t), "scripts", "pipedrive.js")
}

func TestDemoReportsEveryStep(t *testing.T) {
	r := run(t, nil, "demo", "--records", "300")
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	steps := []string{"start the sandbox", "load", "synapse_info", "test", "describe",
		"sync person", "sync organization", "sync deal", "sync activity", "sync product", "sync user",
		"sync pipeline", "sync stage", "sync note", "sync lead", "sync activity_type", "sync currency", "sync file",
		"sync filter", "sync deal_product",
		"get_by_id person", "create person", "update person", "sync person (incremental)", "delete person"}
	for _, s := range steps {
		if !strings.Contains(r.stdout, "ok   "+s+" ") {
			t.Errorf("no ok line for %q in:\n%s", s, r.stdout)
		}
	}
	if !strings.Contains(r.stdout, "300 records in 1 page") || !strings.Contains(r.stdout, "All 25 steps passed") {
		t.Errorf("report:\n%s", r.stdout)
	}
	if r.stderr != "" {
		t.Errorf("stderr: %s", r.stderr)
	}

	r = run(t, nil, "demo", "--records", "50", "--output", "json")
	var rep demoReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.code != 0 {
		t.Fatalf("exit %d, %v: %s", r.code, err, r.stdout)
	}
	if !rep.OK || len(rep.Steps) != len(steps) || !strings.HasPrefix(rep.Sandbox, "http://127.0.0.1:") {
		t.Fatalf("report %+v", rep)
	}
	for i, s := range rep.Steps {
		if s.Step != steps[i] || !s.OK {
			t.Errorf("step %d = %+v, want %s ok", i, s, steps[i])
		}
	}
}

func TestDemoFailsOnABrokenScript(t *testing.T) {
	r := run(t, nil, "demo", "--records", "20", "--script", filepath.Join(repoRoot(t), "testdata", "broken", "descending.js"))
	if r.code != 1 || !strings.Contains(r.stdout, "describe listed no person entity") || !strings.Contains(r.stdout, "A step failed") {
		t.Fatalf("exit %d:\n%s", r.code, r.stdout)
	}
}

func TestSyncPipedriveOnceAcrossAnInterrupt(t *testing.T) {
	sb, base := startPipedrive(t, 3000)
	env := map[string]string{"SYNAPSE_JS_TOKEN": pipedrive.DefaultToken}
	dir := t.TempDir()
	args := func(out, state string) []string {
		return []string{"sync", pipedriveJS(t), "--entity", "person", "--endpoint", base, "--out", out, "--state", state, "--meta", "pageSize=100", "--meta", "readSkewSeconds=0"}
	}
	// One uninterrupted sync, for reference.
	straight := filepath.Join(dir, "straight.ndjson")
	if r := run(t, env, args(straight, filepath.Join(dir, "straight.json"))...); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	ids := readIDs(t, straight)
	if len(ids) != sb.Count("person") {
		t.Fatalf("%d records, the sandbox has %d", len(ids), sb.Count("person"))
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Fatalf("id %s twice", id)
		}
		seen[id] = true
	}

	// The same, cancelled after a few pages and resumed. Slow pages make
	// sure the cancel lands mid-sync even on a loaded machine.
	sb.SetFault(pipedrive.Fault{Mode: pipedrive.FaultSlow, Delay: 30 * time.Millisecond, Paths: "/api/v2/persons"})
	out, state := filepath.Join(dir, "out.ndjson"), filepath.Join(dir, "state.json")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan result, 1)
	go func() { done <- runCLI(ctx, t, env, args(out, state)...) }()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(time.Millisecond) {
		if data, err := os.ReadFile(state); err == nil && strings.Contains(string(data), `"pages": 3`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no progress")
		}
	}
	cancel()
	if r := <-done; r.code != 130 {
		t.Fatalf("interrupted: exit %d: %s", r.code, r.stderr)
	}
	if st := readState(t, state); st.Next == nil || st.Output.Records >= int64(len(ids)) {
		t.Fatalf("the interrupt came too late: %+v", st.Output)
	}
	sb.SetFault(pipedrive.Fault{})
	if r := run(t, env, args(out, state)...); r.code != 0 {
		t.Fatalf("resume: exit %d: %s", r.code, r.stderr)
	}
	a, _ := os.ReadFile(straight)
	b, _ := os.ReadFile(out)
	if !bytes.Equal(a, b) {
		t.Fatalf("resumed output differs: %d records vs %d", len(readIDs(t, out)), len(ids))
	}
}

func TestCheckPassesOnPipedrive(t *testing.T) {
	_, base := startPipedrive(t, 400)
	env := map[string]string{"SYNAPSE_JS_TOKEN": pipedrive.DefaultToken}
	r := run(t, env, "check", pipedriveJS(t), "--endpoint", base, "--write")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"PASS  read person", "PASS  get_by_id person", "PASS  create person", "PASS  update person", "PASS  delete person", "0 failed"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("no %q in:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout+r.stderr, pipedrive.DefaultToken) {
		t.Errorf("the token was printed:\n%s%s", r.stdout, r.stderr)
	}

	r = run(t, env, "check", pipedriveJS(t), "--endpoint", base, "--entity", "deal", "--since", "2000-01-01", "--output", "json")
	var rep platform.CheckReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.code != 0 {
		t.Fatalf("exit %d, %v: %s", r.code, err, r.stdout)
	}
	if rep.Synapse != "pipedrive" || rep.Failed != 0 || rep.Passed != 7 {
		t.Fatalf("report %+v", rep)
	}

	// A refused token fails test (and the reads), with the reason.
	r = run(t, map[string]string{"SYNAPSE_JS_TOKEN": "wrong-token-123"}, "check", pipedriveJS(t), "--endpoint", base, "--entity", "person")
	if r.code != 1 || !strings.Contains(r.stdout, "FAIL  test") || strings.Contains(r.stdout, "wrong-token-123") {
		t.Fatalf("exit %d:\n%s", r.code, r.stdout)
	}
}

func TestCheckFailsOnBrokenConnectors(t *testing.T) {
	cases := []struct {
		file, check, reason string
	}{
		{"descending.js", "read thing", "records must be in ascending lastModified"},
		{"repeat_cursor.js", "read thing", `returned cursor "page-2" again`},
		{"repeat_offset.js", "read thing", "returned offset 3 again"},
		{"no_id_field.js", "describe thing", "no id field"},
		{"outside_window.js", "read thing", "is outside the window"},
		{"duplicate_ids.js", "read thing", "id 2 was already returned on page 1"},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			r := run(t, nil, "check", filepath.Join(repoRoot(t), "testdata", "broken", tc.file), "--output", "json")
			if r.code != 1 {
				t.Fatalf("exit %d: %s%s", r.code, r.stdout, r.stderr)
			}
			var rep platform.CheckReport
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
				t.Fatal(err, r.stdout)
			}
			var failed []platform.CheckResult
			for _, c := range rep.Checks {
				if c.Status == platform.StatusFail {
					failed = append(failed, c)
				}
			}
			if len(failed) != 1 || failed[0].Name != tc.check || !strings.Contains(failed[0].Reason, tc.reason) {
				t.Fatalf("failures %+v, want %s: %s", failed, tc.check, tc.reason)
			}
		})
	}
}

func TestInitScaffoldPassesCheckAgainstEcho(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "acme")
	r := run(t, nil, "init", "acme", "--dir", dir)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, f := range []string{"acme.js", "README.md", "testdata/connection.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	js := filepath.Join(dir, "acme.js")
	if r := run(t, nil, "validate", js); r.code != 0 || !strings.Contains(r.stdout, "ok: acme") {
		t.Fatalf("validate: exit %d: %s", r.code, r.stdout)
	}
	srv := echo.New(echo.Options{Records: 300})
	base, stop, err := srv.Start(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	// The sample connection, pointed at this test's port.
	r = run(t, nil, "check", js, "--connection", filepath.Join(dir, "testdata", "connection.json"), "--endpoint", base, "--write")
	if r.code != 0 || !strings.Contains(r.stdout, "11 passed, 0 failed, 0 skipped") {
		t.Fatalf("check: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if srv.Count() != 300 {
		t.Errorf("the throwaway record was left behind: %d items", srv.Count())
	}
	// All of it syncs, in pages of 100 by cursor.
	out := filepath.Join(t.TempDir(), "items.ndjson")
	r = run(t, nil, "sync", js, "--connection", filepath.Join(dir, "testdata", "connection.json"), "--endpoint", base, "--entity", "item", "--out", out)
	if ids := readIDs(t, out); r.code != 0 || len(ids) != 300 {
		t.Fatalf("sync: exit %d, %d records: %s", r.code, len(ids), r.stderr)
	}

	if r := run(t, nil, "init", "acme", "--dir", dir); r.code != 2 || !strings.Contains(r.stderr, "exists") {
		t.Errorf("overwrite: exit %d: %s", r.code, r.stderr)
	}
	if r := run(t, nil, "init", "acme", "--dir", dir, "--force"); r.code != 0 {
		t.Errorf("--force: exit %d: %s", r.code, r.stderr)
	}
	if r := run(t, nil, "init", "Bad Name", "--dir", t.TempDir()); r.code != 2 {
		t.Errorf("bad name: exit %d", r.code)
	}
}

func TestInitDefaultDirIsTheName(t *testing.T) {
	t.Chdir(t.TempDir())
	if r := run(t, nil, "init", "my_crm"); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	data, err := os.ReadFile(filepath.Join("my_crm", "my_crm.js"))
	if err != nil || !strings.Contains(string(data), "displayName: 'My Crm'") || strings.Contains(string(data), "__NAME__") {
		t.Fatalf("%v: %.300s", err, data)
	}
}

func TestSandboxCommands(t *testing.T) {
	for _, name := range []string{"pipedrive", "echo"} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var out, errb syncBuffer
			app := &App{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
			done := make(chan int, 1)
			go func() {
				done <- Main(ctx, app, []string{"sandbox", name, "--addr", "127.0.0.1:0", "--records", "30", "--token", "tok-" + name, "--output", "json"})
			}()
			var info struct {
				BaseURL    string          `json:"baseUrl"`
				Token      string          `json:"token"`
				Connection json.RawMessage `json:"connection"`
			}
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
				if s := out.String(); strings.HasSuffix(s, "\n") {
					if err := json.Unmarshal([]byte(s), &info); err != nil {
						t.Fatal(err, s)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("no output")
				}
			}
			if info.Token != "tok-"+name || !strings.HasPrefix(info.BaseURL, "http://127.0.0.1:") {
				t.Fatalf("%+v", info)
			}
			// The printed connection works as is.
			conn := filepath.Join(t.TempDir(), "conn.json")
			writeFile(t, conn, string(info.Connection))
			js := pipedriveJS(t)
			if name == "echo" {
				dir := t.TempDir()
				run(t, nil, "init", "e", "--dir", dir)
				js = filepath.Join(dir, "e.js")
			}
			if r := run(t, nil, "run", js, "test", "--connection", conn); r.code != 0 {
				t.Fatalf("test: exit %d: %s", r.code, r.stdout)
			}
			cancel()
			select {
			case code := <-done:
				if code != 0 || !strings.Contains(errb.String(), "stopped") {
					t.Fatalf("exit %d: %s", code, errb.String())
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the sandbox did not stop")
			}
		})
	}
}

func TestHelpAndCompletion(t *testing.T) {
	for _, cmd := range []string{"demo", "sync", "check", "init", "sandbox", "sandbox pipedrive", "sandbox echo", "run"} {
		r := run(t, nil, append(strings.Fields(cmd), "--help")...)
		if r.code != 0 || !strings.Contains(r.stdout, "Examples:") {
			t.Errorf("%s --help: exit %d, no examples:\n%s", cmd, r.code, r.stdout)
		}
	}
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		if r := run(t, nil, "completion", shell); r.code != 0 || len(r.stdout) < 100 {
			t.Errorf("completion %s: exit %d", shell, r.code)
		}
	}
	complete := func(args ...string) []string {
		r := run(t, nil, append([]string{"__complete"}, args...)...)
		var out []string
		for _, l := range strings.Split(r.stdout, "\n") {
			if l != "" && !strings.HasPrefix(l, ":") && !strings.HasPrefix(l, "Completion ended") {
				out = append(out, strings.SplitN(l, "\t", 2)[0])
			}
		}
		return out
	}
	if got := complete("run", "x.js", ""); !slices.Contains(got, "read") || !slices.Contains(got, "get_by_id") {
		t.Errorf("run methods: %v", got)
	}
	if got := complete("check", "x.js", "--output", ""); !slices.Equal(got, []string{"text", "json"}) {
		t.Errorf("check --output: %v", got)
	}
	if got := complete("sandbox", ""); !slices.Contains(got, "pipedrive") || !slices.Contains(got, "echo") {
		t.Errorf("sandbox: %v", got)
	}
	if got := complete("--log-level", ""); !slices.Equal(got, []string{"debug", "info", "warn", "error"}) {
		t.Errorf("--log-level: %v", got)
	}
}

func TestSandboxDoesNotPrintATokenFromTheEnvironment(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	env := map[string]string{"SYNAPSE_JS_TOKEN": "real-Secret-999"}
	app := &App{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }}
	done := make(chan int, 1)
	go func() { done <- Main(ctx, app, []string{"sandbox", "echo", "--addr", "127.0.0.1:0"}) }()
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(out.String(), "Ctrl-C"); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no output")
		}
	}
	cancel()
	<-done
	if s := out.String() + errb.String(); strings.Contains(s, "real-Secret-999") || !strings.Contains(s, "$SYNAPSE_JS_TOKEN") {
		t.Fatalf("printed:\n%s", s)
	}
}
