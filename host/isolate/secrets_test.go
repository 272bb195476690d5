package isolate_test

import (
	"strings"
	"testing"
	"time"
)

// leaky throws and logs its connection's token in several encodings.
const leaky = `const log = require('synapse/log');
function b64(s) {
  const c = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let o = '';
  for (let i = 0; i < s.length; i += 3) {
    const n = (s.charCodeAt(i) << 16) | ((s.charCodeAt(i + 1) || 0) << 8) | (s.charCodeAt(i + 2) || 0);
    o += c[n >> 18 & 63] + c[n >> 12 & 63] + (i + 1 < s.length ? c[n >> 6 & 63] : '=') + (i + 2 < s.length ? c[n & 63] : '=');
  }
  return o;
}
function leaks(t, user) {
  return [t, encodeURIComponent(t), encodeURIComponent(t).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    b64(t), b64(t).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'), JSON.stringify({t}), 'Basic ' + b64(user + ':' + t)].join(' | ');
}
module.exports = {
  synapse_info() { return {name: 'leaky', metadata: {displayName: 'X'}, supportedAuthTypes: [{authType: 'None'}]}; },
  test(c) { return c; },
  describe() { return []; },
  read(req, ctx) {
    const a = ctx.connection.authConfig;
    log.info('leaking ' + leaks(a.token, a.userName));
    log.info('password ' + leaks(a.password, a.userName));
    throw new Error('leak ' + leaks(a.token, a.userName) + ' pw ' + leaks(a.password, a.userName));
  },
};
`

const leakyConn = `{"name":"c","authConfig":{"token":"P@ssw0rd!","userName":"svc","password":"hunter2 and more"}}`

var leakedForms = []string{"P@ssw0rd!", "P%40ssw0rd!", "P%40ssw0rd%21", "p%40ssw0rd", "UEBzc3cwcmQh", "hunter2", "hunter2%20and", "aHVudGVyMiBhbmQgbW9yZQ", "c3ZjOmh1bnRlcjIgYW5kIG1vcmU="}

func checkNoLeak(t *testing.T, where, text string) {
	t.Helper()
	for _, f := range leakedForms {
		if strings.Contains(text, f) {
			t.Errorf("%s shows %q: %s", where, f, text)
		}
	}
	if !strings.Contains(text, "[REDACTED]") {
		t.Errorf("%s redacted nothing (did the leak happen?): %s", where, text)
	}
}

func TestSecretsRedactedInEveryForm(t *testing.T) {
	for _, mode := range []string{"isolated", "in process"} {
		t.Run(mode, func(t *testing.T) {
			var h *harness
			if mode == "isolated" {
				h = newHarness(t, nil)
			} else {
				h = newHarnessNone(t)
			}
			h.mustUpload("leaky", leaky)
			env := strings.Replace(readEnvelope, `{"name":"c","authConfig":{}}`, leakyConn, 1)
			r := h.invoke("leaky", env)
			_, _, detail := wireErr(t, r)
			checkNoLeak(t, "the wire detail", detail)
			r = h.do("POST", "/v1/synapses/leaky/call/read", `{"connection":`+leakyConn+`,"request":{"entity":{"apiName":"x"},"entityWithMappedFields":{"apiName":"x"},"watermark":{"start":0,"end":1}}}`)
			checkNoLeak(t, "the plain API", string(r.body))
			deadline := time.Now().Add(5 * time.Second)
			for !strings.Contains(h.logs.String(), "password ") && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			checkNoLeak(t, "the server log", h.logs.String())
		})
	}
}
