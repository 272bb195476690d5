package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/synapsejs/synapse-js/internal/testrun"
	"github.com/synapsejs/synapse-js/sandbox/echo"
)

// TestInitScaffoldsPassingTests: both scaffolds ship synapse.d.ts (the
// types/ file, byte for byte), a test file and cassettes, and pass
// `synapse-js test` at once with no sandbox running; the TypeScript one
// also passes check, and read honours watermark.limit.
func TestInitScaffoldsPassingTests(t *testing.T) {
	dts, err := os.ReadFile(filepath.Join(repoRoot(t), "types", "synapse.d.ts"))
	if err != nil {
		t.Fatal(err)
	}
	for _, ext := range []string{".js", ".ts"} {
		t.Run(ext, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "acme")
			args := []string{"init", "acme", "--dir", dir}
			if ext == ".ts" {
				args = append(args, "--ts")
			}
			if r := run(t, nil, args...); r.code != 0 {
				t.Fatalf("init: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			got, err := os.ReadFile(filepath.Join(dir, "synapse.d.ts"))
			if err != nil || !bytes.Equal(got, dts) {
				t.Fatalf("synapse.d.ts differs from types/synapse.d.ts (%v)", err)
			}
			// The README's commands name the files init wrote.
			readme, _ := os.ReadFile(filepath.Join(dir, "README.md"))
			for _, m := range regexp.MustCompile(`synapse-js [a-z]+ (\S+\.(?:js|ts))\b`).FindAllStringSubmatch(string(readme), -1) {
				if _, err := os.Stat(filepath.Join(dir, m[1])); err != nil {
					t.Errorf("README.md says %q, but init wrote no %s", m[0], m[1])
				}
			}
			if strings.Contains(string(readme), "__") {
				t.Errorf("README.md keeps a placeholder:\n%s", readme)
			}
			cas, _ := filepath.Glob(filepath.Join(dir, "cassettes", "acme", "*.json"))
			if len(cas) != 6 {
				t.Fatalf("%d cassettes, want one per test (6): %v", len(cas), cas)
			}
			for _, f := range cas {
				b, _ := os.ReadFile(f)
				if strings.Contains(string(b), echo.DefaultToken) {
					t.Errorf("%s holds the token", f)
				}
			}
			r := run(t, nil, "test", dir, "--replay")
			if r.code != 0 || strings.TrimSpace(r.stdout) != "6 passed, 0 failed" {
				t.Fatalf("test: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			base, stop, err := echo.New(echo.Options{Records: 50}).Start(context.Background(), "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer stop()
			file := filepath.Join(dir, "acme"+ext)
			conn := filepath.Join(dir, "testdata", "connection.json")
			if ext == ".ts" {
				if r := run(t, nil, "check", file, "--connection", conn, "--endpoint", base); r.code != 0 {
					t.Fatalf("check: exit %d\n%s%s", r.code, r.stdout, r.stderr)
				}
			}
			r = run(t, nil, "run", file, "read", "--connection", conn, "--endpoint", base, "--entity", "item", "--limit", "7")
			var page struct {
				Data []json.RawMessage `json:"data"`
			}
			if r.code != 0 || json.Unmarshal([]byte(r.stdout), &page) != nil || len(page.Data) != 7 {
				t.Fatalf("read --limit 7: exit %d, %d records\n%.400s%s", r.code, len(page.Data), r.stdout, r.stderr)
			}
		})
	}
}

// TestNoTemplateIsATestFile: 'synapse-js test' run at the repository root
// (its first example) finds only real test files, none of init's
// templates, whose require('./__NAME__.js') cannot load.
func TestNoTemplateIsATestFile(t *testing.T) {
	files, err := testrun.Discover([]string{repoRoot(t)})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no test file found under the repository (scripts/pipedrive.test.js is one)")
	}
	for _, f := range files {
		if strings.Contains(filepath.ToSlash(f), "/internal/cli/templates/") {
			t.Errorf("%s is a template, but 'synapse-js test' takes it for a test file", f)
		}
	}
}
