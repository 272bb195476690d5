package host

import (
	"context"
	"encoding/json"
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
	conn, err := connection.Parse(raw)
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
