package platform

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStateKeys holds the state file to the keys docs/cli.md shows
// (camelCase, like every other key in it), and reads back a file that a
// build writing "HighWater" left behind.
func TestStateKeys(t *testing.T) {
	b, err := json.Marshal(State{Version: StateVersion, HighWater: &HighWater{LastModified: 5, IDs: []string{"a"}}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"highWater":{"lastModified":5,"ids":["a"]}`) {
		t.Errorf("state written as %s; want a highWater key", b)
	}
	for _, key := range []string{"highWater", "HighWater"} {
		path := filepath.Join(t.TempDir(), "s.state")
		doc := `{"version":1,"synapse":"s","entity":"e","window":{"start":0,"end":9},"next":null,"` + key + `":{"lastModified":7,"ids":["x"]},"output":{"path":"","bytes":0,"records":0}}`
		if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		var r Sync
		if err := r.LoadState(path, "s", "e", 0); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		if hw := r.st.HighWater; hw == nil || hw.LastModified != 7 {
			t.Errorf("%s: read back high water %+v", key, hw)
		}
	}
}

// TestInputErrorWraps: a sync's input error keeps its cause, so a caller
// can tell a missing directory from a state file that does not fit.
func TestInputErrorWraps(t *testing.T) {
	var r Sync
	if err := r.LoadState("", "s", "e", 0); err != nil {
		t.Fatal(err)
	}
	_, _, err := r.OpenOutput(filepath.Join(t.TempDir(), "no-such-dir", "out.ndjson"), nil, nil)
	var ie *InputError
	if !errors.As(err, &ie) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("OpenOutput into a missing directory: %v (%T); want an *InputError wrapping fs.ErrNotExist", err, err)
	}
}
