package host_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/synapsejs/synapse-js/host"
)

// pageJSON is a 500-row end-system page, parsed by the script as
// resp.json() would give it.
func pageJSON(n int) string {
	var sb strings.Builder
	sb.WriteString("[")
	for i := range n {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"id":%d,"name":"Person %d","email":"p%d@example.com","org_id":%d,"owner_id":7,"active_flag":true,"value":%d.5,"update_time":"2024-01-01T00:00:%02dZ","add_time":"2023-01-01T00:00:00Z","label":null}`, i, i, i, i%17, i, i%60)
	}
	sb.WriteString("]")
	return sb.String()
}

// loadSrc loads a whole connector source.
func loadSrc(b *testing.B, src string) *host.Connector {
	b.Helper()
	c, err := host.New(host.Options{}).Load(context.Background(), "p.js", []byte(src))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.Close)
	return c
}

const benchInfo = `synapse_info() { return { name: 't', metadata: { displayName: 'T' }, supportedAuthTypes: [{ authType: 'None' }] }; },
  test(c) { return c; },
`

// BenchmarkReadPage500 is one READ answering 500 Attribute-free records
// (the shape most pages have: id, name, values, lastModified; no
// syncariEntityId, deleted or createdAt), through Invoke with the wire
// encoding, so the model's defaults are written for every record. The
// rows are parsed once; each call maps them to records.
func BenchmarkReadPage500(b *testing.B) {
	c := loadSrc(b, "const rows = JSON.parse(`"+pageJSON(500)+"`);\nmodule.exports = {\n"+benchInfo+`
  describe() { return []; },
  read(req) {
    return { data: rows.map(r => ({ id: String(r.id), name: 'person', values: r, lastModified: Date.parse(r.update_time) })), watermark: req.watermark };
  },
};
`)
	env := envelope("READ", readBody)
	ctx := context.Background()
	var size int
	b.ReportAllocs()
	start := time.Now()
	n := 0
	for b.Loop() {
		r := c.Invoke(ctx, env, host.CallOptions{})
		if r.Err != nil {
			b.Fatal(string(r.Body))
		}
		size = len(r.Body)
		n++
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/float64(n)/500, "µs/rec")
	b.ReportMetric(float64(size)/500, "wire-B/rec")
}

// BenchmarkDescribe20x30 is one DESCRIBE of 20 schemas of 30 attributes,
// each attribute giving only apiName, displayName and a dataType.
func BenchmarkDescribe20x30(b *testing.B) {
	d := loadSrc(b, "module.exports = {\n"+benchInfo+`
  read(req) { return { data: [], watermark: req.watermark }; },
  describe(req) {
    const out = [];
    for (let s = 0; s < 20; s++) {
      const attributes = [];
      for (let a = 0; a < 30; a++) attributes.push({ apiName: 'f' + a, displayName: 'F ' + a, dataType: a % 3 ? 'string' : 'integer', isIdField: a === 0 });
      out.push({ apiName: 'e' + s, displayName: 'E ' + s, attributes });
    }
    return out;
  },
};
`)
	env := envelope("DESCRIBE", `{"entities":[]}`)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if r := d.Invoke(ctx, env, host.CallOptions{}); r.Err != nil {
			b.Fatal(string(r.Body))
		}
	}
}
