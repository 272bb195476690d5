package cli

import "github.com/spf13/cobra"

// sandboxCmd is being built; this placeholder keeps the tree compiling.
func (a *App) sandboxCmd() *cobra.Command {
	return &cobra.Command{Use: "sandbox", Hidden: true, RunE: func(*cobra.Command, []string) error { return usageError("sandbox: not built yet") }}
}
