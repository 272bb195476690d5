package pgstore

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/synapsejs/synapse-js/host/store"
)

// Reconnect backoff of Watch: short, so a host serves changes again soon
// after the database is back.
const (
	watchMinBackoff = 50 * time.Millisecond
	watchMaxBackoff = time.Second
)

// Watch implements store.Watcher: it LISTENs on its own connection and
// calls fn with each notified name. After every (re)connect it calls fn
// with an empty Change, since what was committed while it was away was
// not notified to it.
func (s *Store) Watch(ctx context.Context, fn func(store.Change)) error {
	backoff := watchMinBackoff
	for {
		err := s.listen(ctx, fn, func() { backoff = watchMinBackoff })
		if ctx.Err() != nil {
			return ctx.Err()
		}
		_ = err // the outage shows in Ping (readyz); retry quietly
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		backoff = min(2*backoff, watchMaxBackoff)
	}
}

// listen runs one LISTEN session until its connection fails or ctx ends.
func (s *Store) listen(ctx context.Context, fn func(store.Change), connected func()) error {
	conn, err := pgx.ConnectConfig(ctx, s.cfg.ConnConfig.Copy())
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `LISTEN `+Channel); err != nil {
		return err
	}
	connected()
	fn(store.Change{})
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		fn(store.Change{Name: n.Payload})
	}
}
