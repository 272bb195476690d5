package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestBinary builds synapse-js and runs it as a user would: the demo from a
// directory that has no scripts/ (so the embedded connector must be used),
// and a sandbox stopped with Ctrl-C (SIGINT).
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "synapse-js")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	build := exec.Command("go", "build", "-o", bin, "./cmd/synapse-js")
	build.Dir = repoRoot(t)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	t.Run("demo from anywhere", func(t *testing.T) {
		cmd := exec.CommandContext(ctx, bin, "demo", "--records", "200", "--log-level", "warn")
		cmd.Dir = t.TempDir()
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "All 25 steps passed") || !strings.Contains(string(out), "the copy built into synapse-js") {
			t.Fatalf("%v\n%s", err, out)
		}
	})

	t.Run("sandbox stops on SIGINT", func(t *testing.T) {
		if runtime.GOOS == "windows" {
			t.Skip("no SIGINT")
		}
		cmd := exec.CommandContext(ctx, bin, "sandbox", "echo", "--addr", "127.0.0.1:0", "--output", "json")
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil {
			t.Fatal(err, stderr.String())
		}
		var info struct {
			BaseURL string `json:"baseUrl"`
			Token   string `json:"token"`
		}
		if err := json.Unmarshal([]byte(line), &info); err != nil {
			t.Fatal(err, line)
		}
		req, _ := http.NewRequestWithContext(ctx, "GET", info.BaseURL+"items?limit=2", nil)
		req.Header.Set("Authorization", "Bearer "+info.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var page struct {
			Data []json.RawMessage `json:"data"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if resp.StatusCode != 200 || len(page.Data) != 2 {
			t.Fatalf("GET /items: %d, %d items", resp.StatusCode, len(page.Data))
		}
		if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Wait(); err != nil || !strings.Contains(stderr.String(), "echo sandbox stopped") {
			t.Fatalf("%v: %s", err, stderr.String())
		}
	})

	t.Run("exit codes", func(t *testing.T) {
		cmd := exec.CommandContext(ctx, bin, "check", filepath.Join(repoRoot(t), "testdata", "broken", "no_id_field.js"))
		out, _ := cmd.CombinedOutput()
		if cmd.ProcessState.ExitCode() != 1 || !strings.Contains(string(out), "FAIL  describe thing") {
			t.Fatalf("check: exit %d\n%s", cmd.ProcessState.ExitCode(), out)
		}
		cmd = exec.CommandContext(ctx, bin, "sync", "x.js")
		out, _ = cmd.CombinedOutput()
		if cmd.ProcessState.ExitCode() != 2 || !strings.Contains(string(out), "sync needs --entity") {
			t.Fatalf("sync without --entity: exit %d\n%s", cmd.ProcessState.ExitCode(), out)
		}
	})
}
