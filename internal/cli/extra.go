package cli

import "github.com/spf13/cobra"

// extraCommandSet lists commands beyond version, validate and run; each is
// defined in its own file.
func extraCommandSet(a *App) []func() *cobra.Command {
	return []func() *cobra.Command{
		a.demoCmd, a.syncCmd, a.checkCmd, a.initCmd, a.sandboxCmd, // authoring (demo.go, sync.go, check.go, init.go, sandbox.go)
		a.serveCmd, a.uploadCmd, a.synapsesCmd, // the host server (serve.go, upload.go, synapses.go)
	}
}
