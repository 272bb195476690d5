package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// encodedLeaks throws and logs its token and password percent-encoded,
// base64-encoded, JSON-escaped and as a Basic header.
const encodedLeaks = `const log = require('synapse/log');
function b64(s) {
  const c = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let o = '';
  for (let i = 0; i < s.length; i += 3) {
    const n = (s.charCodeAt(i) << 16) | ((s.charCodeAt(i + 1) || 0) << 8) | (s.charCodeAt(i + 2) || 0);
    o += c[n >> 18 & 63] + c[n >> 12 & 63] + (i + 1 < s.length ? c[n >> 6 & 63] : '=') + (i + 2 < s.length ? c[n & 63] : '=');
  }
  return o;
}
function leaks(a) {
  const out = [];
  for (const t of [a.token, a.password]) {
    out.push(encodeURIComponent(t), encodeURIComponent(t).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()), b64(t), JSON.stringify(t));
  }
  out.push('Basic ' + b64(a.userName + ':' + a.password));
  return out.join(' | ');
}
module.exports = {
  synapse_info() { return {name: 'enc', metadata: {displayName: 'Enc'}, supportedAuthTypes: [{authType: 'None'}]}; },
  test(c) { log.info('test ' + leaks(c.authConfig)); return c; },
  describe(req) { return [{apiName: 'leak', displayName: 'Leak', attributes: [{apiName: 'id', displayName: 'Id', isIdField: true}]}]; },
  read(req, ctx) {
    log.info('read ' + leaks(ctx.connection.authConfig));
    throw new Error('cannot use ' + leaks(ctx.connection.authConfig));
  },
};
`

func TestEncodedSecretsNeverPrinted(t *testing.T) {
	js := writeFile(t, filepath.Join(t.TempDir(), "enc.js"), encodedLeaks)
	env := map[string]string{"SYNAPSE_JS_TOKEN": "P@ssw0rd!", "SYNAPSE_JS_PASSWORD": "hunter 2&more"}
	forms := []string{"P%40ssw0rd", "p%40ssw0rd", "UEBzc3cwcmQh", "hunter%202", "aHVudGVyIDImbW9yZQ", "c3ZjOmh1bnRlciAyJm1vcmU", "hunter 2"}
	check := func(name string, r result) {
		t.Helper()
		all := r.stdout + r.stderr
		for _, f := range forms {
			if strings.Contains(all, f) {
				t.Errorf("%s printed %q:\n%s", name, f, all)
			}
		}
		if !strings.Contains(all, "[REDACTED]") {
			t.Errorf("%s redacted nothing (did the script leak?):\n%s", name, all)
		}
	}
	check("run test", run(t, env, "run", js, "test", "--user", "svc", "--log-level", "debug"))
	check("run read", run(t, env, "run", js, "read", "--entity", "leak", "--user", "svc", "--log-level", "debug"))
	check("check", run(t, env, "check", js, "--entity", "leak", "--user", "svc", "--log-level", "debug"))
	check("sync", run(t, env, "sync", js, "--entity", "leak", "--user", "svc", "--log-level", "debug"))
}
