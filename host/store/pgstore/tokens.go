package pgstore

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"

	"github.com/synapsejs/synapse-js/connection"
)

// TokenChannel is the NOTIFY channel of token rotations; the payload is
// the JSON array [servingName, connection].
const TokenChannel = "synapse_js_tokens"

// KeyEnv is the environment variable holding the token encryption key.
const KeyEnv = "SYNAPSE_JS_TOKEN_KEY"

// tokenCommitTimeout bounds the commit that releases a refresh lock; the
// unlock function has no context of its own.
const tokenCommitTimeout = 5 * time.Second

// ParseKey reads a token key: 32 bytes as 64 hex characters or as
// standard base64.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("%s is not set: the PostgreSQL store keeps rotated OAuth tokens encrypted with it; make one with `openssl rand -hex 32` and give every host the same value", KeyEnv)
	}
	if len(s) == 64 {
		if b, err := hex.DecodeString(s); err == nil {
			return b, nil
		}
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	return nil, fmt.Errorf("%s must be 32 bytes as 64 hex characters or standard base64 (make one with `openssl rand -hex 32`); the value given is %d characters and neither", KeyEnv, len(s))
}

// TokenStore is a connection.TokenStore shared by the hosts of one
// database. Rows are sealed with AES-256-GCM, the
// serving name and connection as associated data (a row copied to another
// key does not open). Lookups are answered from memory, kept current by
// LISTEN/NOTIFY, so the database is not on the call path; under Lock the
// row is read from the database itself.
type TokenStore struct {
	st   *Store
	aead cipher.AEAD
	log  zerolog.Logger

	mu    sync.Mutex
	cache map[connection.Key]*connection.Rotation
	held  map[connection.Key]pgx.Tx        // the refresh locks this process holds
	local map[connection.Key]chan struct{} // in-process turn before the database lock

	stop context.CancelFunc
	done chan struct{}
}

// NewTokenStore returns the token store of s, sealing with key (32
// bytes), and starts following other hosts' rotations. Close stops it.
func NewTokenStore(ctx context.Context, s *Store, key []byte, log zerolog.Logger) (*TokenStore, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("token key: want 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("token key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("token key: %w", err)
	}
	t := &TokenStore{st: s, aead: aead, log: log, cache: map[connection.Key]*connection.Rotation{}, held: map[connection.Key]pgx.Tx{},
		local: map[connection.Key]chan struct{}{}, done: make(chan struct{})}
	if err := t.reloadAll(ctx); err != nil {
		return nil, err
	}
	wctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	t.stop = stop
	go func() {
		defer close(t.done)
		t.follow(wctx)
	}()
	return t, nil
}

// Close stops following rotations. Locks still held are released by
// their unlock functions.
func (t *TokenStore) Close() {
	t.stop()
	<-t.done
}

// tokenLockSQL takes a connection's refresh lock, in the 64-bit key
// space (apart from the migration lock's two-int one), seeded with
// lockSpace.
const tokenLockSQL = `SELECT pg_advisory_xact_lock(hashtextextended($2, $1))`

// lockKey is the text the lock key hashes: JSON, so no name can pose as
// another pair.
func lockKey(k connection.Key) string {
	b, _ := json.Marshal([2]string{k.Synapse, k.Connection})
	return string(b)
}

func aad(k connection.Key) []byte { return []byte(k.Synapse + "\x00" + k.Connection) }

func (t *TokenStore) seal(k connection.Key, r *connection.Rotation) ([]byte, error) {
	plain, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, t.aead.NonceSize(), t.aead.NonceSize()+len(plain)+t.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return t.aead.Seal(nonce, nonce, plain, aad(k)), nil
}

func (t *TokenStore) open(k connection.Key, sealed []byte) (*connection.Rotation, error) {
	ns := t.aead.NonceSize()
	if len(sealed) < ns {
		return nil, errors.New("sealed row too short")
	}
	plain, err := t.aead.Open(nil, sealed[:ns], sealed[ns:], aad(k))
	if err != nil {
		return nil, fmt.Errorf("the row does not open with %s (another key, or damaged): %w", KeyEnv, err)
	}
	var r connection.Rotation
	if err := json.Unmarshal(plain, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// reloadAll replaces the cache with every row.
func (t *TokenStore) reloadAll(ctx context.Context) error {
	rows, err := t.st.pool.Query(ctx, `SELECT serving_name, connection, sealed FROM synapse_js_tokens`)
	if err != nil {
		return fmt.Errorf("read the token store: %w", unavailable(err))
	}
	fresh := map[connection.Key]*connection.Rotation{}
	var k connection.Key
	var sealed []byte
	_, err = pgx.ForEachRow(rows, []any{&k.Synapse, &k.Connection, &sealed}, func() error {
		r, err := t.open(k, sealed)
		if err != nil {
			t.log.Error().Str("synapse", k.Synapse).Str("connection", k.Connection).Err(err).Msg("rotated tokens unreadable; ignored")
			return nil
		}
		fresh[k] = r
		return nil
	})
	if err != nil {
		return fmt.Errorf("read the token store: %w", unavailable(err))
	}
	t.mu.Lock()
	t.cache = fresh
	t.mu.Unlock()
	return nil
}

// reload reads one row into the cache through q (the pool or a locked
// transaction).
func (t *TokenStore) reload(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, k connection.Key) (*connection.Rotation, error) {
	var sealed []byte
	err := q.QueryRow(ctx, `SELECT sealed FROM synapse_js_tokens WHERE serving_name = $1 AND connection = $2`, k.Synapse, k.Connection).Scan(&sealed)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, unavailable(err)
	}
	r, err := t.open(k, sealed)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	t.cache[k] = r
	t.mu.Unlock()
	return r, nil
}

// follow keeps the cache current until ctx ends.
func (t *TokenStore) follow(ctx context.Context) {
	backoff := watchMinBackoff
	for ctx.Err() == nil {
		err := func() error {
			conn, err := pgx.ConnectConfig(ctx, t.st.cfg.ConnConfig.Copy())
			if err != nil {
				return err
			}
			defer conn.Close(context.WithoutCancel(ctx))
			if _, err := conn.Exec(ctx, `LISTEN `+TokenChannel); err != nil {
				return err
			}
			backoff = watchMinBackoff
			if err := t.reloadAll(ctx); err != nil {
				return err
			}
			for {
				n, err := conn.WaitForNotification(ctx)
				if err != nil {
					return err
				}
				var p [2]string
				if json.Unmarshal([]byte(n.Payload), &p) != nil {
					continue
				}
				k := connection.Key{Synapse: p[0], Connection: p[1]}
				if _, err := t.reload(ctx, t.st.pool, k); err != nil && ctx.Err() == nil {
					t.log.Warn().Str("synapse", k.Synapse).Str("connection", k.Connection).Err(err).Msg("reading rotated tokens failed")
				}
			}
		}()
		if ctx.Err() != nil {
			return
		}
		_ = err
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, watchMaxBackoff)
	}
}

// Newer implements connection.TokenStore, from memory.
func (t *TokenStore) Newer(_ context.Context, k connection.Key, carried connection.Tokens) (connection.Tokens, bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.cache[k]
	if r == nil {
		return connection.Tokens{}, false, nil
	}
	n, ok := r.Replaces(carried)
	return n, ok, nil
}

// Rotated implements connection.TokenStore: the rotation is merged into
// the row (in the refresh lock's transaction when this process holds it,
// committed and notified to the other hosts at unlock). This host
// remembers it in memory even when the write fails.
func (t *TokenStore) Rotated(ctx context.Context, k connection.Key, old, fresh connection.Tokens) error {
	t.mu.Lock()
	r := &connection.Rotation{}
	if c := t.cache[k]; c != nil {
		r.Retired, r.Newest = slices.Clone(c.Retired), c.Newest
	}
	r.Apply(old, fresh)
	t.cache[k] = r
	tx := t.held[k]
	t.mu.Unlock()

	var err error
	if tx != nil {
		err = t.write(ctx, tx, k, old, fresh)
	} else {
		err = pgx.BeginFunc(ctx, t.st.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, tokenLockSQL, lockSpace, lockKey(k)); err != nil {
				return err
			}
			return t.write(ctx, tx, k, old, fresh)
		})
	}
	if err != nil {
		return fmt.Errorf("saving rotated OAuth tokens to the database (only this host knows them until the caller saves the returned connection): %w", unavailable(err))
	}
	return nil
}

// write merges the rotation into the row, under the connection's lock.
func (t *TokenStore) write(ctx context.Context, tx pgx.Tx, k connection.Key, old, fresh connection.Tokens) error {
	r, err := t.reload(ctx, tx, k)
	if err != nil {
		return err
	}
	if r == nil {
		r = &connection.Rotation{}
	}
	r.Apply(old, fresh)
	sealed, err := t.seal(k, r)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO synapse_js_tokens (serving_name, connection, sealed) VALUES ($1, $2, $3)
		ON CONFLICT (serving_name, connection) DO UPDATE SET sealed = EXCLUDED.sealed, updated_at = now()`, k.Synapse, k.Connection, sealed); err != nil {
		return err
	}
	payload, _ := json.Marshal([2]string{k.Synapse, k.Connection})
	if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, TokenChannel, string(payload)); err != nil {
		return err
	}
	t.mu.Lock()
	t.cache[k] = r
	t.mu.Unlock()
	return nil
}

// Lock implements connection.TokenStore: one refresh at a time per
// connection across every host. The calls of this process take turns
// first (so waiting does not hold database connections), then the turn's
// holder takes a transaction-scoped advisory lock: if this host dies
// while holding it, its connection drops and the lock goes with it. Under
// the lock the row is read from the database, so Newer sees a rotation
// another host has just committed.
func (t *TokenStore) Lock(ctx context.Context, k connection.Key) (func(), error) {
	t.mu.Lock()
	turn, ok := t.local[k]
	if !ok {
		turn = make(chan struct{}, 1)
		t.local[k] = turn
	}
	t.mu.Unlock()
	select {
	case turn <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for another token refresh: %w", ctx.Err())
	}
	fail := func(err error) (func(), error) {
		<-turn
		return nil, err
	}
	tx, err := t.st.pool.Begin(ctx)
	if err != nil {
		return fail(fmt.Errorf("token store: %w", unavailable(err)))
	}
	if _, err := tx.Exec(ctx, tokenLockSQL, lockSpace, lockKey(k)); err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return fail(fmt.Errorf("token store: waiting for the refresh lock: %w", unavailable(err)))
	}
	if _, err := t.reload(ctx, tx, k); err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return fail(fmt.Errorf("token store: %w", err))
	}
	t.mu.Lock()
	t.held[k] = tx
	t.mu.Unlock()
	return func() {
		t.mu.Lock()
		delete(t.held, k)
		t.mu.Unlock()
		cctx, cancel := context.WithTimeout(context.Background(), tokenCommitTimeout)
		defer cancel()
		if err := tx.Commit(cctx); err != nil {
			t.log.Error().Str("synapse", k.Synapse).Str("connection", k.Connection).Err(err).Msg("committing rotated OAuth tokens failed; only this host knows them")
		}
		<-turn
	}, nil
}

var _ connection.TokenStore = (*TokenStore)(nil)
