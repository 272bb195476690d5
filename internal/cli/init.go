package cli

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/synapsejs/synapse-js/internal/fsutil"
	"github.com/synapsejs/synapse-js/internal/names"
	"github.com/synapsejs/synapse-js/internal/testrun"
	"github.com/synapsejs/synapse-js/sandbox/echo"
	"github.com/synapsejs/synapse-js/types"
)

// templates are the files init writes. Read-only data compiled into the
// binary, so init works from anywhere.
//
//go:embed templates
var templates embed.FS

type initFlags struct {
	dir   string
	force bool
	ts    bool
}

func (a *App) initCmd() *cobra.Command {
	var f initFlags
	cmd := &cobra.Command{
		Use:   "init NAME",
		Short: "Scaffold a new connector",
		Long: `init writes a new connector into --dir (default ./NAME):

  NAME.js (NAME.ts with --ts) a commented connector for a small JSON REST API
  NAME.test.js (.ts)         its unit tests, for 'synapse-js test'
  cassettes/NAME/*.json      the tests' HTTP, recorded from the echo sandbox
  synapse.d.ts               types for editor completion (JS and TS alike)
  README.md                  how to run it, check it and make it yours
  testdata/connection.json   a connection to the echo sandbox

As written, the connector passes 'synapse-js test' at once (offline, from
the cassettes, which init records from an echo sandbox it runs for the
purpose), and validate and check against the API that 'synapse-js sandbox
echo' serves, so the whole lifecycle runs before you change a line.

NAME must be a valid synapse name: lower-case letters, digits, '_' or '-'.
Existing files are not overwritten without --force.`,
		Example: `  synapse-js init acme
  synapse-js init acme --ts
  synapse-js init acme --dir connectors/acme
  synapse-js sandbox echo &
  synapse-js check acme/acme.js --connection acme/testdata/connection.json --write`,
		Args:              exactArgs,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.scaffold(cmd.Context(), args[0], f)
		},
	}
	cmd.Flags().StringVar(&f.dir, "dir", "", "directory to write the files into (default ./NAME)")
	cmd.Flags().BoolVar(&f.force, "force", false, "overwrite existing files")
	cmd.Flags().BoolVar(&f.ts, "ts", false, "scaffold a TypeScript connector (NAME.ts)")
	_ = cmd.MarkFlagDirname("dir")
	return cmd
}

func (a *App) scaffold(ctx context.Context, name string, f initFlags) error {
	if !names.Valid(name) {
		return usageError("%q is not a valid synapse name: want lower-case letters, digits, '_' or '-', starting with a letter or digit, at most 63", name)
	}
	dir := f.dir
	if dir == "" {
		dir = name
	}
	ext := ".js"
	if f.ts {
		ext = ".ts"
	}
	files := []struct{ tmpl, path string }{
		{"templates/connector" + ext, name + ext},
		// .tmpl: as *.test.js the template itself would be one of the test
		// files 'synapse-js test' finds under the repository (and fails).
		{"templates/connector.test" + ext + ".tmpl", name + ".test" + ext},
		{"synapse.d.ts", "synapse.d.ts"},
		{"templates/README.md", "README.md"},
		{"templates/connection.json", filepath.Join("testdata", "connection.json")},
	}
	if !f.force {
		for _, file := range files {
			p := filepath.Join(dir, file.path)
			if _, err := os.Stat(p); err == nil {
				return usageError("%s exists; pass --force to overwrite", p)
			} else if !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("init: %w", err)
			}
		}
	}
	repl := strings.NewReplacer("__NAME__", name, "__TITLE__", title(name), "__ID__", strings.ReplaceAll(name, "-", "_"), "__EXT__", ext)
	for _, file := range files {
		src, err := templates.ReadFile(file.tmpl)
		if file.tmpl == "synapse.d.ts" {
			src, err = types.DTS(), nil
		}
		if err != nil {
			return fmt.Errorf("init: %w", err)
		}
		p := filepath.Join(dir, file.path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("init: %w", err)
		}
		if err := fsutil.WriteFileAtomic(p, []byte(repl.Replace(string(src))), 0o644); err != nil {
			return fmt.Errorf("init: %w", err)
		}
		fmt.Fprintf(a.Stdout, "wrote %s\n", p)
	}
	if err := a.recordScaffold(ctx, filepath.Join(dir, name+".test"+ext)); err != nil {
		return &ExitError{Code: 1, Err: fmt.Errorf("init: recording the tests' cassettes: %w", err)}
	}
	js := filepath.Join(dir, name+ext)
	conn := filepath.Join(dir, "testdata", "connection.json")
	fmt.Fprintf(a.Stdout, `
Next:
  synapse-js test %s
  synapse-js sandbox echo &
  synapse-js validate %s
  synapse-js check %s --connection %s --write
`, dir, js, js, conn)
	return nil
}

// recordScaffold records the scaffold's cassettes: it runs its tests
// against an echo sandbox of its own, on a free loopback port, so a new
// connector's tests pass offline at once and its cassettes are real ones.
func (a *App) recordScaffold(ctx context.Context, testFile string) error {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	base, stop, err := echo.Serve(sctx, "127.0.0.1:0", echo.Options{})
	if err != nil {
		return err
	}
	defer stop()
	var out strings.Builder
	sum := testrun.Run(ctx, []string{testFile}, testrun.Options{
		Out:    &out,
		Logger: a.log,
		Mode:   testrun.Record,
		Connection: func(conn json.RawMessage) (json.RawMessage, error) {
			var m map[string]any
			if err := json.Unmarshal(conn, &m); err != nil {
				return nil, err
			}
			ac, _ := m["authConfig"].(map[string]any)
			if ac == nil {
				ac = map[string]any{}
			}
			ac["endpoint"] = base
			m["authConfig"] = ac
			return json.Marshal(m)
		},
	})
	if sum.Failed > 0 {
		return fmt.Errorf("the scaffold's tests failed against the echo sandbox:\n%s", out.String())
	}
	dir := filepath.Join(filepath.Dir(testFile), "cassettes")
	fmt.Fprintf(a.Stdout, "wrote %s (%d tests recorded from an echo sandbox)\n", filepath.Join(dir, strings.TrimSuffix(strings.TrimSuffix(filepath.Base(testFile), filepath.Ext(testFile)), ".test")), sum.Passed)
	return nil
}

// title turns a synapse name into a display name: "acme_crm" -> "Acme Crm".
func title(name string) string {
	parts := strings.FieldsFunc(name, func(r rune) bool { return r == '_' || r == '-' })
	for i, p := range parts {
		parts[i] = strings.ToUpper(p[:1]) + p[1:]
	}
	return strings.Join(parts, " ")
}
