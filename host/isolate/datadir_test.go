package isolate_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/synapsejs/synapse-js/host/store"
)

// TestNoDataDirContentStopsTheServer fills a data dir with what a crash,
// a hand edit or a hostile upload can leave there; the server starts,
// serves the good connector and lists every other one with its reason.
func TestNoDataDirContentStopsTheServer(t *testing.T) {
	h := &harness{t: t, dir: t.TempDir(), logs: &syncBuffer{}}
	st, err := store.OpenFile(h.dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	put := func(name, src string) {
		if _, err := st.Put(ctx, name, []byte(src), store.Meta{Lang: "js", Info: json.RawMessage(`{"name":"x"}`)}); err != nil {
			t.Fatal(err)
		}
	}
	write := func(rel, content string) {
		p := filepath.Join(h.dir, rel)
		_ = os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	put("good", connector("good", "good", "", ""))
	bad := map[string]string{
		"bomb":      connector("bomb", "x", "'x'.repeat(2**40);", ""),
		"loop":      connector("loop", "x", "for (;;) {}", ""),
		"grow":      connector("grow", "x", "const a = []; for (;;) a.push([a.length]);", ""),
		"syntax":    "module.exports = {",
		"deep":      strings.Repeat("(", 100000) + strings.Repeat(")", 100000),
		"binary":    "\x00\x01\x02\xff\xfe",
		"empty":     "",
		"stack":     "function f() { return f() + 1 } f();",
		"throwsobj": "throw {toString() { for (;;) {} }};",
	}
	for name, src := range bad {
		put(name, src)
	}
	put("nocurrent", connector("nocurrent", "x", "", ""))
	put("badcurrent", connector("badcurrent", "x", "", ""))
	put("dangling", connector("dangling", "x", "", ""))
	put("badmeta", connector("badmeta", "x", "", ""))
	put("changed", connector("changed", "x", "", ""))
	put("huge", connector("huge", "x", "", ""))
	put("fifo", connector("fifo", "x", "", ""))
	put("fifometa", connector("fifometa", "x", "", ""))
	_ = os.Remove(filepath.Join(h.dir, "nocurrent", "current"))
	write("badcurrent/current", "\x00\x01garbage")
	write("dangling/current", "99")
	write("badmeta/v000001.json", "{not json")
	write("changed/v000001.js", "module.exports = {} // edited by hand")
	if f, err := os.OpenFile(filepath.Join(h.dir, "huge", "v000001.js"), os.O_WRONLY|os.O_APPEND, 0); err == nil {
		_ = f.Truncate(1 << 30) // a sparse gigabyte
		f.Close()
	}
	// Reading a FIFO would block until someone writes to it.
	for _, f := range []string{"fifo/current", "fifometa/v000001.json"} {
		p := filepath.Join(h.dir, f)
		_ = os.Remove(p)
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("junk.txt", "not a connector")
	write("Not A Name/current", "1")
	write("x/.tmp-123", "half written")

	h.start()
	t.Cleanup(h.stop)
	if tag := tagOf(t, h.invoke("good", readEnvelope)); tag != "good" {
		t.Fatalf("good: %q", tag)
	}
	var l struct {
		Synapses []struct {
			Name  string `json:"name"`
			Error string `json:"error"`
		} `json:"synapses"`
	}
	r := h.do("GET", "/v1/synapses", "")
	if err := json.Unmarshal(r.body, &l); err != nil {
		t.Fatalf("%v: %s", err, r.body)
	}
	failed := map[string]string{}
	for _, s := range l.Synapses {
		if s.Error != "" {
			failed[s.Name] = s.Error
		}
	}
	want := []string{"bomb", "loop", "grow", "syntax", "deep", "binary", "empty", "stack", "throwsobj", "nocurrent", "badcurrent", "dangling", "badmeta", "changed", "huge", "fifo", "fifometa"}
	for _, n := range want {
		if failed[n] == "" {
			t.Errorf("%s is not listed as failed (list: %s)", n, r.body)
		}
	}
	// grow may reach the limit or the load timeout first, with two loads
	// per core.
	for n, why := range map[string]string{"bomb": "out of memory", "grow": "out of memory|load timeout", "loop": "load timeout"} {
		if !regexp.MustCompile(why).MatchString(failed[n]) {
			t.Errorf("%s: reason %q does not say %q", n, failed[n], why)
		}
	}
	if failed["good"] != "" {
		t.Errorf("good is failed: %s", failed["good"])
	}
}
