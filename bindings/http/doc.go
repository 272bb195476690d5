// Package http is the synapse/http module: the only way a connector script
// reaches the network. Calls are synchronous (an async function may await
// them too), honour the call's deadline and follow the host's outbound
// policy.
//
// # Requests
//
//	const http = require('synapse/http');
//
//	const resp = http.request({
//	  method: 'POST',            // default GET; case-insensitive
//	  url: 'https://api.example.com/v1/items',
//	  query: {ids: [1, 2], active: true},   // arrays repeat: ids=1&ids=2
//	  headers: {'X-Trace': 'abc'},
//	  json: {name: 'x'},         // or form: {...} (url-encoded), or body: '...'
//	  timeout: 5000,             // ms (or "5s"), per attempt; default: none
//	  retry: 3,                  // retries; 0 disables
//	  throwOnError: true,        // default true
//	  auth: auth.bearer(token),  // from require('synapse/auth')
//	  maxBytes: 64 << 20,        // response cap for this request
//	});
//
//	http.get(url, [opts])       http.del(url, [opts])
//	http.post(url, [body], [opts])   http.put(...)   http.patch(...)
//
// The shorthand body is sent as JSON when it is an object, an array, a
// number or a boolean, and as is when it is a string or bytes (an
// ArrayBuffer, a typed array such as Uint8Array, or a DataView: the bytes
// the view covers). Only one of body, json and form may be given. A JSON
// body gets "Content-Type: application/json", a form body
// "application/x-www-form-urlencoded" and bytes "application/octet-stream"
// unless the script sets its own.
// Option names are checked: a misspelt one is a TypeError, as is any
// value of the wrong type.
//
// The response is {status, ok, url, headers, text(), json(), bytes(),
// arrayBuffer()}: ok is true
// for 2xx, url is the final URL after redirects, headers has lower-case
// names (several values of one header are joined with ", "). text()
// returns the body as a string (decoded as UTF-8); json() parses it
// straight from the bytes into lazy values (jsjson.ParseLazy: built as the
// script reads them, and written back to the wire as the response's own
// bytes where the script left them untouched), and returns a fresh value
// on each call. Integers beyond ±2^53 (which a JS number would round) read
// as strings with their exact digits.
// Malformed JSON throws an Error naming the byte offset and quoting the
// start of the body. The response's own properties are read-only (a
// script may add others), and text and json are methods: call them as
// resp.text() and resp.json(). bytes() gives the body as a fresh
// Uint8Array, arrayBuffer() as a fresh ArrayBuffer. Nothing of a response
// is built until the script reads it.
//
// Requests ask for "Accept-Encoding: gzip, deflate" unless the script
// sets the header, and answers in gzip or deflate (zlib, or a bare deflate
// stream) are decoded before the script sees them, the body cap holding
// for the decoded size; any other Content-Encoding is an error naming it
// (UnsupportedEncodingError).
//
// # Clients
//
//	const api = http.client({
//	  baseUrl: 'https://company.pipedrive.com/api',
//	  auth: auth.fromConnection(ctx.connection, {header: 'x-api-token'}),
//	  headers: {Accept: 'application/json'},
//	  query: {limit: 500},
//	  timeout: 30000, retry: 5, throwOnError: true, maxBytes: 64 << 20,
//	});
//	api.get('/v2/persons', {query: {cursor}});  // .../api/v2/persons?cursor=..&limit=500
//
// A client has request/get/post/put/patch/del. A relative path is joined to
// baseUrl with exactly one slash between them; a leading slash does not
// drop baseUrl's path ("https://x/api" + "/v2/persons" is
// "https://x/api/v2/persons"). An absolute URL (with a scheme) is used as
// is, still with the client's auth, headers and query. A query string on
// baseUrl becomes part of the client's default query. Per-request headers
// and query keys replace the client's; null removes one (headers:
// {Accept: null}); auth: null sends a request without the client's auth.
//
// # Errors
//
// Unless throwOnError is false, a final non-2xx answer throws: 401 and 403
// an AuthError (status 401 or 403), 404 a NotFoundError, 429 a
// QuotaExceededError (after the retries), anything else an HttpError.
// Each carries status, headers, body (capped at 64 KiB), detail (the start
// of the body) and a message such as "GET https://host/path: 404 Not
// Found". Known secrets (see synapse/auth) are redacted from messages,
// bodies and headers on errors, and from logs.
//
// A request that gets no answer throws a plain Error ("http GET <url>:
// <reason>"); one cut by the call's deadline throws
// "http GET <url>: call deadline exceeded" (the host answers 504); a body
// over the cap throws "response body exceeds the 32 MiB cap".
//
// # Retries
//
// 429, 502, 503, 504 and connection failures are retried with exponential
// backoff and jitter (250 ms doubling, by default 3 retries). Retry-After
// (seconds or an HTTP date) and, on a 429, x-ratelimit-reset (seconds, or
// an epoch time) are honoured: the larger of them and the backoff is
// waited. A wait that would outlast the call's deadline is not slept: a
// QuotaExceededError with retryAfter (whole seconds) is thrown at once, so
// the platform backs off instead (with throwOnError: false the script gets
// that last response instead). POST and PATCH (and other methods that
// are not idempotent) are retried only on 429 and on failures to connect,
// when nothing reached the server, unless the request carries an
// Idempotency-Key (or X-Idempotency-Key) header. A 401 on a request with oauth2 auth
// refreshes the token and repeats the request once.
//
// retryIf (on a request or a client) is a function given the response of a
// retryable status; returning false stops the retries there, and the answer
// is handled as if no retries were left. It is for the 429s that waiting
// cannot fix, such as a spent daily budget:
//
//	http.client({baseUrl, retryIf: (r) => r.headers['x-daily-ratelimit-token-remaining'] !== '0'})
//
// # Limits and policy
//
// Each attempt ends when the call's deadline passes (the request in flight
// is cancelled) or after its own timeout. Response bodies are capped
// (HTTPConfig.MaxResponseBytes, 32 MiB by default; maxBytes raises or
// lowers it per request, up to 1 GiB) without reading past the cap.
// Destinations go through the host's Allow/Deny lists (host names, "*."
// suffixes, IPs and CIDRs); link-local and cloud metadata addresses
// (169.254.169.254) are denied unless the host allows them. The check is
// made on the URL's host, on every redirect hop, and on the address a name
// resolves to when connecting, so DNS cannot lead a script to a denied
// address. Up to 10 redirects are followed; Authorization, cookies and the
// auth's own headers are dropped when a redirect leaves the original host
// or downgrades to plain http. Only a client made with cookies: true keeps
// cookies: its own jar, applied to its requests and the redirects they
// follow, emptied when a new call starts.
//
// # Host integration
//
// Register New() once per host; it shares one connection pool per distinct
// bindings.HTTPConfig between all runtimes. Each request reads the call in
// progress (context, HTTPConfig, logger, secrets, OnHTTP), so an instance
// serves any number of calls. Each request is logged at debug level with
// method, url, status, duration_ms and retries, and every attempt is
// reported to Call.OnHTTP.
package http
