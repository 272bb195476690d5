package http

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/hex"
	"fmt"
	"io"
	nethttp "net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func compress(t *testing.T, enc string, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	switch enc {
	case "gzip":
		w = gzip.NewWriter(&buf)
	case "zlib":
		w = zlib.NewWriter(&buf)
	case "flate":
		w, _ = flate.NewWriter(&buf, flate.DefaultCompression)
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestContentEncodings(t *testing.T) {
	t.Parallel()
	doc := []byte(`{"n":1,"s":"ünïcode"}`)
	big := bytes.Repeat([]byte("a"), 64<<10)
	srv := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		h := w.Header()
		h.Set("X-Asked", r.Header.Get("Accept-Encoding"))
		switch r.URL.Path {
		case "/gzip":
			h.Set("Content-Encoding", "gzip")
			w.Write(compress(t, "gzip", doc))
		case "/deflate": // zlib, as RFC 9110 says
			h.Set("Content-Encoding", "deflate")
			w.Write(compress(t, "zlib", doc))
		case "/raw-deflate": // a bare deflate stream, as some servers send
			h.Set("Content-Encoding", "deflate")
			w.Write(compress(t, "flate", doc))
		case "/both":
			h.Set("Content-Encoding", "deflate, gzip")
			w.Write(compress(t, "gzip", compress(t, "zlib", doc)))
		case "/br":
			h.Set("Content-Encoding", "br")
			w.Write([]byte{0x1b, 0x03})
		case "/bomb":
			h.Set("Content-Encoding", "gzip")
			w.Write(compress(t, "gzip", big))
		case "/empty":
			h.Set("Content-Encoding", "gzip")
			w.WriteHeader(204)
		default:
			w.Write(doc)
		}
	}))
	defer srv.Close()
	vu := newVU(t)
	vu.MustRun(t, fmt.Sprintf("var U = %q;", srv.URL))
	for _, path := range []string{"/plain", "/gzip", "/deflate", "/raw-deflate", "/both"} {
		v := vu.MustRun(t, fmt.Sprintf(`var r = http.get(U + %q); [r.json().s, r.headers["content-encoding"] === undefined, r.headers["x-asked"]].join("|")`, path))
		if v.String() != "ünïcode|true|gzip, deflate" {
			t.Errorf("%s: %s", path, v)
		}
	}
	// What the host cannot decode is an error naming the encoding.
	_, err := vu.Run(`http.get(U + "/br", {headers: {"Accept-Encoding": "br"}})`)
	if err == nil || !strings.Contains(err.Error(), `Content-Encoding "br" is not decoded`) {
		t.Errorf("br: %v", err)
	}
	// The cap holds for the decoded body.
	_, err = vu.Run(`http.get(U + "/bomb", {maxBytes: 4096})`)
	if err == nil || !strings.Contains(err.Error(), "exceeds the 4 KiB cap") {
		t.Errorf("decoded past the cap: %v", err)
	}
	if v := vu.MustRun(t, `http.get(U + "/empty").status`); v.ToInteger() != 204 {
		t.Errorf("empty gzip answer: %v", v)
	}
}

func TestBinaryBodies(t *testing.T) {
	t.Parallel()
	payload := make([]byte, 256)
	for i := range payload {
		payload[i] = byte(i)
	}
	srv := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		if r.URL.Path == "/bin" {
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write(payload)
			return
		}
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s", r.Header.Get("Content-Type"), hex.EncodeToString(b))
	}))
	defer srv.Close()
	vu := newVU(t)
	vu.MustRun(t, fmt.Sprintf("var U = %q;", srv.URL))
	v := vu.MustRun(t, `var r = http.get(U + "/bin"), b = r.bytes(), a = r.arrayBuffer();
		b[0] = 99; // a copy: the next call is unchanged
		[b instanceof Uint8Array, b.length, b[255], r.bytes()[0], a instanceof ArrayBuffer, a.byteLength, new Uint8Array(a)[1]].join("|")`)
	if v.String() != "true|256|255|0|true|256|1" {
		t.Errorf("bytes: %s", v)
	}
	cases := []struct{ body, want string }{
		{`new Uint8Array([0, 255, 10])`, "application/octet-stream 00ff0a"},
		{`new Uint8Array([1, 2, 3, 4]).subarray(1, 3)`, "application/octet-stream 0203"},
		{`new Uint16Array([0x0102])`, "application/octet-stream 0201"},
		{`new DataView(new Uint8Array([5, 6, 7, 8]).buffer, 1, 2)`, "application/octet-stream 0607"},
		{`new Uint8Array([104, 105]).buffer`, "application/octet-stream 6869"},
		{`http.get(U + "/bin").bytes().subarray(250)`, "application/octet-stream fafbfcfdfeff"},
	}
	for _, tc := range cases {
		if v := vu.MustRun(t, fmt.Sprintf(`http.post(U + "/echo", %s).text()`, tc.body)); v.String() != tc.want {
			t.Errorf("%s: server got %q, want %q", tc.body, v, tc.want)
		}
	}
	// A Content-Type the script gives wins.
	if v := vu.MustRun(t, `http.request({method: "PUT", url: U + "/echo", body: new Uint8Array([1]), headers: {"Content-Type": "image/png"}}).text()`); v.String() != "image/png 01" {
		t.Errorf("explicit content type: %s", v)
	}
}

func TestCookieJar(t *testing.T) {
	t.Parallel()
	mux := nethttp.NewServeMux()
	mux.HandleFunc("/login", func(w nethttp.ResponseWriter, r *nethttp.Request) {
		nethttp.SetCookie(w, &nethttp.Cookie{Name: "sid", Value: "s-" + r.URL.Query().Get("u"), Path: "/"})
		nethttp.Redirect(w, r, "/whoami", nethttp.StatusFound)
	})
	mux.HandleFunc("/whoami", func(w nethttp.ResponseWriter, r *nethttp.Request) {
		c, err := r.Cookie("sid")
		if err != nil {
			fmt.Fprint(w, "nobody")
			return
		}
		fmt.Fprint(w, c.Value)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	vu := newVU(t)
	vu.MustRun(t, fmt.Sprintf("var U = %q;", srv.URL))
	// The cookie set before a redirect is sent on the redirected request,
	// and on the client's later requests.
	v := vu.MustRun(t, `var jar = http.client({baseUrl: U, cookies: true}), other = http.client({baseUrl: U, cookies: true}), plain = http.client({baseUrl: U});
		[jar.get("/login?u=ann").text(), jar.get("/whoami").text(), other.get("/whoami").text(), plain.get("/login?u=bob").text(), http.get(U + "/whoami").text()].join("|")`)
	if v.String() != "s-ann|s-ann|nobody|nobody|nobody" {
		t.Errorf("cookies: %s", v)
	}
	// A new call starts with an empty jar, even on a client kept from the
	// last one.
	next := *vu.Call()
	vu.SetCall(&next)
	if v := vu.MustRun(t, `jar.get("/whoami").text()`); v.String() != "nobody" {
		t.Errorf("the next call sees the last call's cookies: %s", v)
	}
	if _, err := vu.Run(`http.client({cookies: "yes"})`); err == nil || !strings.Contains(err.Error(), "cookies must be a boolean") {
		t.Errorf("cookies option check: %v", err)
	}
}
