package fsutil

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	for _, content := range []string{"first", "second, longer than the first"} {
		if err := WriteFileAtomic(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != content {
			t.Fatalf("read back %q, %v; want %q", got, err, content)
		}
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, %v; want 0600", fi.Mode(), err)
	}
	// No temp file is left beside it.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), TempMarker) {
			t.Errorf("temp file left behind: %s", e.Name())
		}
	}
	// A directory that does not exist is an error naming the path, and
	// nothing is written.
	bad := filepath.Join(dir, "missing", "x.json")
	if err := WriteFileAtomic(bad, []byte("x"), 0o600); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("write into a missing directory: %v", err)
	}
}
