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
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"

	"github.com/synapsejs/synapse-js/bindings"
)

// TokenChannel is the NOTIFY channel of token rotations; the payload is
// the JSON array [servingName, connection].
const TokenChannel = "synapse_js_tokens"

// KeyEnv is the environment variable holding the token encryption key.
const KeyEnv = "SYNAPSE_JS_TOKEN_KEY"

// keepRetired bounds the retired tokens a row remembers.
const keepRetired = 64

// tokenWriteTimeout bounds a token write, which the TokenStore interface
// gives no context for.
const tokenWriteTimeout = 5 * time.Second

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

// TokenStore is a bindings.TokenStore and bindings.RefreshLocker shared
// by the hosts of one database. Rows are sealed with AES-256-GCM, the
// serving name and connection as associated data (a row copied to another
// key does not open). Lookups are answered from memory, kept current by
// LISTEN/NOTIFY, so the database is not on the call path; under
// LockRefresh the row is read from the database itself.
type TokenStore struct {
	st   *Store
	aead cipher.AEAD
	log  zerolog.Logger

	mu    sync.Mutex
	cache map[[2]string]*bindings.Rotation
	held  map[[2]string]pgx.Tx // the refresh locks this process holds

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
	t := &TokenStore{st: s, aead: aead, log: log, cache: map[[2]string]*bindings.Rotation{}, held: map[[2]string]pgx.Tx{}, done: make(chan struct{})}
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
func lockKey(k [2]string) string {
	b, _ := json.Marshal(k)
	return string(b)
}

func aad(k [2]string) []byte { return []byte(k[0] + "\x00" + k[1]) }

func (t *TokenStore) seal(k [2]string, r *bindings.Rotation) ([]byte, error) {
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

func (t *TokenStore) open(k [2]string, sealed []byte) (*bindings.Rotation, error) {
	ns := t.aead.NonceSize()
	if len(sealed) < ns {
		return nil, errors.New("sealed row too short")
	}
	plain, err := t.aead.Open(nil, sealed[:ns], sealed[ns:], aad(k))
	if err != nil {
		return nil, fmt.Errorf("the row does not open with %s (another key, or damaged): %w", KeyEnv, err)
	}
	var r bindings.Rotation
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
	fresh := map[[2]string]*bindings.Rotation{}
	var k [2]string
	var sealed []byte
	_, err = pgx.ForEachRow(rows, []any{&k[0], &k[1], &sealed}, func() error {
		r, err := t.open(k, sealed)
		if err != nil {
			t.log.Error().Str("synapse", k[0]).Str("connection", k[1]).Err(err).Msg("rotated tokens unreadable; ignored")
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
}, k [2]string) (*bindings.Rotation, error) {
	var sealed []byte
	err := q.QueryRow(ctx, `SELECT sealed FROM synapse_js_tokens WHERE serving_name = $1 AND connection = $2`, k[0], k[1]).Scan(&sealed)
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
				var k [2]string
				if json.Unmarshal([]byte(n.Payload), &k) != nil {
					continue
				}
				if _, err := t.reload(ctx, t.st.pool, k); err != nil && ctx.Err() == nil {
					t.log.Warn().Str("synapse", k[0]).Str("connection", k[1]).Err(err).Msg("reading rotated tokens failed")
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

// Newer implements bindings.TokenStore, from memory.
func (t *TokenStore) Newer(synapse, connection string, carried bindings.OAuthTokens) (bindings.OAuthTokens, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.cache[[2]string{synapse, connection}]
	if r == nil {
		return bindings.OAuthTokens{}, false
	}
	return r.Newer(carried)
}

// Rotated implements bindings.TokenStore: the rotation is written to the
// database (in the refresh lock's transaction when this process holds
// it) and notified to the other hosts. A write that fails is logged; this
// host still remembers the rotation in memory.
func (t *TokenStore) Rotated(synapse, connection string, old, fresh bindings.OAuthTokens) {
	k := [2]string{synapse, connection}
	t.mu.Lock()
	r := t.cache[k]
	if r == nil {
		r = &bindings.Rotation{}
	} else {
		c := *r
		c.Retired = append([]string(nil), r.Retired...)
		r = &c
	}
	r.Apply(old, fresh)
	r.Trim(keepRetired)
	t.cache[k] = r
	tx := t.held[k]
	t.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), tokenWriteTimeout)
	defer cancel()
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
		t.log.Error().Str("synapse", synapse).Str("connection", connection).Err(unavailable(err)).
			Msg("saving rotated OAuth tokens to the database failed; only this host knows them until the caller saves the returned connection")
	}
}

// write merges the rotation into the row, under the row's lock.
func (t *TokenStore) write(ctx context.Context, tx pgx.Tx, k [2]string, old, fresh bindings.OAuthTokens) error {
	r, err := t.reload(ctx, tx, k)
	if err != nil {
		return err
	}
	if r == nil {
		r = &bindings.Rotation{}
	}
	r.Apply(old, fresh)
	r.Trim(keepRetired)
	sealed, err := t.seal(k, r)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO synapse_js_tokens (serving_name, connection, sealed) VALUES ($1, $2, $3)
		ON CONFLICT (serving_name, connection) DO UPDATE SET sealed = EXCLUDED.sealed, updated_at = now()`, k[0], k[1], sealed); err != nil {
		return err
	}
	payload, _ := json.Marshal(k)
	if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, TokenChannel, string(payload)); err != nil {
		return err
	}
	t.mu.Lock()
	t.cache[k] = r
	t.mu.Unlock()
	return nil
}

// LockRefresh implements bindings.RefreshLocker with a transaction-scoped
// advisory lock: if this host dies while holding it, its connection drops
// and the lock goes with it. Callers hold it one at a time per connection
// within a process (the auth binding's own lock), so held has one
// transaction per key.
func (t *TokenStore) LockRefresh(ctx context.Context, synapse, connection string) (func(), error) {
	k := [2]string{synapse, connection}
	tx, err := t.st.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("token store: %w", unavailable(err))
	}
	if _, err := tx.Exec(ctx, tokenLockSQL, lockSpace, lockKey(k)); err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("token store: waiting for the refresh lock: %w", unavailable(err))
	}
	if _, err := t.reload(ctx, tx, k); err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("token store: %w", err)
	}
	t.mu.Lock()
	t.held[k] = tx
	t.mu.Unlock()
	return func() {
		t.mu.Lock()
		delete(t.held, k)
		t.mu.Unlock()
		cctx, cancel := context.WithTimeout(context.Background(), tokenWriteTimeout)
		defer cancel()
		if err := tx.Commit(cctx); err != nil {
			t.log.Error().Str("synapse", synapse).Str("connection", connection).Err(err).Msg("committing rotated OAuth tokens failed")
		}
	}, nil
}

var (
	_ bindings.TokenStore    = (*TokenStore)(nil)
	_ bindings.RefreshLocker = (*TokenStore)(nil)
)
