package host

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/connection"
)

// prepareConnection reads what the host needs of the call's connection (its
// name, its secrets) and, when the host remembers tokens that replaced the
// ones it carries, returns it with those written in, so the script starts
// with tokens that work.
func (c *Connector) prepareConnection(ctx context.Context, call *bindings.Call, raw json.RawMessage) (json.RawMessage, error) {
	if isAbsent(raw) {
		return raw, nil
	}
	conn, err := c.conns.parse(raw)
	if err != nil {
		return nil, malformed(err.Error())
	}
	call.ConnectionName = conn.Name
	call.Secrets.Add(conn.Secrets()...)
	newer, ok := connection.Newest(ctx, c.engine.env.Tokens, call.TokenKey(), conn.Tokens())
	if !ok {
		return raw, nil
	}
	out, err := connection.WithTokens(raw, newer, time.Now())
	if err != nil {
		return raw, nil // the script refreshes on its own
	}
	call.Secrets.Add(newer.AccessToken, newer.RefreshToken)
	// Reported like a rotation of this call, so a caller that missed the
	// earlier report (the platform had not stored it yet) learns them.
	r := newer
	call.Rotated = &r
	call.Log.Debug().Msg("using OAuth tokens rotated by an earlier call")
	return out, nil
}

// connCache holds the connections of recent calls, parsed: the platform
// sends the same connection with every call, and decoding it with
// encoding/json was a sixth of a trivial call's server time. Entries are
// read-only; the cache is bounded and starts over when full.
type connCache struct {
	mu sync.Mutex
	m  map[string]*connection.Connection
}

const connCacheSize = 64

func (cc *connCache) parse(raw json.RawMessage) (*connection.Connection, error) {
	cc.mu.Lock()
	conn, ok := cc.m[string(raw)]
	cc.mu.Unlock()
	if ok {
		return conn, nil
	}
	conn, err := connection.Parse(raw)
	if err != nil {
		return nil, err
	}
	cc.mu.Lock()
	if cc.m == nil || len(cc.m) >= connCacheSize {
		cc.m = make(map[string]*connection.Connection, connCacheSize)
	}
	cc.m[string(raw)] = conn
	cc.mu.Unlock()
	return conn, nil
}
