package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/synapsejs/synapse-js/host"
)

const rotatingConnector = `const gate = require('test/gate');
module.exports = {
  synapse_info() { return {name: 'rot', metadata: {displayName: 'R'}, supportedAuthTypes: [{authType: 'Oauth'}]}; },
  test(c) { gate.rotate('new-access-token', 'new-refresh-token'); return c; },
  describe() { return []; },
  read(req) { return {data: [], watermark: req.watermark}; },
};
`

// A call that rotated the connection's OAuth tokens says so in a header
// (invoke) or returns the new connection (call API), and logs it without
// the tokens.
func TestRotatedConnection(t *testing.T) {
	h := newHarness(t, nil)
	h.mustUpload("rot", rotatingConnector)
	env := `{"type":"TEST","connection":{"name":"c","authConfig":{"accessToken":"old-access-token","refreshToken":"old-refresh-token"}}}`
	r := h.invoke("rot", env)
	if r.code != 200 || r.header.Get(RotatedHeader) != "true" {
		t.Fatalf("invoke: %d %v %s", r.code, r.header, r.body)
	}
	r = h.do("POST", "/v1/synapses/rot/call/test", invokeTok, `{"connection":{"name":"c","authConfig":{"accessToken":"old-access-token","refreshToken":"old-refresh-token"}}}`)
	var out struct {
		Result     map[string]any `json:"result"`
		Connection struct {
			AuthConfig map[string]any `json:"authConfig"`
		} `json:"connection"`
	}
	if r.code != 200 || r.header.Get(RotatedHeader) != "true" || json.Unmarshal(r.body, &out) != nil {
		t.Fatalf("call: %d %s", r.code, r.body)
	}
	if out.Connection.AuthConfig["accessToken"] != "new-access-token" || out.Connection.AuthConfig["refreshToken"] != "new-refresh-token" {
		t.Fatalf("rotated connection: %s", r.body)
	}
	logs := h.logs.String()
	if !strings.Contains(logs, "rotated the connection's OAuth tokens") {
		t.Fatalf("rotation not logged:\n%s", logs)
	}
	for _, secret := range []string{"new-access-token", "new-refresh-token", "old-access-token"} {
		if strings.Contains(logs, secret) {
			t.Fatalf("a token reached the log: %s", secret)
		}
	}
}

// Scripts' HTTP requests (through the standard synapse/http module) are
// counted by status.
func TestScriptHTTPMetrics(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer backend.Close()
	h := newHarness(t, func(o *Options) { o.Engine = host.StdOptions(o.Engine) })
	src := `const http = require('synapse/http');
module.exports = {
  synapse_info() { return {name: 'web', metadata: {displayName: 'W'}, supportedAuthTypes: [{authType: 'None'}]}; },
  test(c) { http.get('` + backend.URL + `/ok'); http.request({url: '` + backend.URL + `/missing', throwOnError: false}); return c; },
  describe() { return []; },
  read(req) { return {data: [], watermark: req.watermark}; },
};
`
	h.mustUpload("web", src)
	if r := h.invoke("web", `{"type":"TEST","connection":{"name":"c","authConfig":{}}}`); r.code != 200 || strings.Contains(string(r.body), "status_code") {
		t.Fatalf("test: %s", r.body)
	}
	m := string(h.do("GET", "/metrics", "", "").body)
	for _, want := range []string{
		`synapse_js_script_http_requests_total{method="GET",status="200",synapse="web"} 1`,
		`synapse_js_script_http_requests_total{method="GET",status="404",synapse="web"} 1`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s\n%s", want, grep(m, "script_http"))
		}
	}
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// Uploading the serving version's exact content again changes nothing.
func TestIdenticalUploadIsIdempotent(t *testing.T) {
	h := newHarness(t, nil)
	v1, v2 := connector("echo", "v1"), connector("echo", "v2")
	if got := h.mustUpload("echo", v1)["version"]; got != float64(1) {
		t.Fatalf("first upload: version %v", got)
	}
	r := h.upload("echo", v1)
	if r.code != http.StatusOK || r.json(t)["version"] != float64(1) {
		t.Fatalf("same content again: %d %s", r.code, r.body)
	}
	if got := h.mustUpload("echo", v2)["version"]; got != float64(2) {
		t.Fatalf("new content: version %v", got)
	}
	// v1's content is not what serves now: it becomes a new version.
	if got := h.mustUpload("echo", v1)["version"]; got != float64(3) {
		t.Fatalf("older content again: version %v", got)
	}
	vs := h.do("GET", "/v1/synapses/echo", invokeTok, "")
	if n := len(vs.json(t)["versions"].([]any)); n != 3 {
		t.Errorf("%d versions stored, want 3: %s", n, vs.body)
	}
}
