package cli

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/synapsejs/synapse-js/internal/fsutil"
	"github.com/synapsejs/synapse-js/internal/names"
)

// templates are the files init writes. Read-only data compiled into the
// binary, so init works from anywhere.
//
//go:embed templates
var templates embed.FS

type initFlags struct {
	dir   string
	force bool
}

func (a *App) initCmd() *cobra.Command {
	var f initFlags
	cmd := &cobra.Command{
		Use:   "init NAME",
		Short: "Scaffold a new connector",
		Long: `init writes a new connector into --dir (default ./NAME):

  NAME.js                    a commented connector for a small JSON REST API
  README.md                  how to run it, check it and make it yours
  testdata/connection.json   a connection to the echo sandbox

As written, the connector passes validate and check against the API that
'synapse-js sandbox echo' serves, so the whole lifecycle runs before you
change a line. NAME must be a valid synapse name: lower-case letters,
digits, '_' or '-'. Existing files are not overwritten without --force.`,
		Example: `  synapse-js init acme
  synapse-js init acme --dir connectors/acme
  synapse-js sandbox echo &  synapse-js check acme/acme.js --connection acme/testdata/connection.json --write`,
		Args:              exactArgs,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.scaffold(args[0], f)
		},
	}
	cmd.Flags().StringVar(&f.dir, "dir", "", "directory to write the files into (default ./NAME)")
	cmd.Flags().BoolVar(&f.force, "force", false, "overwrite existing files")
	_ = cmd.MarkFlagDirname("dir")
	return cmd
}

func (a *App) scaffold(name string, f initFlags) error {
	if !names.Valid(name) {
		return usageError("%q is not a valid synapse name: want lower-case letters, digits, '_' or '-', starting with a letter or digit, at most 63", name)
	}
	dir := f.dir
	if dir == "" {
		dir = name
	}
	files := []struct{ tmpl, path string }{
		{"templates/connector.js", name + ".js"},
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
	repl := strings.NewReplacer("__NAME__", name, "__TITLE__", title(name))
	for _, file := range files {
		src, err := templates.ReadFile(file.tmpl)
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
	js := filepath.Join(dir, name+".js")
	conn := filepath.Join(dir, "testdata", "connection.json")
	fmt.Fprintf(a.Stdout, `
Next:
  synapse-js sandbox echo &
  synapse-js validate %s
  synapse-js check %s --connection %s --write
`, js, js, conn)
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
