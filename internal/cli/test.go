package cli

import (
	"encoding/json"
	"regexp"
	"time"

	"github.com/spf13/cobra"

	"github.com/synapsejs/synapse-js/internal/testrun"
)

type testFlags struct {
	conn    connFlags
	run     string
	timeout time.Duration
	record  bool
	replay  bool
	live    bool
	verbose bool
}

func (a *App) testCmd() *cobra.Command {
	var f testFlags
	cmd := &cobra.Command{
		Use:   "test [FILES|DIRS...]",
		Short: "Run a connector's unit tests, with recorded HTTP",
		Long: `test runs connector test files (*.test.js, *.test.ts; default: every one
under the current directory) inside the host, with the same bindings and
limits as connectors, plus require('synapse/test'): test, describe,
beforeEach, afterEach, test.skip, test.only and expect.

A test file may require the connector it tests (and other files inside its
directory); each of the connector's exports is then a function that calls it
through the engine, as the platform would: pd.read({entity: 'person', since:
'30d', limit: 50}). The connection is testdata/connection.json beside the
test file, changed by --connection, --endpoint, --token, ...

Each test's HTTP, clock and Math.random are recorded to (--record) or
replayed from cassettes/<file>/<test>.json beside the test file, with every
secret replaced by a placeholder. By default a test with a cassette replays
it and one without goes to the network; --replay makes a missing cassette a
failure, --live ignores cassettes.

It prints one line per failing test with the file:line of the failing
expect, then "N passed, N failed" (", N skipped"). Exit status 1 when a test
failed.`,
		Example: `  synapse-js test
  synapse-js test scripts/pipedrive.test.js --run 'read'
  synapse-js test acme/ --record --endpoint http://127.0.0.1:8090/
  synapse-js test --replay -v`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.test(cmd, args, f)
		},
	}
	f.conn.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&f.run, "run", "", "run only the tests whose full name (describe > test) matches this regular expression")
	fl.DurationVar(&f.timeout, "timeout", testrun.DefaultTimeout, "each test's deadline (a test may set its own)")
	fl.BoolVar(&f.record, "record", false, "call the network and save each passing test's cassette")
	fl.BoolVar(&f.replay, "replay", false, "answer only from cassettes; a test without one fails")
	fl.BoolVar(&f.live, "live", false, "ignore cassettes: every test calls the network")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "print every test, not only failures")
	return cmd
}

func (a *App) test(cmd *cobra.Command, args []string, f testFlags) error {
	n := 0
	mode := testrun.Auto
	for _, m := range []struct {
		on   bool
		mode testrun.Mode
	}{{f.record, testrun.Record}, {f.replay, testrun.Replay}, {f.live, testrun.Live}} {
		if m.on {
			n++
			mode = m.mode
		}
	}
	if n > 1 {
		return usageError("--record, --replay and --live exclude each other")
	}
	if f.timeout <= 0 {
		return usageError("--timeout %s: want a positive duration such as 10s", f.timeout)
	}
	opts := testrun.Options{Out: a.Stdout, Logger: a.log, Timeout: f.timeout, Mode: mode, Verbose: f.verbose}
	if f.run != "" {
		re, err := regexp.Compile(f.run)
		if err != nil {
			return usageError("--run %q: %v", f.run, err)
		}
		opts.Run = re
	}
	if f.conn.given() {
		opts.Connection = func(base json.RawMessage) (json.RawMessage, error) {
			c, err := a.buildConnection(&f.conn, false, base)
			if err != nil {
				return nil, err
			}
			return c.raw, nil
		}
	}
	files, err := testrun.Discover(args)
	if err != nil {
		return usageError("%v", err)
	}
	if len(files) == 0 {
		return usageError("no test files (*.test.js, *.test.ts) found")
	}
	sum := testrun.Run(cmd.Context(), files, opts)
	if sum.Failed > 0 {
		return &ExitError{Code: 1}
	}
	return nil
}
