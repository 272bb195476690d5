package scripts_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/synapsejs/synapse-js/internal/testrun"
	"github.com/synapsejs/synapse-js/sandbox/pipedrive"
)

// unitTests is the connector's own test file, run by `synapse-js test`.
const unitTests = "pipedrive.test.js"

// TestPipedriveUnitTestsReplay runs pipedrive.test.js as `synapse-js test
// --replay` does: every test from its cassette, no network.
func TestPipedriveUnitTestsReplay(t *testing.T) {
	var out strings.Builder
	start := time.Now()
	sum := testrun.Run(context.Background(), []string{unitTests}, testrun.Options{Out: &out, Mode: testrun.Replay})
	t.Logf("replayed %d tests in %s", sum.Passed, time.Since(start).Round(time.Millisecond))
	if sum.Failed != 0 || sum.Passed < 20 {
		t.Fatalf("%s\n(if pipedrive.js or its tests changed, record the cassettes again: SYNAPSE_RECORD=1 go test ./scripts -run TestPipedriveUnitTestsRecord)", out.String())
	}
}

// TestPipedriveUnitTestsRecord runs the suite live against a fresh
// sandbox, recording into a copy (or, with SYNAPSE_RECORD=1, into
// scripts/cassettes itself): the tests hold against the sandbox, not only
// against the recording.
func TestPipedriveUnitTestsRecord(t *testing.T) {
	dir := t.TempDir()
	if os.Getenv("SYNAPSE_RECORD") == "1" {
		dir = "."
	} else {
		for _, f := range []string{connectorFile, unitTests, filepath.Join("testdata", "connection.json")} {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, stop, err := pipedrive.Serve(ctx, "127.0.0.1:0", pipedrive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	var out strings.Builder
	sum := testrun.Run(ctx, []string{filepath.Join(dir, unitTests)}, testrun.Options{
		Out:  &out,
		Mode: testrun.Record,
		Connection: func(conn json.RawMessage) (json.RawMessage, error) {
			var m map[string]any
			if err := json.Unmarshal(conn, &m); err != nil {
				return nil, err
			}
			m["authConfig"].(map[string]any)["endpoint"] = strings.TrimSuffix(base, "/") + "/"
			return json.Marshal(m)
		},
	})
	if sum.Failed != 0 || sum.Passed < 20 {
		t.Fatal(out.String())
	}
}

// BenchmarkPipedriveUnitTests times the whole suite replayed from its
// cassettes against the same suite live against an in-process sandbox
// (the baseline, measured in the same run).
//
//	go test -run '^$' -bench PipedriveUnitTests -benchtime 5x ./scripts/
func BenchmarkPipedriveUnitTests(b *testing.B) {
	b.Run("replay", func(b *testing.B) {
		for b.Loop() {
			if sum := testrun.Run(context.Background(), []string{unitTests}, testrun.Options{Mode: testrun.Replay}); sum.Failed != 0 {
				b.Fatal("a test failed")
			}
		}
	})
	b.Run("live", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			ctx, cancel := context.WithCancel(context.Background())
			base, stop, err := pipedrive.Serve(ctx, "127.0.0.1:0", pipedrive.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			sum := testrun.Run(ctx, []string{unitTests}, testrun.Options{Mode: testrun.Live, Connection: func(conn json.RawMessage) (json.RawMessage, error) {
				var m map[string]any
				_ = json.Unmarshal(conn, &m)
				m["authConfig"].(map[string]any)["endpoint"] = strings.TrimSuffix(base, "/") + "/"
				return json.Marshal(m)
			}})
			b.StopTimer()
			stop()
			cancel()
			if sum.Failed != 0 {
				b.Fatal("a test failed")
			}
			b.StartTimer()
		}
	})
}
