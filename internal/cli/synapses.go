package cli

import "github.com/spf13/cobra"

// synapsesCmd is being built; this placeholder keeps the tree compiling.
func (a *App) synapsesCmd() *cobra.Command {
	return &cobra.Command{Use: "synapses", Hidden: true, RunE: func(*cobra.Command, []string) error { return usageError("synapses: not built yet") }}
}
