package host

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/synapsejs/synapse-js/internal/jsjson"
)

// The SDK's answers to GET_ACCESS_TOKEN and REFRESH_TOKEN for a synapse that
// does not override them: the grant the platform then posts, as form
// parameters, to the provider's token URL. Keys are in the SDK's order; a
// value the request lacks is null, as the SDK's None is.

// defaultAccessToken answers GET_ACCESS_TOKEN: the authorization_code grant
// for the code the platform got, with the client of the request's
// authConfig.
func defaultAccessToken(_ json.RawMessage, body json.RawMessage) ([]byte, error) {
	var b struct {
		Code        json.RawMessage `json:"code"`
		RedirectURI json.RawMessage `json:"redirectUri"`
		AuthConfig  *struct {
			ClientID     json.RawMessage `json:"clientId"`
			ClientSecret json.RawMessage `json:"clientSecret"`
		} `json:"authConfig"`
	}
	if !isAbsent(body) {
		if err := json.Unmarshal(body, &b); err != nil {
			return nil, malformed("body: " + describeJSONError(err))
		}
	}
	if b.AuthConfig == nil {
		b.AuthConfig = &struct {
			ClientID     json.RawMessage `json:"clientId"`
			ClientSecret json.RawMessage `json:"clientSecret"`
		}{}
	}
	return grant("authorization_code", []grantParam{
		{"code", "body.code", b.Code},
		{"client_id", "body.authConfig.clientId", b.AuthConfig.ClientID},
		{"client_secret", "body.authConfig.clientSecret", b.AuthConfig.ClientSecret},
		{"redirect_uri", "body.redirectUri", b.RedirectURI},
	})
}

// defaultRefreshToken answers REFRESH_TOKEN: the refresh_token grant for
// the connection's refresh token (the newest the host knows of) and
// client.
func defaultRefreshToken(conn json.RawMessage, _ json.RawMessage) ([]byte, error) {
	var c struct {
		AuthConfig struct {
			RefreshToken json.RawMessage `json:"refreshToken"`
			ClientID     json.RawMessage `json:"clientId"`
			ClientSecret json.RawMessage `json:"clientSecret"`
		} `json:"authConfig"`
	}
	if !isAbsent(conn) {
		if err := json.Unmarshal(conn, &c); err != nil {
			return nil, malformed("connection: " + describeJSONError(err))
		}
	}
	a := c.AuthConfig
	return grant("refresh_token", []grantParam{
		{"refresh_token", "connection.authConfig.refreshToken", a.RefreshToken},
		{"client_id", "connection.authConfig.clientId", a.ClientID},
		{"client_secret", "connection.authConfig.clientSecret", a.ClientSecret},
	})
}

type grantParam struct {
	key, path string
	raw       json.RawMessage
}

// grant writes {"grant_type": typ, key: value...}; each value must be a
// string or null (the SDK's fields are strings).
func grant(typ string, params []grantParam) ([]byte, error) {
	out := append([]byte(`{"grant_type":`), jsjson.AppendString(nil, typ)...)
	for _, p := range params {
		out = append(out, ',')
		out = jsjson.AppendString(out, p.key)
		out = append(out, ':')
		v := bytes.TrimSpace(p.raw)
		switch {
		case isAbsent(v):
			out = append(out, "null"...)
		case v[0] == '"':
			out = append(out, v...)
		default:
			return nil, malformed(fmt.Sprintf("%s: want a string, got %s", p.path, jsonKind(v)))
		}
	}
	return append(out, '}'), nil
}
