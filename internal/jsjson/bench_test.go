package jsjson

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dop251/goja"
)

// page is a list page of n records shaped like Pipedrive's v2 persons.
func page(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"success":true,"data":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"Person %d","first_name":"Person","last_name":"Example %d","owner_id":%d,"org_id":%d,`+
			`"add_time":"2024-03-01T10:00:00Z","update_time":"2025-01-02T08:00:30Z",`+
			`"emails":[{"value":"person%d@example.com","primary":true,"label":"work"}],`+
			`"phones":[{"value":"+1 415 555 %04d","primary":true,"label":"mobile"}],`+
			`"is_deleted":false,"visible_to":3,"label_ids":[5,9],"picture_id":null,`+
			`"custom_fields":{"8f3c1a2b9d":"Enterprise","1a2b3c4d5e":%d,"aa11bb22cc":{"value":12500.5,"currency":"USD"},"dd33ee44ff":null}}`,
			100000+i, i, i, 9000+i%7, 5000+i%50, i, i%10000, i)
	}
	b.WriteString(`],"additional_data":{"next_cursor":"abc"}}`)
	return []byte(b.String())
}

// BenchmarkParsePage is Parse of a 500-record page; BenchmarkJSONParsePage
// is goja's JSON.parse of the same text, the baseline.
func BenchmarkParsePage(b *testing.B) {
	data := page(500)
	rt := goja.New()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(rt, data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSONParsePage(b *testing.B) {
	data := page(500)
	rt := goja.New()
	parse, _ := goja.AssertFunction(rt.Get("JSON").ToObject(rt).Get("parse"))
	text := rt.ToValue(string(data))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parse(goja.Undefined(), text); err != nil {
			b.Fatal(err)
		}
	}
}
