package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// liveBuffer is written by a running command while the test reads it.
type liveBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *liveBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *liveBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type hostRun struct {
	code           int
	stdout, stderr string
}

func hostCLI(t *testing.T, env map[string]string, args ...string) hostRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out, errb liveBuffer
	app := &App{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }}
	code := Main(ctx, app, args)
	return hostRun{code, out.String(), errb.String()}
}

const serveEcho = `module.exports = {
  synapse_info() { return {name: 'echo', metadata: {displayName: 'Echo'}, supportedAuthTypes: [{authType: 'None'}]}; },
  test(c) { return c; },
  describe() { return []; },
  read(req) { return {data: [{id: '1', values: {tag: 'TAG'}, lastModified: 1}], watermark: req.watermark}; },
};
`

// startServe runs `synapse-js serve` in-process and returns its base URL
// and a function that stops it (as SIGTERM would) and returns its exit code.
func startServe(t *testing.T, env map[string]string, args ...string) (string, func() (int, string)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb liveBuffer
	app := &App{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }}
	done := make(chan int, 1)
	go func() { done <- Main(ctx, app, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)) }()
	re := regexp.MustCompile(`serving on (http://\S+)`)
	deadline := time.Now().Add(20 * time.Second)
	var base string
	for base == "" {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
			break
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d: %s %s", code, out.String(), errb.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve printed no URL: %s %s", out.String(), errb.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	for {
		res, err := http.Get(base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("serve never became ready")
		}
		time.Sleep(5 * time.Millisecond)
	}
	stopped := false
	stop := func() (int, string) {
		if stopped {
			return 0, ""
		}
		stopped = true
		cancel()
		select {
		case code := <-done:
			return code, errb.String()
		case <-time.After(20 * time.Second):
			t.Fatal("serve did not stop")
			return 0, ""
		}
	}
	t.Cleanup(func() { stop() })
	return base, stop
}

func TestServeUploadSynapses(t *testing.T) {
	dir := t.TempDir()
	tokFile := filepath.Join(dir, "admin.tok")
	if err := os.WriteFile(tokFile, []byte("adm1n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base, stop := startServe(t, map[string]string{"SYNAPSE_JS_INVOKE_TOKEN": "inv0ke"},
		"--data-dir", filepath.Join(dir, "data"), "--admin-token-file", tokFile, "--log-level", "warn")

	file := filepath.Join(dir, "echo.js")
	if err := os.WriteFile(file, []byte(strings.ReplaceAll(serveEcho, "TAG", "v1")), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SYNAPSE_JS_SERVER": base, "SYNAPSE_JS_ADMIN_TOKEN": "adm1n"}
	r := hostCLI(t, env, "upload", file)
	if r.code != 0 || !strings.Contains(r.stdout, "echo: version 1 is live") {
		t.Fatalf("upload: %d %q %q", r.code, r.stdout, r.stderr)
	}
	// Under another name, with flags instead of the environment.
	r = hostCLI(t, nil, "upload", file, "--name", "echo-staging", "--server", base, "--token", "adm1n", "--output", "json")
	var v struct {
		Name, Synapse string
		Version       int
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &v) != nil || v.Name != "echo-staging" || v.Synapse != "echo" {
		t.Fatalf("upload --name: %d %q %q", r.code, r.stdout, r.stderr)
	}

	// Invalid: the local check catches it, in validate's format.
	bad := filepath.Join(dir, "bad.js")
	_ = os.WriteFile(bad, []byte("module.exports = {\n  synapse_info() { return {name: 'echo'} },\n  read( {\n};\n"), 0o644)
	r = hostCLI(t, env, "upload", bad)
	if r.code != 1 || !regexp.MustCompile(regexp.QuoteMeta(bad)+`:\d+:\d+: `).MatchString(r.stderr) {
		t.Fatalf("invalid upload: %d %q %q", r.code, r.stdout, r.stderr)
	}
	// Wrong token, missing server.
	if r := hostCLI(t, map[string]string{"SYNAPSE_JS_SERVER": base, "SYNAPSE_JS_ADMIN_TOKEN": "inv0ke"}, "upload", file); r.code != 1 || !strings.Contains(r.stderr, "403") {
		t.Fatalf("invoke token for upload: %d %q", r.code, r.stderr)
	}
	if r := hostCLI(t, nil, "upload", file); r.code != 2 || !strings.Contains(r.stderr, "--server") {
		t.Fatalf("no server: %d %q", r.code, r.stderr)
	}

	_ = os.WriteFile(file, []byte(strings.ReplaceAll(serveEcho, "TAG", "v2")), 0o644)
	if r := hostCLI(t, env, "upload", file); !strings.Contains(r.stdout, "version 2 is live") {
		t.Fatalf("upload v2: %q %q", r.stdout, r.stderr)
	}
	if tag := invokeTag(t, base, "echo", "inv0ke"); tag != "v2" {
		t.Fatalf("tag %q", tag)
	}

	r = hostCLI(t, map[string]string{"SYNAPSE_JS_SERVER": base, "SYNAPSE_JS_ADMIN_TOKEN": "inv0ke"}, "synapses", "list")
	if r.code != 0 || !regexp.MustCompile(`(?m)^echo\s+2\s+2\s+echo\s`).MatchString(r.stdout) || !strings.Contains(r.stdout, "echo-staging") {
		t.Fatalf("list: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = hostCLI(t, env, "synapses", "versions", "echo")
	if r.code != 0 || !regexp.MustCompile(`(?m)^2\s+\*\s+\*\s`).MatchString(r.stdout) || !regexp.MustCompile(`(?m)^1\s`).MatchString(r.stdout) {
		t.Fatalf("versions: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = hostCLI(t, env, "synapses", "rollback", "echo", "1")
	if r.code != 0 || !strings.Contains(r.stdout, "echo: version 1 is live") {
		t.Fatalf("rollback: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if tag := invokeTag(t, base, "echo", "inv0ke"); tag != "v1" {
		t.Fatalf("tag after rollback %q", tag)
	}
	r = hostCLI(t, env, "synapses", "source", "echo", "--version", "2")
	if r.code != 0 || !strings.Contains(r.stdout, "tag: 'v2'") {
		t.Fatalf("source: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = hostCLI(t, env, "synapses", "list", "-o", "json")
	var list struct {
		Synapses []struct{ Name string } `json:"synapses"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &list) != nil || len(list.Synapses) != 2 {
		t.Fatalf("list json: %d %q", r.code, r.stdout)
	}
	if r := hostCLI(t, env, "synapses", "delete", "echo-staging"); r.code != 0 || !strings.Contains(r.stdout, "echo-staging: deleted") {
		t.Fatalf("delete: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := hostCLI(t, env, "synapses", "versions", "echo-staging"); r.code != 1 || !strings.Contains(r.stderr, "404") {
		t.Fatalf("versions after delete: %d %q", r.code, r.stderr)
	}
	if r := hostCLI(t, env, "synapses", "rollback", "echo", "x"); r.code != 2 {
		t.Fatalf("bad version arg: %d", r.code)
	}

	code, stderr := stop()
	if code != 0 {
		t.Fatalf("serve exited %d: %s", code, stderr)
	}
	if strings.Contains(stderr, "adm1n") || strings.Contains(stderr, "inv0ke") {
		t.Fatal("a token reached the log")
	}

	// A restart serves what was uploaded, from the data directory.
	base, _ = startServe(t, nil, "--data-dir", filepath.Join(dir, "data"))
	if tag := invokeTag(t, base, "echo", ""); tag != "v1" {
		t.Fatalf("after restart tag %q", tag)
	}
}

func invokeTag(t *testing.T, base, name, token string) string {
	t.Helper()
	env := `{"type":"READ","connection":{"name":"c","authConfig":{}},"body":{"entity":{"apiName":"x"},"watermark":{"start":0,"end":1}}}`
	req, _ := http.NewRequest("POST", base+"/"+name, strings.NewReader(env))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var out struct {
		Data []struct {
			Values map[string]string `json:"values"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &out); err != nil || len(out.Data) != 1 {
		t.Fatalf("invoke: %d %s", res.StatusCode, b)
	}
	return out.Data[0].Values["tag"]
}

func TestServeRefusals(t *testing.T) {
	dir := t.TempDir()
	r := hostCLI(t, nil, "serve", "--addr", "0.0.0.0:0", "--data-dir", dir)
	if r.code != 2 || !strings.Contains(r.stderr, "refusing to listen") || !strings.Contains(r.stderr, "--admin-token") {
		t.Fatalf("public without tokens: %d %q", r.code, r.stderr)
	}
	r = hostCLI(t, map[string]string{"SYNAPSE_JS_INVOKE_TOKEN": "x"}, "serve", "--addr", "0.0.0.0:0", "--data-dir", dir)
	if r.code != 2 || !strings.Contains(r.stderr, "without an admin token") {
		t.Fatalf("public with only an invoke token: %d %q", r.code, r.stderr)
	}
	tok := filepath.Join(dir, "t")
	_ = os.WriteFile(tok, []byte("x"), 0o600)
	r = hostCLI(t, nil, "serve", "--admin-token", "y", "--admin-token-file", tok, "--data-dir", dir)
	if r.code != 2 || !strings.Contains(r.stderr, "both set") {
		t.Fatalf("token and token file: %d %q", r.code, r.stderr)
	}
	for _, args := range [][]string{{"serve", "--help"}, {"upload", "--help"}, {"synapses", "--help"}, {"synapses", "rollback", "--help"}} {
		r := hostCLI(t, nil, args...)
		if r.code != 0 || !strings.Contains(r.stdout, "Examples:") {
			t.Errorf("%v: %d %q", args, r.code, r.stdout)
		}
	}
}
