package auth

import (
	nethttp "net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dop251/goja"

	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/internal/jsjson"
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
	if !ok || jsjson.KindOf(conn) != jsjson.Object {
		in.typeError(fn, "connection must be an object (ctx.connection), got %s", jsjson.KindOf(c.Argument(0)))
	}
	ac, ok := conn.Get("authConfig").(*goja.Object)
	if !ok || jsjson.KindOf(ac) != jsjson.Object {
		in.typeError(fn, "connection.authConfig must be an object, got %s", jsjson.KindOf(conn.Get("authConfig")))
	}
	opts := in.options(fn, c.Argument(1), "scheme", "header", "query", "tokenUrl", "scope", "clientAuth")
	opt := func(k string) string {
		if opts == nil {
			return ""
		}
		return in.optString(fn, "opts."+k, opts.Get(k))
	}
	field := func(k string) string { return in.connString(fn, "authConfig."+k, ac.Get(k)) }

	accessToken, refreshToken := field("accessToken"), field("refreshToken")
	token, user, password := field("token"), field("userName"), field("password")
	clientID, clientSecret := field("clientId"), field("clientSecret")
	call := in.vu.Call()
	call.Secrets.Add(accessToken, refreshToken, token, password, clientSecret)

	tokenURL := opt("tokenUrl")
	if tokenURL == "" {
		tokenURL = field("tokenUrl")
	}
	if tokenURL == "" {
		if mc, ok := conn.Get("metaConfig").(*goja.Object); ok && jsjson.KindOf(mc) == jsjson.Object {
			tokenURL = in.connString(fn, "metaConfig.tokenUrl", mc.Get("tokenUrl"))
		}
	}
	extra := in.additionalHeaders(fn, ac.Get("additionalHeaders"))

	scheme := opt("scheme")
	if scheme == "" {
		switch {
		case accessToken != "" && refreshToken != "" && clientID != "" && tokenURL != "":
			scheme = "oauth2"
		case accessToken != "":
			scheme = "bearer"
		case token != "":
			scheme = "apiKey"
		case user != "" && password != "":
			scheme = "basic"
		default:
			in.typeError(fn, "connection.authConfig has none of accessToken, token, or userName and password")
		}
	}
	var a Authenticator
	switch scheme {
	case "oauth2":
		a = in.newOAuth2(fn, oauth2Spec{
			tokenURL: tokenURL, clientID: clientID, clientSecret: clientSecret,
			scope: opt("scope"), clientAuth: opt("clientAuth"), extra: extra,
			tok: bindings.OAuthTokens{AccessToken: accessToken, RefreshToken: refreshToken, ExpiresAt: in.connExpiry(ac)},
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
		case header != "" && !validHeaderName(header):
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
		if user == "" {
			in.typeError(fn, "scheme basic needs authConfig.userName")
		}
		h := basicAuth(user, password)
		h.extra = extra
		call.Secrets.Add(h.secrets...)
		a = h
	default:
		in.typeError(fn, "opts.scheme must be one of oauth2, bearer, apiKey, basic; got %q", scheme)
	}
	return in.wrap(a)
}

// connString reads an optional authConfig field: a string, or a number
// (some platforms store numeric ids); anything else is an error.
func (in *instance) connString(fn, name string, v goja.Value) string {
	switch jsjson.KindOf(v) {
	case jsjson.Undefined, jsjson.Null:
		return ""
	case jsjson.String, jsjson.Int, jsjson.Float:
		s := v.String()
		if strings.ContainsAny(s, "\r\n") {
			in.typeError(fn, "connection.%s must not contain line breaks", name)
		}
		return s
	}
	in.typeError(fn, "connection.%s must be a string, got %s", name, jsjson.KindOf(v))
	return ""
}

func (in *instance) additionalHeaders(fn string, v goja.Value) nethttp.Header {
	switch jsjson.KindOf(v) {
	case jsjson.Undefined, jsjson.Null:
		return nil
	case jsjson.Object:
	default:
		in.typeError(fn, "connection.authConfig.additionalHeaders must be an object, got %s", jsjson.KindOf(v))
	}
	o := v.(*goja.Object)
	h := nethttp.Header{}
	for _, k := range o.Keys() {
		if !validHeaderName(k) {
			in.typeError(fn, "connection.authConfig.additionalHeaders: %q is not a valid header name", k)
		}
		s := in.connString(fn, "authConfig.additionalHeaders."+k, o.Get(k))
		if s != "" {
			h.Set(k, s)
		}
	}
	if len(h) == 0 {
		return nil
	}
	return h
}

// connExpiry derives the access token's expiry from authConfig's
// lastRefreshed (epoch ms/s or RFC 3339) and expiresIn (seconds). Unknown
// when either is missing: the token is then refreshed on a 401 only.
func (in *instance) connExpiry(ac *goja.Object) time.Time {
	if v := ac.Get("expiresAt"); jsjson.KindOf(v) != jsjson.Undefined && jsjson.KindOf(v) != jsjson.Null {
		return in.optTime("auth.fromConnection", "authConfig.expiresAt", v)
	}
	inV := ac.Get("expiresIn")
	var secs float64
	switch jsjson.KindOf(inV) {
	case jsjson.Int, jsjson.Float:
		secs = inV.ToFloat()
	case jsjson.String:
		f, err := strconv.ParseFloat(strings.TrimSpace(inV.String()), 64)
		if err != nil {
			return time.Time{}
		}
		secs = f
	default:
		return time.Time{}
	}
	lr := ac.Get("lastRefreshed")
	var at time.Time
	switch jsjson.KindOf(lr) {
	case jsjson.Int, jsjson.Float:
		at = epochTime(lr.ToFloat())
	case jsjson.Date:
		at, _ = lr.Export().(time.Time)
	case jsjson.String:
		s := strings.TrimSpace(lr.String())
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			at = epochTime(f)
		} else if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			at = t
		}
	}
	if at.IsZero() || secs <= 0 {
		return time.Time{}
	}
	return at.Add(time.Duration(secs * float64(time.Second))).UTC()
}
