package cli

import "github.com/spf13/cobra"

// initCmd is being built; this placeholder keeps the tree compiling.
func (a *App) initCmd() *cobra.Command {
	return &cobra.Command{Use: "init", Hidden: true, RunE: func(*cobra.Command, []string) error { return usageError("init: not built yet") }}
}
