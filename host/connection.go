package host

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/dop251/goja"
	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/internal/jsjson"
)

// prepareConnection swaps in rotated tokens the host remembers and
// registers the connection's secrets for redaction.
func (c *Connector) prepareConnection(rt *goja.Runtime, call *bindings.Call, conn goja.Value) {
	co, ok := conn.(*goja.Object)
	if !ok {
		return
	}
	if n := co.Get("name"); n != nil && jsjson.KindOf(n) == jsjson.String {
		call.ConnectionName = n.String()
	}
	ac, ok := co.Get("authConfig").(*goja.Object)
	if !ok {
		return
	}
	get := func(k string) string {
		if v := ac.Get(k); v != nil && jsjson.KindOf(v) == jsjson.String {
			return v.String()
		}
		return ""
	}
	carried := bindings.OAuthTokens{AccessToken: get("accessToken"), RefreshToken: get("refreshToken")}
	if call.Tokens != nil && (carried.AccessToken != "" || carried.RefreshToken != "") {
		if newer, ok := call.Tokens.Newer(c.name, call.ConnectionName, carried); ok {
			_ = ac.Set("accessToken", newer.AccessToken)
			if newer.RefreshToken != "" {
				_ = ac.Set("refreshToken", newer.RefreshToken)
			}
			if !newer.ExpiresAt.IsZero() {
				_ = ac.Set("expiresIn", strconv.FormatInt(int64(time.Until(newer.ExpiresAt).Seconds()), 10))
			}
			call.Log.Debug().Msg("using OAuth tokens rotated by an earlier call")
		}
	}
	for _, k := range []string{"password", "token", "accessToken", "refreshToken", "clientSecret"} {
		call.Secrets.Add(get(k))
	}
	if h, ok := ac.Get("additionalHeaders").(*goja.Object); ok {
		for _, k := range h.Keys() {
			if v := h.Get(k); jsjson.KindOf(v) == jsjson.String {
				call.Secrets.Add(v.String())
			}
		}
	}
}

// withTokens returns the connection JSON with rotated tokens written into
// authConfig.
func withTokens(conn json.RawMessage, t bindings.OAuthTokens) json.RawMessage {
	var m map[string]any
	if err := json.Unmarshal(conn, &m); err != nil || m == nil {
		m = map[string]any{}
	}
	ac, _ := m["authConfig"].(map[string]any)
	if ac == nil {
		ac = map[string]any{}
	}
	ac["accessToken"] = t.AccessToken
	if t.RefreshToken != "" {
		ac["refreshToken"] = t.RefreshToken
	}
	if !t.ExpiresAt.IsZero() {
		ac["expiresIn"] = strconv.FormatInt(int64(time.Until(t.ExpiresAt).Round(time.Second).Seconds()), 10)
		ac["lastRefreshed"] = time.Now().UTC().Format(time.RFC3339)
	}
	m["authConfig"] = ac
	out, err := json.Marshal(m)
	if err != nil {
		return nil
	}
	return out
}
