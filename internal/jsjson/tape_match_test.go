package jsjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/synapsejs/synapse-js/sandbox/pipedrive"
)

// sameTape reports how parseTape's answer for data differs from
// refParseTape's, or "" when they are the same: the same nodes (kinds,
// spans, flags, links, counts), or the same error at the same offset.
func sameTape(data []byte) string {
	want, werr := refParseTape(data)
	got, gerr := parseTape(data)
	if werr != nil || gerr != nil {
		var ws, gs *SyntaxError
		if !errors.As(werr, &ws) || !errors.As(gerr, &gs) {
			return "error " + errString(gerr) + ", want " + errString(werr)
		}
		if *ws != *gs {
			return "error " + gerr.Error() + ", want " + werr.Error()
		}
		return ""
	}
	if len(got.nodes) != len(want.nodes) {
		return "node counts differ"
	}
	for i := range want.nodes {
		if got.nodes[i] != want.nodes[i] {
			return fmt.Sprintf("node %d: got %+v, want %+v", i, got.nodes[i], want.nodes[i])
		}
	}
	return ""
}

func errString(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}

// sandboxPages are list pages of the Pipedrive sandbox, as connectors
// read them, compact and pretty-printed.
func sandboxPages(t testing.TB, records int, paths ...string) [][]byte {
	sb := pipedrive.New(pipedrive.Options{Records: records, Now: func() time.Time { return time.Unix(1767225600, 0) }})
	srv := httptest.NewServer(sb.Handler())
	defer srv.Close()
	var out [][]byte
	for _, path := range paths {
		resp, err := srv.Client().Get(srv.URL + path + sep(path) + "api_token=" + sb.Token())
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		out = append(out, body)
	}
	return out
}

// TestTapeMatchesReference holds parseTape to the recursive parser it
// replaced (refParseTape) on the corpus, on pages compact and indented,
// and on every truncation and many one-byte changes of small documents,
// which reach each error at each place it can be found.
func TestTapeMatchesReference(t *testing.T) {
	t.Parallel()
	docs := [][]byte{}
	for _, s := range lazyCorpus(t) {
		docs = append(docs, []byte(s))
	}
	small := sandboxPages(t, 20, "/api/v2/persons?limit=2", "/api/v2/deals?limit=2", "/api/v2/activities?limit=1")
	docs = append(docs, small...)
	for _, d := range append([][]byte(nil), docs...) {
		var ind bytes.Buffer
		if json.Indent(&ind, d, "", " \t") == nil {
			docs = append(docs, ind.Bytes())
		}
	}
	docs = append(docs,
		[]byte(strings.Repeat("[", maxDepth)+strings.Repeat("]", maxDepth)),
		[]byte(strings.Repeat("[", maxDepth+1)+strings.Repeat("]", maxDepth+1)),
		[]byte(strings.Repeat(`{"a":`, maxDepth)+"1"+strings.Repeat("}", maxDepth)),
		[]byte(strings.Repeat(`{"a":`, maxDepth+1)+"1"+strings.Repeat("}", maxDepth+1)),
		[]byte("\"a\xffb\xc3\""), []byte("{\"\xff\":\"\xe2\x82\"}"), []byte("[\"\xf0\x9f\x98\x80\",\"\xed\xa0\x80\"]"),
		[]byte(`{"a":"\u00e9\ud800","b\n":"x\"y","c":"`+strings.Repeat("z", 50)+`\\"}`),
		[]byte(`[0,-0,1.5,-2.25e3,1E+2,123456789012345,1234567890123456,-123456789012345,-1.0e-0]`),
		[]byte(" [ ] "), []byte("{ }"), []byte("[\n]"), []byte(`[{}, []]`), []byte("{\"a\":{\"b\" :[ 1 ]},\"c\":2}"),
	)
	for _, d := range docs {
		if msg := sameTape(d); msg != "" {
			t.Errorf("%.80q: %s", d, msg)
		}
	}
	// Every prefix and one-byte change of the small documents.
	muts := []byte{0, 0x1f, ' ', '\n', '"', '\\', ',', ':', '[', ']', '{', '}', '-', '.', '0', '5', 'e', 'E', '+', 't', 'f', 'n', 'u', 'x', 0x7f, 0x80, 0xc3, 0xff}
	mutable := append([][]byte(nil), small...)
	for _, s := range jsonCorpus() {
		mutable = append(mutable, []byte(s))
	}
	mutable = append(mutable, docs[len(docs)-10:]...)
	for _, d := range mutable {
		if len(d) > 4000 {
			t.Fatalf("document of %d bytes is too large to mutate", len(d))
		}
		for n := range len(d) {
			if msg := sameTape(d[:n]); msg != "" {
				t.Fatalf("%q: %s", d[:n], msg)
			}
		}
		b := bytes.Clone(d)
		for i := range b {
			old := b[i]
			for _, c := range muts {
				b[i] = c
				if msg := sameTape(b); msg != "" {
					t.Fatalf("%q: %s", b, msg)
				}
			}
			b[i] = old
		}
	}
}

// FuzzTapeMatchesReference holds parseTape to refParseTape on any input.
func FuzzTapeMatchesReference(f *testing.F) {
	for _, s := range jsonCorpus() {
		f.Add([]byte(s))
	}
	for _, s := range []string{`[1,]`, `01`, `{"a" 1}`, `"\x"`, "\"\xff\"", " { \"a\" : [ 1 , 2.5e3 ] } ", `{"a":1}x`, `-`, `1.`, `1e+`, `tru`, `[1 2]`, `{"a":"b\u12"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if msg := sameTape(data); msg != "" {
			t.Fatalf("%q: %s", data, msg)
		}
	})
}
