package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/synapsejs/synapse-js/host/store"
)

// CopyReport says what CopyFrom did, per connector.
type CopyReport struct {
	// Copied counts the versions written, Skipped those already present
	// with the same SHA-256 (a copy run again).
	Copied, Skipped int
	// Names lists the connectors copied, sorted.
	Names []string
}

// CopyFrom copies every version of every connector of src into s, keeping
// version numbers, upload times and the current version; each connector
// is one transaction. A version already in s with the same SHA-256 is
// skipped, so a copy can be run again; one with another SHA-256 is an
// error that names it. A source version that cannot be read is an error
// too: nothing is silently lost.
func (s *Store) CopyFrom(ctx context.Context, src store.Store) (CopyReport, error) {
	var rep CopyReport
	names, err := src.List(ctx)
	if err != nil {
		return rep, fmt.Errorf("copy: %w", err)
	}
	for _, name := range names {
		vs, err := src.Versions(ctx, name)
		if err != nil {
			return rep, fmt.Errorf("copy %s: %w", name, err)
		}
		cur, err := src.Current(ctx, name)
		if err != nil && !errors.Is(err, store.ErrNoCurrent) {
			return rep, fmt.Errorf("copy %s: %w", name, err)
		}
		if len(vs) == 0 {
			continue
		}
		current := vs[len(vs)-1].Version
		if err == nil {
			current = cur.Version
		}
		type item struct {
			v   store.Version
			src []byte
		}
		items := make([]item, 0, len(vs))
		for _, v := range vs {
			full, b, err := src.Get(ctx, name, v.Version)
			if err != nil {
				return rep, fmt.Errorf("copy %s: %w", name, err)
			}
			items = append(items, item{full, b})
		}
		copied, skipped := 0, 0
		err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			copied, skipped = 0, 0
			top := vs[len(vs)-1].Version
			if _, err := tx.Exec(ctx, `INSERT INTO synapse_js_connectors AS c (name, current_version, next_version)
				VALUES ($1, $2, $3)
				ON CONFLICT (name) DO UPDATE SET next_version = greatest(c.next_version, EXCLUDED.next_version)`,
				name, current, top+1); err != nil {
				return err
			}
			for _, it := range items {
				var have string
				err := tx.QueryRow(ctx, `SELECT sha256 FROM synapse_js_versions WHERE name = $1 AND version = $2`, name, it.v.Version).Scan(&have)
				switch {
				case err == nil && have == it.v.SHA256:
					skipped++
					continue
				case err == nil:
					return fmt.Errorf("version %d is already in the database with another source (SHA-256 %s, the directory's is %s)", it.v.Version, have, it.v.SHA256)
				case !errors.Is(err, pgx.ErrNoRows):
					return err
				}
				if it.v.Lang == "" {
					it.v.Lang = "js"
				}
				if err := insertVersion(ctx, tx, it.v, it.src); err != nil {
					return err
				}
				copied++
			}
			if _, err := tx.Exec(ctx, `UPDATE synapse_js_connectors SET current_version = $2, updated_at = now() WHERE name = $1`, name, current); err != nil {
				return err
			}
			return notify(ctx, tx, name)
		})
		if err != nil {
			return rep, fmt.Errorf("copy %s: %w", name, unavailable(err))
		}
		rep.Copied += copied
		rep.Skipped += skipped
		rep.Names = append(rep.Names, name)
	}
	return rep, nil
}
