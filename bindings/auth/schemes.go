package auth

import (
	"context"
	"encoding/base64"
	nethttp "net/http"
	"strings"

	"github.com/dop251/goja"
	"github.com/go-resty/resty/v2"

	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/internal/jsvalue"
)

// headerAuth sets one header (bearer, basic, apiKey in a header), plus any
// extra headers a connection asked for.
type headerAuth struct {
	scheme  string
	name    string // canonical header name
	value   string
	extra   nethttp.Header
	secrets []string
	once    secretsOnce
}

// Scheme implements Authenticator.
func (a *headerAuth) Scheme() string { return a.scheme }

// Apply implements Authenticator.
func (a *headerAuth) Apply(_ context.Context, call *bindings.Call, _ *resty.Client, req *resty.Request) error {
	a.once.add(call, a.secrets...)
	for k, vs := range a.extra {
		if req.Header.Get(k) == "" {
			req.Header[k] = vs
		}
	}
	req.Header.Set(a.name, a.value)
	return nil
}

// OnUnauthorized implements Authenticator: a static credential cannot
// be renewed.
func (a *headerAuth) OnUnauthorized(context.Context, *bindings.Call, *resty.Client, *resty.Request) (bool, error) {
	return false, nil
}

// SensitiveHeaders implements Authenticator.
func (a *headerAuth) SensitiveHeaders() []string { return []string{a.name} }

// queryAuth puts an API key in the query string.
type queryAuth struct {
	param string
	value string
	extra nethttp.Header
	once  secretsOnce
}

// Scheme implements Authenticator.
func (a *queryAuth) Scheme() string { return "apiKey" }

// Apply implements Authenticator.
func (a *queryAuth) Apply(_ context.Context, call *bindings.Call, _ *resty.Client, req *resty.Request) error {
	a.once.add(call, a.value)
	for k, vs := range a.extra {
		if req.Header.Get(k) == "" {
			req.Header[k] = vs
		}
	}
	req.QueryParam.Set(a.param, a.value)
	return nil
}

// OnUnauthorized implements Authenticator: a static key cannot be
// renewed.
func (a *queryAuth) OnUnauthorized(context.Context, *bindings.Call, *resty.Client, *resty.Request) (bool, error) {
	return false, nil
}

// SensitiveHeaders implements Authenticator: the key is in the URL,
// which a redirect replaces.
func (a *queryAuth) SensitiveHeaders() []string { return nil }

func bearerAuth(token string) *headerAuth {
	return &headerAuth{scheme: "bearer", name: "Authorization", value: "Bearer " + token, secrets: []string{token}}
}

func basicAuth(user, password string) *headerAuth {
	enc := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	return &headerAuth{scheme: "basic", name: "Authorization", value: "Basic " + enc, secrets: []string{password, user + ":" + password, enc}}
}

// apiKeyAuth builds an apiKey authenticator; exactly one of header and
// query is set.
func apiKeyAuth(header, query, value string) Authenticator {
	if query != "" {
		return &queryAuth{param: query, value: value}
	}
	return &headerAuth{scheme: "apiKey", name: nethttp.CanonicalHeaderKey(header), value: value, secrets: []string{value}}
}

// auth.bearer(token)
func (in *instance) bearer(c goja.FunctionCall) goja.Value {
	const fn = "auth.bearer"
	tok := in.requireString(fn, "token", c.Argument(0))
	in.vu.Call().Secrets.Add(tok)
	return in.wrap(bearerAuth(tok))
}

// auth.basic(user, password)
func (in *instance) basic(c goja.FunctionCall) goja.Value {
	const fn = "auth.basic"
	user := in.requireString(fn, "user", c.Argument(0))
	pw := in.optString(fn, "password", c.Argument(1))
	a := basicAuth(user, pw)
	in.vu.Call().Secrets.Add(a.secrets...)
	return in.wrap(a)
}

// auth.apiKey({header | query, value})
func (in *instance) apiKey(c goja.FunctionCall) goja.Value {
	const fn = "auth.apiKey"
	o := in.options(fn, c.Argument(0), "header", "query", "value")
	if o == nil {
		in.typeError(fn, "options must be an object {header | query, value}")
	}
	header := in.optString(fn, "header", o.Get("header"))
	query := in.optString(fn, "query", o.Get("query"))
	value := in.requireString(fn, "value", o.Get("value"))
	switch {
	case header == "" && query == "":
		in.typeError(fn, "give header (a header name) or query (a query parameter name)")
	case header != "" && query != "":
		in.typeError(fn, "give header or query, not both")
	case header != "" && !bindings.ValidHeaderName(header):
		in.typeError(fn, "header %q is not a valid header name", header)
	}
	in.vu.Call().Secrets.Add(value)
	return in.wrap(apiKeyAuth(header, query, value))
}

// options checks that v is undefined/null (nil result) or a plain object
// whose keys are all known.
func (in *instance) options(fn string, v goja.Value, known ...string) *goja.Object {
	switch jsvalue.KindOf(v) {
	case jsvalue.Undefined, jsvalue.Null:
		return nil
	case jsvalue.Object:
	default:
		in.typeError(fn, "options must be an object, got %s", jsvalue.KindOf(v))
	}
	o := v.(*goja.Object)
	for _, k := range o.Keys() {
		found := false
		for _, kk := range known {
			if k == kk {
				found = true
				break
			}
		}
		if !found {
			in.typeError(fn, "unknown option %q (known: %s)", k, strings.Join(known, ", "))
		}
	}
	return o
}

func (in *instance) requireString(fn, name string, v goja.Value) string {
	if jsvalue.KindOf(v) != jsvalue.String {
		in.typeError(fn, "%s must be a string, got %s", name, jsvalue.KindOf(v))
	}
	s := v.String()
	if s == "" {
		in.typeError(fn, "%s must not be empty", name)
	}
	if strings.ContainsAny(s, "\r\n") {
		in.typeError(fn, "%s must not contain line breaks", name)
	}
	return s
}

func (in *instance) optString(fn, name string, v goja.Value) string {
	switch jsvalue.KindOf(v) {
	case jsvalue.Undefined, jsvalue.Null:
		return ""
	case jsvalue.String:
		s := v.String()
		if strings.ContainsAny(s, "\r\n") {
			in.typeError(fn, "%s must not contain line breaks", name)
		}
		return s
	}
	in.typeError(fn, "%s must be a string, got %s", name, jsvalue.KindOf(v))
	return ""
}
