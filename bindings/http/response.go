package http

import (
	"errors"
	nethttp "net/http"
	"strings"

	"github.com/dop251/goja"

	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/internal/jsjson"
)

// response is the script's response object, {status, ok, url, headers,
// text(), json(), bytes(), arrayBuffer()}: a goja DynamicObject, so nothing is built until the
// script reads it (headers especially), and text/json are two functions
// shared by every response of the runtime. The body stays in Go until
// text() or json() asks for it; json() builds JS values straight from the
// bytes. Scripts may add properties of their own.
type response struct {
	in      *instance
	res     *result
	label   string
	status  goja.Value
	headers goja.Value
	text    goja.Value
	extra   map[string]goja.Value
}

func (in *instance) response(res *result, label string) goja.Value {
	return in.rt.NewDynamicObject(&response{in: in, res: res, label: label})
}

// Get implements goja.DynamicObject.
func (r *response) Get(key string) goja.Value {
	rt := r.in.rt
	switch key {
	case "status":
		if r.status == nil {
			r.status = rt.ToValue(r.res.status)
		}
		return r.status
	case "ok":
		return rt.ToValue(r.res.status >= 200 && r.res.status <= 299)
	case "url":
		return rt.ToValue(r.res.url)
	case "headers":
		if r.headers == nil {
			r.headers = r.in.headers(r.res.header, nil)
		}
		return r.headers
	case "text":
		return r.in.textFn()
	case "json":
		return r.in.jsonFn()
	case "bytes":
		return r.in.bytesFn()
	case "arrayBuffer":
		return r.in.arrayBufferFn()
	}
	return r.extra[key]
}

// Set implements goja.DynamicObject: the response's own properties are
// read-only; others may be added.
func (r *response) Set(key string, v goja.Value) bool {
	if isResponseKey(key) {
		return false
	}
	if r.extra == nil {
		r.extra = map[string]goja.Value{}
	}
	r.extra[key] = v
	return true
}

// Has implements goja.DynamicObject.
func (r *response) Has(key string) bool {
	if isResponseKey(key) {
		return true
	}
	_, ok := r.extra[key]
	return ok
}

// Delete implements goja.DynamicObject.
func (r *response) Delete(key string) bool {
	if isResponseKey(key) {
		return false
	}
	delete(r.extra, key)
	return true
}

// Keys implements goja.DynamicObject.
func (r *response) Keys() []string {
	// The order Object.keys and JSON.stringify list them in.
	keys := append(make([]string, 0, 8+len(r.extra)), "status", "ok", "url", "headers", "text", "json", "bytes", "arrayBuffer")
	for k := range r.extra {
		keys = append(keys, k)
	}
	return keys
}

func isResponseKey(k string) bool {
	switch k {
	case "status", "ok", "url", "headers", "text", "json", "bytes", "arrayBuffer":
		return true
	}
	return false
}

// thisResponse returns the response a text()/json() call was made on.
func (in *instance) thisResponse(c goja.FunctionCall, method string) *response {
	if o, ok := c.This.(*goja.Object); ok {
		if r, ok := o.Export().(*response); ok {
			return r
		}
	}
	panic(in.rt.NewTypeError("response." + method + "() must be called on a response, as resp." + method + "()"))
}

// textFn is the runtime's shared text method: the body as a string
// (decoded as UTF-8), the same string on every call.
func (in *instance) textFn() goja.Value {
	if in.text == nil {
		in.text = in.rt.ToValue(func(c goja.FunctionCall) goja.Value {
			r := in.thisResponse(c, "text")
			if r.text == nil {
				r.text = in.rt.ToValue(string(r.res.body))
			}
			return r.text
		})
	}
	return in.text
}

// jsonFn is the runtime's shared json method: the body parsed with
// jsjson, a fresh value on every call.
func (in *instance) jsonFn() goja.Value {
	if in.json == nil {
		in.json = in.rt.ToValue(func(c goja.FunctionCall) goja.Value {
			r := in.thisResponse(c, "json")
			v, err := jsjson.ParseLazy(in.rt, r.res.body)
			if err != nil {
				redact := in.vu.Call().Secrets.Redact
				var se *jsjson.SyntaxError
				if errors.As(err, &se) {
					bindings.Throw(in.rt, errors.New(redact(r.label+": the response is not valid JSON: "+se.Error())))
				}
				bindings.Throw(in.rt, errors.New(redact(r.label+": decoding the JSON response: "+err.Error())))
			}
			return v
		})
	}
	return in.json
}

// bytesFn is the runtime's shared bytes method: the body as a Uint8Array,
// a fresh copy on every call (the script may write into it), as fetch's
// bytes() gives.
func (in *instance) bytesFn() goja.Value {
	if in.bytes == nil {
		in.bytes = in.rt.ToValue(func(c goja.FunctionCall) goja.Value {
			r := in.thisResponse(c, "bytes")
			ab := in.rt.NewArrayBuffer(append([]byte(nil), r.res.body...))
			u8, ok := goja.AssertConstructor(in.rt.Get("Uint8Array"))
			if !ok {
				bindings.Throw(in.rt, errors.New("response.bytes(): this runtime has no Uint8Array"))
			}
			v, err := u8(nil, in.rt.ToValue(ab))
			if err != nil {
				bindings.Throw(in.rt, err)
			}
			return v
		})
	}
	return in.bytes
}

// arrayBufferFn is the runtime's shared arrayBuffer method: the body as a
// fresh ArrayBuffer, as fetch's arrayBuffer() gives.
func (in *instance) arrayBufferFn() goja.Value {
	if in.arrayBuffer == nil {
		in.arrayBuffer = in.rt.ToValue(func(c goja.FunctionCall) goja.Value {
			r := in.thisResponse(c, "arrayBuffer")
			return in.rt.ToValue(in.rt.NewArrayBuffer(append([]byte(nil), r.res.body...)))
		})
	}
	return in.arrayBuffer
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
