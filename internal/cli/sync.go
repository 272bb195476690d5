package cli

import "github.com/spf13/cobra"

// syncCmd is being built; this placeholder keeps the tree compiling.
func (a *App) syncCmd() *cobra.Command {
	return &cobra.Command{Use: "sync", Hidden: true, RunE: func(*cobra.Command, []string) error { return usageError("sync: not built yet") }}
}
