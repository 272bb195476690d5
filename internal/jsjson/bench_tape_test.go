package jsjson

import (
	"testing"

	"github.com/dop251/goja"
)

// BenchmarkTapePage is the lazy parser's one pass (parseTape) over the
// same 500-record page as BenchmarkParsePage: the scanning ParseLazy does
// before a script reads anything.
func BenchmarkTapePage(b *testing.B) {
	data := page(500)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseTape(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLazyFlattenPage is what a READ does with a page in the lazy
// layer: ParseLazy of a 500-record page, pipedrive.js's toRecord over
// every record (custom fields flattened into it, custom_fields deleted),
// and Append of the records: the figure for changes to lazy values.
func BenchmarkLazyFlattenPage(b *testing.B) {
	data := page(500)
	rt := goja.New()
	v, err := rt.RunString(`(function(body) {
		const items = body.data, out = [];
		for (let i = 0; i < items.length; i++) {
			const r = items[i], cf = r.custom_fields;
			if (cf) {
				const keys = Object.keys(cf);
				for (let j = 0; j < keys.length; j++) {
					const k = keys[j], v = cf[k];
					if (v !== null && typeof v === 'object' && v.currency !== undefined && !Array.isArray(v)) {
						r[k] = v.value;
						r[k + '_currency'] = v.currency;
					} else {
						r[k] = v;
					}
				}
				delete r.custom_fields;
			}
			out.push({ id: String(r.id), deleted: r.is_deleted === true, values: r, lastModified: r.update_time });
		}
		return out;
	})`)
	if err != nil {
		b.Fatal(err)
	}
	fn, _ := goja.AssertFunction(v)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var buf []byte
	for b.Loop() {
		body, err := ParseLazy(rt, data)
		if err != nil {
			b.Fatal(err)
		}
		res, err := fn(goja.Undefined(), body)
		if err != nil {
			b.Fatal(err)
		}
		if buf, err = Append(buf[:0], res); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTapeSandboxPage is parseTape over a 500-person page of the
// Pipedrive sandbox, the page BenchmarkReadPersonsPage of the scripts
// reads: the figure for changes to the tape parser.
func BenchmarkTapeSandboxPage(b *testing.B) {
	data := sandboxPages(b, 500, "/api/v2/persons?limit=500")[0]
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseTape(data); err != nil {
			b.Fatal(err)
		}
	}
}
