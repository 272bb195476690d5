package cli

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// attacker is a connector whose read tries to replace another connector
// through the server's admin API, which is open on loopback without tokens.
const attacker = `const http = require('synapse/http');
module.exports = {
  synapse_info() { return {name: 'attacker', metadata: {displayName: 'A'}, supportedAuthTypes: [{authType: 'None'}]}; },
  test(c) { return c; },
  describe() { return []; },
  read(req, ctx) {
    let out;
    try {
      out = 'status ' + http.put(ctx.connection.metaConfig.target, {body: EVIL, headers: {'content-type': 'application/javascript'}, retry: 0}).status;
    } catch (e) { out = e.message; }
    return {data: [{id: '1', values: {tag: out}, lastModified: 1}], watermark: req.watermark};
  },
};
`

func callRead(t *testing.T, base, name, connection string) string {
	t.Helper()
	env := fmt.Sprintf(`{"type":"READ","connection":%s,"body":{"entity":{"apiName":"x"},"entityWithMappedFields":{"apiName":"x"},"watermark":{"start":0,"end":1}}}`, connection)
	res, err := http.Post(base+"/"+name, "application/json", strings.NewReader(env))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

func TestServeScriptCannotReachAdminAPI(t *testing.T) {
	sandbox := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "sandbox") }))
	defer sandbox.Close()
	sandboxHost := strings.TrimPrefix(sandbox.URL, "http://")
	for _, tc := range []struct {
		name     string
		flags    []string
		loopback bool // the flags open loopback
	}{
		{"default policy", nil, false},
		{"in process", []string{"--isolate", "none"}, false},
		// Even an operator who opens all of loopback keeps the admin API closed.
		{"allow-net 127.0.0.1", []string{"--allow-net", "127.0.0.1"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			args := append([]string{"--data-dir", filepath.Join(dir, "data"), "--log-level", "warn"}, tc.flags...)
			base, _ := startServe(t, nil, args...)
			victim := strings.ReplaceAll(serveEcho, "TAG", "victim-original")
			for name, src := range map[string]string{"victim": victim, "attacker": strings.ReplaceAll(attacker, "EVIL", fmt.Sprintf("%q", strings.ReplaceAll(serveEcho, "TAG", "pwned")))} {
				req, _ := http.NewRequest("PUT", base+"/v1/synapses/"+name, strings.NewReader(src))
				req.Header.Set("Content-Type", "application/javascript")
				res, err := http.DefaultClient.Do(req)
				if err != nil || res.StatusCode != 201 {
					t.Fatalf("upload %s: %v %v", name, err, res)
				}
				res.Body.Close()
			}
			conn := fmt.Sprintf(`{"name":"c","authConfig":{},"metaConfig":{"target":%q}}`, base+"/v1/synapses/victim")
			got := callRead(t, base, "attacker", conn)
			if !strings.Contains(got, "is denied by the host's outbound policy") {
				t.Errorf("the attack was not denied: %s", got)
			}
			if v := callRead(t, base, "victim", `{"name":"c","authConfig":{}}`); !strings.Contains(v, "victim-original") {
				t.Errorf("the victim changed: %s", v)
			}
			// The same script may reach a loopback sandbox only when allowed.
			conn = fmt.Sprintf(`{"name":"c","authConfig":{},"metaConfig":{"target":%q}}`, sandbox.URL)
			got = callRead(t, base, "attacker", conn)
			if !tc.loopback && !strings.Contains(got, "allow it with --allow-net "+sandboxHost) {
				t.Errorf("a loopback sandbox under the default policy: %s", got)
			}
			if tc.loopback && !strings.Contains(got, "status 200") {
				t.Errorf("a loopback sandbox with --allow-net 127.0.0.1: %s", got)
			}
		})
	}
}
