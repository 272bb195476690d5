package cli

import "github.com/spf13/cobra"

// uploadCmd is being built; this placeholder keeps the tree compiling.
func (a *App) uploadCmd() *cobra.Command {
	return &cobra.Command{Use: "upload", Hidden: true, RunE: func(*cobra.Command, []string) error { return usageError("upload: not built yet") }}
}
