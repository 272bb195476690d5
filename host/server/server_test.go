package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/synapsejs/synapse-js/host"
	"github.com/synapsejs/synapse-js/host/store"
)

func TestUploadAndInvoke(t *testing.T) {
	h := newHarness(t, nil)
	up := h.mustUpload("echo-prod", connector("echo", "v1"))
	if up["name"] != "echo-prod" || up["synapse"] != "echo" || up["version"] != float64(1) || len(up["sha256"].(string)) != 64 {
		t.Fatalf("upload answered %v", up)
	}
	if ms := fmt.Sprint(up["methods"]); ms != "[create describe extract_webhook_identifier read synapse_info test]" {
		t.Fatalf("methods = %s", ms)
	}
	if info := up["info"].(map[string]any); info["name"] != "echo" {
		t.Fatalf("info = %v", info)
	}
	if got := h.readTag("echo-prod"); got != "v1" {
		t.Fatalf("tag = %q", got)
	}
}

// The wire bodies the server sends are exactly what the engine answers,
// on both invoke paths, for every kind of result.
func TestInvokeWireBytes(t *testing.T) {
	h := newHarness(t, nil)
	src := connector("echo", "v1")
	h.mustUpload("echo", src)
	e := host.New(testEngineOptions(h.gate))
	c, err := e.Load(context.Background(), "echo.js", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	envelopes := []string{
		readEnvelope,
		`{"type":"SYNAPSE_INFO","connection":null,"body":{}}`,
		`{"type":"DESCRIBE","connection":{"name":"c","authConfig":{}},"body":{"entities":[]},"requestId":"r1","unknown":1}`,
		`{"type":"CREATE","connection":{"name":"c","authConfig":{}},"body":{"entity":{"apiName":"thing"},"data":[{"syncariEntityId":"s1","values":{}}]}}`,
		`{"type":"EXTRACT_WEBHOOK_IDENTIFIER","connection":{"name":"c","authConfig":{}},"body":{"body":"{}","headers":{},"params":{}}}`,
		`{"type":"SEARCH","connection":{"name":"c","authConfig":{}},"body":{}}`,
		`{"type":"NOPE","connection":{}}`,
		`not json`,
	}
	for _, env := range envelopes {
		want := c.Invoke(context.Background(), []byte(env), host.CallOptions{})
		for _, path := range []string{"/echo", "/v1/synapses/echo/invoke"} {
			// Invoke bodies are JSON whatever the content type says.
			r := h.do("POST", path, invokeTok, env, "Content-Type", "text/plain")
			if r.code != 200 {
				t.Fatalf("%s %s: HTTP %d", path, env, r.code)
			}
			if string(r.body) != string(want.Body) {
				t.Errorf("%s %s:\n got %s\nwant %s", path, env, r.body, want.Body)
			}
			ct := r.header.Get("Content-Type")
			if want.Type == "EXTRACT_WEBHOOK_IDENTIFIER" {
				if !strings.HasPrefix(ct, "text/plain") || string(r.body) != "hook-v1" {
					t.Errorf("webhook identifier: %q %s", ct, r.body)
				}
			} else if ct != "application/json; charset=utf-8" {
				t.Errorf("%s: content type %q", env, ct)
			}
		}
	}
	// Spot-check the quirks against literal bytes.
	r := h.invoke("echo", `{"type":"DESCRIBE","connection":{"name":"c","authConfig":{}},"body":{"entities":["thing"]}}`)
	if !strings.HasPrefix(string(r.body), `["{\"`) {
		t.Errorf("DESCRIBE is not a list of JSON strings: %s", r.body)
	}
	r = h.invoke("echo", `{"type":"SEARCH","connection":{"name":"c","authConfig":{}},"body":{}}`)
	if string(r.body) != `{"status_code":405,"message":"Operation SEARCH is not supported","detail":"echo.js does not export search"}` {
		t.Errorf("SEARCH: %s", r.body)
	}
}

func TestCallAPI(t *testing.T) {
	h := newHarness(t, nil)
	h.mustUpload("echo", connector("echo", "v1"))
	r := h.do("POST", "/v1/synapses/echo/call/describe", invokeTok, `{"connection":{"name":"c","authConfig":{}},"request":{"entities":["thing"]}}`)
	if r.code != 200 {
		t.Fatalf("describe: %d %s", r.code, r.body)
	}
	var out struct {
		Result []map[string]any `json:"result"`
	}
	if err := json.Unmarshal(r.body, &out); err != nil || len(out.Result) != 1 || out.Result[0]["apiName"] != "thing" {
		t.Fatalf("describe: %s", r.body)
	}
	// A wire type works as the method too; no body is fine for synapse_info.
	r = h.do("POST", "/v1/synapses/echo/call/SYNAPSE_INFO", invokeTok, "")
	if r.code != 200 || r.json(t)["result"].(map[string]any)["name"] != "echo" {
		t.Fatalf("synapse_info: %d %s", r.code, r.body)
	}
	// Errors carry real HTTP statuses.
	r = h.do("POST", "/v1/synapses/echo/call/search", invokeTok, `{"request":{}}`)
	if r.code != 405 {
		t.Fatalf("search: %d %s", r.code, r.body)
	}
	if e := r.json(t)["error"].(map[string]any); e["status"] != float64(405) || e["message"] != "Operation SEARCH is not supported" {
		t.Fatalf("search error: %s", r.body)
	}
	r = h.do("POST", "/v1/synapses/echo/call/read", invokeTok, `{"request":{"entity":{"apiName":"thing"}}}`)
	if r.code != 400 {
		t.Fatalf("read without a watermark: %d %s", r.code, r.body)
	}
	r = h.do("POST", "/v1/synapses/echo/call/nope", invokeTok, `{}`)
	if r.code != 404 {
		t.Fatalf("unknown method: %d %s", r.code, r.body)
	}
	r = h.do("POST", "/v1/synapses/echo/call/read", invokeTok, `{`)
	if r.code != 400 {
		t.Fatalf("bad JSON: %d %s", r.code, r.body)
	}
}

func TestUploadInvalidKeepsServing(t *testing.T) {
	h := newHarness(t, nil)
	h.mustUpload("echo", connector("echo", "v1"))
	bad := "module.exports = {\n  synapse_info() { return {name: 'echo'} },\n  test(c) { return c; },\n  describe() { return [] },\n  read(req) { return {data: [}; },\n};\n"
	r := h.upload("echo", bad)
	if r.code != http.StatusUnprocessableEntity {
		t.Fatalf("invalid upload: %d %s", r.code, r.body)
	}
	var out struct {
		Error    apiError      `json:"error"`
		Problems []ProblemView `json:"problems"`
	}
	if err := json.Unmarshal(r.body, &out); err != nil || len(out.Problems) == 0 || out.Error.Status != 422 {
		t.Fatalf("422 body: %s", r.body)
	}
	if out.Problems[0].Line != 5 || out.Problems[0].Column == 0 || !strings.Contains(out.Problems[0].Message, "syntax error") {
		t.Fatalf("problem = %+v", out.Problems[0])
	}
	// A file that compiles but breaks the contract.
	r = h.upload("echo", "module.exports = {synapse_info() { return {name: 'echo', metadata: {displayName: 'E'}, supportedAuthTypes: []}; }, test(c) { return c; }, describe() { return []; }, create() {}, reed() {}};")
	if r.code != 422 || !strings.Contains(string(r.body), "did you mean read") {
		t.Fatalf("typo: %d %s", r.code, r.body)
	}
	if got := h.readTag("echo"); got != "v1" {
		t.Fatalf("after a refused upload the tag is %q", got)
	}
	vs, _ := h.st.Versions(context.Background(), "echo")
	if len(vs) != 1 {
		t.Fatalf("refused uploads were stored: %d versions", len(vs))
	}
}

func TestUploadLimitsAndTypes(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.MaxUploadBytes = 1 << 10; o.MaxInvokeBytes = 2 << 10 })
	big := connector("echo", strings.Repeat("x", 2<<10))
	if r := h.upload("echo", big); r.code != http.StatusRequestEntityTooLarge || r.json(t)["error"] == nil {
		t.Fatalf("too big: %d %s", r.code, r.body)
	}
	// Without a Content-Length the cap still holds.
	req, _ := http.NewRequest("PUT", h.ts.URL+"/v1/synapses/echo", struct{ *strings.Reader }{strings.NewReader(big)})
	req.Header.Set("Authorization", "Bearer "+adminTok)
	res, err := h.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("chunked too big: %d", res.StatusCode)
	}
	src := connector("echo", "v1")
	if r := h.do("PUT", "/v1/synapses/echo", adminTok, src, "Content-Type", "application/x-www-form-urlencoded"); r.code != http.StatusUnsupportedMediaType {
		t.Fatalf("form content type: %d %s", r.code, r.body)
	}
	if r := h.do("PUT", "/v1/synapses/echo", adminTok, src); r.code != 201 {
		t.Fatalf("no content type: %d %s", r.code, r.body)
	}
	// An invoke body over its cap answers a wire error object.
	r := h.invoke("echo", `{"type":"SYNAPSE_INFO","pad":"`+strings.Repeat("x", 3<<10)+`"}`)
	if r.code != 200 || !strings.HasPrefix(string(r.body), `{"status_code":413,`) {
		t.Fatalf("big envelope: %d %s", r.code, r.body)
	}
}

func TestTypeScriptUpload(t *testing.T) {
	h := newHarness(t, nil)
	ts := `interface Req { watermark: any }
export function synapse_info(): object { return {name: 'tsx', metadata: {displayName: 'T'}, supportedAuthTypes: [{authType: 'None'}]}; }
export function test(c: object) { return c; }
export function describe() { return []; }
export function read(req: Req) { return {data: [{id: '1', values: {tag: 'ts'}, lastModified: 1}], watermark: req.watermark}; }
`
	if r := h.do("PUT", "/v1/synapses/tsx", adminTok, ts, "Content-Type", "application/typescript"); r.code != 201 || r.json(t)["lang"] != "ts" {
		t.Fatalf("ts upload: %d %s", r.code, r.body)
	}
	if r := h.do("PUT", "/v1/synapses/tsy?lang=ts", adminTok, ts, "Content-Type", "text/plain"); r.code != 201 {
		t.Fatalf("ts upload with ?lang=ts: %d %s", r.code, r.body)
	}
	if r := h.do("PUT", "/v1/synapses/tsz", adminTok, ts, "Content-Type", "text/plain"); r.code != 422 {
		t.Fatalf("ts loaded as js: %d %s", r.code, r.body)
	}
	if got := h.readTag("tsy"); got != "ts" {
		t.Fatalf("tag %q", got)
	}
	r := h.do("GET", "/v1/synapses/tsx/source", adminTok, "")
	if r.code != 200 || string(r.body) != ts || !strings.HasPrefix(r.header.Get("Content-Type"), "application/typescript") {
		t.Fatalf("source: %d %q", r.code, r.header.Get("Content-Type"))
	}
	// A restart loads the TypeScript again as TypeScript.
	h.stop()
	h.start(nil)
	if got := h.readTag("tsx"); got != "ts" {
		t.Fatalf("after restart tag %q", got)
	}
}

func TestBadNames(t *testing.T) {
	h := newHarness(t, nil)
	src := connector("echo", "v1")
	for _, p := range []string{"/v1/synapses/..%2fetc", "/v1/synapses/..%2F..%2Fx", "/v1/synapses/Echo", "/v1/synapses/-x", "/v1/synapses/a.b", "/v1/synapses/" + strings.Repeat("a", 64), "/v1/synapses/%2e%2e"} {
		if r := h.do("PUT", p, adminTok, src); r.code != http.StatusBadRequest || r.json(t)["error"] == nil {
			t.Errorf("PUT %s: %d %s", p, r.code, r.body)
		}
	}
	for _, p := range []string{"/..%2fx", "/v1/synapses/..%2fx/invoke", "/v1/synapses/a%2fb/call/read"} {
		if r := h.do("POST", p, invokeTok, readEnvelope); r.code != http.StatusBadRequest {
			t.Errorf("POST %s: %d %s", p, r.code, r.body)
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(h.dir))
	for _, e := range entries {
		if e.Name() == "etc" || e.Name() == "x" {
			t.Fatalf("a name escaped the store: %s", e.Name())
		}
	}
}

func TestAuth(t *testing.T) {
	h := newHarness(t, nil)
	src := connector("echo", "v1")
	cases := []struct {
		method, path, token, body string
		want                      int
	}{
		{"PUT", "/v1/synapses/echo", "", src, 401},
		{"PUT", "/v1/synapses/echo", "wrong", src, 401},
		{"PUT", "/v1/synapses/echo", invokeTok, src, 403},
		{"PUT", "/v1/synapses/echo", adminTok, src, 201},
		{"POST", "/echo", "", readEnvelope, 401},
		{"POST", "/echo", "wrong", readEnvelope, 401},
		{"POST", "/echo", adminTok[:5], readEnvelope, 401},
		{"POST", "/echo", invokeTok, readEnvelope, 200},
		{"POST", "/echo", adminTok, readEnvelope, 200},
		{"POST", "/v1/synapses/echo/call/synapse_info", "", "", 401},
		{"GET", "/v1/synapses", "", "", 401},
		{"GET", "/v1/synapses", invokeTok, "", 200},
		{"GET", "/v1/synapses/echo", invokeTok, "", 200},
		{"GET", "/v1/synapses/echo/source", invokeTok, "", 403},
		{"GET", "/v1/synapses/echo/source", adminTok, "", 200},
		{"POST", "/v1/synapses/echo/rollback", invokeTok, `{"version":1}`, 403},
		{"DELETE", "/v1/synapses/echo", "", "", 401},
		{"GET", "/healthz", "", "", 200},
		{"GET", "/readyz", "", "", 200},
		{"GET", "/metrics", "", "", 200},
	}
	for _, c := range cases {
		r := h.do(c.method, c.path, c.token, c.body)
		if r.code != c.want {
			t.Errorf("%s %s with %q: %d, want %d: %s", c.method, c.path, c.token, r.code, c.want, r.body)
		}
		if c.want == 401 {
			if r.header.Get("WWW-Authenticate") == "" || r.json(t)["error"].(map[string]any)["status"] != float64(401) {
				t.Errorf("401 body: %s", r.body)
			}
		}
	}
	if strings.Contains(h.logs.String(), adminTok) || strings.Contains(h.logs.String(), invokeTok) {
		t.Fatal("a token reached the log")
	}
	// Lower-case scheme works.
	if r := h.do("GET", "/v1/synapses", "", "", "Authorization", "bearer "+invokeTok); r.code != 200 {
		t.Fatalf("lower-case bearer: %d", r.code)
	}
}

func TestUnknownSynapse404(t *testing.T) {
	h := newHarness(t, nil)
	for _, c := range []struct{ method, path, tok, body string }{
		{"POST", "/nope", invokeTok, readEnvelope},
		{"POST", "/v1/synapses/nope/invoke", invokeTok, readEnvelope},
		{"POST", "/v1/synapses/nope/call/read", invokeTok, `{}`},
		{"GET", "/v1/synapses/nope", invokeTok, ""},
		{"GET", "/v1/synapses/nope/source", adminTok, ""},
		{"POST", "/v1/synapses/nope/rollback", adminTok, `{"version":1}`},
		{"DELETE", "/v1/synapses/nope", adminTok, ""},
		{"GET", "/v2/whatever", adminTok, ""},
	} {
		r := h.do(c.method, c.path, c.tok, c.body)
		if r.code != 404 || r.header.Get("Content-Type") != "application/json; charset=utf-8" || r.json(t)["error"] == nil {
			t.Errorf("%s %s: %d %s", c.method, c.path, r.code, r.body)
		}
	}
	if r := h.do("DELETE", "/v1/synapses", adminTok, ""); r.code != 405 || r.header.Get("Allow") != "GET" {
		t.Errorf("405: %d %v", r.code, r.header)
	}
}

func TestListGetSourceRollbackDelete(t *testing.T) {
	h := newHarness(t, nil)
	h.mustUpload("a", connector("a", "v1"))
	h.mustUpload("a", connector("a", "v2"))
	h.mustUpload("b", connector("bee", "b1"))

	r := h.do("GET", "/v1/synapses", invokeTok, "")
	var list struct {
		Synapses []SynapseView `json:"synapses"`
	}
	if err := json.Unmarshal(r.body, &list); err != nil || len(list.Synapses) != 2 {
		t.Fatalf("list: %s", r.body)
	}
	if a := list.Synapses[0]; a.Name != "a" || a.Current.Version != 2 || a.Serving.Version != 2 || a.Current.Synapse != "a" {
		t.Fatalf("list[0] = %s", r.body)
	}
	if b := list.Synapses[1]; b.Name != "b" || b.Serving.Synapse != "bee" {
		t.Fatalf("list[1] = %s", r.body)
	}

	r = h.do("GET", "/v1/synapses/a", invokeTok, "")
	var sv SynapseView
	if err := json.Unmarshal(r.body, &sv); err != nil || len(sv.Versions) != 2 || sv.Current.Version != 2 || sv.Serving.Runtimes.Size != 4 {
		t.Fatalf("get: %s", r.body)
	}

	r = h.do("GET", "/v1/synapses/a/source?version=1", adminTok, "")
	if r.code != 200 || string(r.body) != connector("a", "v1") || r.header.Get("X-Synapse-Version") != "1" {
		t.Fatalf("source v1: %d", r.code)
	}
	if r := h.do("GET", "/v1/synapses/a/source?version=7", adminTok, ""); r.code != 404 {
		t.Fatalf("source v7: %d", r.code)
	}
	if r := h.do("GET", "/v1/synapses/a/source?version=x", adminTok, ""); r.code != 400 {
		t.Fatalf("source vx: %d", r.code)
	}

	if r := h.do("POST", "/v1/synapses/a/rollback", adminTok, `{"version":9}`); r.code != 404 {
		t.Fatalf("rollback to 9: %d %s", r.code, r.body)
	}
	if r := h.do("POST", "/v1/synapses/a/rollback", adminTok, `{}`); r.code != 400 {
		t.Fatalf("rollback without version: %d %s", r.code, r.body)
	}
	r = h.do("POST", "/v1/synapses/a/rollback", adminTok, `{"version":1}`)
	if r.code != 200 || r.json(t)["version"] != float64(1) {
		t.Fatalf("rollback: %d %s", r.code, r.body)
	}
	if got := h.readTag("a"); got != "v1" {
		t.Fatalf("after rollback tag %q", got)
	}
	// The rollback survives a restart, and the next upload is version 3.
	h.stop()
	h.start(nil)
	if got := h.readTag("a"); got != "v1" {
		t.Fatalf("after restart tag %q", got)
	}
	if up := h.mustUpload("a", connector("a", "v3")); up["version"] != float64(3) {
		t.Fatalf("next upload: %v", up)
	}

	r = h.do("DELETE", "/v1/synapses/a", adminTok, "")
	if r.code != 200 {
		t.Fatalf("delete: %d %s", r.code, r.body)
	}
	if r := h.invoke("a", readEnvelope); r.code != 404 {
		t.Fatalf("invoke after delete: %d", r.code)
	}
	if r := h.do("GET", "/v1/synapses/a", invokeTok, ""); r.code != 404 {
		t.Fatalf("get after delete: %d", r.code)
	}
	if got := h.readTag("b"); got != "b1" {
		t.Fatalf("b after deleting a: %q", got)
	}
	// A deleted name can be uploaded again, from version 1.
	if up := h.mustUpload("a", connector("a", "again")); up["version"] != float64(1) {
		t.Fatalf("re-upload: %v", up)
	}
}

// A call in flight when a new version is uploaded finishes on its version;
// the next call runs the new one.
func TestLiveSwapWithCallInFlight(t *testing.T) {
	h := newHarness(t, nil)
	h.mustUpload("echo", connector("echo", "v1"))
	done := make(chan resp, 1)
	go func() { done <- h.do("POST", "/echo", invokeTok, slowEnvelope()) }()
	h.gate.Arrived(t, "v1")
	old := h.srv.lookup("echo").cur.Load()

	start := time.Now()
	up := h.mustUpload("echo", connector("echo", "v2"))
	if up["version"] != float64(2) {
		t.Fatalf("upload: %v", up)
	}
	if got := h.readTag("echo"); got != "v2" {
		t.Fatalf("next call answered %q, want v2", got)
	}
	t.Logf("upload to first call of the new version: %s", time.Since(start))
	h.gate.Open("v1")
	if got := tagOf(t, <-done); got != "v1" {
		t.Fatalf("in-flight call answered %q, want v1", got)
	}
	// The old version was closed once its last call returned.
	if st := old.conn.Stats(); st.Live != 0 || old.refs.Load() != 0 {
		t.Fatalf("the old version still holds runtimes: %+v, refs %d", st, old.refs.Load())
	}
}

func TestRestartReloadsAndSkipsCorrupt(t *testing.T) {
	h := newHarness(t, nil)
	h.mustUpload("good", connector("good", "g1"))
	h.mustUpload("bad", connector("bad", "b1"))
	h.mustUpload("broken", connector("broken", "x1"))
	h.stop()
	// Corrupt one current pointer, and make one stored source invalid
	// (consistently: the hash matches, as if the engine's rules changed).
	if err := os.WriteFile(filepath.Join(h.dir, "bad", "current"), []byte("\x00\x01garbage"), 0o640); err != nil {
		t.Fatal(err)
	}
	st, _ := store.OpenFile(h.dir)
	if _, err := st.Put(context.Background(), "broken", []byte("module.exports = {}"), store.Meta{}); err != nil {
		t.Fatal(err)
	}
	h.start(nil)
	if !h.srv.Ready() {
		t.Fatal("not ready after Load")
	}
	if got := h.readTag("good"); got != "g1" {
		t.Fatalf("good: %q", got)
	}
	r := h.invoke("bad", readEnvelope)
	if r.code != 404 || !strings.Contains(string(r.body), "corrupt") {
		t.Fatalf("bad: %d %s", r.code, r.body)
	}
	r = h.invoke("broken", readEnvelope)
	if r.code != 404 || !strings.Contains(string(r.body), "missing required export") {
		t.Fatalf("broken: %d %s", r.code, r.body)
	}
	logs := h.logs.String()
	if !strings.Contains(logs, "missing required export synapse_info") || !strings.Contains(logs, `"synapse":"broken"`) {
		t.Fatalf("the skipped connector's problems were not logged:\n%s", logs)
	}
	// The list still shows them, with why.
	r = h.do("GET", "/v1/synapses", invokeTok, "")
	if !strings.Contains(string(r.body), `"name":"bad"`) || !strings.Contains(string(r.body), "corrupt") {
		t.Fatalf("list: %s", r.body)
	}
	// Rolling back repairs the broken one.
	if r := h.do("POST", "/v1/synapses/broken/rollback", adminTok, `{"version":1}`); r.code != 200 {
		t.Fatalf("rollback: %d %s", r.code, r.body)
	}
	if got := h.readTag("broken"); got != "x1" {
		t.Fatalf("broken after rollback: %q", got)
	}
}

func TestConcurrentUploadsSameName(t *testing.T) {
	h := newHarness(t, nil)
	const n = 16
	var wg sync.WaitGroup
	versions := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := h.upload("same", connector("same", fmt.Sprint("t", i)))
			if r.code != 201 {
				t.Errorf("upload %d: %d %s", i, r.code, r.body)
				return
			}
			versions[i] = int(r.json(t)["version"].(float64))
		}()
	}
	wg.Wait()
	sort.Ints(versions)
	for i, v := range versions {
		if v != i+1 {
			t.Fatalf("versions %v: want 1..%d, each once", versions, n)
		}
	}
	vs, err := h.st.Versions(context.Background(), "same")
	if err != nil || len(vs) != n {
		t.Fatalf("store holds %d versions, %v", len(vs), err)
	}
	// What serves is what the store says is current.
	cur, _ := h.st.Current(context.Background(), "same")
	_, src, _ := h.st.Get(context.Background(), "same", cur.Version)
	tag := h.readTag("same")
	if !strings.Contains(string(src), fmt.Sprintf("tag: %q", tag)) {
		t.Fatalf("serving %q but current is version %d", tag, cur.Version)
	}
}

func TestOverloadAnswers429(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.MaxConcurrency = 2; o.Queue = 1 })
	h.mustUpload("echo", connector("echo", "v1"))
	results := make(chan resp, 3)
	for range 2 {
		go func() { results <- h.invoke("echo", slowEnvelope()) }()
	}
	h.gate.Arrived(t, "v1")
	h.gate.Arrived(t, "v1")
	go func() { results <- h.invoke("echo", readEnvelope) }() // waits in the queue
	deadline := time.Now().Add(5 * time.Second)
	for h.srv.lookup("echo").lim.waiting() != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the third call never queued")
		}
		time.Sleep(time.Millisecond)
	}
	// The platform's path: a wire error object, HTTP 200, Retry-After.
	r := h.invoke("echo", readEnvelope)
	if r.code != 200 || r.header.Get("Retry-After") != "1" {
		t.Fatalf("over the limit: %d %v", r.code, r.header)
	}
	var ce host.CallError
	if err := json.Unmarshal(r.body, &ce); err != nil || ce.Status != 429 || ce.Detail == nil || *ce.Detail != "retry after 1 s" {
		t.Fatalf("429 body: %s", r.body)
	}
	// The plain API: HTTP 429.
	r = h.do("POST", "/v1/synapses/echo/call/synapse_info", invokeTok, "")
	if r.code != 429 || r.json(t)["error"].(map[string]any)["status"] != float64(429) {
		t.Fatalf("call API over the limit: %d %s", r.code, r.body)
	}
	h.gate.Open("v1")
	for range 3 {
		if got := tagOf(t, <-results); got != "v1" {
			t.Fatalf("tag %q", got)
		}
	}
	m := h.do("GET", "/metrics", "", "")
	if !strings.Contains(string(m.body), `synapse_js_calls_total{outcome="rejected",status="429",synapse="echo",type="READ"} 1`) {
		t.Fatalf("metrics:\n%s", m.body)
	}
}

func TestQueueTimeoutAnswers504(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.MaxConcurrency = 1 })
	h.mustUpload("echo", connector("echo", "v1"))
	done := make(chan resp, 1)
	go func() { done <- h.invoke("echo", slowEnvelope()) }()
	h.gate.Arrived(t, "v1")
	r := h.do("POST", "/echo", invokeTok, readEnvelope, TimeoutHeader, "50ms")
	if !strings.HasPrefix(string(r.body), `{"status_code":504,"message":"READ did not start within its 50ms deadline"`) {
		t.Fatalf("queued past the deadline: %s", r.body)
	}
	for _, bad := range []string{"soon", "1ns", "0", "-5s", "1e300", "NaN", "6m"} {
		r := h.do("POST", "/echo", invokeTok, readEnvelope, TimeoutHeader, bad)
		want := `is outside 1ms to 5m0s (the server's --max-timeout)`
		if bad == "soon" || bad == "NaN" {
			want = "is not a duration"
		}
		if !strings.HasPrefix(string(r.body), `{"status_code":400,`) || !strings.Contains(string(r.body), want) {
			t.Errorf("timeout header %q: %s", bad, r.body)
		}
	}
	h.gate.Open("v1")
	<-done
	// The header bounds a running call too.
	h.mustUpload("echo", connector("echo", "v2"))
	r = h.do("POST", "/echo", invokeTok, slowEnvelope(), TimeoutHeader, "0.1")
	if !strings.HasPrefix(string(r.body), `{"status_code":504,`) {
		t.Fatalf("call past its deadline: %s", r.body)
	}
}

func TestRequestIDAndLogs(t *testing.T) {
	h := newHarness(t, nil)
	h.mustUpload("echo", connector("echo", "v1"))
	r := h.do("POST", "/echo", invokeTok, readEnvelope, "X-Request-Id", "abc-123")
	if r.header.Get("X-Request-Id") != "abc-123" {
		t.Fatalf("request id not echoed: %v", r.header)
	}
	r = h.do("GET", "/healthz", "", "", "X-Request-Id", "bad id\"with{junk")
	gen := r.header.Get("X-Request-Id")
	if gen == "" || strings.Contains(gen, " ") {
		t.Fatalf("generated id %q", gen)
	}
	var found bool
	for _, line := range strings.Split(h.logs.String(), "\n") {
		if !strings.Contains(line, `"request_id":"abc-123"`) || !strings.Contains(line, `"message":"request"`) {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		if m["method"] != "POST" || m["path"] != "/echo" || m["status"] != float64(200) || m["duration_ms"] == nil || m["type"] != "READ" {
			t.Fatalf("log line %s", line)
		}
		found = true
	}
	if !found {
		t.Fatalf("no log line for the request:\n%s", h.logs.String())
	}
	if strings.Contains(h.logs.String(), "watermark") {
		t.Fatal("a request body reached the log")
	}
}

func TestMetrics(t *testing.T) {
	h := newHarness(t, nil)
	h.mustUpload("echo", connector("echo", "v1"))
	h.upload("echo", "nope(")
	h.readTag("echo")
	h.invoke("echo", `{"type":"SEARCH","connection":{}}`)
	body := string(h.do("GET", "/metrics", "", "").body)
	for _, want := range []string{
		`synapse_js_calls_total{outcome="ok",status="200",synapse="echo",type="READ"} 1`,
		`synapse_js_calls_total{outcome="error",status="405",synapse="echo",type="SEARCH"} 1`,
		`synapse_js_call_duration_seconds_count{synapse="echo",type="READ"} 1`,
		`synapse_js_uploads_total{outcome="ok"} 1`,
		`synapse_js_uploads_total{outcome="invalid"} 1`,
		`synapse_js_runtimes_in_use{synapse="echo"} 0`,
		`synapse_js_synapses_serving 1`,
		`synapse_js_http_requests_total{code="201",route="synapse"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// Two servers never share metrics.
	h2 := newHarness(t, nil)
	if strings.Contains(string(h2.do("GET", "/metrics", "", "").body), `synapse="echo"`) {
		t.Fatal("metrics leaked between servers")
	}
}

func TestReadiness(t *testing.T) {
	st, _ := store.OpenFile(t.TempDir())
	srv, err := New(Options{Store: st, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ts := newTestServer(t, srv)
	for _, c := range []struct {
		path string
		want int
	}{{"/healthz", 200}, {"/readyz", 503}, {"/v1/synapses", 503}, {"/v1/synapses/x", 503}} {
		res, err := http.Get(ts + c.path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != c.want {
			t.Errorf("%s before Load: %d, want %d", c.path, res.StatusCode, c.want)
		}
	}
	if _, err := srv.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	res, _ := http.Get(ts + "/readyz")
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("readyz after Load: %d", res.StatusCode)
	}
}

func newTestServer(t *testing.T, srv *Server) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv.Handler()}
	go func() { _ = hs.Serve(l) }()
	t.Cleanup(func() { hs.Close() })
	return "http://" + l.Addr().String()
}

func TestExposure(t *testing.T) {
	st, _ := store.OpenFile(t.TempDir())
	pub := &net.TCPAddr{IP: net.IPv4zero, Port: 8080}
	lo := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}
	lo6 := &net.TCPAddr{IP: net.IPv6loopback, Port: 8080}
	for _, c := range []struct {
		admin, invoke string
		addr          net.Addr
		ok            bool
	}{
		{"", "", lo, true}, {"", "", lo6, true}, {"", "", pub, false},
		{"", "i", pub, false}, {"a", "", pub, true}, {"a", "i", pub, true},
	} {
		srv, _ := New(Options{Store: st, AdminToken: c.admin, InvokeToken: c.invoke})
		err := srv.CheckExposure(c.addr)
		if (err == nil) != c.ok {
			t.Errorf("admin=%q invoke=%q on %s: %v", c.admin, c.invoke, c.addr, err)
		}
		if err != nil && !strings.Contains(err.Error(), "admin-token") {
			t.Errorf("the refusal does not say what to do: %v", err)
		}
	}
}

// With no tokens everything is open (loopback only); with only an admin
// token, invoke endpoints take it.
func TestTokenModes(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.AdminToken, o.InvokeToken = "", "" })
	if r := h.do("PUT", "/v1/synapses/echo", "", connector("echo", "v1")); r.code != 201 {
		t.Fatalf("open upload: %d", r.code)
	}
	if r := h.do("POST", "/echo", "", readEnvelope); r.code != 200 {
		t.Fatalf("open invoke: %d", r.code)
	}
	h2 := newHarness(t, func(o *Options) { o.InvokeToken = "" })
	h2.mustUpload("echo", connector("echo", "v1"))
	if r := h2.do("POST", "/echo", "", readEnvelope); r.code != 401 {
		t.Fatalf("admin-only invoke without token: %d", r.code)
	}
	if r := h2.do("POST", "/echo", adminTok, readEnvelope); r.code != 200 {
		t.Fatalf("admin-only invoke with the admin token: %d", r.code)
	}
}

// Serve drains: a call in flight when the context ends completes; new
// connections are refused.
func TestGracefulShutdown(t *testing.T) {
	g := newGate()
	logs := &syncBuffer{}
	srv := newServer(t, t.TempDir(), g, logs, nil)
	defer srv.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + l.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, l, 10*time.Second) }()

	req, _ := http.NewRequest("PUT", base+"/v1/synapses/echo", strings.NewReader(connector("echo", "v1")))
	req.Header.Set("Authorization", "Bearer "+adminTok)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 201 {
		t.Fatalf("upload: %v %v", res, err)
	}
	res.Body.Close()

	done := make(chan string, 1)
	go func() {
		req, _ := http.NewRequest("POST", base+"/echo", strings.NewReader(slowEnvelope()))
		req.Header.Set("Authorization", "Bearer "+invokeTok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- "error: " + err.Error()
			return
		}
		defer res.Body.Close()
		var b strings.Builder
		_, _ = fmt.Fprint(&b, res.StatusCode, " ")
		buf := make([]byte, 4096)
		n, _ := res.Body.Read(buf)
		b.Write(buf[:n])
		done <- b.String()
	}()
	g.Arrived(t, "v1")
	cancel() // SIGTERM
	time.Sleep(50 * time.Millisecond)
	if srv.Ready() {
		t.Fatal("still ready while shutting down")
	}
	select {
	case err := <-served:
		t.Fatalf("Serve returned with a call in flight: %v", err)
	default:
	}
	g.Open("v1")
	got := <-done
	if !strings.HasPrefix(got, "200 ") || !strings.Contains(got, `"tag":"v1"`) {
		t.Fatalf("in-flight call: %s", got)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Fatal("still accepting after shutdown")
	}
}

// When the grace period ends first, the calls still running are
// interrupted and Serve says so.
func TestShutdownGraceExpires(t *testing.T) {
	g := newGate()
	srv := newServer(t, t.TempDir(), g, &syncBuffer{}, nil)
	defer srv.Close()
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	base := "http://" + l.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, l, 100*time.Millisecond) }()
	req, _ := http.NewRequest("PUT", base+"/v1/synapses/echo", strings.NewReader(connector("echo", "v1")))
	req.Header.Set("Authorization", "Bearer "+adminTok)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 201 {
		t.Fatalf("upload: %v", err)
	}
	go func() {
		req, _ := http.NewRequest("POST", base+"/echo", strings.NewReader(slowEnvelope()))
		req.Header.Set("Authorization", "Bearer "+invokeTok)
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
		}
	}()
	g.Arrived(t, "v1")
	start := time.Now()
	cancel()
	select {
	case err := <-served:
		if err == nil {
			t.Fatal("Serve returned nil though a call was cut short")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after the grace period")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("shutdown took %s", d)
	}
}

func TestServeRefusesPublicWithoutTokens(t *testing.T) {
	st, _ := store.OpenFile(t.TempDir())
	srv, _ := New(Options{Store: st})
	l, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Skip(err)
	}
	err = srv.Serve(context.Background(), l, time.Second)
	if err == nil || !strings.Contains(err.Error(), "refusing to listen") {
		t.Fatalf("Serve on 0.0.0.0 without tokens: %v", err)
	}
}
