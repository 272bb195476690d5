package http

import (
	"math"
	nethttp "net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dop251/goja"

	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/bindings/auth"
	"github.com/synapsejs/synapse-js/internal/jsjson"
	"github.com/synapsejs/synapse-js/internal/jsvalue"
)

// MaxMaxBytes is the ceiling of a per-request maxBytes: the host's cap is a
// default a script may raise for one big download, within reason.
const MaxMaxBytes = 1 << 30

// maxRetryOption bounds retry: N.
const maxRetryOption = 20

// settings are what a client fixes for its requests and a request may
// override.
type settings struct {
	header   nethttp.Header
	query    url.Values
	timeout  time.Duration
	retries  int  // -1: the host's default
	throw    int8 // 0: unset (throw), 1: throw, 2: do not
	auth     auth.Authenticator
	maxBytes int64
	retryIf  goja.Callable // may veto the retry of a retryable status
	jar      *clientJar    // the client's cookie jar (cookies: true), nil if none
}

// defaults are what http.client({...}) fixes for its requests.
type defaults struct {
	settings
	base   string       // scheme://host/path without query, fragment or trailing slash
	limits clientLimits // maxRequests, maxRepeats (budget.go)
}

// spec is one request as the script described it, validated.
type spec struct {
	settings
	fn       string // the JS function, for messages ("http.get")
	method   string
	url      string // absolute
	body     []byte
	hasBody  bool
	form     url.Values
	bodyFrom string        // which option set the body, for "given twice" errors
	base     string        // the client's baseUrl, if any
	limits   *clientLimits // the client's guard options, if any
}

// throws reports whether a non-2xx answer throws.
func (s *spec) throws() bool { return s.throw != 2 }

func (in *instance) typeError(fn, format string, args ...any) {
	panic(in.rt.NewTypeError(fn + ": " + sprintf(format, args...)))
}

func (in *instance) newSpec(fn string, d *defaults) *spec {
	s := &spec{fn: fn, method: nethttp.MethodGet}
	s.retries = -1
	if d != nil {
		s.settings = d.settings
		s.header = d.header.Clone()
		s.query = cloneValues(d.query)
		s.base = d.base
		s.limits = &d.limits
	}
	if s.header == nil {
		s.header = nethttp.Header{}
	}
	return s
}

// request implements http.request(opts) and client.request(opts).
func (in *instance) request(fn string, d *defaults, v goja.Value) goja.Value {
	o := in.optionsObject(fn, v, true)
	s := in.newSpec(fn, d)
	in.applyOptions(fn, o, onRequest, s, nil)
	if s.url == "" {
		in.typeError(fn, "url is required")
	}
	return in.do(s)
}

// shorthand implements get/del(url, [opts]) and post/put/patch(url, [body], [opts]).
func (in *instance) shorthand(fn, method string, hasBody bool, d *defaults, c goja.FunctionCall) goja.Value {
	s := in.newSpec(fn, d)
	s.method = method
	in.setURL(s, c.Argument(0))
	optsArg := c.Argument(1)
	if hasBody {
		in.setBody(s, "body", c.Argument(1), bodyArg)
		optsArg = c.Argument(2)
	}
	if o := in.optionsObject(fn, optsArg, false); o != nil {
		in.applyOptions(fn, o, onShorthand, s, nil)
	}
	return in.do(s)
}

// optionsObject checks that v is a plain object (or, when !required,
// undefined or null).
func (in *instance) optionsObject(fn string, v goja.Value, required bool) *goja.Object {
	switch k := jsvalue.KindOf(v); k {
	case jsvalue.Object:
		return v.(*goja.Object)
	case jsvalue.Undefined, jsvalue.Null:
		if !required {
			return nil
		}
		in.typeError(fn, "options must be an object")
	default:
		in.typeError(fn, "options must be an object, got %s", k)
	}
	return nil
}

// scope says where an option may be given.
type scope uint8

const (
	onRequest   scope = 1 << iota // http.request({...})
	onShorthand                   // the options of get/post/put/patch/del
	onClient                      // http.client({...})
	everywhere  = onRequest | onShorthand | onClient
	onRequests  = onRequest | onShorthand
)

// option is one option of the module: where it may be given and what it
// sets. A request's options set its spec; a client's set its defaults (s
// is nil then). Adding an option is adding a row here.
type option struct {
	name  string
	where scope
	apply func(in *instance, fn string, t *settings, s *spec, d *defaults, v goja.Value)
}

// options is the module's one table of options, in the order messages
// list them.
var options = []option{
	{"method", onRequest, func(in *instance, fn string, _ *settings, s *spec, _ *defaults, v goja.Value) {
		s.method = in.method(fn, v)
	}},
	{"url", onRequest, func(in *instance, _ string, _ *settings, s *spec, _ *defaults, v goja.Value) { in.setURL(s, v) }},
	{"baseUrl", onClient, func(in *instance, fn string, _ *settings, _ *spec, d *defaults, v goja.Value) { in.setBase(fn, d, v) }},
	{"query", everywhere, func(in *instance, fn string, t *settings, _ *spec, _ *defaults, v goja.Value) {
		in.mergeValues(fn, "query", &t.query, v)
	}},
	{"headers", everywhere, func(in *instance, fn string, t *settings, _ *spec, _ *defaults, v goja.Value) {
		in.mergeHeaders(fn, t.header, v)
	}},
	{"json", onRequests, func(in *instance, _ string, _ *settings, s *spec, _ *defaults, v goja.Value) {
		in.setBody(s, "json", v, jsonOption)
	}},
	{"form", onRequests, func(in *instance, fn string, _ *settings, s *spec, _ *defaults, v goja.Value) {
		if s.bodyFrom != "" {
			in.typeError(fn, "form: the body is already given by %s", s.bodyFrom)
		}
		s.form = url.Values{}
		in.mergeValues(fn, "form", &s.form, v)
		s.bodyFrom = "form"
	}},
	{"body", onRequests, func(in *instance, _ string, _ *settings, s *spec, _ *defaults, v goja.Value) {
		in.setBody(s, "body", v, bodyOption)
	}},
	{"timeout", everywhere, func(in *instance, fn string, t *settings, _ *spec, _ *defaults, v goja.Value) {
		t.timeout = in.duration(fn, "timeout", v)
	}},
	{"retry", everywhere, func(in *instance, fn string, t *settings, _ *spec, _ *defaults, v goja.Value) {
		t.retries = in.retryCount(fn, v)
	}},
	{"retryIf", everywhere, func(in *instance, fn string, t *settings, _ *spec, _ *defaults, v goja.Value) {
		t.retryIf = in.retryPredicate(fn, v)
	}},
	{"throwOnError", everywhere, func(in *instance, fn string, t *settings, _ *spec, _ *defaults, v goja.Value) {
		if jsvalue.KindOf(v) != jsvalue.Bool {
			in.typeError(fn, "throwOnError must be a boolean, got %s", jsvalue.KindOf(v))
		}
		t.throw = 1
		if !v.ToBoolean() {
			t.throw = 2
		}
	}},
	{"auth", everywhere, func(in *instance, fn string, t *settings, _ *spec, _ *defaults, v goja.Value) {
		t.auth = in.authValue(fn, v)
	}},
	{"maxBytes", everywhere, func(in *instance, fn string, t *settings, _ *spec, _ *defaults, v goja.Value) {
		t.maxBytes = in.maxBytes(fn, v)
	}},
	{"cookies", onClient, func(in *instance, fn string, t *settings, _ *spec, _ *defaults, v goja.Value) {
		if jsvalue.KindOf(v) != jsvalue.Bool {
			in.typeError(fn, "cookies must be a boolean, got %s", jsvalue.KindOf(v))
		}
		t.jar = nil
		if v.ToBoolean() {
			t.jar = &clientJar{}
		}
	}},
	{"maxRequests", onClient, func(in *instance, fn string, _ *settings, _ *spec, d *defaults, v goja.Value) {
		d.limits.maxRequests = in.guardCount(fn, "maxRequests", v)
	}},
	{"maxRepeats", onClient, func(in *instance, fn string, _ *settings, _ *spec, d *defaults, v goja.Value) {
		d.limits.maxRepeats = in.guardCount(fn, "maxRepeats", v)
	}},
}

// optionNames lists the options allowed where, for messages.
func optionNames(where scope) string {
	var names []string
	for _, o := range options {
		if o.where&where != 0 {
			names = append(names, o.name)
		}
	}
	return strings.Join(names, ", ")
}

// applyOptions applies the options object o given where: to s for a
// request, to d for a client.
func (in *instance) applyOptions(fn string, o *goja.Object, where scope, s *spec, d *defaults) {
	var t *settings
	if s != nil {
		t = &s.settings
	} else {
		t = &d.settings
	}
	for _, k := range o.Keys() {
		v := o.Get(k)
		if goja.IsUndefined(v) {
			continue
		}
		i := slices.IndexFunc(options, func(op option) bool { return op.name == k })
		switch {
		case i >= 0 && options[i].where&where != 0:
			options[i].apply(in, fn, t, s, d, v)
		case where == onShorthand && (k == "method" || k == "url"):
			in.typeError(fn, "option %q belongs to http.request; here the method and url are the arguments", k)
		default:
			in.typeError(fn, "unknown option %q (known: %s)", k, optionNames(where))
		}
	}
}

// setURL validates the url argument; on a client a relative path is
// joined to baseUrl.
func (in *instance) setURL(s *spec, v goja.Value) {
	if jsvalue.KindOf(v) != jsvalue.String {
		in.typeError(s.fn, "url must be a string, got %s", jsvalue.KindOf(v))
	}
	raw := strings.TrimSpace(v.String())
	if s.base != "" && !isAbsolute(raw) {
		raw = joinURL(s.base, raw)
	}
	u, err := url.Parse(raw)
	if err != nil {
		in.typeError(s.fn, "url %q is not a valid URL: %v", raw, unwrapURLErr(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		in.typeError(s.fn, "url must be an absolute http(s) URL (or a path on a client with a baseUrl), got %q", raw)
	}
	s.url = raw
}

func (in *instance) method(fn string, v goja.Value) string {
	if jsvalue.KindOf(v) != jsvalue.String {
		in.typeError(fn, "method must be a string, got %s", jsvalue.KindOf(v))
	}
	m := strings.ToUpper(v.String())
	if !bindings.ValidHeaderName(m) {
		in.typeError(fn, "method %q is not a valid HTTP method", v.String())
	}
	return m
}

// scalar converts a query/form/header value; ok is false for null and
// undefined (which remove the key).
func (in *instance) scalar(fn, what string, v goja.Value) (string, bool) {
	switch k := jsvalue.KindOf(v); k {
	case jsvalue.Undefined, jsvalue.Null:
		return "", false
	case jsvalue.String, jsvalue.Int, jsvalue.Float, jsvalue.Bool, jsvalue.BigInt:
		return v.String(), true
	case jsvalue.Date:
		b := jsjson.AppendDate(nil, v.(*goja.Object))
		return strings.Trim(string(b), `"`), true
	default:
		in.typeError(fn, "%s must be a string, number or boolean (or an array of them), got %s", what, k)
	}
	return "", false
}

// values converts a value that may be an array into its list of strings;
// nil means remove.
func (in *instance) values(fn, what string, v goja.Value) []string {
	if jsvalue.KindOf(v) == jsvalue.Array {
		o := v.(*goja.Object)
		n := jsvalue.ArrayLen(o)
		out := make([]string, 0, n)
		for i := 0; i < n; i++ {
			s, ok := in.scalar(fn, what+"["+strconv.Itoa(i)+"]", o.Get(jsvalue.Index(i)))
			if ok {
				out = append(out, s)
			}
		}
		return out
	}
	s, ok := in.scalar(fn, what, v)
	if !ok {
		return nil
	}
	return []string{s}
}

// eachValue calls f for each key of object v (null: none) with the key's
// values, nil meaning remove the key.
func (in *instance) eachValue(fn, what string, v goja.Value, f func(k string, vals []string)) {
	if jsvalue.KindOf(v) == jsvalue.Null {
		return
	}
	if jsvalue.KindOf(v) != jsvalue.Object {
		in.typeError(fn, "%s must be an object, got %s", what, jsvalue.KindOf(v))
	}
	o := v.(*goja.Object)
	for _, k := range o.Keys() {
		f(k, in.values(fn, what+"."+k, o.Get(k)))
	}
}

// mergeValues merges object v into *dst (allocated on demand): each key
// replaces earlier values of the same key, null removes it.
func (in *instance) mergeValues(fn, what string, dst *url.Values, v goja.Value) {
	in.eachValue(fn, what, v, func(k string, vals []string) {
		if vals == nil {
			delete(*dst, k)
			return
		}
		if *dst == nil {
			*dst = url.Values{}
		}
		(*dst)[k] = vals
	})
}

func (in *instance) mergeHeaders(fn string, dst nethttp.Header, v goja.Value) {
	if jsvalue.KindOf(v) == jsvalue.Null {
		return
	}
	if jsvalue.KindOf(v) != jsvalue.Object {
		in.typeError(fn, "headers must be an object, got %s", jsvalue.KindOf(v))
	}
	o := v.(*goja.Object)
	for _, k := range o.Keys() {
		if !bindings.ValidHeaderName(k) {
			in.typeError(fn, "headers: %q is not a valid header name", k)
		}
		vals := in.values(fn, "headers."+k, o.Get(k))
		ck := nethttp.CanonicalHeaderKey(k)
		if vals == nil {
			delete(dst, ck)
			continue
		}
		for _, s := range vals {
			if strings.ContainsAny(s, "\r\n\x00") {
				in.typeError(fn, "headers.%s must not contain line breaks or NUL", k)
			}
		}
		dst[ck] = vals
	}
}

// How setBody reads a value.
const (
	bodyArg    = iota // post(url, body): string/binary as is, anything else as JSON
	bodyOption        // {body}: string/binary as is, objects and arrays as JSON
	jsonOption        // {json}: always JSON, null included
)

// setBody sets the request body from v (undefined: none; null: none,
// except for json).
func (in *instance) setBody(s *spec, from string, v goja.Value, mode int) {
	k := jsvalue.KindOf(v)
	if k == jsvalue.Undefined || (k == jsvalue.Null && mode != jsonOption) {
		return
	}
	if s.bodyFrom != "" {
		in.typeError(s.fn, "%s: the body is already given by %s", from, s.bodyFrom)
	}
	s.bodyFrom = from
	if mode != jsonOption {
		switch k {
		case jsvalue.String:
			s.body, s.hasBody = []byte(v.String()), true
			return
		case jsvalue.Object:
			if b, ok := in.binary(v.(*goja.Object)); ok {
				s.body, s.hasBody = b, true
				if s.header.Get("Content-Type") == "" {
					s.header.Set("Content-Type", "application/octet-stream")
				}
				return
			}
		case jsvalue.Array:
		default:
			if mode == bodyOption {
				in.typeError(s.fn, "body must be a string, an ArrayBuffer, a typed array (Uint8Array...), a DataView or an object (sent as JSON), got %s", k)
			}
		}
	}
	if k == jsvalue.Function || k == jsvalue.Promise {
		in.typeError(s.fn, "%s cannot be sent as JSON: got %s", from, k)
	}
	b, err := jsjson.Append(nil, v)
	if err != nil {
		in.typeError(s.fn, "%s cannot be encoded as JSON: %v", from, err)
	}
	s.body, s.hasBody = b, true
	if s.header.Get("Content-Type") == "" {
		s.header.Set("Content-Type", "application/json")
	}
}

// binary returns a copy of the bytes of an ArrayBuffer or of any view on
// one (a typed array such as Uint8Array, or a DataView: the view's range
// only); ok is false for other objects.
func (in *instance) binary(o *goja.Object) ([]byte, bool) {
	// Only binary objects are exported: Export of a plain object would
	// copy it whole.
	switch t := o.ExportType(); {
	case t == reflect.TypeFor[goja.ArrayBuffer]():
		ab, _ := o.Export().(goja.ArrayBuffer)
		return append([]byte(nil), ab.Bytes()...), true
	case t == reflect.TypeFor[[]byte]():
		b, _ := o.Export().([]byte)
		return append([]byte(nil), b...), true
	}
	buf, ok := o.Get("buffer").(*goja.Object)
	if !ok || buf.ExportType() != reflect.TypeFor[goja.ArrayBuffer]() {
		return nil, false
	}
	isView, _ := goja.AssertFunction(in.rt.Get("ArrayBuffer").ToObject(in.rt).Get("isView"))
	if isView == nil {
		return nil, false
	}
	if yes, err := isView(goja.Undefined(), o); err != nil || !yes.ToBoolean() {
		return nil, false
	}
	ab, _ := buf.Export().(goja.ArrayBuffer)
	all := ab.Bytes()
	off, n := o.Get("byteOffset").ToInteger(), o.Get("byteLength").ToInteger()
	if off < 0 || n < 0 || off+n > int64(len(all)) {
		return nil, false
	}
	return append([]byte(nil), all[off:off+n]...), true
}

func (in *instance) duration(fn, name string, v goja.Value) time.Duration {
	switch k := jsvalue.KindOf(v); k {
	case jsvalue.Int, jsvalue.Float:
		ms := v.ToFloat()
		if math.IsNaN(ms) || math.IsInf(ms, 0) || ms <= 0 {
			in.typeError(fn, "%s must be a positive number of milliseconds, got %v", name, ms)
		}
		return time.Duration(ms * float64(time.Millisecond))
	case jsvalue.String:
		d, err := time.ParseDuration(v.String())
		if err != nil || d <= 0 {
			in.typeError(fn, "%s must be milliseconds or a duration such as \"30s\", got %q", name, v.String())
		}
		return d
	default:
		in.typeError(fn, "%s must be a number of milliseconds, got %s", name, k)
	}
	return 0
}

// retryPredicate reads the retryIf option: a function given the response
// (status, headers, text(), json()) of a retryable status, answering
// whether to retry. It lets a script stop retries that cannot help, such
// as a 429 that says a daily budget is spent.
func (in *instance) retryPredicate(fn string, v goja.Value) goja.Callable {
	f, ok := goja.AssertFunction(v)
	if !ok {
		in.typeError(fn, "retryIf must be a function, got %s", jsvalue.KindOf(v))
	}
	return f
}

func (in *instance) retryCount(fn string, v goja.Value) int {
	if k := jsvalue.KindOf(v); k != jsvalue.Int {
		in.typeError(fn, "retry must be a whole number from 0 to %d, got %s", maxRetryOption, k)
	}
	n := v.ToInteger()
	if n < 0 || n > maxRetryOption {
		in.typeError(fn, "retry must be a whole number from 0 to %d, got %d", maxRetryOption, n)
	}
	return int(n)
}

func (in *instance) maxBytes(fn string, v goja.Value) int64 {
	if k := jsvalue.KindOf(v); k != jsvalue.Int {
		in.typeError(fn, "maxBytes must be a whole number of bytes, got %s", k)
	}
	n := v.ToInteger()
	if n <= 0 || n > MaxMaxBytes {
		in.typeError(fn, "maxBytes must be from 1 to %d, got %d", MaxMaxBytes, n)
	}
	return n
}

func (in *instance) authValue(fn string, v goja.Value) auth.Authenticator {
	if goja.IsNull(v) {
		return nil
	}
	a, ok := auth.FromValue(v)
	if !ok {
		in.typeError(fn, "auth must be an object made by require('synapse/auth'), got %s", jsvalue.KindOf(v))
	}
	return a
}

// newClient implements http.client({...}).
func (in *instance) newClient(c goja.FunctionCall) goja.Value {
	const fn = "http.client"
	d := &defaults{}
	d.header, d.retries = nethttp.Header{}, -1
	if o := in.optionsObject(fn, c.Argument(0), false); o != nil {
		in.applyOptions(fn, o, onClient, nil, d)
	}
	obj := in.rt.NewObject()
	if err := in.defineMethods(obj, d); err != nil {
		panic(in.rt.NewGoError(err))
	}
	if d.base != "" {
		_ = obj.Set("baseUrl", d.base)
	}
	return obj
}

// setBase validates baseUrl and moves its query string into the client's
// default query.
func (in *instance) setBase(fn string, d *defaults, v goja.Value) {
	if jsvalue.KindOf(v) != jsvalue.String {
		in.typeError(fn, "baseUrl must be a string, got %s", jsvalue.KindOf(v))
	}
	raw := strings.TrimSpace(v.String())
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		in.typeError(fn, "baseUrl must be an absolute http(s) URL, got %q", raw)
	}
	if u.RawQuery != "" {
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			in.typeError(fn, "baseUrl has a malformed query string: %v", err)
		}
		if d.query == nil {
			d.query = url.Values{}
		}
		for k, vs := range q {
			if _, set := d.query[k]; !set {
				d.query[k] = vs
			}
		}
	}
	base := raw
	if i := strings.IndexAny(base, "?#"); i >= 0 {
		base = base[:i]
	}
	d.base = strings.TrimRight(base, "/")
}

// isAbsolute reports whether s starts with a URL scheme and "//".
func isAbsolute(s string) bool {
	i := strings.Index(s, "://")
	if i <= 0 {
		return false
	}
	for j := 0; j < i; j++ {
		c := s[j]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case j > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

// joinURL joins base (no trailing slash) and a relative path with exactly
// one slash; a leading slash on the path keeps base's path.
func joinURL(base, p string) string {
	switch {
	case p == "":
		return base
	case p[0] == '?' || p[0] == '#':
		return base + p
	}
	return base + "/" + strings.TrimLeft(p, "/")
}

func cloneValues(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = vs
	}
	return out
}
