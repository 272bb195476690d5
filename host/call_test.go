package host_test

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dop251/goja"

	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/host"
)

const infoSrc = `synapse_info() { return { name: 't', metadata: { displayName: 'T' }, supportedAuthTypes: [{ authType: 'None' }] }; },
  test(c) { return c; },
  describe() { return []; },`

// load compiles a connector whose exports are the standard info/test/
// describe plus methods.
func load(t testing.TB, e *host.Engine, methods string) *host.Connector {
	t.Helper()
	src := "const errors = require('synapse/errors');\nmodule.exports = {\n  " + infoSrc + "\n  " + methods + "\n};\n"
	c, err := e.Load(context.Background(), "t.js", []byte(src))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

func envelope(typ, body string) []byte {
	return []byte(fmt.Sprintf(`{"type":%q,"connection":{"name":"c","authConfig":{"token":"s3cret-token"}},"body":%s,"syncariId":"sy","requestId":"rq"}`, typ, body))
}

const readBody = `{"entity":{"apiName":"thing","displayName":"Thing","attributes":[]},"watermark":{"start":1000,"end":2000,"offset":0,"limit":0,"cursor":null}}`

func TestWireQuirks(t *testing.T) {
	t.Parallel()
	e := host.New(host.Options{})
	c, err := loadFile(t, e, filepath.Join("..", "testdata", "connectors", "echo.js"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, typ, body, want string
	}{
		{"info is an object", "SYNAPSE_INFO", `{}`,
			`{"name":"echo","category":"test","metadata":{"displayName":"Echo","iconPath":null,"backgroundColor":null,"helpUrl":null},"supportedAuthTypes":[{"authType":"ApiKey","fields":[{"name":"token","dataType":"password","label":"Token","required":true,"defaultValue":null,"description":null}],"label":null}],"configuredFields":null,"disabledMessage":null,"oauthInfo":null,"apiMaxCrudSize":null,"capabilities":["create","update","delete","getById","getByWatermark","search"]}`},
		{"test returns the connection", "TEST", `{}`, `{"name":"c","authConfig":{"endpoint":null,"userName":null,"password":null,"clientId":null,"clientSecret":null,"redirectUri":null,"token":"s3cret-token","accessToken":null,"refreshToken":null,"expiresIn":null,"lastRefreshed":null,"additionalHeaders":null},"idFieldName":null,"watermarkFieldName":null,"createdAtFieldName":null,"updatedAtFieldName":null,"oAuthRedirectUrl":null,"metaConfig":null}`},
		{"describe is a list of JSON strings", "DESCRIBE", `{"entities":["a"]}`,
			`["{\"id\":null,\"apiName\":\"a\",\"displayName\":\"a\",\"pluralName\":null,\"description\":null,\"custom\":false,\"readOnly\":false,\"version\":null,\"child\":false,\"attributes\":[{\"id\":null,\"apiName\":\"id\",\"displayName\":\"Id\",\"dataType\":\"string\",\"custom\":false,\"defaultValue\":null,\"nillable\":true,\"initializable\":true,\"updateable\":true,\"createOnly\":false,\"calculated\":false,\"unique\":false,\"length\":null,\"precision\":null,\"scale\":null,\"status\":\"ACTIVE\",\"referenceTo\":null,\"referenceTargetField\":null,\"referenceToPluralName\":null,\"isSystem\":false,\"isIdField\":true,\"compositeKey\":null,\"isWatermarkField\":false,\"isCreatedAtField\":false,\"isUpdatedAtField\":false,\"isMultiValueField\":false,\"isSyncariDefined\":false,\"parentAttributeId\":null,\"externalId\":null,\"entityId\":null,\"picklistValues\":null,\"picklist\":null},{\"id\":null,\"apiName\":\"updated\",\"displayName\":\"Updated\",\"dataType\":\"datetime\",\"custom\":false,\"defaultValue\":null,\"nillable\":true,\"initializable\":true,\"updateable\":true,\"createOnly\":false,\"calculated\":false,\"unique\":false,\"length\":null,\"precision\":null,\"scale\":null,\"status\":\"ACTIVE\",\"referenceTo\":null,\"referenceTargetField\":null,\"referenceToPluralName\":null,\"isSystem\":false,\"isIdField\":false,\"compositeKey\":null,\"isWatermarkField\":true,\"isCreatedAtField\":false,\"isUpdatedAtField\":false,\"isMultiValueField\":false,\"isSyncariDefined\":false,\"parentAttributeId\":null,\"externalId\":null,\"entityId\":null,\"picklistValues\":null,\"picklist\":null}]}"]`},
		{"read is an object with plain records", "READ", readBody,
			`{"data":[{"name":"thing","id":"1","syncariEntityId":null,"deleted":false,"values":{"n":0},"lastModified":1000,"createdAt":null},{"name":"thing","id":"2","syncariEntityId":null,"deleted":false,"values":{"n":1},"lastModified":1001,"createdAt":null},{"name":"thing","id":"3","syncariEntityId":null,"deleted":false,"values":{"n":2},"lastModified":1002,"createdAt":null}],"watermark":{"start":1000,"end":2000,"offset":0,"limit":0,"cursor":null,"isResync":false,"isTest":false,"initial":false},"offsetType":"RECORD_COUNT"}`},
		{"get_by_id is a list of JSON strings", "GET_BY_ID", `{"entity":{"apiName":"a"},"data":[{"id":"7","values":{}}]}`,
			`["{\"name\":null,\"id\":\"7\",\"syncariEntityId\":null,\"deleted\":false,\"values\":{\"id\":\"7\"},\"lastModified\":null,\"createdAt\":null}"]`},
		{"results are filled in", "UPDATE", `{"entity":{"apiName":"a"},"data":[{"id":"1","syncariEntityId":"s1","values":{}},{"id":"2","syncariEntityId":"s2","values":{"fail":true}}]}`,
			`["{\"success\":true,\"errors\":[],\"id\":\"1\",\"syncariId\":\"s1\"}","{\"success\":false,\"errors\":[\"cannot update 2\"],\"id\":\"2\",\"syncariId\":\"s2\"}"]`},
		{"explicit result fields win", "DELETE", `{"entity":{"apiName":"a"},"data":[{"id":"1","syncariEntityId":"s1","values":{}}]}`,
			`["{\"success\":true,\"errors\":[],\"id\":\"1\",\"syncariId\":\"explicit\"}"]`},
		{"create ids", "CREATE", `{"entity":{"apiName":"a"},"data":[{"syncariEntityId":"s9","values":{"a":1}}]}`,
			`["{\"success\":true,\"errors\":[],\"id\":\"new-0\",\"syncariId\":\"s9\"}"]`},
		{"webhook identifier is bare", "EXTRACT_WEBHOOK_IDENTIFIER", `{"body":"{\"id\":7}","headers":{},"params":{}}`, `hook-7`},
		{"headers are an object", "GET_HEADERS", `{}`, `{"x-token":"s3cret-token"}`},
		{"missing export is 405", "SEARCH", `{"query":"x","params":[]}`,
			`{"status_code":405,"message":"Operation SEARCH is not supported","detail":"echo.js does not export search"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.Invoke(context.Background(), envelope(tc.typ, tc.body), host.CallOptions{})
			if string(r.Body) != tc.want {
				t.Errorf("body\n got: %s\nwant: %s", r.Body, tc.want)
			}
		})
	}
	t.Run("bad token is a 401 error object", func(t *testing.T) {
		env := []byte(`{"type":"TEST","connection":{"name":"c","authConfig":{"token":"bad"}},"body":{}}`)
		r := c.Invoke(context.Background(), env, host.CallOptions{})
		if want := `{"status_code":401,"message":"the token was refused","detail":null}`; string(r.Body) != want {
			t.Errorf("got %s, want %s", r.Body, want)
		}
	})
}

func TestMalformedEnvelopes(t *testing.T) {
	t.Parallel()
	c := load(t, host.New(host.Options{}), `read(req) { return { data: [], watermark: req.watermark }; },`)
	cases := []struct{ env, detail string }{
		{`{"type":`, "invalid JSON at byte offset"},
		{`{"connection":{"name":"c","authConfig":{}},"body":{}}`, "type is required"},
		{`{"type":"FETCH","connection":{"name":"c","authConfig":{}},"body":{}}`, `type "FETCH" is not a request type`},
		{`{"type":"READ","connection":"nope","body":{}}`, "connection: want an object, got a string"},
		{`{"type":"READ","connection":{"name":"c","authConfig":{}},"body":[1]}`, "body: want an object, got an array"},
		{`{"type":"READ","connection":{"name":"c","authConfig":{}},"body":{"entity":{}}}`, "body.watermark: required for READ"},
		{`{"type":"READ","connection":{"name":"c","authConfig":{}},"body":{"entity":{},"watermark":{"start":1}}}`, "body.watermark: start and end"},
	}
	for _, tc := range cases {
		r := c.Invoke(context.Background(), []byte(tc.env), host.CallOptions{})
		if r.Err == nil || r.Err.Status != 400 || r.Err.Detail == nil || !strings.Contains(*r.Err.Detail, tc.detail) {
			t.Errorf("%s: got %s, want a 400 whose detail has %q", tc.env, r.Body, tc.detail)
		}
	}
	// host, syncariId and requestId may be absent, unknown keys ignored.
	r := c.Invoke(context.Background(), []byte(`{"type":"READ","connection":{"name":"c","authConfig":{}},"body":`+readBody+`,"extra":1}`), host.CallOptions{})
	if r.Err != nil {
		t.Errorf("minimal envelope failed: %s", r.Body)
	}
}

func TestErrorClasses(t *testing.T) {
	t.Parallel()
	c := load(t, host.New(host.Options{}), `read(req) {
    switch (req.entity.apiName) {
      case 'synapse': throw new SynapseError('generic', { status: 418, detail: 'teapot' });
      case 'synapse-default': throw new errors.SynapseError('plain');
      case 'quota': throw new QuotaExceededError('slow down', { retryAfter: 2.5 });
      case 'notsupported': throw new NotSupportedError('no', { status: 400 });
      case 'auth': throw new AuthError('who are you');
      case 'forbidden': throw new AuthError('not you', { status: 403 });
      case 'notfound': throw new NotFoundError('gone');
      case 'http': throw new HttpError('upstream broke', { status: 502, body: 'bad gateway body' });
      case 'validation': throw new ValidationError('bad field');
      case 'string': throw 'just a string';
      case 'object': throw { code: 7 };
      case 'type': return req.nothing.here;
      case 'secret': throw new Error('token s3cret-token leaked');
    }
  },`)
	cases := []struct{ entity, want string }{
		{"synapse", `{"status_code":418,"message":"generic","detail":"teapot"}`},
		{"synapse-default", `{"status_code":400,"message":"plain","detail":null}`},
		{"quota", `{"status_code":429,"message":"slow down","detail":"retry after 3 s"}`},
		{"notsupported", `{"status_code":405,"message":"no","detail":null}`},
		{"auth", `{"status_code":401,"message":"who are you","detail":null}`},
		{"forbidden", `{"status_code":403,"message":"not you","detail":null}`},
		{"notfound", `{"status_code":404,"message":"gone","detail":null}`},
		{"http", `{"status_code":502,"message":"upstream broke","detail":"bad gateway body"}`},
		{"validation", `{"status_code":400,"message":"bad field","detail":null}`},
		{"string", `{"status_code":400,"message":"Failed to execute request READ","detail":"just a string (at t.js:17:22)"}`},
		{"object", `{"status_code":400,"message":"Failed to execute request READ","detail":"{\"code\":7} (at t.js:18:22)"}`},
		{"type", `{"status_code":400,"message":"Failed to execute request READ","detail":"TypeError: Cannot read property 'here' of undefined (at t.js:19:39)"}`},
		{"secret", `{"status_code":400,"message":"Failed to execute request READ","detail":"Error: token [REDACTED] leaked (at t.js:20:28)"}`},
	}
	for _, tc := range cases {
		body := strings.Replace(readBody, `"apiName":"thing"`, `"apiName":"`+tc.entity+`"`, 1)
		r := c.Invoke(context.Background(), envelope("READ", body), host.CallOptions{})
		if string(r.Body) != tc.want {
			t.Errorf("%s:\n got: %s\nwant: %s", tc.entity, r.Body, tc.want)
		}
	}
}

func TestResultShapeErrors(t *testing.T) {
	t.Parallel()
	c := load(t, host.New(host.Options{}), `read(req) {
    const w = req.watermark;
    switch (req.entity.apiName) {
      case 'values': return { data: [{ values: {} }, { values: 'x' }], watermark: w };
      case 'nowm': return { data: [] };
      case 'enum': return { data: [], watermark: w, offsetType: 'SOMETIMES' };
      case 'lm': return { data: [{ values: {}, lastModified: 1.5 }], watermark: w };
      case 'undef': return;
      case 'promise': return { data: Promise.resolve([]), watermark: w };
    }
  },
  create(req) { return [{ id: '1' }]; },
  describe(req) { return req.entities.slice().reverse().map((n) => ({ apiName: n, displayName: n, attributes: [] })); },`)
	cases := []struct{ entity, want string }{
		{"values", "read returned data[1].values: want an object, got a string"},
		{"nowm", "read returned watermark: is required but missing (want a Watermark object)"},
		{"enum", `read returned offsetType: "SOMETIMES" is not a valid OffsetType`},
		{"lm", "read returned data[0].lastModified: want an integer, got 1.5"},
		{"undef", "read returned want a ReadResponse, got undefined (a missing return?)"},
		{"promise", "read returned data: want an array, got a Promise"},
	}
	for _, tc := range cases {
		body := strings.Replace(readBody, `"apiName":"thing"`, `"apiName":"`+tc.entity+`"`, 1)
		r := c.Invoke(context.Background(), envelope("READ", body), host.CallOptions{})
		if r.Err == nil || r.Err.Status != 400 || r.Err.Detail == nil || !strings.Contains(*r.Err.Detail, tc.want) {
			t.Errorf("%s: got %s, want detail %q", tc.entity, r.Body, tc.want)
		}
	}
	r := c.Invoke(context.Background(), envelope("CREATE", `{"entity":{"apiName":"a"},"data":[{"values":{}},{"values":{}}]}`), host.CallOptions{})
	if r.Err == nil || !strings.Contains(*r.Err.Detail, "1 results for 2 input records") {
		t.Errorf("count mismatch: %s", r.Body)
	}
	r = c.Invoke(context.Background(), envelope("DESCRIBE", `{"entities":["a","b"]}`), host.CallOptions{})
	if r.Err == nil || !strings.Contains(*r.Err.Detail, "want the entities asked for, in order: [a b]") {
		t.Errorf("describe order: %s", r.Body)
	}
}

func TestAsyncAndTimers(t *testing.T) {
	t.Parallel()
	c := load(t, host.New(host.Options{}), `async read(req) {
    const w = req.watermark;
    const n = await new Promise((resolve) => setTimeout(resolve, 5, 3));
    const data = [];
    for (let i = 0; i < n; i++) data.push({ id: i, values: {}, lastModified: new Date(w.start + i) });
    return { data, watermark: { ...w, cursor: 'next' } };
  },
  async get_by_id(req) { throw new NotFoundError('no ' + req.data[0].id); },`)
	r := c.Invoke(context.Background(), envelope("READ", readBody), host.CallOptions{})
	want := `{"data":[{"name":null,"id":"0","syncariEntityId":null,"deleted":false,"values":{},"lastModified":1000,"createdAt":null},{"name":null,"id":"1","syncariEntityId":null,"deleted":false,"values":{},"lastModified":1001,"createdAt":null},{"name":null,"id":"2","syncariEntityId":null,"deleted":false,"values":{},"lastModified":1002,"createdAt":null}],"watermark":{"start":1000,"end":2000,"offset":0,"limit":0,"cursor":"next","isResync":false,"isTest":false,"initial":false},"offsetType":"RECORD_COUNT"}`
	if string(r.Body) != want {
		t.Errorf("async read:\n got: %s\nwant: %s", r.Body, want)
	}
	r = c.Invoke(context.Background(), envelope("GET_BY_ID", `{"entity":{"apiName":"a"},"data":[{"id":"9","values":{}}]}`), host.CallOptions{})
	if want := `{"status_code":404,"message":"no 9","detail":null}`; string(r.Body) != want {
		t.Errorf("async rejection: got %s", r.Body)
	}
}

func TestRunawayScriptsAreStopped(t *testing.T) {
	t.Parallel()
	c := load(t, host.New(host.Options{}), `read(req) {
    switch (req.entity.apiName) {
      case 'loop': while (true) {}
      case 'catch': for (;;) { try { while (true) {} } catch (e) {} }
      case 'recurse': { const f = (n) => f(n + 1) + 1; return f(0); }
      case 'native': { const g = () => [1].map(g); return g(); }
      case 'never': return new Promise(() => {});
      case 'later': return new Promise((resolve) => setTimeout(resolve, 60000));
    }
    return { data: [], watermark: req.watermark };
  },`)
	// Deadlines are short for the loops and long for the cases that must
	// end on their own (recursion hits the stack limit), so a loaded
	// machine cannot turn a 400 into a 504.
	cases := []struct {
		entity  string
		timeout time.Duration
		status  int
		msg     string
		detail  string // a regexp the detail must match
	}{
		// Stopped: where the script was when its deadline passed.
		{"loop", 200 * time.Millisecond, 504, "READ did not finish within its 200ms deadline", `^stopped at t\.js:\d+:\d+$`},
		{"catch", 200 * time.Millisecond, 504, "READ did not finish within its 200ms deadline", `^stopped at t\.js:\d+:\d+$`},
		{"recurse", 20 * time.Second, 400, "Failed to execute request READ", `^RangeError: maximum call stack size exceeded \(unbounded recursion\?\) \(at t\.js:\d+:\d+\)$`},
		{"native", 20 * time.Second, 400, "Failed to execute request READ", `maximum call stack size exceeded`},
		{"never", 20 * time.Second, 504, "READ never finished", ``},
		{"later", 200 * time.Millisecond, 504, "READ did not finish within its 200ms deadline", `^stopped`},
	}
	for _, tc := range cases {
		start := time.Now()
		body := strings.Replace(readBody, `"apiName":"thing"`, `"apiName":"`+tc.entity+`"`, 1)
		r := c.Invoke(context.Background(), envelope("READ", body), host.CallOptions{Timeout: tc.timeout})
		if r.Err == nil || r.Err.Status != tc.status || !strings.Contains(r.Err.Message, tc.msg) {
			t.Errorf("%s: got %s, want %d %q", tc.entity, r.Body, tc.status, tc.msg)
		} else if tc.detail != "" && (r.Err.Detail == nil || !regexp.MustCompile(tc.detail).MatchString(*r.Err.Detail)) {
			t.Errorf("%s: detail %s, want it to match %s", tc.entity, r.Body, tc.detail)
		}
		if d := time.Since(start); d > tc.timeout+5*time.Second {
			t.Errorf("%s: took %s", tc.entity, d)
		}
		// The host goes on serving.
		if r := c.Invoke(context.Background(), envelope("READ", readBody), host.CallOptions{}); r.Err != nil {
			t.Fatalf("after %s the connector no longer answers: %s", tc.entity, r.Body)
		}
	}
}

// testModule is a binding that misbehaves on purpose.
type testModule struct{}

func (testModule) Name() string { return "synapse/test" }

func (testModule) NewInstance(vu bindings.VU) (goja.Value, error) {
	rt := vu.Runtime()
	o := rt.NewObject()
	_ = o.Set("panic", func(goja.FunctionCall) goja.Value { panic("binding bug") })
	_ = o.Set("block", func(goja.FunctionCall) goja.Value {
		<-vu.Call().Context().Done() // blocked in Go until the deadline
		bindings.Throw(rt, vu.Call().Context().Err())
		return nil
	})
	_ = o.Set("callType", func(goja.FunctionCall) goja.Value { return rt.ToValue(vu.Call().Type) })
	return o, nil
}

func TestBindingPanicsAndBlocking(t *testing.T) {
	t.Parallel()
	c := load(t, host.New(host.Options{Modules: []bindings.Module{testModule{}}}), `read(req) {
    const tm = require('synapse/test');
    switch (req.entity.apiName) {
      case 'panic': try { tm.panic(); } catch (e) { return { data: [], watermark: req.watermark }; }
      case 'block': try { tm.block(); } catch (e) { while (true) {} }
    }
    return { data: [{ values: { type: tm.callType() } }], watermark: req.watermark };
  },`)
	r := c.Invoke(context.Background(), envelope("READ", strings.Replace(readBody, "thing", "panic", 1)), host.CallOptions{})
	if r.Err == nil || r.Err.Status != 500 || !strings.Contains(*r.Err.Detail, "binding bug") {
		t.Errorf("panic: got %s", r.Body)
	}
	start := time.Now()
	r = c.Invoke(context.Background(), envelope("READ", strings.Replace(readBody, "thing", "block", 1)), host.CallOptions{Timeout: 150 * time.Millisecond})
	if r.Err == nil || r.Err.Status != 504 {
		t.Errorf("blocked binding: got %s", r.Body)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("blocked binding took %s", d)
	}
	r = c.Invoke(context.Background(), envelope("READ", readBody), host.CallOptions{})
	if !strings.Contains(string(r.Body), `"type":"READ"`) {
		t.Errorf("after a panic the host must go on: %s", r.Body)
	}
}

func TestGlobalsDoNotLeakBetweenCalls(t *testing.T) {
	t.Parallel()
	c := load(t, host.New(host.Options{PoolSize: 1}), `read(req) {
    const out = { seen: typeof leaked, also: typeof alsoLeaked };
    try { leaked = req.entity.apiName; } catch (e) { out.implicit = e.name; }
    try { globalThis.alsoLeaked = 1; } catch (e) { out.explicit = e.name; }
    return { data: [{ values: out }], watermark: req.watermark };
  },`)
	for i := 0; i < 3; i++ {
		r := c.Invoke(context.Background(), envelope("READ", readBody), host.CallOptions{})
		if !strings.Contains(string(r.Body), `"values":{"seen":"undefined","also":"undefined","implicit":"ReferenceError","explicit":"TypeError"}`) {
			t.Fatalf("call %d: globals must neither be created nor leak: %s", i, r.Body)
		}
	}
	if s := c.Stats(); s.Live != 1 {
		t.Errorf("want the one runtime reused, stats %+v", s)
	}
}

func TestConcurrentCalls(t *testing.T) {
	t.Parallel()
	c := load(t, host.New(host.Options{PoolSize: 3}), `async read(req) {
    const w = req.watermark;
    await new Promise((r) => setTimeout(r, 1));
    return { data: [{ id: String(w.offset), values: { o: w.offset } }], watermark: w };
  },`)
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for i := 0; i < 64; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			body := strings.Replace(readBody, `"offset":0`, fmt.Sprintf(`"offset":%d`, i), 1)
			r := c.Invoke(context.Background(), envelope("READ", body), host.CallOptions{})
			if want := fmt.Sprintf(`"id":"%d","syncariEntityId":null,"deleted":false,"values":{"o":%d},`, i, i); !strings.Contains(string(r.Body), want) {
				errs <- fmt.Sprintf("call %d: %s", i, r.Body)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if s := c.Stats(); s.Live > 3 || s.InUse != 0 {
		t.Errorf("pool stats after the calls: %+v", s)
	}
}

func TestCallWaitsForARuntimeOnlyUntilItsDeadline(t *testing.T) {
	t.Parallel()
	c := load(t, host.New(host.Options{PoolSize: 1}), `read(req) {
    if (req.entity.apiName === 'slow') { const end = Date.now() + 300; while (Date.now() < end) {} }
    return { data: [], watermark: req.watermark };
  },`)
	done := make(chan *host.Response)
	go func() {
		done <- c.Invoke(context.Background(), envelope("READ", strings.Replace(readBody, "thing", "slow", 1)), host.CallOptions{})
	}()
	for c.Stats().InUse == 0 { // wait until the slow call holds the runtime
		time.Sleep(time.Millisecond)
	}
	r := c.Invoke(context.Background(), envelope("READ", readBody), host.CallOptions{Timeout: 50 * time.Millisecond})
	if r.Err == nil || r.Err.Status != 504 || !strings.Contains(r.Err.Message, "did not start") {
		t.Errorf("queued call: got %s", r.Body)
	}
	if r := <-done; r.Err != nil {
		t.Errorf("slow call: %s", r.Body)
	}
}

func TestCtxAndPlainCall(t *testing.T) {
	t.Parallel()
	c := load(t, host.New(host.Options{}), `read(req, ctx) {
    return { data: [{ values: { type: ctx.type, sid: ctx.syncariId, rid: ctx.requestId, host: ctx.host, conn: ctx.connection.name, dl: ctx.deadline > Date.now() } }], watermark: req.watermark };
  },
  search(req) { return [{ id: 1, values: { q: req.query } }]; },`)
	r := c.Invoke(context.Background(), envelope("READ", readBody), host.CallOptions{})
	if want := `"values":{"type":"READ","sid":"sy","rid":"rq","host":null,"conn":"c","dl":true}`; !strings.Contains(string(r.Body), want) {
		t.Errorf("ctx: %s", r.Body)
	}
	r = c.Call(context.Background(), "search", nil, []byte(`{"query":"ann","params":[]}`), host.CallOptions{})
	if want := `[{"name":null,"id":"1","syncariEntityId":null,"deleted":false,"values":{"q":"ann"},"lastModified":null,"createdAt":null}]`; string(r.Body) != want {
		t.Errorf("plain search: got %s want %s", r.Body, want)
	}
}

// recorder is an Observer that remembers what it was told.
type recorder struct {
	mu    sync.Mutex
	calls []string
	inUse int
}

func (r *recorder) CallDone(synapse, typ string, status int, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, fmt.Sprintf("%s %s %d", synapse, typ, status))
}

func (r *recorder) RuntimesInUse(_ string, delta int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.inUse += delta
}

func TestObserverSeesEveryCall(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	c := load(t, host.New(host.Options{Observer: rec}), `read(req) { if (req.watermark.offset) throw new NotFoundError('x'); return { data: [], watermark: req.watermark }; },`)
	c.Invoke(context.Background(), envelope("READ", readBody), host.CallOptions{})
	c.Invoke(context.Background(), envelope("READ", strings.Replace(readBody, `"offset":0`, `"offset":1`, 1)), host.CallOptions{})
	c.Invoke(context.Background(), envelope("SEARCH", `{}`), host.CallOptions{})
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if got := strings.Join(rec.calls, "; "); got != "t READ 200; t READ 404; t SEARCH 405" {
		t.Errorf("observed %q", got)
	}
	if rec.inUse != 0 {
		t.Errorf("runtimes in use should be back to 0, got %d", rec.inUse)
	}
}
