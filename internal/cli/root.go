// Package cli is the synapse-js command line: each command is built by a
// function here so tests can run it in-process with captured output.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// ExitError carries a process exit code: 1 when a call answered an error or
// a check failed, 2 for a usage error.
type ExitError struct {
	// Code is the exit status.
	Code int
	// Err is printed before exiting, unless nil.
	Err error
}

// Error implements error.
func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

// Unwrap returns the underlying error, for errors.Is and errors.As.
func (e *ExitError) Unwrap() error { return e.Err }

func usageError(format string, args ...any) error {
	return &ExitError{Code: 2, Err: fmt.Errorf(format, args...)}
}

// App holds what every command shares: the streams and global flags.
type App struct {
	// Stdin is read by --data @- and similar flags.
	Stdin io.Reader
	// Stdout receives commands' results.
	Stdout io.Writer
	// Stderr receives logs and error messages.
	Stderr io.Writer
	// Getenv reads the environment (tests pass their own).
	Getenv func(string) string

	logLevel string
	log      zerolog.Logger
}

// NewApp returns an App on the process's streams and environment.
func NewApp() *App {
	return &App{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
}

// Root builds the command tree.
func (a *App) Root() *cobra.Command {
	root := &cobra.Command{
		Use:   "synapse-js",
		Short: "Write, test and serve data connectors in JavaScript",
		Long: `synapse-js runs synapse connectors written in JavaScript or TypeScript.

A connector is one file exporting the synapse methods (synapse_info, test,
describe, read, get_by_id, create, update, delete, ...). synapse-js validates
it, runs each call in a sandboxed runtime with a deadline, and speaks the
sync platform's wire format.`,
		Example: `  synapse-js demo                                   # the whole lifecycle against a local Pipedrive sandbox
  synapse-js validate scripts/pipedrive.js
  synapse-js run scripts/pipedrive.js synapse_info`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.applyEnv(cmd); err != nil {
				return err
			}
			return a.setupLogging()
		},
	}
	// Bad flags are usage errors (exit 2), as are bad arguments (see Main).
	root.Version = version()
	root.SetVersionTemplate("synapse-js {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &ExitError{Code: 2, Err: err} })
	root.SetIn(a.Stdin)
	root.SetOut(a.Stdout)
	root.SetErr(a.Stderr)
	root.PersistentFlags().StringVar(&a.logLevel, "log-level", "info", "log level: debug, info, warn or error (also for scripts' log.debug lines)")
	_ = root.RegisterFlagCompletionFunc("log-level", cobra.FixedCompletions([]string{"debug", "info", "warn", "error"}, cobra.ShellCompDirectiveNoFileComp))
	// Every command, each defined in its own file (NAME.go).
	root.AddCommand(
		a.demoCmd(), a.versionCmd(), // getting started
		a.initCmd(), a.validateCmd(), a.runCmd(), a.syncCmd(), a.checkCmd(), a.sandboxCmd(), a.testCmd(), a.devCmd(), // writing a connector
		a.serveCmd(), a.uploadCmd(), a.synapsesCmd(), a.storeCmd(), a.workerCmd(), // serving connectors (worker: hidden, started by serve)
	)
	return root
}

func (a *App) setupLogging() error {
	lvl, err := zerolog.ParseLevel(strings.ToLower(a.logLevel))
	if err != nil || a.logLevel == "" {
		return usageError("--log-level %q: want debug, info, warn or error", a.logLevel)
	}
	var w io.Writer = a.Stderr
	if f, ok := a.Stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		w = zerolog.ConsoleWriter{Out: a.Stderr, TimeFormat: "15:04:05"}
	}
	a.log = zerolog.New(w).Level(lvl).With().Timestamp().Logger()
	return nil
}

// Main runs the CLI and returns the process exit code.
func Main(ctx context.Context, a *App, args []string) int {
	root := a.Root()
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		if ee.Err != nil {
			fmt.Fprintln(a.Stderr, "synapse-js:", ee.Err)
		}
		return ee.Code
	}
	fmt.Fprintln(a.Stderr, "synapse-js:", err)
	// cobra reports argument-count and required-flag problems as plain
	// errors; they are usage errors too.
	msg := err.Error()
	for _, usage := range []string{"unknown command", "unknown flag", "accepts ", "requires at least", "requires at most", "flag needs an argument", "required flag", "invalid argument"} {
		if strings.Contains(msg, usage) {
			return 2
		}
	}
	return 1
}
