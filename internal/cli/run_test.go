package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// mirrorJS answers with what it was sent, so tests can see the request
// bodies the flags build; it also leaks its secrets every way it can.
const mirrorJS = `
const log = require('synapse/log');
module.exports = {
  synapse_info() {
    return { name: 'mirror', metadata: { displayName: 'Mirror' }, supportedAuthTypes: [{ authType: 'None' }] };
  },
  test(c) {
    console.log('console: token ' + c.authConfig.token + ' password ' + c.authConfig.password);
    log.info('log: token ' + c.authConfig.token);
    return c;
  },
  describe(req) {
    return (req.entities.length ? req.entities : ['all']).map((n) => ({ apiName: n, displayName: n, attributes: [] }));
  },
  read(req, ctx) {
    if (req.entity.apiName === 'leak') throw new Error('cannot use ' + ctx.connection.authConfig.token);
    return { data: [{ id: '1', values: { req: req } }], watermark: req.watermark, offsetType: 'NONE' };
  },
  get_by_id(req) {
    return req.data.map((r) => ({ id: r.id, values: { entity: req.entity.apiName } }));
  },
  create(req) { return req.data.map((r) => ({ id: JSON.stringify(r) })); },
  update(req) { return req.data.map((r) => ({ id: JSON.stringify(r) })); },
  delete(req) { return req.data.map((r) => ({ id: JSON.stringify(r) })); },
};
`

func mirror(t *testing.T) string {
	return writeFile(t, filepath.Join(t.TempDir(), "mirror.js"), mirrorJS)
}

func decode[T any](t *testing.T, r result) T {
	t.Helper()
	var v T
	if r.code != 0 {
		t.Fatalf("exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	return v
}

func TestRunBuildsReadRequests(t *testing.T) {
	js := mirror(t)
	type readOut struct {
		Data []struct {
			Values struct {
				Req struct {
					Entity    map[string]any `json:"entity"`
					Mapped    map[string]any `json:"entityWithMappedFields"`
					Watermark map[string]any `json:"watermark"`
				} `json:"req"`
			} `json:"values"`
		} `json:"data"`
	}
	got := decode[readOut](t, run(t, nil, "run", js, "read", "--entity", "person", "--since", "2024-01-01", "--until", "2024-02-01T00:00:00Z",
		"--limit", "5", "--cursor", "abc", "--offset", "10"))
	req := got.Data[0].Values.Req
	wm, _ := json.Marshal(req.Watermark)
	if string(wm) != `{"cursor":"abc","end":1706745600000,"initial":false,"isResync":false,"isTest":false,"limit":5,"offset":10,"start":1704067200000}` {
		t.Errorf("watermark %s", wm)
	}
	ent, _ := json.Marshal(req.Entity)
	if string(ent) != `{"apiName":"person","attributes":[],"displayName":"person"}` || req.Mapped["apiName"] != "person" {
		t.Errorf("entity %s", ent)
	}

	got = decode[readOut](t, run(t, nil, "run", js, "READ", "--entity", "deal", "--since", "1700000000000"))
	wm0 := got.Data[0].Values.Req.Watermark
	if wm0["start"] != 1700000000000.0 || wm0["cursor"] != nil || time.Since(time.UnixMilli(int64(wm0["end"].(float64)))) > time.Minute {
		t.Errorf("watermark %v", wm0)
	}
	got = decode[readOut](t, run(t, nil, "run", js, "read", "--entity", "deal", "--since", "7d"))
	if start := time.UnixMilli(int64(got.Data[0].Values.Req.Watermark["start"].(float64))); time.Since(start)-7*24*time.Hour > time.Minute {
		t.Errorf("--since 7d: %v", start)
	}
	got = decode[readOut](t, run(t, nil, "run", js, "read", "--entity", "deal"))
	if w := got.Data[0].Values.Req.Watermark; w["start"] != 0.0 || w["isResync"] != true {
		t.Errorf("no --since: %v", w)
	}
}

func TestRunBuildsRecordRequests(t *testing.T) {
	js := mirror(t)
	type rec struct {
		ID     string         `json:"id"`
		Values map[string]any `json:"values"`
	}
	recs := decode[[]rec](t, run(t, nil, "run", js, "get_by_id", "--entity", "person", "--id", "42", "--id", "43"))
	if len(recs) != 2 || recs[0].ID != "42" || recs[1].ID != "43" || recs[0].Values["entity"] != "person" {
		t.Errorf("get_by_id: %+v", recs)
	}

	type res struct {
		ID string `json:"id"`
	}
	sent := func(r result) []string {
		var out []string
		for _, x := range decode[[]res](t, r) {
			out = append(out, x.ID)
		}
		return out
	}
	if got := sent(run(t, nil, "run", js, "create", "--entity", "person", "--data", `{"name":"Ann","id":7}`)); len(got) != 1 || got[0] != `{"id":"7","values":{"id":7,"name":"Ann"}}` {
		t.Errorf("create: %v", got)
	}
	data := writeFile(t, filepath.Join(t.TempDir(), "records.json"), `[{"id": 9, "values": {"name": "Bo"}, "syncariEntityId": "s-1"}, {"name": "Cy"}]`)
	if got := sent(run(t, nil, "run", js, "create", "--entity", "person", "--data", "@"+data)); len(got) != 2 ||
		got[0] != `{"id":"9","syncariEntityId":"s-1","values":{"name":"Bo"}}` || got[1] != `{"values":{"name":"Cy"}}` {
		t.Errorf("create @file: %v", got)
	}
	if got := sent(run(t, nil, "run", js, "update", "--entity", "person", "--id", "5", "--data", `{"name":"Di"}`)); len(got) != 1 || got[0] != `{"id":"5","values":{"name":"Di"}}` {
		t.Errorf("update: %v", got)
	}
	if got := sent(run(t, nil, "run", js, "delete", "--entity", "person", "--id", "5", "--id", "6")); len(got) != 2 || got[1] != `{"id":"6","values":{}}` {
		t.Errorf("delete: %v", got)
	}
	// Connection flags add to an envelope's connection.
	envl := writeFile(t, filepath.Join(t.TempDir(), "env.json"), `{"type":"TEST","connection":{"name":"from-envelope","authConfig":{"endpoint":"http://e/"}}}`)
	type conn struct {
		Name       string            `json:"name"`
		AuthConfig map[string]string `json:"authConfig"`
	}
	if c := decode[conn](t, run(t, map[string]string{"SYNAPSE_JS_TOKEN": "tok-Env-1234"}, "run", js, "test", "--envelope", envl)); c.Name != "from-envelope" ||
		c.AuthConfig["endpoint"] != "http://e/" || c.AuthConfig["token"] != "[REDACTED]" {
		t.Errorf("envelope + env token: %+v", c)
	}
	// Only documented variables are read: a SYNAPSE_JS_<FLAG> is not a flag.
	if r := run(t, map[string]string{"SYNAPSE_JS_ENTITY": "person", "SYNAPSE_JS_ID": "3", "SYNAPSE_JS_TIMEOUT": "1ns"}, "run", js, "test"); r.code != 0 {
		t.Errorf("test with SYNAPSE_JS_ENTITY and SYNAPSE_JS_TIMEOUT: exit %d: %s", r.code, r.stderr)
	}
	if r := run(t, map[string]string{"SYNAPSE_JS_SINCE": "30d"}, "run", js, "read"); r.code != 2 || !strings.Contains(r.stderr, "read needs --entity") {
		t.Errorf("read with SYNAPSE_JS_SINCE only: exit %d: %s", r.code, r.stderr)
	}

	type sch struct {
		APIName string `json:"apiName"`
	}
	if got := decode[[]sch](t, run(t, nil, "run", js, "describe", "--entity", "a", "--entity", "b")); len(got) != 2 || got[1].APIName != "b" {
		t.Errorf("describe: %v", got)
	}
	if got := decode[[]sch](t, run(t, nil, "run", js, "describe")); len(got) != 1 || got[0].APIName != "all" {
		t.Errorf("describe all: %v", got)
	}
}

func TestRunRequestUsageErrors(t *testing.T) {
	js := mirror(t)
	req := writeFile(t, filepath.Join(t.TempDir(), "req.json"), `{}`)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"read"}, "read needs --entity"},
		{[]string{"read", "--entity", "a", "--entity", "b"}, "one --entity"},
		{[]string{"read", "--entity", "a", "--since", "yesterday-ish"}, "--since"},
		{[]string{"read", "--entity", "a", "--since", "2024-02-01", "--until", "2024-01-01"}, "before --since"},
		{[]string{"read", "--entity", "a", "--id", "1"}, "--id does not apply to read"},
		{[]string{"get_by_id", "--entity", "a"}, "needs --id"},
		{[]string{"update", "--entity", "a", "--data", `{"name":"x"}`}, "has no id"},
		{[]string{"create", "--entity", "a", "--data", `[1]`}, "want an object"},
		{[]string{"create", "--entity", "a", "--data", `{`}, "not valid JSON"},
		{[]string{"create", "--entity", "a", "--data", "@/no/such/file"}, "--data"},
		{[]string{"read", "--entity", "a", "--request", req}, "cannot be combined"},
		{[]string{"test", "--meta", "novalue"}, "want key=value"},
	} {
		r := run(t, nil, append([]string{"run", js}, tc.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	js := mirror(t)
	const token, password = "tok-Sup3rSecret-xyz", "pw-Hunter2-abc"
	conn := writeFile(t, filepath.Join(t.TempDir(), "conn.json"),
		`{"name":"c","authConfig":{"endpoint":"http://127.0.0.1:1/","accessToken":"acc-Zz9-secret","additionalHeaders":{"x-key":"hdr-Qq7-secret"}}}`)
	env := map[string]string{"SYNAPSE_JS_TOKEN": token, "SYNAPSE_JS_PASSWORD": password}
	leaked := func(name string, r result) {
		t.Helper()
		all := r.stdout + r.stderr
		for _, s := range []string{token, password, "acc-Zz9-secret", "hdr-Qq7-secret"} {
			if strings.Contains(all, s) {
				t.Errorf("%s printed %q:\n%s", name, s, all)
			}
		}
	}
	// test echoes the connection and logs the secrets.
	r := run(t, env, "run", js, "test", "--connection", conn, "--log-level", "debug")
	if r.code != 0 || !strings.Contains(r.stdout, "[REDACTED]") || !strings.Contains(r.stderr, "console: token [REDACTED]") {
		t.Errorf("test: exit %d:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	leaked("run test", r)
	// Flags (not env) and the wire format.
	r = run(t, nil, "run", js, "test", "--token", token, "--password", password, "--wire")
	leaked("run test --token", r)
	// An error message that quotes the token.
	r = run(t, env, "run", js, "read", "--entity", "leak")
	if r.code != 1 || !strings.Contains(r.stdout, "cannot use [REDACTED]") {
		t.Errorf("read: exit %d: %s", r.code, r.stdout)
	}
	leaked("run read", r)
	// check prints reasons, and fails on the leak entity.
	r = run(t, env, "check", js, "--entity", "leak", "--log-level", "debug")
	if r.code != 1 || !strings.Contains(r.stdout, "cannot use [REDACTED]") {
		t.Errorf("check: exit %d: %s", r.code, r.stdout)
	}
	leaked("check", r)
	r = run(t, env, "sync", js, "--entity", "leak", "--log-level", "debug")
	if r.code != 1 || !strings.Contains(r.stderr, "cannot use [REDACTED]") {
		t.Errorf("sync: exit %d: %s", r.code, r.stderr)
	}
	leaked("sync", r)
}

func TestSyncRedactsRecordsOnStdout(t *testing.T) {
	js := mirror(t)
	// The mirror's record carries the request, watermark and all; its
	// connection is not in it, so put the token where it shows: the entity.
	r := run(t, map[string]string{"SYNAPSE_JS_TOKEN": "tok-InRecord-42"}, "sync", js, "--entity", "tok-InRecord-42")
	if r.code != 0 || strings.Contains(r.stdout, "tok-InRecord-42") || !strings.Contains(r.stdout, `"apiName":"[REDACTED]"`) {
		t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
}
