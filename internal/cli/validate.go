package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/synapsejs/synapse-js/host"
)

func (a *App) validateCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check connector files against the synapse contract",
		Long: `validate compiles each file, checks its exports and runs its synapse_info,
then prints the connector's name and methods, or every problem found as
file:line:col: message. It exits 1 if any file is invalid.`,
		Example: `  synapse-js validate scripts/pipedrive.js
  synapse-js validate connectors/*.js`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e := a.newEngine(engineFlags{})
			bad := 0
			for _, path := range args {
				c, err := a.loadFile(cmd.Context(), e, path)
				if err != nil {
					bad++
					var le *host.LoadError
					if errors.As(err, &le) {
						for _, p := range le.Problems {
							p.File = path
							fmt.Fprintln(a.Stdout, p.String())
						}
						continue
					}
					fmt.Fprintf(a.Stdout, "%s: %v\n", path, err)
					continue
				}
				fmt.Fprintf(a.Stdout, "%s: ok: %s (%s)\n", path, c.Name(), strings.Join(c.Methods(), ", "))
				c.Close()
			}
			if bad > 0 {
				return &ExitError{Code: 1, Err: fmt.Errorf("%d of %d files invalid", bad, len(args))}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "reserved")
	_ = cmd.Flags().MarkHidden("json")
	return cmd
}
