package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	good := filepath.Join("..", "..", "testdata", "connectors", "echo.js")
	typos := filepath.Join("..", "..", "testdata", "invalid", "typos.js")
	badInfo := filepath.Join("..", "..", "testdata", "invalid", "bad_info.js")

	r := run(t, nil, "validate", good)
	if r.code != 0 || !strings.Contains(r.stdout, "echo.js: ok: echo (create, delete, describe,") {
		t.Fatalf("valid file: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	r = run(t, nil, "validate", good, typos, badInfo)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1", r.code)
	}
	for _, want := range []string{
		typos + ":2:3: unknown export synapseInfo; did you mean synapse_info?",
		typos + ":11:3: unknown export get_byid; did you mean get_by_id?",
		badInfo + ":2:3: synapse_info returned metadata.displayName: is required but missing",
		`supportedAuthTypes[0].authType: "ApiToken" is not a valid AuthType`,
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, "2 of 3 files invalid") {
		t.Errorf("stderr: %s", r.stderr)
	}

	r = run(t, nil, "validate", "--output", "json", good, typos)
	var out []validation
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("json output: %v\n%s", err, r.stdout)
	}
	if len(out) != 2 || !out[0].Valid || out[0].Name != "echo" || out[1].Valid || len(out[1].Problems) != 2 || out[1].Problems[0].Line != 2 {
		t.Errorf("json output: %+v", out)
	}
	if r := run(t, nil, "validate", "--output", "yaml", good); r.code != 2 {
		t.Errorf("bad --output: exit %d", r.code)
	}
}

func TestRunPointsAtBadJSON(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "conn.json")
	if err := os.WriteFile(bad, []byte("{\n  \"name\": \"x\",\n  \"authConfig\": {,}\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	echo := filepath.Join("..", "..", "testdata", "connectors", "echo.js")
	r := run(t, nil, "run", echo, "test", "--connection", bad)
	if r.code != 2 || !strings.Contains(r.stderr, bad+":3:18: not valid JSON") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestRunRejectsANonPositiveTimeout(t *testing.T) {
	t.Parallel()
	echo := filepath.Join("..", "..", "testdata", "connectors", "echo.js")
	r := run(t, nil, "run", echo, "synapse_info", "--timeout", "0s")
	if r.code != 2 || !strings.Contains(r.stderr, "--timeout 0s: want a positive duration") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}
