// Package errors defines the error classes scripts throw and the host maps to
// wire statuses: SynapseError and its subclasses QuotaExceededError,
// NotSupportedError, AuthError, NotFoundError, HttpError and ValidationError.
// They are globals in every runtime and also the exports of
// require('synapse/errors').
package errors

import (
	"fmt"
	"sync"

	"github.com/dop251/goja"

	"github.com/synapsejs/synapse-js/bindings"
)

// ModuleName is the require() name of this module.
const ModuleName = "synapse/errors"

// Class names, as scripts see them.
const (
	Synapse       = "SynapseError"
	QuotaExceeded = "QuotaExceededError"
	NotSupported  = "NotSupportedError"
	Auth          = "AuthError"
	NotFound      = "NotFoundError"
	HTTP          = "HttpError"
	Validation    = "ValidationError"
)

// Classes lists every class, base first.
func Classes() []string {
	return []string{Synapse, QuotaExceeded, NotSupported, Auth, NotFound, HTTP, Validation}
}

// prelude defines the classes. Every subclass extends SynapseError so the
// host recognises them all with one instanceof, and each fixes its default
// status so `throw new AuthError("bad token")` needs nothing more.
const prelude = `(function (g) {
  "use strict";
  function opt(o, k, d) { return o && o[k] !== undefined && o[k] !== null ? o[k] : d; }
  class SynapseError extends Error {
    constructor(message, opts) {
      super(message === undefined ? "" : String(message));
      this.name = "SynapseError";
      this.status = opt(opts, "status", 400);
      this.detail = opt(opts, "detail", null);
    }
  }
  class QuotaExceededError extends SynapseError {
    constructor(message, opts) {
      super(message === undefined ? "quota exceeded" : message, opts);
      this.name = "QuotaExceededError";
      this.status = 429;
      this.retryAfter = opt(opts, "retryAfter", null);
      if (opts) { for (const k of ["status", "headers", "body"]) if (opts[k] !== undefined && k !== "status") this[k] = opts[k]; }
    }
  }
  class NotSupportedError extends SynapseError {
    constructor(message, opts) {
      super(message === undefined ? "Operation is not supported" : message, opts);
      this.name = "NotSupportedError";
      this.status = 405;
    }
  }
  class AuthError extends SynapseError {
    constructor(message, opts) {
      super(message === undefined ? "authentication failed" : message, opts);
      this.name = "AuthError";
      this.status = opt(opts, "status", 401) === 403 ? 403 : 401;
      if (opts) { if (opts.headers !== undefined) this.headers = opts.headers; if (opts.body !== undefined) this.body = opts.body; }
    }
  }
  class NotFoundError extends SynapseError {
    constructor(message, opts) {
      super(message === undefined ? "not found" : message, opts);
      this.name = "NotFoundError";
      this.status = 404;
      if (opts) { if (opts.headers !== undefined) this.headers = opts.headers; if (opts.body !== undefined) this.body = opts.body; }
    }
  }
  class HttpError extends SynapseError {
    constructor(message, opts) {
      super(message, opts);
      this.name = "HttpError";
      this.status = opt(opts, "status", 500);
      this.headers = opt(opts, "headers", {});
      this.body = opt(opts, "body", "");
    }
  }
  class ValidationError extends SynapseError {
    constructor(message, opts) {
      super(message, opts);
      this.name = "ValidationError";
      this.status = opt(opts, "status", 400);
    }
  }
  const all = { SynapseError, QuotaExceededError, NotSupportedError, AuthError, NotFoundError, HttpError, ValidationError };
  for (const k in all) {
    Object.defineProperty(all[k].prototype, "name", { value: k, writable: true, configurable: true, enumerable: false });
    Object.defineProperty(g, k, { value: all[k], writable: true, configurable: true, enumerable: false });
  }
  return Object.freeze(all);
})(this)`

var compiled = sync.OnceValues(func() (*goja.Program, error) {
	return goja.Compile("synapse/errors", prelude, true)
})

// Install defines the error classes as globals of rt and returns the module
// object (the same classes) for require('synapse/errors').
func Install(rt *goja.Runtime) (*goja.Object, error) {
	prg, err := compiled()
	if err != nil {
		return nil, fmt.Errorf("compile error classes: %w", err)
	}
	v, err := rt.RunProgram(prg)
	if err != nil {
		return nil, fmt.Errorf("install error classes: %w", err)
	}
	return v.ToObject(rt), nil
}

// Module is the synapse/errors module. The classes are installed as globals
// when the runtime is made; require returns the same objects.
type Module struct{}

// Name implements bindings.Module.
func (Module) Name() string { return ModuleName }

// NewInstance implements bindings.Module.
func (Module) NewInstance(vu bindings.VU) (goja.Value, error) {
	rt := vu.Runtime()
	obj := rt.NewObject()
	for _, c := range Classes() {
		v := rt.Get(c)
		if v == nil || goja.IsUndefined(v) {
			return nil, fmt.Errorf("error class %s is not installed", c)
		}
		if err := obj.Set(c, v); err != nil {
			return nil, err
		}
	}
	return obj, nil
}

// New builds an instance of the named class in rt, for a binding to throw
// with panic(...). props are set on the error after construction (status,
// headers, body, retryAfter, ...).
func New(rt *goja.Runtime, class, message string, props map[string]any) *goja.Object {
	ctor, ok := goja.AssertConstructor(rt.Get(class))
	if !ok {
		ctor, _ = goja.AssertConstructor(rt.Get("Error"))
	}
	var opts goja.Value = goja.Undefined()
	if len(props) > 0 {
		o := rt.NewObject()
		for k, v := range props {
			_ = o.Set(k, v)
		}
		opts = o
	}
	obj, err := ctor(nil, rt.ToValue(message), opts)
	if err != nil {
		return rt.NewGoError(fmt.Errorf("%s: %s", class, message))
	}
	for k, v := range props {
		_ = obj.Set(k, v)
	}
	return obj
}

// Info is what the host needs of a thrown value to answer the wire.
type Info struct {
	Class string // one of the classes, or "" for any other value
	// Message is the error's message.
	Message string
	// Status is the answer's status_code: the error's status, or 400 when
	// it is missing or not in 100..599.
	Status int
	Detail string // empty when none
	// HasDetail tells an empty Detail from none.
	HasDetail  bool
	RetryAfter float64 // seconds; 0 when none
}

// Inspect reads a thrown value. ok is false when v is not a SynapseError.
func Inspect(rt *goja.Runtime, v goja.Value) (info Info, ok bool) {
	obj, isObj := v.(*goja.Object)
	if !isObj {
		return info, false
	}
	if !IsSynapseError(rt, obj) {
		return info, false
	}
	info.Class = classOf(rt, obj)
	info.Message = str(obj.Get("message"))
	if s := obj.Get("status"); s != nil && !goja.IsUndefined(s) && !goja.IsNull(s) {
		info.Status = int(s.ToInteger())
	}
	if info.Status < 100 || info.Status > 599 {
		info.Status = 400
	}
	if d := obj.Get("detail"); d != nil && !goja.IsUndefined(d) && !goja.IsNull(d) {
		info.Detail, info.HasDetail = d.String(), true
	}
	if r := obj.Get("retryAfter"); r != nil && !goja.IsUndefined(r) && !goja.IsNull(r) {
		info.RetryAfter = r.ToFloat()
	}
	return info, true
}

// classOf names the nearest of the classes on obj's prototype chain, so a
// script's subclass, or an error whose name was changed, counts as the
// class it extends.
func classOf(rt *goja.Runtime, obj *goja.Object) string {
	classes := Classes()
	protos := make([]*goja.Object, len(classes))
	for i, c := range classes {
		if ctor, ok := rt.Get(c).(*goja.Object); ok {
			protos[i], _ = ctor.Get("prototype").(*goja.Object)
		}
	}
	for p := obj.Prototype(); p != nil; p = p.Prototype() {
		for i, proto := range protos {
			if proto != nil && p.SameAs(proto) {
				return classes[i]
			}
		}
	}
	return Synapse
}

func str(v goja.Value) string {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return ""
	}
	return v.String()
}

// IsSynapseError reports whether obj is an instance of SynapseError (or a
// subclass) of rt, by walking its prototype chain.
func IsSynapseError(rt *goja.Runtime, obj *goja.Object) bool {
	base, ok := rt.Get(Synapse).(*goja.Object)
	if !ok {
		return false
	}
	proto, ok := base.Get("prototype").(*goja.Object)
	if !ok {
		return false
	}
	for p := obj.Prototype(); p != nil; p = p.Prototype() {
		if p.SameAs(proto) {
			return true
		}
	}
	return false
}
