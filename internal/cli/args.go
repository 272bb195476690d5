package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// exactArgs takes exactly the arguments its Use line names (run FILE TYPE)
// and says which is missing, or which one is extra.
func exactArgs(cmd *cobra.Command, args []string) error {
	fields := strings.Fields(cmd.Use)
	var want []string
	for _, f := range fields[1:] {
		if strings.HasPrefix(f, "-") || strings.HasPrefix(f, "[") {
			break
		}
		want = append(want, f)
	}
	line := strings.Join(append([]string{fields[0]}, want...), " ")
	switch {
	case len(args) < len(want):
		return usageError("%s: missing %s", line, strings.Join(want[len(args):], " "))
	case len(args) > len(want):
		return usageError("%s: unexpected argument %q", line, args[len(want)])
	}
	return nil
}

// minArgs takes its Use line's arguments (validate FILE...), at least one.
func minArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		fields := strings.Fields(cmd.Use)
		return usageError("%s: missing %s", cmd.Use, strings.TrimSuffix(fields[len(fields)-1], "..."))
	}
	return nil
}

// groupArgs is the Args of a command that only groups subcommands: an
// argument is a subcommand it does not have, with the closest suggested.
func groupArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2
	}
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf("; did you mean %q?", s[0])
	} else {
		var names []string
		for _, c := range cmd.Commands() {
			if c.IsAvailableCommand() {
				names = append(names, c.Name())
			}
		}
		msg += " (its commands: " + strings.Join(names, ", ") + ")"
	}
	return usageError("%s", msg)
}
