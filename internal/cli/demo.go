package cli

import "github.com/spf13/cobra"

// demoCmd is being built; this placeholder keeps the tree compiling.
func (a *App) demoCmd() *cobra.Command {
	return &cobra.Command{Use: "demo", Hidden: true, RunE: func(*cobra.Command, []string) error { return usageError("demo: not built yet") }}
}
