package cli

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionFromBuildInfo(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/synapsejs/synapse-js", Version: "v1.4.0"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-11-30T10:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	if got, want := versionOf(bi), "v1.4.0 (0123456789ab 2026-11-30T10:00:00Z, modified) go1.26.8"; got != want {
		t.Errorf("versionOf = %q, want %q", got, want)
	}
	bi = &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}}
	if got := versionOf(bi); !strings.HasPrefix(got, "(devel) (no VCS revision") {
		t.Errorf("versionOf without VCS = %q", got)
	}
}

// version and --version say the same, and never the old placeholder.
func TestVersionCommandAndFlag(t *testing.T) {
	a, b := run(t, nil, "version"), run(t, nil, "--version")
	if a.code != 0 || b.code != 0 || a.stdout != b.stdout || !strings.HasPrefix(a.stdout, "synapse-js ") || strings.Contains(a.stdout, "synapse-js dev\n") {
		t.Errorf("version: %d %q; --version: %d %q", a.code, a.stdout, b.code, b.stdout)
	}
}
