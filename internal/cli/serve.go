package cli

import "github.com/spf13/cobra"

// serveCmd is being built; this placeholder keeps the tree compiling.
func (a *App) serveCmd() *cobra.Command {
	return &cobra.Command{Use: "serve", Hidden: true, RunE: func(*cobra.Command, []string) error { return usageError("serve: not built yet") }}
}
