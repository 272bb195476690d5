package cli

import "github.com/spf13/cobra"

// extraCommandSet lists commands beyond version, validate and run.
func extraCommandSet(a *App) []func() *cobra.Command {
	return nil
}
