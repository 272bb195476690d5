package http

import (
	"errors"
	nethttp "net/http"
	"strings"

	"github.com/dop251/goja"

	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/internal/jsjson"
)

// response builds the script's response object: {status, ok, url,
// headers, text(), json()}. The body stays in Go until text() or json()
// asks for it; json() builds JS values straight from the bytes.
func (in *instance) response(res *result, label string) goja.Value {
	rt := in.rt
	o := rt.NewObject()
	_ = o.Set("status", res.status)
	_ = o.Set("ok", res.status >= 200 && res.status <= 299)
	_ = o.Set("url", res.url)
	_ = o.Set("headers", in.headers(res.header, nil))
	var text goja.Value
	_ = o.Set("text", func(goja.FunctionCall) goja.Value {
		if text == nil {
			text = rt.ToValue(string(res.body))
		}
		return text
	})
	_ = o.Set("json", func(goja.FunctionCall) goja.Value {
		v, err := jsjson.Parse(rt, res.body)
		if err != nil {
			var se *jsjson.SyntaxError
			if errors.As(err, &se) {
				bindings.Throw(rt, errors.New(in.vu.Call().Secrets.Redact(label+": the response is not valid JSON: "+se.Error())))
			}
			bindings.Throw(rt, errors.New(in.vu.Call().Secrets.Redact(label+": decoding the JSON response: "+err.Error())))
		}
		return v
	})
	return o
}

// headers builds a plain object of lower-case header names; several values
// of one header are joined with ", ". secrets, when set, redacts values.
func (in *instance) headers(h nethttp.Header, secrets *bindings.Secrets) *goja.Object {
	o := in.rt.NewObject()
	for k, vs := range h {
		v := ""
		if len(vs) == 1 {
			v = vs[0]
		} else {
			v = strings.Join(vs, ", ")
		}
		if secrets != nil {
			v = secrets.Redact(v)
		}
		_ = o.Set(strings.ToLower(k), v)
	}
	return o
}
