package cli

import (
	"context"
	"encoding/base64"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/synapsejs/synapse-js/sandbox/echo"
)

// echoSandbox serves the echo API on loopback until stop.
func echoSandbox(t *testing.T) (base string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	base, stopSrv, err := echo.Serve(ctx, "127.0.0.1:0", echo.Options{})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := false
	stop = func() {
		if !done {
			done = true
			stopSrv()
			cancel()
		}
	}
	t.Cleanup(stop)
	return base, stop
}

// hermeticJS reads the echo API and answers, beside each item, what the
// clock, new Date() and Math.random() said after a timer: a replay on
// another day must give the same bytes.
const hermeticJS = `const http = require('synapse/http');
module.exports = {
  synapse_info() {
    return { name: 'herm', category: 'other', metadata: { displayName: 'Herm' },
      supportedAuthTypes: [{ authType: 'ApiKey', label: 'Token', fields: [{ name: 'token', dataType: 'password', label: 'Token', required: true }] }],
      configuredFields: [] };
  },
  test(c) { return c; },
  describe() { return []; },
  async read(req, ctx) {
    const ac = ctx.connection.authConfig;
    const api = http.client({ baseUrl: ac.endpoint, headers: { Authorization: 'Bearer ' + ac.token } });
    const page = api.get('items', { query: { limit: 3, since: new Date(req.watermark.start).toISOString() } }).json();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const again = api.get('items', { query: { limit: 3, since: new Date(req.watermark.start).toISOString() } }).json();
    return {
      data: page.data.concat(again.data).map((it, i) => ({ id: String(it.id) + '-' + i, name: 'item',
        values: { n: it.name, now: Date.now(), d: new Date().toISOString(), r: Math.random() } })),
      watermark: req.watermark,
    };
  },
};
`

// TestRunRecordReplay: run --record, then --replay with the sandbox gone,
// gives the same bytes, also later (another clock), and the cassette
// holds no token in any encoding.
func TestRunRecordReplay(t *testing.T) {
	dir := t.TempDir()
	js := writeFile(t, filepath.Join(dir, "herm.js"), hermeticJS)
	base, stop := echoSandbox(t)
	cas := filepath.Join(dir, "cassettes", "read.json")
	env := map[string]string{"SYNAPSE_JS_TOKEN": echo.DefaultToken}
	rec := run(t, env, "run", js, "read", "--endpoint", base, "--entity", "item", "--since", "30d", "--wire", "--record", cas)
	if rec.code != 0 {
		t.Fatalf("record: exit %d\n%s%s", rec.code, rec.stdout, rec.stderr)
	}
	stop()
	for i := range 2 {
		time.Sleep(15 * time.Millisecond) // another clock, so nothing may come from it
		rep := run(t, env, "run", js, "read", "--endpoint", "http://127.0.0.1:9/", "--entity", "item", "--since", "30d", "--wire", "--replay", cas)
		if rep.code != 0 {
			t.Fatalf("replay %d: exit %d\n%s%s", i, rep.code, rep.stdout, rep.stderr)
		}
		if rep.stdout != rec.stdout {
			t.Fatalf("replay %d differs from the recording:\n got %s\nwant %s", i, rep.stdout, rec.stdout)
		}
	}
	data, err := os.ReadFile(cas)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{echo.DefaultToken, url.QueryEscape(echo.DefaultToken), base64.StdEncoding.EncodeToString([]byte(echo.DefaultToken))} {
		if strings.Contains(string(data), f) {
			t.Errorf("the cassette holds the token as %q", f)
		}
	}
	// A request the cassette does not hold fails naming it and the closest.
	miss := run(t, env, "run", js, "read", "--endpoint", base, "--entity", "item", "--since", "60d", "--replay", cas)
	if miss.code != 1 || !strings.Contains(miss.stdout, "no recorded answer for GET {{origin}}/items?") || !strings.Contains(miss.stdout, "closest recorded request is GET {{origin}}/items?") {
		t.Fatalf("a different request under replay: exit %d\n%s%s", miss.code, miss.stdout, miss.stderr)
	}
}

const runnerTestJS = `const { test, describe, expect, beforeEach, afterEach } = require('synapse/test');
const herm = require('./herm.js');

let log = [];
beforeEach(() => { log.push('before'); });
afterEach(() => { log.push('after'); });

describe('herm', () => {
  test('info', () => {
    expect(herm.info.name).toBe('herm');
    expect(herm.methods).toContain('read');
  });
  test('diff', () => {
    expect({ a: 1, list: [1, 2] }).toEqual({ a: 2, list: [1, 2] });
  });
  test.skip('skipped', () => { throw new Error('must not run'); });
  test('throws', async () => {
    await null;
    throw new TypeError('boom');
  });
  test('hooks ran', () => {
    expect(log.length).toBeGreaterThan(0);
    expect(log[0]).toBe('before');
    expect(() => { throw new RangeError('x'); }).toThrow(RangeError);
    expect(() => 1).not.toThrow();
  });
  test('rejects', async () => {
    await expect(Promise.reject(new Error('nope'))).rejects.toThrow(/no/);
    await expect(Promise.resolve(3)).resolves.toBe(3);
  });
});
`

func TestTestCommand(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "herm.js"), hermeticJS)
	tf := writeFile(t, filepath.Join(dir, "herm.test.js"), runnerTestJS)
	r := run(t, nil, "test", tf)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if got := lines[len(lines)-1]; got != "3 passed, 2 failed, 1 skipped" {
		t.Errorf("summary %q\n%s", got, r.stdout)
	}
	for _, want := range []string{
		"FAIL " + tf + ":14: herm > diff",
		"-   \"a\": 2,",
		"+   \"a\": 1,",
		"FAIL " + tf + ":19: herm > throws",
		"threw TypeError: boom",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	// --run selects; all passing is exit 0 and no "skipped".
	r = run(t, nil, "test", tf, "--run", "info|hooks|rejects")
	if r.code != 0 || !strings.HasSuffix(strings.TrimSpace(r.stdout), "\n3 passed, 0 failed") && strings.TrimSpace(r.stdout) != "3 passed, 0 failed" {
		t.Fatalf("--run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestTestRequireOutside(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "secret.js"), `module.exports = {};`)
	conn := filepath.Join(dir, "conn")
	writeFile(t, filepath.Join(conn, "herm.js"), hermeticJS)
	if err := os.Symlink(filepath.Join(dir, "secret.js"), filepath.Join(conn, "link.js")); err != nil {
		t.Fatal(err)
	}
	for _, req := range []string{"../secret.js", "./link.js", filepath.Join(dir, "secret.js")} {
		tf := writeFile(t, filepath.Join(conn, "x.test.js"), `const { test } = require('synapse/test');
require(`+"`"+req+"`"+`);
test('never', () => {});
`)
		r := run(t, nil, "test", tf)
		if r.code != 1 || !strings.Contains(r.stdout, "outside the connector's directory") || !strings.Contains(r.stdout, "0 passed, 1 failed") {
			t.Errorf("require(%q): exit %d\n%s%s", req, r.code, r.stdout, r.stderr)
		}
	}
}

// TestTestRecordReplay: test --record against the sandbox, then the same
// tests replay with the sandbox gone, and --replay without a cassette fails.
func TestTestRecordReplay(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "herm.js"), hermeticJS)
	base, stop := echoSandbox(t)
	writeFile(t, filepath.Join(dir, "testdata", "connection.json"), `{"name":"dev","authConfig":{"endpoint":"http://127.0.0.1:9/","token":"`+echo.DefaultToken+`"}}`)
	tf := writeFile(t, filepath.Join(dir, "herm.test.js"), `const { test, expect } = require('synapse/test');
const herm = require('./herm.js');
test('reads', () => {
  const page = herm.read({ entity: 'item', since: '30d' });
  expect(page.data).toHaveLength(6);
  expect(page.data[0].values.r).toBe(page.data[0].values.r);
});
test('wire', () => {
  const body = herm.read({ entity: 'item', since: '30d' }, { wire: true });
  expect(typeof body).toBe('string');
  expect(JSON.parse(body).data).toHaveLength(6);
});
`)
	r := run(t, nil, "test", tf, "--record", "--endpoint", base, "-v")
	if r.code != 0 {
		t.Fatalf("record: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	stop()
	for _, name := range []string{"reads", "wire"} {
		if _, err := os.Stat(filepath.Join(dir, "cassettes", "herm", name+".json")); err != nil {
			t.Fatal(err)
		}
	}
	r = run(t, nil, "test", tf, "--replay")
	if r.code != 0 || !strings.Contains(r.stdout, "2 passed, 0 failed") {
		t.Fatalf("replay: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	os.Remove(filepath.Join(dir, "cassettes", "herm", "wire.json"))
	r = run(t, nil, "test", tf, "--replay")
	if r.code != 1 || !regexp.MustCompile(`cassette .*wire\.json does not exist`).MatchString(r.stdout) {
		t.Fatalf("replay without a cassette: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestDevReactsToASave drives `dev` with a temp file: the first run, a
// save that changes the result (shown as a diff), a broken save (its
// problem printed), then Ctrl-C (a cancelled context) ends it cleanly.
func TestDevReactsToASave(t *testing.T) {
	dir := t.TempDir()
	js := writeFile(t, filepath.Join(dir, "herm.js"), hermeticJS)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	app := &App{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }}
	done := make(chan int, 1)
	go func() { done <- Main(ctx, app, []string{"dev", js, "synapse_info", "--interval", "20ms"}) }()
	waitFor := func(what string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(out.String(), what) {
			if time.Now().After(deadline) {
				t.Fatalf("no %q in the output:\n%s", what, out.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor(`"displayName": "Herm"`)
	waitFor("watching " + js)
	writeFile(t, js, strings.Replace(hermeticJS, "displayName: 'Herm'", "displayName: 'Hermes'", 1))
	waitFor("changed since the last run:")
	waitFor(`-     "displayName": "Herm"`)
	waitFor(`+     "displayName": "Hermes"`)
	writeFile(t, js, strings.Replace(hermeticJS, "test(c) { return c; },", "test(c) { return c; ", 1))
	waitFor(js + ":")
	waitFor("syntax error")
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, out.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("dev did not stop on cancel")
	}
	if !strings.Contains(out.String(), "dev: stopped") {
		t.Errorf("no clean stop:\n%s", out.String())
	}
}

// TestTestOutputHidesSecrets: a failing test that prints the connection
// does not print its token.
func TestTestOutputHidesSecrets(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "testdata", "connection.json"), `{"name":"x","authConfig":{"token":"very-secret-token-1"}}`)
	tf := writeFile(t, filepath.Join(dir, "s.test.js"), `const { test, expect, connection } = require('synapse/test');
test('prints it', () => { expect(connection.authConfig.token).toBe('other'); });
`)
	r := run(t, nil, "test", tf)
	if r.code != 1 || strings.Contains(r.stdout, "very-secret-token-1") || !strings.Contains(r.stdout, "[REDACTED]") {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
}
