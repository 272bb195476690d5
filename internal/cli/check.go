package cli

import "github.com/spf13/cobra"

// checkCmd is being built; this placeholder keeps the tree compiling.
func (a *App) checkCmd() *cobra.Command {
	return &cobra.Command{Use: "check", Hidden: true, RunE: func(*cobra.Command, []string) error { return usageError("check: not built yet") }}
}
