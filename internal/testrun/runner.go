// Package testrun runs connector test files (*.test.js, *.test.ts) inside
// the host: the same bindings, limits and module rules as connectors, plus
// synapse/test, with each test's HTTP, clock and randomness recorded to or
// replayed from a cassette.
package testrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/dop251/goja"
	"github.com/rs/zerolog"

	"github.com/synapsejs/synapse-js/internal/cassette"
)

// Mode says where a test's HTTP goes.
type Mode int

// The modes.
const (
	// Auto replays a test's cassette when it has one, else goes live.
	Auto Mode = iota
	// Record goes live and saves each passing test's cassette.
	Record
	// Replay answers only from cassettes; a test without one fails.
	Replay
	// Live ignores cassettes.
	Live
)

// DefaultTimeout bounds one test (hooks included).
const DefaultTimeout = 10 * time.Second

// Options configure a run.
type Options struct {
	// Out receives failures and the summary line.
	Out io.Writer
	// Logger receives scripts' log lines.
	Logger zerolog.Logger
	// Run, if set, selects the tests whose full name matches.
	Run *regexp.Regexp
	// Timeout bounds each test (default DefaultTimeout).
	Timeout time.Duration
	// Mode is the cassette mode.
	Mode Mode
	// Connection, if set, turns the connection helpers use by default
	// (the test file directory's testdata/connection.json, or an empty
	// one) into the one to use (command-line overrides).
	Connection func(base json.RawMessage) (json.RawMessage, error)
	// Verbose prints a line for every test, not only failures.
	Verbose bool
}

// Summary counts a run's tests.
type Summary struct {
	// Passed, Failed and Skipped count the tests by outcome.
	Passed, Failed, Skipped int
	// Files is how many test files ran.
	Files int
}

// String is the summary line: "N passed, N failed" and ", N skipped" when
// some were skipped.
func (s Summary) String() string {
	out := fmt.Sprintf("%d passed, %d failed", s.Passed, s.Failed)
	if s.Skipped > 0 {
		out += fmt.Sprintf(", %d skipped", s.Skipped)
	}
	return out
}

// Discover expands FILES and DIRS into test files: a directory gives every
// *.test.js and *.test.ts below it (skipping node_modules and dot
// directories); no argument means the current directory.
func Discover(args []string) ([]string, error) {
	if len(args) == 0 {
		args = []string{"."}
	}
	var out []string
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, fmt.Errorf("test: %w", err)
		}
		if !st.IsDir() {
			out = append(out, a)
			continue
		}
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if p != a && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) {
					return filepath.SkipDir
				}
				return nil
			}
			if IsTestFile(d.Name()) {
				out = append(out, p)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("test: %w", err)
		}
	}
	sort.Strings(out)
	return out, nil
}

// IsTestFile reports whether a file name is a test file's.
func IsTestFile(name string) bool {
	return strings.HasSuffix(name, ".test.js") || strings.HasSuffix(name, ".test.ts")
}

// Run runs the test files and prints failures and the summary line. An
// error is a file that could not run at all (it is also counted as one
// failed test, so the exit status says so).
func Run(ctx context.Context, files []string, opts Options) Summary {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	var sum Summary
	for _, f := range files {
		fr, err := newFileRun(ctx, f, &opts)
		if err == nil {
			err = fr.load(ctx)
			if err == nil {
				fr.runAll(ctx, &sum)
			}
			fr.close()
		}
		if err != nil {
			sum.Failed++
			fmt.Fprintf(opts.Out, "FAIL %s\n%s\n", f, indent(err.Error()))
		}
		sum.Files++
	}
	fmt.Fprintln(opts.Out, sum.String())
	return sum
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = "    " + l
		}
	}
	return strings.Join(lines, "\n")
}

// testCase is one registered test, read from the JS registry.
type testCase struct {
	obj      *goja.Object
	name     string
	skip     bool
	only     bool
	timeout  time.Duration
	cassette string
	where    string
}

func (fr *fileRun) cases() ([]testCase, error) {
	if fr.lib == nil {
		return nil, nil
	}
	arr := fr.lib.Get("tests").ToObject(fr.rt)
	n := int(arr.Get("length").ToInteger())
	out := make([]testCase, 0, n)
	seen := map[string]bool{}
	for i := range n {
		o := arr.Get(fmt.Sprint(i)).ToObject(fr.rt)
		tc := testCase{
			obj:      o,
			name:     o.Get("name").String(),
			skip:     o.Get("skip").ToBoolean(),
			only:     o.Get("only").ToBoolean(),
			timeout:  time.Duration(o.Get("timeout").ToFloat() * float64(time.Millisecond)),
			cassette: o.Get("cassette").String(),
			where:    o.Get("where").String(),
		}
		if seen[tc.name] {
			return nil, fmt.Errorf("%s: two tests are named %q; names must be unique (each has its own cassette)", tc.where, tc.name)
		}
		seen[tc.name] = true
		out = append(out, tc)
	}
	return out, nil
}

func (fr *fileRun) runAll(ctx context.Context, sum *Summary) {
	cases, err := fr.cases()
	if err != nil {
		sum.Failed++
		fmt.Fprintf(fr.opts.Out, "FAIL %s\n", err)
		return
	}
	anyOnly := false
	for _, tc := range cases {
		anyOnly = anyOnly || tc.only
	}
	for i := 0; i < len(cases); i++ {
		tc := cases[i]
		if fr.opts.Run != nil && !fr.opts.Run.MatchString(tc.name) {
			continue
		}
		if tc.skip || (anyOnly && !tc.only) {
			sum.Skipped++
			if fr.opts.Verbose {
				fmt.Fprintf(fr.opts.Out, "skip %s: %s\n", tc.where, tc.name)
			}
			continue
		}
		start := time.Now()
		where, msg := fr.runOne(ctx, tc)
		if msg == "" {
			sum.Passed++
			if fr.opts.Verbose {
				fmt.Fprintf(fr.opts.Out, "ok   %s (%s)\n", tc.name, time.Since(start).Round(time.Millisecond))
			}
			continue
		}
		sum.Failed++
		fmt.Fprintf(fr.opts.Out, "FAIL %s: %s\n%s\n", where, tc.name, indent(msg))
		if fr.interrupted {
			// A runtime stopped mid-run is not to be trusted with the
			// next test: load the file afresh and go on from there.
			if err := fr.reload(ctx); err != nil {
				sum.Failed++
				fmt.Fprintf(fr.opts.Out, "FAIL %s: reloading after a timeout:\n%s\n", fr.path, indent(err.Error()))
				return
			}
			if cases, err = fr.cases(); err != nil || len(cases) <= i {
				sum.Failed++
				fmt.Fprintf(fr.opts.Out, "FAIL %s: the tests changed on reload\n", fr.path)
				return
			}
		}
	}
}

// cassettePath is where a test's cassette lives: its own option (relative
// to the test file), or cassettes/<file stem>/<test name slug>.json.
func (fr *fileRun) cassettePath(tc testCase) string {
	if tc.cassette != "" && tc.cassette != "undefined" {
		return filepath.Join(filepath.Dir(fr.abs), filepath.FromSlash(tc.cassette))
	}
	base := filepath.Base(fr.abs)
	stem := strings.TrimSuffix(strings.TrimSuffix(base, ".js"), ".ts")
	stem = strings.TrimSuffix(stem, ".test")
	return filepath.Join(filepath.Dir(fr.abs), "cassettes", stem, cassette.Slug(tc.name)+".json")
}

// runOne runs a test and returns where it failed and why ("" if it passed).
func (fr *fileRun) runOne(parent context.Context, tc testCase) (where, msg string) {
	where = tc.where
	path := fr.cassettePath(tc)
	rel := fr.display(path)
	mode := cassette.Live
	var cas *cassette.Cassette
	switch fr.opts.Mode {
	case Record:
		mode = cassette.Record
	case Replay, Auto:
		c, err := cassette.Load(path)
		switch {
		case err == nil:
			cas, mode = c, cassette.Replay
		case fr.opts.Mode == Replay || !errors.Is(err, fs.ErrNotExist):
			return where, err.Error()
		}
	}
	fr.session.Start(mode, cas)
	defer fr.session.Start(cassette.Live, nil)
	// The connection's secrets never reach the output, even when a test
	// prints a value that holds one (this runs before the reset above).
	defer func() { msg = fr.session.Redact(msg) }()
	fr.session.Connection(fr.defaultConn)

	timeout := fr.opts.Timeout
	if tc.timeout > 0 {
		timeout = tc.timeout
	}
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	fr.begin(ctx)
	defer fr.end()
	err := fr.guard(ctx, func() error {
		v, err := fr.runFn(goja.Undefined(), tc.obj)
		if err != nil {
			return err
		}
		_, err = fr.settle(ctx, v)
		return err
	})
	if err != nil {
		if ctx.Err() != nil && parent.Err() == nil {
			fr.interrupted = true
			return where, fmt.Sprintf("timed out after %s (set a longer one with test(name, fn, {timeout: ms}) or --timeout)", timeout)
		}
		w, m := fr.failure(err)
		if w != "" {
			where = w
		}
		if misses := fr.session.Misses(); len(misses) > 0 && !strings.Contains(m, "cassette:") {
			m += "\n" + misses[0]
		}
		return where, m
	}
	if misses := fr.session.Misses(); len(misses) > 0 {
		return where, "the connector caught a request the cassette has no answer for:\n" + misses[0]
	}
	if mode == cassette.Record {
		if err := fr.session.Finish().Save(path); err != nil {
			return where, err.Error()
		}
		if fr.opts.Verbose {
			fmt.Fprintf(fr.opts.Out, "rec  %s -> %s\n", tc.name, rel)
		}
	}
	return where, ""
}

// failure describes a test's exception: the failing expect's file:line and
// its message, or the thrown value and the test file's frame it came from.
func (fr *fileRun) failure(err error) (where, msg string) {
	var val goja.Value
	exStack := ""
	var ex *goja.Exception
	var rej *rejected
	switch {
	case errors.As(err, &ex):
		val, exStack = ex.Value(), ex.String()
	case errors.As(err, &rej):
		val = rej.val
	default:
		return "", err.Error()
	}
	if o, ok := val.(*goja.Object); ok {
		if loc := o.Get("location"); loc != nil && !goja.IsUndefined(loc) && o.Get("name").String() == "AssertionError" {
			return loc.String(), o.Get("message").String()
		}
		stack := ""
		if s := o.Get("stack"); s != nil && !goja.IsUndefined(s) {
			stack = s.String()
		}
		name, m := o.Get("name"), o.Get("message")
		desc := val.String()
		if name != nil && m != nil && !goja.IsUndefined(m) {
			desc = name.String() + ": " + m.String()
			if st := o.Get("status"); st != nil && !goja.IsUndefined(st) && !goja.IsNull(st) {
				desc += fmt.Sprintf(" (status %s)", st.String())
			}
		}
		return fr.locate(stack + "\n" + exStack), "threw " + desc
	}
	return fr.locate(exStack), "threw " + val.String()
}

var frameRe = regexp.MustCompile(`([^\s()]+):(\d+):(\d+)`)

// locate finds the first frame of a stack in the test file, as file:line.
func (fr *fileRun) locate(stack string) string {
	// A TypeScript file's frames name it as its source map does: match
	// on the base name (requires cannot leave the directory anyway).
	base := filepath.Base(fr.path)
	for _, m := range frameRe.FindAllStringSubmatch(stack, -1) {
		if m[1] == fr.path || filepath.Base(m[1]) == base {
			return fr.path + ":" + m[2]
		}
	}
	return ""
}

// display is a path as the user would write it: relative to the working
// directory when inside it.
func (fr *fileRun) display(p string) string {
	if wd, err := os.Getwd(); err == nil {
		if r, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(r, "..") {
			return r
		}
	}
	return p
}
