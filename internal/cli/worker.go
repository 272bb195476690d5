package cli

import (
	"github.com/spf13/cobra"

	"github.com/synapsejs/synapse-js/host/isolate"
)

// workerCmd is the hidden `synapse-js worker`: a worker process that serve
// starts for isolation, speaking the frame protocol on stdin and stdout.
func (a *App) workerCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "worker",
		Short:  "Run connector calls for serve (started by serve, not by hand)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if code := isolate.WorkerMain(a.Stdin, a.Stdout, a.Stderr); code != 0 {
				return &ExitError{Code: code}
			}
			return nil
		},
	}
}
