package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/synapsejs/synapse-js/host"
)

// validation is one file's outcome, as --output json prints it.
type validation struct {
	// File is the file validated.
	File string `json:"file"`
	// Valid is set when the file loads.
	Valid bool `json:"valid"`
	// Name is the connector's synapse_info name, when valid.
	Name string `json:"name,omitempty"`
	// Methods are the contract methods it exports, when valid.
	Methods []string `json:"methods,omitempty"`
	// Problems are why it does not validate.
	Problems []host.Problem `json:"problems,omitempty"`
}

func (a *App) validateCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check connector files against the synapse contract",
		Long: `validate compiles each file, checks its exports and runs its synapse_info,
then prints the connector's name and methods, or every problem found as
file:line:col: message. It exits 1 if any file is invalid.`,
		Example: `  synapse-js validate scripts/pipedrive.js
  synapse-js validate connectors/*.js
  synapse-js validate --output json connectors/*.ts`,
		Args: minArgs,
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return []string{"js", "ts", "mjs", "cjs", "mts"}, cobra.ShellCompDirectiveFilterFileExt
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if output != "text" && output != "json" {
				return usageError("--output %q: want text or json", output)
			}
			e := a.newEngine(engineFlags{})
			var results []validation
			bad := 0
			for _, path := range args {
				v := validation{File: path}
				c, err := a.loadFile(cmd.Context(), e, path)
				if err != nil {
					bad++
					var le *host.LoadError
					if errors.As(err, &le) {
						for _, p := range le.Problems {
							p.File = path
							v.Problems = append(v.Problems, p)
						}
					} else {
						v.Problems = []host.Problem{{File: path, Message: err.Error()}}
					}
				} else {
					v.Valid, v.Name, v.Methods = true, c.Name(), c.Methods()
					c.Close()
				}
				results = append(results, v)
				if output == "text" {
					if v.Valid {
						fmt.Fprintf(a.Stdout, "%s: ok: %s (%s)\n", path, v.Name, strings.Join(v.Methods, ", "))
					}
					for _, p := range v.Problems {
						fmt.Fprintln(a.Stdout, p.String())
					}
				}
			}
			if output == "json" {
				a.printJSON(results)
			}
			if bad > 0 {
				return &ExitError{Code: 1, Err: fmt.Errorf("%d of %d files invalid", bad, len(args))}
			}
			return nil
		},
	}
	outputFlag(cmd, cmd.Flags(), &output)
	return cmd
}
