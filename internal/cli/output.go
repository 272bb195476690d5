package cli

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// The --output values, the same on every command that has the flag: text
// for people, json for programs.
const (
	outputText = "text"
	outputJSON = "json"
)

// outputFlag registers --output (-o) on fs, for cmd's completion.
func outputFlag(cmd *cobra.Command, fs *pflag.FlagSet, p *string) {
	fs.StringVarP(p, "output", "o", outputText, "output format: text or json")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{outputText, outputJSON}, cobra.ShellCompDirectiveNoFileComp))
}

// checkOutput refuses an --output value other than text and json.
func checkOutput(v string) error {
	if v != outputText && v != outputJSON {
		return usageError("--output %q: want text or json", v)
	}
	return nil
}
