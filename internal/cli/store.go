package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/synapsejs/synapse-js/host/store"
	"github.com/synapsejs/synapse-js/host/store/backend"
	"github.com/synapsejs/synapse-js/host/store/pgstore"
)

func (a *App) storeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "store",
		Short: "Manage the connector store",
		Args:  cobra.NoArgs,
	}
	var from, to string
	migrate := &cobra.Command{
		Use:   "migrate",
		Short: "Copy a directory store, every version, into PostgreSQL",
		Long: `migrate copies every version of every connector of a serve --data-dir
directory into a PostgreSQL database, keeping version numbers, upload times
and the current version, so the hosts of a shared store (serve --store)
serve what the single host served. The directory is only read. Running it
again skips the versions already copied; a version the database holds with
another source is an error naming it. See docs/scaling.md.`,
		Example: `  synapse-js store migrate --from ./synapse-data --to postgres://synapse@db:5432/synapse?sslmode=require`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.storeMigrate(cmd.Context(), from, to)
		},
	}
	migrate.Flags().StringVar(&from, "from", "", "the directory store to copy (serve's --data-dir)")
	migrate.Flags().StringVar(&to, "to", "", "the PostgreSQL database to copy into (postgres://...)")
	cmd.AddCommand(migrate)
	return cmd
}

func (a *App) storeMigrate(ctx context.Context, from, to string) error {
	switch {
	case from == "" || to == "":
		return usageError("store migrate needs --from DIR and --to postgres://...")
	case !backend.IsPostgres(to):
		return usageError("--to %q: want a postgres:// URL or libpq keyword string", to)
	}
	if st, err := os.Stat(from); err != nil || !st.IsDir() {
		return usageError("--from %s: not a directory", from)
	}
	src, err := store.OpenFile(from)
	if err != nil {
		return &ExitError{Code: 1, Err: err}
	}
	dst, err := pgstore.Open(ctx, to)
	if err != nil {
		return &ExitError{Code: 1, Err: err}
	}
	defer dst.Close()
	rep, err := dst.CopyFrom(ctx, src)
	if err != nil {
		return &ExitError{Code: 1, Err: err}
	}
	fmt.Fprintf(a.Stdout, "copied %d versions of %d connectors from %s to %s (%d already there)\n",
		rep.Copied, len(rep.Names), from, dst, rep.Skipped)
	return nil
}
