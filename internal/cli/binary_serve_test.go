package cli

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestBinaryServeIsolates runs the built synapse-js serve, whose workers
// are the binary's own hidden worker command: a memory bomb fails its call
// with the limit named, the server goes on, and stopping it leaves no
// worker behind.
func TestBinaryServeIsolates(t *testing.T) {
	if testing.Short() || runtime.GOOS != "linux" {
		t.Skip("builds the binary; Linux workers")
	}
	bin := filepath.Join(t.TempDir(), "synapse-js")
	build := exec.Command("go", "build", "-o", bin, "./cmd/synapse-js")
	build.Dir = repoRoot(t)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "serve", "--addr", "127.0.0.1:0", "--data-dir", filepath.Join(t.TempDir(), "data"),
		"--worker-memory", "256MiB", "--log-level", "warn")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatal(err, stderr.String())
	}
	m := regexp.MustCompile(`serving on (http://\S+)`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no URL in %q", line)
	}
	base := m[1]
	do := func(method, path, body string) string {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, method, base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/javascript")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(do("GET", "/readyz", ""), "ready"); {
		if time.Now().After(deadline) {
			t.Fatal("never ready")
		}
		time.Sleep(10 * time.Millisecond)
	}
	src := strings.Replace(serveEcho, "read(req) {", "read(req) { if (req.entity.apiName === 'boom') { let s = 'ab'; for (;;) s += s; }", 1)
	if got := do("PUT", "/v1/synapses/echo", src); !strings.Contains(got, `"version":1`) {
		t.Fatalf("upload: %s", got)
	}
	env := `{"type":"READ","connection":{"name":"c","authConfig":{}},"body":{"entity":{"apiName":"ENTITY"},"entityWithMappedFields":{},"watermark":{"start":0,"end":1}}}`
	if got := do("POST", "/echo", strings.Replace(env, "ENTITY", "boom", 1)); !strings.Contains(got, "ran out of memory") || !strings.Contains(got, "256 MiB") {
		t.Errorf("bomb: %s", got)
	}
	if got := do("POST", "/echo", strings.Replace(env, "ENTITY", "x", 1)); !strings.Contains(got, `"tag":"TAG"`) {
		t.Errorf("after the bomb: %s", got)
	}
	if n := len(processesOf(bin)); n < 2 {
		t.Errorf("%d processes run the binary; want serve and its worker", n)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve: %v\n%s", err, stderr.String())
	}
	// The binary's path is this test's own temp dir: any process still
	// running it is a worker left behind.
	if left := processesOf(bin); len(left) > 0 {
		t.Errorf("workers left after serve exited: %v", left)
	}
}

// processesOf lists the pids of processes running the executable bin.
func processesOf(bin string) []string {
	ents, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		if argv0, _, _ := strings.Cut(string(b), "\x00"); argv0 == bin {
			out = append(out, e.Name())
		}
	}
	return out
}
