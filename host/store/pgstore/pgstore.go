// Package pgstore is a store.Store in PostgreSQL, for several synapse-js
// hosts serving the same connectors. Every version is a row; uploads lock
// the connector's row, so concurrent uploads from different hosts each get
// their own version number. A commit notifies every host (LISTEN/NOTIFY)
// so they all serve the change within moments. The package also keeps the
// hosts' rotated OAuth tokens, encrypted (see TokenStore).
package pgstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/synapsejs/synapse-js/host/store"
	"github.com/synapsejs/synapse-js/internal/names"
)

// Channel is the NOTIFY channel of connector changes; the payload is the
// connector's name.
const Channel = "synapse_js_store"

// Store is a store.Store, store.Watcher and store.Pinger in PostgreSQL.
type Store struct {
	pool *pgxpool.Pool
	cfg  *pgxpool.Config
	// now is the clock, replaceable in tests.
	now func() time.Time
}

// Open connects to the database at url (a postgres:// URL or a libpq
// keyword string), migrates its schema and returns the Store.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's message may quote the URL, password included.
		return nil, fmt.Errorf("the PostgreSQL store URL does not parse (want postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=... or a libpq keyword string)")
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	cfg.HealthCheckPeriod = 5 * time.Second
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open the PostgreSQL store: %w", err)
	}
	if _, err := Migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open the PostgreSQL store at %s: %w", Describe(cfg), err)
	}
	return &Store{pool: pool, cfg: cfg, now: time.Now}, nil
}

// Describe names the database of cfg without its password, for messages.
func Describe(cfg *pgxpool.Config) string {
	c := cfg.ConnConfig
	return fmt.Sprintf("%s@%s/%s", c.User, net.JoinHostPort(c.Host, fmt.Sprint(c.Port)), c.Database)
}

// String names the database without its password.
func (s *Store) String() string { return Describe(s.cfg) }

// Pool is the store's connection pool (for the token store and tests).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Close closes the store's connections.
func (s *Store) Close() { s.pool.Close() }

// unavailable marks the errors that mean the database cannot be reached
// (a refused or dropped connection, a server shutting down or starting)
// as store.ErrUnavailable: the request may succeed once it is back. The
// database's answers to statements and this package's own errors pass
// unchanged.
func unavailable(err error) error {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// Class 08 is a connection exception, 57P0x a server shutting
		// down or starting.
		if len(pe.Code) == 5 && (pe.Code[:2] == "08" || pe.Code[:4] == "57P0") {
			return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
		}
		return err
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	var oe *net.OpError
	if errors.As(err, &ce) || errors.As(err, &ne) || errors.As(err, &oe) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) || pgconn.SafeToRetry(err) ||
		strings.Contains(err.Error(), "conn closed") {
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	return err
}

// Ping implements store.Pinger.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return unavailable(err)
	}
	return nil
}

func checkName(name string) error {
	if !names.Valid(name) {
		return fmt.Errorf("%q: %w", name, store.ErrInvalidName)
	}
	return nil
}

// Put implements store.Store. Numbering, the version row, the current
// pointer and the notification are one transaction.
func (s *Store) Put(ctx context.Context, name string, src []byte, meta store.Meta) (store.Version, error) {
	if err := checkName(name); err != nil {
		return store.Version{}, err
	}
	lang := meta.Lang
	if lang == "" {
		lang = "js"
	}
	if lang != "js" && lang != "ts" {
		return store.Version{}, fmt.Errorf("put %s: lang %q: want js or ts", name, lang)
	}
	if len(meta.Info) > 0 && !json.Valid(meta.Info) {
		return store.Version{}, fmt.Errorf("put %s: info is not valid JSON", name)
	}
	sum := sha256.Sum256(src)
	v := store.Version{
		Name:     name,
		SHA256:   hex.EncodeToString(sum[:]),
		Size:     int64(len(src)),
		Lang:     lang,
		Uploaded: s.now().UTC().Truncate(time.Microsecond),
		Methods:  meta.Methods,
		Info:     meta.Info,
		Uploader: meta.Uploader,
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// The upsert takes the row lock that numbers this name's
		// versions one upload at a time.
		err := tx.QueryRow(ctx, `INSERT INTO synapse_js_connectors AS c (name, current_version, next_version)
			VALUES ($1, 1, 2)
			ON CONFLICT (name) DO UPDATE SET next_version = c.next_version + 1
			RETURNING next_version - 1`, name).Scan(&v.Version)
		if err != nil {
			return err
		}
		if err := insertVersion(ctx, tx, v, src); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE synapse_js_connectors SET current_version = $2, updated_at = now() WHERE name = $1`, name, v.Version); err != nil {
			return err
		}
		return notify(ctx, tx, name)
	})
	if err != nil {
		return store.Version{}, fmt.Errorf("put %s: %w", name, unavailable(err))
	}
	return v, nil
}

func insertVersion(ctx context.Context, tx pgx.Tx, v store.Version, src []byte) error {
	methods := v.Methods
	if methods == nil {
		methods = []string{}
	}
	var info any
	if len(v.Info) > 0 {
		info = string(v.Info)
	}
	_, err := tx.Exec(ctx, `INSERT INTO synapse_js_versions (name, version, source, sha256, size, lang, uploaded, uploader, methods, info)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::json)`,
		v.Name, v.Version, src, v.SHA256, v.Size, v.Lang, v.Uploaded, v.Uploader, methods, info)
	return err
}

func notify(ctx context.Context, tx pgx.Tx, name string) error {
	_, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, Channel, name)
	return err
}

const versionCols = `v.name, v.version, v.sha256, v.size, v.lang, v.uploaded, v.uploader, v.methods, v.info::text`

func scanVersion(row pgx.Row, extra ...any) (store.Version, error) {
	var v store.Version
	var info *string
	dest := append([]any{&v.Name, &v.Version, &v.SHA256, &v.Size, &v.Lang, &v.Uploaded, &v.Uploader, &v.Methods, &info}, extra...)
	if err := row.Scan(dest...); err != nil {
		return v, err
	}
	v.Uploaded = v.Uploaded.UTC()
	if len(v.Methods) == 0 {
		v.Methods = nil
	}
	if info != nil {
		v.Info = json.RawMessage(*info)
	}
	return v, nil
}

// Current implements store.Store.
func (s *Store) Current(ctx context.Context, name string) (store.Version, error) {
	if err := checkName(name); err != nil {
		return store.Version{}, err
	}
	v, err := scanVersion(s.pool.QueryRow(ctx, `SELECT `+versionCols+`
		FROM synapse_js_connectors c JOIN synapse_js_versions v ON v.name = c.name AND v.version = c.current_version
		WHERE c.name = $1`, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Version{}, fmt.Errorf("connector %s: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return store.Version{}, fmt.Errorf("connector %s: %w", name, unavailable(err))
	}
	return v, nil
}

// Get implements store.Store. The source is checked against its SHA-256.
func (s *Store) Get(ctx context.Context, name string, version int) (store.Version, []byte, error) {
	if err := checkName(name); err != nil {
		return store.Version{}, nil, err
	}
	var src []byte
	v, err := scanVersion(s.pool.QueryRow(ctx, `SELECT `+versionCols+`, v.source
		FROM synapse_js_versions v WHERE v.name = $1 AND v.version = $2`, name, version), &src)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Version{}, nil, fmt.Errorf("connector %s version %d: %w", name, version, store.ErrNotFound)
	}
	if err != nil {
		return store.Version{}, nil, fmt.Errorf("connector %s version %d: %w", name, version, unavailable(err))
	}
	sum := sha256.Sum256(src)
	if hex.EncodeToString(sum[:]) != v.SHA256 {
		return store.Version{}, nil, fmt.Errorf("connector %s version %d: source does not match its SHA-256: %w", name, version, store.ErrCorrupt)
	}
	return v, src, nil
}

// Versions implements store.Store.
func (s *Store) Versions(ctx context.Context, name string) ([]store.Version, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT `+versionCols+` FROM synapse_js_versions v WHERE v.name = $1 ORDER BY v.version`, name)
	if err != nil {
		return nil, fmt.Errorf("connector %s: %w", name, unavailable(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Version, error) { return scanVersion(r) })
	if err != nil {
		return nil, fmt.Errorf("connector %s: %w", name, unavailable(err))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("connector %s: %w", name, store.ErrNotFound)
	}
	return out, nil
}

// List implements store.Store.
func (s *Store) List(ctx context.Context) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT name FROM synapse_js_connectors ORDER BY name COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("list: %w", unavailable(err))
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list: %w", unavailable(err))
	}
	return out, nil
}

// SetCurrent implements store.Store.
func (s *Store) SetCurrent(ctx context.Context, name string, version int) error {
	if err := checkName(name); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE synapse_js_connectors c SET current_version = $2, updated_at = now()
			WHERE c.name = $1 AND EXISTS (SELECT 1 FROM synapse_js_versions v WHERE v.name = $1 AND v.version = $2)`, name, version)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("connector %s version %d: %w", name, version, store.ErrNotFound)
		}
		return notify(ctx, tx, name)
	})
	if errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err != nil {
		return fmt.Errorf("set current %s: %w", name, unavailable(err))
	}
	return nil
}

// Delete implements store.Store.
func (s *Store) Delete(ctx context.Context, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM synapse_js_connectors WHERE name = $1`, name)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("connector %s: %w", name, store.ErrNotFound)
		}
		return notify(ctx, tx, name)
	})
	if errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err != nil {
		return fmt.Errorf("delete %s: %w", name, unavailable(err))
	}
	return nil
}

var (
	_ store.Store   = (*Store)(nil)
	_ store.Watcher = (*Store)(nil)
	_ store.Pinger  = (*Store)(nil)
)
