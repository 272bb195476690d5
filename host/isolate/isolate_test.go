package isolate_test

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestSameAnswerInWorkers(t *testing.T) {
	iso := newHarness(t, nil)
	in := newHarnessNone(t)
	src := connector("same", "v1", "", "if (req.entity.apiName === 'boom') throw new Error('no such entity ' + req.entity.apiName);")
	iso.mustUpload("same", src)
	in.mustUpload("same", src)
	for _, env := range []string{
		readEnvelope,
		strings.Replace(readEnvelope, `"apiName":"thing"}`, `"apiName":"boom"}`, 1),
		`{"type":"DESCRIBE","connection":{"name":"c","authConfig":{}},"body":{"entities":[]}}`,
		`{"type":"CREATE","connection":{"name":"c","authConfig":{}},"body":{"entity":{"apiName":"thing"},"data":[]}}`,
		`{"type":"NOPE","connection":{}}`,
		`not json`,
	} {
		a, b := iso.invoke("same", env), in.invoke("same", env)
		if a.status != b.status || !bytes.Equal(a.body, b.body) {
			t.Errorf("%s:\nisolated   %d %s\nin process %d %s", env, a.status, a.body, b.status, b.body)
		}
	}
	a := iso.do("POST", "/v1/synapses/same/call/describe", `{}`)
	b := in.do("POST", "/v1/synapses/same/call/describe", `{}`)
	if a.status != b.status || !bytes.Equal(a.body, b.body) {
		t.Errorf("call API:\nisolated   %d %s\nin process %d %s", a.status, a.body, b.status, b.body)
	}
}

func newHarnessNone(t *testing.T) *harness {
	h := &harness{t: t, dir: t.TempDir(), logs: &syncBuffer{}, none: true}
	h.start()
	t.Cleanup(h.stop)
	return h
}

func TestWorkerLogsReachServer(t *testing.T) {
	h := newHarness(t, nil)
	h.mustUpload("logs", connector("logs", "x", "const log = require('synapse/log');", "log.info('hello from the worker', {n: 7});"))
	if tag := tagOf(t, h.invoke("logs", readEnvelope)); tag != "x" {
		t.Fatalf("tag %q", tag)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(h.logs.String(), "hello from the worker") {
		if time.Now().After(deadline) {
			t.Fatalf("the script's log line never reached the server's logger:\n%s", h.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	line := ""
	for _, l := range strings.Split(h.logs.String(), "\n") {
		if strings.Contains(l, "hello from the worker") {
			line = l
		}
	}
	for _, want := range []string{`"synapse":"logs"`, `"type":"READ"`, `"n":7`, `"level":"info"`} {
		if !strings.Contains(line, want) {
			t.Errorf("log line lacks %s: %s", want, line)
		}
	}
}
