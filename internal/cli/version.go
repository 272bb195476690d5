package cli

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// version says which synapse-js this is, from what the Go toolchain put in
// the binary: the module version (a tag for `go install ...@v1.2.3`,
// "(devel)" for a build from a checkout) and the VCS revision, its time
// and whether the work tree had changes.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown: built without module support)"
	}
	return versionOf(bi)
}

// versionOf formats what bi says of the build.
func versionOf(bi *debug.BuildInfo) string {
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, when, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = ", modified"
			}
		}
	}
	var b strings.Builder
	b.WriteString(v)
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		fmt.Fprintf(&b, " (%s", rev)
		if when != "" {
			b.WriteString(" " + when)
		}
		b.WriteString(dirty + ")")
	} else {
		b.WriteString(" (no VCS revision: built outside a checkout or with -buildvcs=false)")
	}
	fmt.Fprintf(&b, " %s", bi.GoVersion)
	return b.String()
}

func (a *App) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the synapse-js version",
		Long: `version prints the module version (a release tag, or "(devel)" for a build
from a checkout), the VCS revision and time it was built from, and the Go
version. synapse-js --version prints the same.`,
		Example: "  synapse-js version",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(a.Stdout, "synapse-js %s\n", version())
			return nil
		},
	}
}
