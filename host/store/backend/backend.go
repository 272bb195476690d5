// Package backend opens the connector store a spec names, so commands stay
// thin: a directory (the embedded default) or a PostgreSQL database shared
// by several hosts, with the token store that goes with it.
package backend

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/rs/zerolog"

	"github.com/synapsejs/synapse-js/connection"
	"github.com/synapsejs/synapse-js/host/store"
	"github.com/synapsejs/synapse-js/host/store/pgstore"
)

// Options configure Open.
type Options struct {
	// TokenKey is SYNAPSE_JS_TOKEN_KEY's value; PostgreSQL needs it to
	// share rotated OAuth tokens, encrypted.
	TokenKey string
	// NoTokens opens a PostgreSQL store without its token store (for
	// store migrate, which copies connectors only).
	NoTokens bool
	// Logger receives the token store's warnings.
	Logger zerolog.Logger
}

// Backend is an open store.
type Backend struct {
	// Store holds the connectors.
	Store store.Store
	// Tokens shares rotated OAuth tokens between hosts; nil for a
	// directory store (the engine keeps them in memory).
	Tokens connection.TokenStore
	// Shared says that other hosts may use the same store.
	Shared bool
	// Where describes the store for messages (no password).
	Where string

	close func()
}

// Close releases the store's connections.
func (b *Backend) Close() {
	if b.close != nil {
		b.close()
	}
}

// IsPostgres reports whether spec names a PostgreSQL database: a
// postgres:// or postgresql:// URL, or a libpq keyword string
// ("host=... dbname=...").
func IsPostgres(spec string) bool {
	s := strings.TrimSpace(spec)
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://") || keywords.MatchString(s)
}

// keywords is the start of a libpq keyword string: "host=", "dbname = ".
var keywords = regexp.MustCompile(`^[a-z_]+\s*=`)

// Open opens the store spec names: a PostgreSQL URL or keyword string, or
// else a directory.
func Open(ctx context.Context, spec string, o Options) (*Backend, error) {
	if spec == "" {
		return nil, fmt.Errorf("no store given: want a directory or a postgres:// URL")
	}
	if !IsPostgres(spec) {
		dir := strings.TrimPrefix(spec, "file:")
		fs, err := store.OpenFile(dir)
		if err != nil {
			return nil, err
		}
		return &Backend{Store: fs, Where: "directory " + dir}, nil
	}
	var key []byte
	if !o.NoTokens {
		// Checked before connecting: a missing key is a configuration
		// error the operator should hear about at once.
		var err error
		if key, err = pgstore.ParseKey(o.TokenKey); err != nil {
			return nil, err
		}
	}
	ps, err := pgstore.Open(ctx, spec)
	if err != nil {
		return nil, err
	}
	b := &Backend{Store: ps, Shared: true, Where: "PostgreSQL " + ps.String(), close: ps.Close}
	if !o.NoTokens {
		ts, err := pgstore.NewTokenStore(ctx, ps, key, o.Logger)
		if err != nil {
			ps.Close()
			return nil, err
		}
		b.Tokens = ts
		b.close = func() { ts.Close(); ps.Close() }
	}
	return b, nil
}
