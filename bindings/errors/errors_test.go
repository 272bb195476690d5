package errors_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/dop251/goja"

	"github.com/synapsejs/synapse-js/bindings/bindingstest"
	"github.com/synapsejs/synapse-js/bindings/errors"
)

func TestClasses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		class      string
		status     int
		defaultMsg string
	}{
		{errors.Synapse, 400, ""},
		{errors.QuotaExceeded, 429, "quota exceeded"},
		{errors.NotSupported, 405, "Operation is not supported"},
		{errors.Auth, 401, "authentication failed"},
		{errors.NotFound, 404, "not found"},
		{errors.HTTP, 500, ""},
		{errors.Validation, 400, ""},
	}
	if len(cases) != len(errors.Classes()) {
		t.Fatalf("Classes() = %v; the table misses some", errors.Classes())
	}
	if errors.Classes()[0] != errors.Synapse {
		t.Errorf("Classes()[0] = %s, want the base class first", errors.Classes()[0])
	}
	for _, c := range cases {
		t.Run(c.class, func(t *testing.T) {
			t.Parallel()
			vu := bindingstest.New(t)
			for _, check := range []string{
				`e instanceof C`,
				`e instanceof SynapseError`,
				`e instanceof Error`,
				`e.name === N`,
				`e.constructor === C`,
				`C.prototype.name === N`,
				`String(e) === N + ": boom"`,
				`e.message === "boom"`,
				`typeof e.stack === "string"`,
				`d.message === DM`,
				`d.status === e.status`,
				`Object.getPrototypeOf(C.prototype) === (C === SynapseError ? Error.prototype : SynapseError.prototype)`,
				`!Object.keys(globalThis).includes(N)`,
				`require("synapse/errors")[N] === C`,
				`(() => { try { throw new C("x") } catch (x) { return x instanceof C } })()`,
				`new C(42).message === "42"`,
			} {
				src := `(() => { const C = ` + c.class + `, N = "` + c.class + `", DM = ` + quote(c.defaultMsg) +
					`; const e = new C("boom"), d = new C(); return ` + check + ` })()`
				if !vu.MustRun(t, src).ToBoolean() {
					t.Errorf("%s: %s is false", c.class, check)
				}
			}
			if got := vu.MustRun(t, `new `+c.class+`("boom").status`).ToInteger(); got != int64(c.status) {
				t.Errorf("status = %d, want %d", got, c.status)
			}
			info, ok := errors.Inspect(vu.RT, vu.MustRun(t, `new `+c.class+`("boom")`))
			if !ok || info.Class != c.class || info.Message != "boom" || info.Status != c.status || info.HasDetail || info.RetryAfter != 0 {
				t.Errorf("Inspect = %+v, %v", info, ok)
			}
		})
	}
}

func quote(s string) string { return `"` + s + `"` }

func TestOptions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		src  string
		want errors.Info
	}{
		{`new AuthError("denied", {status: 403})`, errors.Info{Class: "AuthError", Message: "denied", Status: 403}},
		{`new AuthError("denied", {status: 500})`, errors.Info{Class: "AuthError", Message: "denied", Status: 401}},
		{`new AuthError("denied", {status: 401})`, errors.Info{Class: "AuthError", Message: "denied", Status: 401}},
		{`new AuthError(undefined, {status: 403})`, errors.Info{Class: "AuthError", Message: "authentication failed", Status: 403}},
		{`new QuotaExceededError("slow down", {retryAfter: 30})`, errors.Info{Class: "QuotaExceededError", Message: "slow down", Status: 429, RetryAfter: 30}},
		{`new QuotaExceededError("slow down", {retryAfter: 1.5, status: 503})`, errors.Info{Class: "QuotaExceededError", Message: "slow down", Status: 429, RetryAfter: 1.5}},
		{`new QuotaExceededError(undefined, {retryAfter: null})`, errors.Info{Class: "QuotaExceededError", Message: "quota exceeded", Status: 429}},
		{`new NotSupportedError("no", {status: 400})`, errors.Info{Class: "NotSupportedError", Message: "no", Status: 405}},
		{`new NotFoundError("gone", {status: 410})`, errors.Info{Class: "NotFoundError", Message: "gone", Status: 404}},
		{`new HttpError("upstream", {status: 502})`, errors.Info{Class: "HttpError", Message: "upstream", Status: 502}},
		{`new ValidationError("bad", {status: 422, detail: "field x is required"})`,
			errors.Info{Class: "ValidationError", Message: "bad", Status: 422, Detail: "field x is required", HasDetail: true}},
		{`new SynapseError("x", {detail: null})`, errors.Info{Class: "SynapseError", Message: "x", Status: 400}},
		{`new SynapseError("x", {status: null})`, errors.Info{Class: "SynapseError", Message: "x", Status: 400}},
		// statuses that cannot go on the wire become 400
		{`new SynapseError("x", {status: 999})`, errors.Info{Class: "SynapseError", Message: "x", Status: 400}},
		{`new SynapseError("x", {status: 42})`, errors.Info{Class: "SynapseError", Message: "x", Status: 400}},
		{`new SynapseError("x", {status: "404"})`, errors.Info{Class: "SynapseError", Message: "x", Status: 404}},
		{`new HttpError("x", {status: 0})`, errors.Info{Class: "HttpError", Message: "x", Status: 400}},
		// a subclass written by a script
		{`new (class RateLimited extends QuotaExceededError {})("wait", {retryAfter: 2})`,
			errors.Info{Class: "QuotaExceededError", Message: "wait", Status: 429, RetryAfter: 2}},
		{`(() => { const e = new NotFoundError("m"); e.status = 451; return e })()`, errors.Info{Class: "NotFoundError", Message: "m", Status: 451}},
		// the class comes from the prototype chain, not the name
		{`new (class extends QuotaExceededError { constructor(m, o) { super(m, o); this.name = "PipedriveRateLimit" } })("wait", {retryAfter: 3})`,
			errors.Info{Class: "QuotaExceededError", Message: "wait", Status: 429, RetryAfter: 3}},
		{`Object.assign(new SynapseError("x"), {name: "NotSupportedError"})`, errors.Info{Class: "SynapseError", Message: "x", Status: 400}},
		{`Object.assign(new HttpError("x", {status: 418}), {name: undefined})`, errors.Info{Class: "HttpError", Message: "x", Status: 418}},
		{`Object.create(AuthError.prototype)`, errors.Info{Class: "AuthError", Status: 400}},
	}
	vu := bindingstest.New(t)
	for _, c := range cases {
		info, ok := errors.Inspect(vu.RT, vu.MustRun(t, c.src))
		if !ok || info != c.want {
			t.Errorf("Inspect(%s) = %+v, %v; want %+v", c.src, info, ok, c.want)
		}
	}
	for _, check := range []string{
		`new QuotaExceededError("q", {headers: {"retry-after": "30"}, body: "b"}).headers["retry-after"] === "30"`,
		`new QuotaExceededError("q", {body: "b"}).body === "b"`,
		`new AuthError("a", {headers: {h: 1}, body: {b: 2}}).body.b === 2`,
		`new NotFoundError("n", {headers: {h: 1}}).headers.h === 1`,
		`new NotFoundError("n").headers === undefined`,
		`JSON.stringify(new HttpError("h").headers) === "{}" && new HttpError("h").body === ""`,
		`new HttpError("h", {headers: {a: "b"}, body: "oops"}).body === "oops"`,
		`new SynapseError("s").detail === null`,
		`new ValidationError("v", {detail: {field: "x"}}).detail.field === "x"`,
		`new QuotaExceededError("q").retryAfter === null`,
	} {
		if !vu.MustRun(t, check).ToBoolean() {
			t.Errorf("%s is false", check)
		}
	}
}

func TestNewFromGo(t *testing.T) {
	t.Parallel()
	vu := bindingstest.New(t)
	rt := vu.RT
	cases := []struct {
		class   string
		message string
		props   map[string]any
		want    errors.Info
		checks  []string
	}{
		{errors.Auth, "denied", map[string]any{"status": 403}, errors.Info{Class: "AuthError", Message: "denied", Status: 403},
			[]string{`e instanceof AuthError`, `e instanceof SynapseError`, `e instanceof Error`}},
		{errors.Auth, "expired", nil, errors.Info{Class: "AuthError", Message: "expired", Status: 401}, nil},
		{errors.QuotaExceeded, "slow", map[string]any{"retryAfter": 12.5}, errors.Info{Class: "QuotaExceededError", Message: "slow", Status: 429, RetryAfter: 12.5},
			[]string{`e.retryAfter === 12.5`}},
		{errors.HTTP, "upstream failed", map[string]any{"status": 503, "headers": map[string]any{"x-id": "abc"}, "body": "oops"},
			errors.Info{Class: "HttpError", Message: "upstream failed", Status: 503},
			[]string{`e.headers["x-id"] === "abc"`, `e.body === "oops"`, `e instanceof HttpError`}},
		{errors.Validation, "bad input", map[string]any{"detail": "name is required"},
			errors.Info{Class: "ValidationError", Message: "bad input", Status: 400, Detail: "name is required", HasDetail: true}, nil},
		{errors.NotFound, "no such deal", map[string]any{}, errors.Info{Class: "NotFoundError", Message: "no such deal", Status: 404}, nil},
		// props are set after construction, so they win over a class's
		// fixed status
		{errors.NotSupported, "nope", map[string]any{"status": 501}, errors.Info{Class: "NotSupportedError", Message: "nope", Status: 501}, nil},
	}
	for _, c := range cases {
		e := errors.New(rt, c.class, c.message, c.props)
		info, ok := errors.Inspect(rt, e)
		if !ok || info != c.want {
			t.Errorf("New(%s, %q, %v): Inspect = %+v, %v; want %+v", c.class, c.message, c.props, info, ok, c.want)
		}
		if !errors.IsSynapseError(rt, e) {
			t.Errorf("New(%s) is not a SynapseError", c.class)
		}
		// Thrown by a binding, a script catches it as the class.
		_ = rt.Set("fail", func() { panic(e) })
		for _, check := range append([]string{`e.name === "` + c.class + `"`, `e.message === "` + c.message + `"`}, c.checks...) {
			v := vu.MustRun(t, `(() => { try { fail() } catch (e) { return `+check+` } return false })()`)
			if !v.ToBoolean() {
				t.Errorf("New(%s): %s is false", c.class, check)
			}
		}
	}
	// An unknown class gives a plain Error with the message.
	e := errors.New(rt, "NoSuchError", "plain", map[string]any{"status": 404})
	if _, ok := errors.Inspect(rt, e); ok {
		t.Error("New of an unknown class is a SynapseError")
	}
	_ = rt.Set("e", e)
	if !vu.MustRun(t, `e instanceof Error && e.constructor === Error && e.message === "plain" && e.status === 404`).ToBoolean() {
		t.Error("New of an unknown class is not a plain Error with its props")
	}
}

func TestNotSynapseErrors(t *testing.T) {
	t.Parallel()
	vu := bindingstest.New(t)
	for _, src := range []string{
		`new Error("plain")`,
		`new TypeError("type")`,
		`({name: "AuthError", status: 401, message: "fake"})`,
		`Object.assign(new Error("x"), {name: "SynapseError", status: 400})`,
		`"a string"`,
		`42`,
		`null`,
		`undefined`,
		`(() => { class SynapseError extends Error {} return new SynapseError("shadow") })()`,
	} {
		v := vu.MustRun(t, src)
		if info, ok := errors.Inspect(vu.RT, v); ok {
			t.Errorf("Inspect(%s) = %+v, true; want not a SynapseError", src, info)
		}
		if o, isObj := v.(*goja.Object); isObj && errors.IsSynapseError(vu.RT, o) {
			t.Errorf("IsSynapseError(%s) is true", src)
		}
	}
	// An object whose prototype chain reaches SynapseError.prototype is one.
	if !errors.IsSynapseError(vu.RT, vu.MustRun(t, `Object.create(AuthError.prototype)`).(*goja.Object)) {
		t.Error("Object.create(AuthError.prototype) is not a SynapseError")
	}
	// A SynapseError of another runtime is not one of this runtime.
	other := bindingstest.New(t)
	e := other.MustRun(t, `new AuthError("elsewhere")`).(*goja.Object)
	if errors.IsSynapseError(vu.RT, e) {
		t.Error("another runtime's AuthError counts as this runtime's")
	}
	// A runtime without the classes has no SynapseErrors, and does not panic.
	bare := goja.New()
	o, _ := bare.RunString(`new Error("x")`)
	if errors.IsSynapseError(bare, o.(*goja.Object)) {
		t.Error("IsSynapseError is true in a runtime without the classes")
	}
	if _, ok := errors.Inspect(bare, o); ok {
		t.Error("Inspect is ok in a runtime without the classes")
	}
}

func TestInstall(t *testing.T) {
	t.Parallel()
	rt := goja.New()
	mod, err := errors.Install(rt)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range errors.Classes() {
		if !mod.Get(c).SameAs(rt.Get(c)) {
			t.Errorf("Install's module %s is not the global", c)
		}
	}
	_ = rt.Set("m", mod)
	if v, _ := rt.RunString(`Object.isFrozen(m)`); !v.ToBoolean() {
		t.Error("the module object Install returns is not frozen")
	}
	if (errors.Module{}).Name() != errors.ModuleName || errors.ModuleName != "synapse/errors" {
		t.Error("module name")
	}
	// Installing again (a fresh prelude) works and replaces the globals.
	if _, err := errors.Install(rt); err != nil {
		t.Fatal(err)
	}
	if v, _ := rt.RunString(`new AuthError("x") instanceof SynapseError`); !v.ToBoolean() {
		t.Error("after a second Install, AuthError is not a SynapseError")
	}
	vu := bindingstest.New(t)
	v := vu.MustRun(t, `Object.keys(require("synapse/errors")).sort().join()`)
	want := slices.Sorted(slices.Values(errors.Classes()))
	if v.String() != strings.Join(want, ",") {
		t.Errorf("require('synapse/errors') keys = %s, want %s", v, strings.Join(want, ","))
	}
}
