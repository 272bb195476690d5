package host_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/synapsejs/synapse-js/host"
)

var infoEnvelope = []byte(`{"type":"SYNAPSE_INFO","connection":{"name":"bench","authConfig":{"endpoint":"https://dummyendpoint"}},"body":{},"host":null,"syncariId":"s","requestId":"r"}`)

// goInfo is the same synapse_info as the JS connector's, done in plain Go:
// decode the envelope, call a function, encode the result.
type goInfo struct {
	Name               string         `json:"name"`
	Metadata           map[string]any `json:"metadata"`
	SupportedAuthTypes []goAuthType   `json:"supportedAuthTypes"`
}

type goAuthType struct {
	AuthType string `json:"authType"`
}

func goSynapseInfo() goInfo {
	return goInfo{Name: "t", Metadata: map[string]any{"displayName": "T"}, SupportedAuthTypes: []goAuthType{{AuthType: "None"}}}
}

func goInvoke(envelope []byte) ([]byte, error) {
	var env host.Envelope
	if err := json.Unmarshal(envelope, &env); err != nil {
		return nil, err
	}
	var conn map[string]any
	if err := json.Unmarshal(env.Connection, &conn); err != nil {
		return nil, err
	}
	return json.Marshal(goSynapseInfo())
}

func benchInvokeJS(b *testing.B) {
	c := load(b, host.New(host.Options{}), "read(req) { return { data: [], watermark: req.watermark }; },")
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if r := c.Invoke(ctx, infoEnvelope, host.CallOptions{}); r.Err != nil {
			b.Fatal(string(r.Body))
		}
	}
}

func benchInvokeGo(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := goInvoke(infoEnvelope); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInvokeSynapseInfo is the warm overhead of a trivial call
// through the whole Invoke path (envelope decode, runtime from the pool,
// call, result check, wire encode).
func BenchmarkInvokeSynapseInfo(b *testing.B) { benchInvokeJS(b) }

// BenchmarkInvokeGoBaseline does the same decode and encode around a
// plain Go function.
func BenchmarkInvokeGoBaseline(b *testing.B) { benchInvokeGo(b) }

// BenchmarkInvokeOverheadRatio interleaves the two, one call of each per
// iteration, and reports their times and ratio: the figure that counts on
// a machine whose speed swings.
func BenchmarkInvokeOverheadRatio(b *testing.B) {
	c := load(b, host.New(host.Options{}), "read(req) { return { data: [], watermark: req.watermark }; },")
	ctx := context.Background()
	var jsTime, goTime time.Duration
	n := 0
	for b.Loop() {
		t0 := time.Now()
		if r := c.Invoke(ctx, infoEnvelope, host.CallOptions{}); r.Err != nil {
			b.Fatal(string(r.Body))
		}
		t1 := time.Now()
		if _, err := goInvoke(infoEnvelope); err != nil {
			b.Fatal(err)
		}
		goTime += time.Since(t1)
		jsTime += t1.Sub(t0)
		n++
	}
	b.ReportMetric(float64(jsTime.Nanoseconds())/float64(n)/1000, "js-µs/call")
	b.ReportMetric(float64(goTime.Nanoseconds())/float64(n)/1000, "go-µs/call")
	b.ReportMetric(float64(jsTime)/float64(goTime), "js/go")
}

// connector500 generates a realistic 500-line connector.
func connector500() []byte {
	var sb strings.Builder
	sb.WriteString("const http = require('synapse/errors');\n")
	for i := 0; sb.Len() == 0 || strings.Count(sb.String(), "\n") < 490; i++ {
		fmt.Fprintf(&sb, `function mapEntity%d(row) {
  const values = {};
  for (const k of Object.keys(row)) {
    values[k] = row[k] === null ? undefined : row[k];
  }
  return { id: String(row.id), values, lastModified: Date.parse(row.update_time) };
}
`, i)
	}
	sb.WriteString("module.exports = {\n  " + infoSrc + "\n  read(req) { return { data: [mapEntity0({ id: 1, update_time: '2024-01-01T00:00:00Z' })], watermark: req.watermark }; },\n};\n")
	return []byte(sb.String())
}

// BenchmarkLoad500Lines is compile + validate (top level, exports,
// synapse_info) of a 500-line connector.
func BenchmarkLoad500Lines(b *testing.B) {
	src := connector500()
	if n := strings.Count(string(src), "\n"); n < 480 || n > 520 {
		b.Fatalf("generated %d lines", n)
	}
	e := host.New(host.Options{})
	b.ReportAllocs()
	for b.Loop() {
		c, err := e.Load(context.Background(), "big.js", src)
		if err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
}

// BenchmarkRunawayStop reports how long after its deadline a busy loop
// is stopped ("overshoot-ms"); the call's deadline is 50 ms.
func BenchmarkRunawayStop(b *testing.B) {
	c := load(b, host.New(host.Options{}), "read(req) { while (true) {} },")
	env := envelope("READ", readBody)
	var worst time.Duration
	for b.Loop() {
		start := time.Now()
		r := c.Invoke(context.Background(), env, host.CallOptions{Timeout: 50 * time.Millisecond})
		if r.Err == nil || r.Err.Status != 504 {
			b.Fatal(string(r.Body))
		}
		worst = max(worst, time.Since(start)-50*time.Millisecond)
	}
	b.ReportMetric(float64(worst.Microseconds())/1000, "worst-overshoot-ms")
}
