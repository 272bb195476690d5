package auth

import (
	nethttp "net/http"

	"github.com/dop251/goja"

	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/connection"
	"github.com/synapsejs/synapse-js/internal/jsvalue"
)

// auth.fromConnection(connection, [opts])
//
// The scheme follows from which authConfig fields are set, in this order
// (opts.scheme overrides it):
//
//   - accessToken: oauth2 when refreshToken, clientId and a token URL
//     (opts.tokenUrl, authConfig.tokenUrl or connection.metaConfig.tokenUrl)
//     are all present, bearer otherwise;
//   - token: an API key, in the header opts.header or the query parameter
//     opts.query, or else as "Authorization: Bearer <token>";
//   - userName and password: basic.
//
// authConfig.additionalHeaders (an object of strings) are sent with every
// request, unless the request sets the same header itself.
func (in *instance) fromConnection(c goja.FunctionCall) goja.Value {
	const fn = "auth.fromConnection"
	conn, ok := c.Argument(0).(*goja.Object)
	if !ok || jsvalue.KindOf(conn) != jsvalue.Object {
		in.typeError(fn, "connection must be an object (ctx.connection), got %s", jsvalue.KindOf(c.Argument(0)))
	}
	if ac := conn.Get("authConfig"); jsvalue.KindOf(ac) != jsvalue.Object {
		in.typeError(fn, "connection.authConfig must be an object, got %s", jsvalue.KindOf(ac))
	}
	m, _ := conn.Export().(map[string]any)
	parsed, err := connection.FromMap(m)
	if err != nil {
		in.typeError(fn, "%v", err)
	}
	opts := in.options(fn, c.Argument(1), "scheme", "header", "query", "tokenUrl", "scope", "clientAuth")
	opt := func(k string) string {
		if opts == nil {
			return ""
		}
		return in.optString(fn, "opts."+k, opts.Get(k))
	}
	ac := &parsed.Auth
	accessToken, refreshToken, token := ac.AccessToken, ac.RefreshToken, ac.Token
	call := in.vu.Call()
	call.Secrets.Add(parsed.Secrets()...)

	tokenURL := opt("tokenUrl")
	if tokenURL == "" {
		tokenURL = ac.TokenURL
	}
	if tokenURL == "" {
		tokenURL = parsed.TokenURL
	}
	extra := in.additionalHeaders(fn, ac.AdditionalHeaders)

	scheme := opt("scheme")
	if scheme == "" {
		switch {
		case accessToken != "" && refreshToken != "" && ac.ClientID != "" && tokenURL != "":
			scheme = "oauth2"
		case accessToken != "":
			scheme = "bearer"
		case token != "":
			scheme = "apiKey"
		case ac.UserName != "" && ac.Password != "":
			scheme = "basic"
		default:
			in.typeError(fn, "connection.authConfig has none of accessToken, token, or userName and password")
		}
	}
	var a Authenticator
	switch scheme {
	case "oauth2":
		a = in.newOAuth2(fn, oauth2Spec{
			tokenURL: tokenURL, clientID: ac.ClientID, clientSecret: ac.ClientSecret,
			scope: opt("scope"), clientAuth: opt("clientAuth"), extra: extra,
			tok: parsed.Tokens(),
		})
	case "bearer":
		t := accessToken
		if t == "" {
			t = token
		}
		if t == "" {
			in.typeError(fn, "scheme bearer needs authConfig.accessToken or authConfig.token")
		}
		h := bearerAuth(t)
		h.extra = extra
		a = h
	case "apiKey":
		t := token
		if t == "" {
			t = accessToken
		}
		if t == "" {
			in.typeError(fn, "scheme apiKey needs authConfig.token")
		}
		header, query := opt("header"), opt("query")
		switch {
		case header != "" && query != "":
			in.typeError(fn, "give opts.header or opts.query, not both")
		case header != "" && !bindings.ValidHeaderName(header):
			in.typeError(fn, "opts.header %q is not a valid header name", header)
		case header == "" && query == "":
			h := bearerAuth(t)
			h.extra = extra
			a = h
		case query != "":
			a = &queryAuth{param: query, value: t, extra: extra}
		default:
			h := apiKeyAuth(header, "", t).(*headerAuth)
			h.extra = extra
			a = h
		}
	case "basic":
		if ac.UserName == "" {
			in.typeError(fn, "scheme basic needs authConfig.userName")
		}
		h := basicAuth(ac.UserName, ac.Password)
		h.extra = extra
		call.Secrets.Add(h.secrets...)
		a = h
	default:
		in.typeError(fn, "opts.scheme must be one of oauth2, bearer, apiKey, basic; got %q", scheme)
	}
	return in.wrap(a)
}

// additionalHeaders checks the connection's extra header names.
func (in *instance) additionalHeaders(fn string, m map[string]string) nethttp.Header {
	if len(m) == 0 {
		return nil
	}
	h := nethttp.Header{}
	for k, v := range m {
		if !bindings.ValidHeaderName(k) {
			in.typeError(fn, "connection.authConfig.additionalHeaders: %q is not a valid header name", k)
		}
		h.Set(k, v)
	}
	return h
}
