package cli

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/synapsejs/synapse-js/host"
	"github.com/synapsejs/synapse-js/internal/testrun"
)

type devFlags struct {
	runFlags
	test     bool
	interval time.Duration
}

func (a *App) devCmd() *cobra.Command {
	var f devFlags
	cmd := &cobra.Command{
		Use:   "dev FILE [TYPE]",
		Short: "Watch a connector: re-validate and re-run it on every save",
		Long: `dev watches FILE (and its test file, FILE's name with .test.js or .test.ts)
and on every save validates it again and prints the problems, or, when it
loads, makes the call TYPE (with the flags run takes) or, with --test, runs
its tests. After the first run it shows what changed in the output since the
run before, line by line (- before, + now). Ctrl-C stops it.`,
		Example: `  synapse-js dev acme/acme.js
  synapse-js dev acme/acme.js read --connection acme/testdata/connection.json --entity item --limit 5
  synapse-js dev acme/acme.js --test
  synapse-js dev scripts/pipedrive.js read --replay scripts/cassettes/pipedrive/read-pages-persons-with-the-cursor-until-the-window-is-done.json --entity person`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			typ := ""
			if len(args) == 2 {
				typ = args[1]
			}
			return a.dev(cmd, args[0], typ, f)
		},
	}
	f.conn.register(cmd)
	f.req.register(cmd)
	f.cas.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&f.request, "request", "", "request body JSON file")
	fl.StringVar(&f.envelope, "envelope", "", "a whole wire envelope JSON file")
	fl.DurationVar(&f.timeout, "timeout", host.DefaultTimeout, "the call's deadline")
	fl.BoolVar(&f.wire, "wire", false, "print the exact wire body instead of indented JSON")
	fl.BoolVar(&f.test, "test", false, "run the connector's tests (FILE's .test.js or .test.ts) instead of a call")
	fl.DurationVar(&f.interval, "interval", 300*time.Millisecond, "how often to look for changes")
	return cmd
}

// testFileFor is the test file of a connector: acme.js -> acme.test.js
// (or .test.ts), if it exists.
func testFileFor(file string) string {
	stem := strings.TrimSuffix(file, filepath.Ext(file))
	for _, ext := range []string{".test.js", ".test.ts"} {
		if _, err := os.Stat(stem + ext); err == nil {
			return stem + ext
		}
	}
	return ""
}

// fingerprint is what dev compares to notice a save: the files' contents.
func fingerprint(files ...string) string {
	h := sha256.New()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintf(h, "%s: %v\n", f, err)
			continue
		}
		fmt.Fprintf(h, "%s %d\n", f, len(b))
		h.Write(b)
	}
	return string(h.Sum(nil))
}

func (a *App) dev(cmd *cobra.Command, file, typ string, f devFlags) error {
	if typ != "" && f.test {
		return usageError("give a TYPE to call or --test, not both")
	}
	if typ != "" {
		if _, ok := host.ResolveMethod(typ); !ok {
			return usageError("%q is not a synapse method or request type (want one of %s)", typ, strings.Join(host.MethodNames(), ", "))
		}
	}
	if f.interval <= 0 {
		return usageError("--interval %s: want a positive duration", f.interval)
	}
	if _, err := os.Stat(file); err != nil {
		return usageError("%v", err)
	}
	ctx := cmd.Context()
	out := a.Stdout
	var prev string
	first := true
	last := ""
	tick := time.NewTicker(f.interval)
	defer tick.Stop()
	for {
		watched := []string{file}
		if tf := testFileFor(file); tf != "" {
			watched = append(watched, tf)
		}
		if fp := fingerprint(watched...); fp != last {
			last = fp
			cur := a.devOnce(cmd, file, typ, f)
			stamp := time.Now().Format("15:04:05")
			if first {
				fmt.Fprintf(out, "[%s] %s\n%s", stamp, strings.Join(watched, ", "), cur)
			} else {
				fmt.Fprintf(out, "[%s] %s changed\n%s", stamp, file, cur)
				if d := lineDiff(prev, cur); d != "" {
					fmt.Fprintf(out, "changed since the last run:\n%s", d)
				} else {
					fmt.Fprintln(out, "no change in the output since the last run")
				}
			}
			fmt.Fprintf(out, "watching %s (Ctrl-C stops)\n", strings.Join(watched, ", "))
			prev, first = cur, false
		}
		select {
		case <-ctx.Done():
			fmt.Fprintln(out, "dev: stopped")
			return nil
		case <-tick.C:
		}
	}
}

// devOnce validates, then calls or tests, and returns what it printed.
func (a *App) devOnce(cmd *cobra.Command, file, typ string, f devFlags) string {
	var buf bytes.Buffer
	e := a.newEngine(engineFlags{})
	c, err := a.loadFile(cmd.Context(), e, file)
	if err != nil {
		var le *host.LoadError
		if errors.As(err, &le) {
			for _, p := range le.Problems {
				p.File = file
				fmt.Fprintln(&buf, p.String())
			}
		} else {
			fmt.Fprintf(&buf, "%s: %v\n", file, err)
		}
		return buf.String()
	}
	fmt.Fprintf(&buf, "%s: ok: %s (%s)\n", file, c.Name(), strings.Join(c.Methods(), ", "))
	c.Close()
	switch {
	case f.test:
		tf := testFileFor(file)
		if tf == "" {
			fmt.Fprintf(&buf, "no test file (%s.test.js or .test.ts)\n", strings.TrimSuffix(file, filepath.Ext(file)))
			break
		}
		testrun.Run(cmd.Context(), []string{tf}, testrun.Options{Out: &buf, Logger: a.log})
	case typ != "":
		saved := a.Stdout
		a.Stdout = &buf
		err := a.run(cmd, file, typ, f.runFlags)
		a.Stdout = saved
		var ee *ExitError
		if err != nil && (!errors.As(err, &ee) || ee.Err != nil) {
			fmt.Fprintf(&buf, "%v\n", err)
		}
	}
	return buf.String()
}

// lineDiff shows the lines of b that are new (+) and the lines of a that
// are gone (-), in order; "" when they are the same.
func lineDiff(a, b string) string {
	if a == b {
		return ""
	}
	x := strings.Split(strings.TrimRight(a, "\n"), "\n")
	y := strings.Split(strings.TrimRight(b, "\n"), "\n")
	n, m := len(x), len(y)
	if n*m > 4_000_000 {
		return "  (the output is too long to compare line by line)\n"
	}
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var w strings.Builder
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && x[i] == y[j]:
			i++
			j++
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			fmt.Fprintf(&w, "- %s\n", x[i])
			i++
		default:
			fmt.Fprintf(&w, "+ %s\n", y[j])
			j++
		}
	}
	return w.String()
}
