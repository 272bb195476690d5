package host_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/synapsejs/synapse-js/bindings/bindingstest"
	"github.com/synapsejs/synapse-js/host"
)

// TestScriptLogLines checks what the contract promises of log lines: the
// synapse name, request type and request id on each, console.log at debug,
// and the connection's secrets redacted by value.
func TestScriptLogLines(t *testing.T) {
	t.Parallel()
	var buf bindingstest.SyncBuffer
	e := host.New(host.StdOptions(host.Options{Logger: zerolog.New(&buf).Level(zerolog.DebugLevel)}))
	c := load(t, e, `read(req, ctx) {
    require('synapse/log').info('reading with ' + ctx.connection.authConfig.token, { entity: req.entity.apiName });
    console.log('debug line');
    return { data: [], watermark: req.watermark };
  },`)
	if r := c.Invoke(context.Background(), envelope("READ", readBody), host.CallOptions{}); r.Err != nil {
		t.Fatal(string(r.Body))
	}
	noID := []byte(`{"type":"READ","connection":{"name":"c","authConfig":{"token":"s3cret-token"}},"body":` + readBody + `}`)
	if r := c.Invoke(context.Background(), noID, host.CallOptions{}); r.Err != nil {
		t.Fatal(string(r.Body))
	}
	out := buf.String()
	if strings.Contains(out, "s3cret-token") {
		t.Errorf("a secret reached the log:\n%s", out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var infos, debugs int
	for _, l := range lines {
		if !strings.Contains(l, `"synapse":"t"`) || !strings.Contains(l, `"type":"READ"`) {
			continue
		}
		switch {
		case strings.Contains(l, `"level":"info"`) && strings.Contains(l, `reading with [REDACTED]`) && strings.Contains(l, `"entity":"thing"`):
			infos++
		case strings.Contains(l, `"level":"debug"`) && strings.Contains(l, `debug line`):
			debugs++
		default:
			continue
		}
		if !strings.Contains(l, `"request_id":"rq"`) && !strings.Contains(l, `"request_id":"h-`) {
			t.Errorf("line without a request id: %s", l)
		}
	}
	if infos != 2 || debugs != 2 {
		t.Errorf("want 2 info and 2 debug script lines, got %d and %d:\n%s", infos, debugs, out)
	}
	if !strings.Contains(out, `"request_id":"h-`) {
		t.Errorf("a call without a requestId should log a host-made one:\n%s", out)
	}
}

// An un-awaited promise that rejects is logged with where it was made.
func TestUnhandledRejectionIsLogged(t *testing.T) {
	t.Parallel()
	var buf bindingstest.SyncBuffer
	e := host.New(host.StdOptions(host.Options{Logger: zerolog.New(&buf).Level(zerolog.DebugLevel)}))
	c := load(t, e, `read(req, ctx) {
    const fail = async () => { throw new Error('lost ' + ctx.connection.authConfig.token); };
    fail(); // not awaited
    const handled = fail(); handled.catch(() => {});
    return { data: [], watermark: req.watermark };
  },`)
	if r := c.Invoke(context.Background(), envelope("READ", readBody), host.CallOptions{}); r.Err != nil {
		t.Fatal(string(r.Body))
	}
	var warned []string
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if strings.Contains(l, "nothing handled it") {
			warned = append(warned, l)
		}
	}
	if len(warned) != 1 {
		t.Fatalf("want one warning for the one unhandled rejection, got %d:\n%s", len(warned), buf.String())
	}
	w := warned[0]
	for _, want := range []string{`"level":"warn"`, `"error":"Error: lost [REDACTED]"`, `"request_id":"rq"`} {
		if !strings.Contains(w, want) {
			t.Errorf("warning lacks %s: %s", want, w)
		}
	}
	// The position is the throw's, in the connector's own file.
	if !regexp.MustCompile(`"at":"t\.js:\d+:3\d"`).MatchString(w) {
		t.Errorf("warning lacks the position of the throw: %s", w)
	}
}
