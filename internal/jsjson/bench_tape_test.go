package jsjson

import "testing"

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
