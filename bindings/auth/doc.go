// Package auth is the synapse/auth module: credentials a script hands to
// synapse/http, as an opaque object for http.request({auth}) or
// http.client({auth}).
//
//	const auth = require('synapse/auth');
//
//	auth.bearer(token)                         // Authorization: Bearer <token>
//	auth.basic(user, password)                 // Authorization: Basic ...
//	auth.apiKey({header: 'x-api-token', value})   // a header
//	auth.apiKey({query: 'api_token', value})      // a query parameter
//	auth.oauth2({tokenUrl, clientId, clientSecret, accessToken, refreshToken,
//	             expiresAt, scope, clientAuth})
//	auth.fromConnection(ctx.connection, [opts])
//
// An auth object shows only its scheme (a.scheme, JSON.stringify(a)); the
// secrets stay in Go. Every secret given to this module, and every token a
// refresh produces, is added to the call's redaction list: it is replaced
// by [REDACTED] in logs and error messages, also in its URL-escaped forms.
// Arguments are validated: a missing or mistyped value is a TypeError.
//
// # OAuth2
//
// auth.oauth2 sends "Authorization: Bearer <accessToken>". With a
// refreshToken and a tokenUrl it also refreshes, with the refresh_token
// grant (a form POST; the client id and secret go in a Basic header, or in
// the form with clientAuth: 'body' or when there is no secret), through
// synapse/http (same outbound policy, same call deadline):
//
//   - before a request, when the access token expires within 60 s
//     (expiresAt: epoch milliseconds, a Date or an RFC 3339 string; epoch
//     seconds are accepted too). Without expiresAt, only on a 401;
//   - on a 401, once, and the request is repeated once with the new token.
//
// Refreshes of one connection are serialised, across every runtime of the
// host: requests that find the token expired wait for a single refresh and
// use its result. The token endpoint's answer is read as RFC 6749 JSON
// (access_token, refresh_token, expires_in); a refresh token it does not
// rotate is kept. Rotated tokens are never dropped: the refresh is
// recorded in the host's token store (Call.Tokens) and reported on the
// call (Call.Rotated) so the host hands the new tokens back; and an oauth2
// object built from (or refreshing) tokens a refresh already replaced uses
// the newer ones, and its call reports them in Call.Rotated too.
// A refused refresh throws AuthError (HttpError for the endpoint's 5xx
// and 429).
//
// # fromConnection
//
// auth.fromConnection(connection, [opts]) picks the scheme the connection's
// authConfig implies (opts.scheme, one of oauth2, bearer, apiKey, basic,
// forces one):
//
//   - accessToken: oauth2 when refreshToken, clientId and a token URL are
//     present, bearer otherwise. The token URL is opts.tokenUrl, else
//     authConfig.tokenUrl, else connection.metaConfig.tokenUrl. The expiry
//     is authConfig.expiresAt, or lastRefreshed + expiresIn (seconds).
//   - token: an API key sent in the header opts.header or the query
//     parameter opts.query; with neither, as "Authorization: Bearer
//     <token>" (scheme bearer).
//   - userName and password: basic.
//
// authConfig.additionalHeaders (an object of strings) are sent with every
// request that does not set the same header itself. opts may also carry
// scope and clientAuth for oauth2.
//
// # Host integration
//
// Register New() once per host and share it by every runtime: it holds
// the per-connection refresh locks. Auth objects may outlive the call that
// made them (a client kept in a module-level variable): they always use
// the call passed to Authenticator.Apply, never the one they were made in.
// The http module reaches the Go side through FromValue and the
// Authenticator interface.
package auth
