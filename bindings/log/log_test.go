package log

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dop251/goja"
	"github.com/rs/zerolog"

	"github.com/synapsejs/synapse-js/bindings/bindingstest"
)

func newVU(t *testing.T) *bindingstest.VU {
	t.Helper()
	vu := bindingstest.New(t, Module{})
	if err := InstallConsole(vu); err != nil {
		t.Fatal(err)
	}
	vu.MustRun(t, `var log = require('synapse/log');`)
	return vu
}

// lines decodes the JSON log lines written so far.
func lines(t *testing.T, vu *bindingstest.VU) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(vu.Logs.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func TestLevelsAndFields(t *testing.T) {
	vu := newVU(t)
	vu.MustRun(t, `
		log.debug("d");
		log.info("fetched", {count: 3, ratio: 0.5, ok: true, name: "persons", none: null, skip: undefined,
			nested: {a: [1, "x"]}, when: new Date(0), big: 12345678901234567890n, nan: NaN});
		log.warn("w", {level: "spoof", request_id: "spoof"});
		log.error("e", {err: new TypeError("boom")});
		console.log("a", 1, {b: 2}, [3], null, undefined, true);
		console.debug("dbg"); console.info("inf"); console.warn("wrn"); console.error("err", new Error("bad"));
	`)
	ls := lines(t, vu)
	if len(ls) != 9 {
		t.Fatalf("%d lines:\n%s", len(ls), vu.Logs.String())
	}
	levels := []string{"debug", "info", "warn", "error", "debug", "debug", "info", "warn", "error"}
	for i, l := range ls {
		if l["level"] != levels[i] {
			t.Errorf("line %d level %v, want %s", i, l["level"], levels[i])
		}
		if l["synapse"] != "test" || l["type"] != "READ" || l["request_id"] != "req-1" {
			t.Errorf("line %d lacks the call's fields: %v", i, l)
		}
	}
	info := ls[1]
	if info["message"] != "fetched" || info["count"] != 3.0 || info["ratio"] != 0.5 || info["ok"] != true || info["name"] != "persons" ||
		info["none"] != nil || info["when"] != "1970-01-01T00:00:00.000Z" || info["big"] != "12345678901234567890" || info["nan"] != nil {
		t.Errorf("info line %v", info)
	}
	if _, ok := info["skip"]; ok {
		t.Error("undefined fields should be left out")
	}
	if n, _ := json.Marshal(info["nested"]); string(n) != `{"a":[1,"x"]}` {
		t.Errorf("nested = %s", n)
	}
	if ls[2]["level"] != "warn" || ls[2]["field_level"] != "spoof" || ls[2]["field_request_id"] != "spoof" || ls[2]["request_id"] != "req-1" {
		t.Errorf("reserved keys must be renamed: %v", ls[2])
	}
	if !strings.HasPrefix(ls[3]["err"].(string), "TypeError: boom") {
		t.Errorf("error field = %v", ls[3]["err"])
	}
	if ls[4]["message"] != `a 1 {"b":2} [3] null undefined true` {
		t.Errorf("console.log message = %q", ls[4]["message"])
	}
	if !strings.HasPrefix(ls[8]["message"].(string), "err Error: bad") {
		t.Errorf("console.error message = %q", ls[8]["message"])
	}
}

func TestRedaction(t *testing.T) {
	vu := newVU(t)
	vu.Call().Secrets.Add("s3cr3t-token", "p@ss word")
	vu.MustRun(t, `
		log.info("token is s3cr3t-token", {t: "s3cr3t-token", url: "https://x/?k=p%40ss+word", obj: {deep: ["s3cr3t-token"]}});
		console.log("header", {authorization: "Bearer s3cr3t-token"}, "p@ss word");
	`)
	out := vu.Logs.String()
	if strings.Contains(out, "s3cr3t") || strings.Contains(out, "p@ss") || strings.Contains(out, "p%40ss") {
		t.Errorf("secret in logs:\n%s", out)
	}
	if strings.Count(out, "[REDACTED]") != 6 {
		t.Errorf("want 6 redactions:\n%s", out)
	}
	lines(t, vu) // still valid JSON
}

func TestCurrentCall(t *testing.T) {
	vu := newVU(t)
	vu.MustRun(t, `var say = function (m) { console.info(m); log.info(m) }; say("one")`)
	first := vu.Call()
	next := *first
	var buf bindingstest.SyncBuffer
	next.Log = zerolog.New(&buf).With().Str("request_id", "req-2").Logger()
	vu.SetCall(&next)
	vu.MustRun(t, `say("two")`)
	if strings.Contains(vu.Logs.String(), "two") || strings.Count(buf.String(), `"request_id":"req-2"`) != 2 {
		t.Errorf("second call logged to the wrong logger:\nfirst: %s\nsecond: %s", vu.Logs.String(), buf.String())
	}
	// A disabled level costs nothing and writes nothing.
	next.Log = next.Log.Level(zerolog.WarnLevel)
	vu.MustRun(t, `console.log({big: "x".repeat(1000)}); log.debug("no")`)
	if strings.Contains(buf.String(), "no") {
		t.Error("debug line written at warn level")
	}
}

func TestLimitsAndValidation(t *testing.T) {
	vu := newVU(t)
	vu.MustRun(t, `var f = {}; for (var i = 0; i < 150; i++) f["k" + i] = i; log.info("x".repeat(100000), f)`)
	l := lines(t, vu)[0]
	if l["fields_dropped"] != 50.0 || len(l["message"].(string)) > MaxValueBytes+20 || !strings.HasSuffix(l["message"].(string), "…(truncated)") {
		t.Errorf("limits: dropped %v, message length %d", l["fields_dropped"], len(l["message"].(string)))
	}
	_, err := vu.Run(`log.info("x", "not fields")`)
	ex, ok := err.(*goja.Exception)
	if !ok || !strings.Contains(ex.Value().String(), "TypeError: log.info: fields must be a plain object, got a string") {
		t.Errorf("got %v", err)
	}
	// Cycles do not break logging.
	vu.MustRun(t, `var o = {}; o.o = o; console.log(o); log.info("c", {o: o})`)
}
