package http

import (
	"fmt"
	nethttp "net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/synapsejs/synapse-js/bindings"
)

// serveConfig is the policy serve gives scripts.
func serveConfig(allow []string, own ...string) bindings.HTTPConfig {
	return bindings.HTTPConfig{DenyPrivate: true, Exceptions: allow, AlwaysDeny: own, AllowFlag: "--allow-net", Retries: -1}
}

func TestServePolicyDeniesPrivateRanges(t *testing.T) {
	p, err := compilePolicy(&bindings.HTTPConfig{DenyPrivate: true, AllowFlag: "--allow-net"})
	if err != nil {
		t.Fatal(err)
	}
	for _, ip := range []string{"127.0.0.1", "127.1.2.3", "::1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
		"100.64.0.1", "169.254.169.254", "fe80::1", "fd00::1", "fc12::3", "0.0.0.0", "::", "224.0.0.1", "ff02::1",
		"255.255.255.255", "::ffff:10.0.0.1", "::ffff:127.0.0.1"} {
		err := p.checkIP("", netip.MustParseAddr(ip), 443, nameVerdict{})
		d, ok := isDenied(err)
		if !ok {
			t.Errorf("%s: allowed", ip)
			continue
		}
		if !strings.Contains(d.Error(), "--allow-net") {
			t.Errorf("%s: the denial does not name the flag: %s", ip, d)
		}
	}
	for _, ip := range []string{"8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "192.169.0.1"} {
		if err := p.checkIP("", netip.MustParseAddr(ip), 443, nameVerdict{}); err != nil {
			t.Errorf("%s: %v", ip, err)
		}
	}
}

func TestCLIPolicyAllowsLoopbackNotLinkLocal(t *testing.T) {
	p, err := compilePolicy(&bindings.HTTPConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ip := range []string{"127.0.0.1", "::1", "10.0.0.1", "192.168.0.10"} {
		if err := p.checkIP("", netip.MustParseAddr(ip), 80, nameVerdict{}); err != nil {
			t.Errorf("%s: %v", ip, err)
		}
	}
	for _, ip := range []string{"169.254.169.254", "fe80::1", "fd00:ec2::254"} {
		if err := p.checkIP("", netip.MustParseAddr(ip), 80, nameVerdict{}); err == nil {
			t.Errorf("%s: allowed", ip)
		}
	}
}

func TestExceptionsAndAlwaysDeny(t *testing.T) {
	cfg := serveConfig([]string{"127.0.0.1:9000", "10.0.0.0/8", "sandbox.local", "[::1]:7000", "db.corp:5432"}, "127.0.0.1:8080", ":8443")
	p, err := compilePolicy(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		host   string
		ip     string
		port   int
		denied string
	}{
		{"", "127.0.0.1", 9000, ""},
		{"", "127.0.0.1", 9001, "--allow-net 127.0.0.1:9001"},
		{"", "10.9.8.7", 1, ""},
		{"", "::1", 7000, ""},
		{"", "::1", 7001, "--allow-net [::1]:7001"},
		{"sandbox.local", "127.0.0.1", 80, ""},
		{"db.corp", "192.168.0.5", 5432, ""},
		{"db.corp", "192.168.0.5", 5433, "192.168.0.5:5433"},
		{"", "127.0.0.1", 8080, "the server's own address"},
		{"sandbox.local", "127.0.0.1", 8080, "the server's own address"},
		{"", "127.0.0.1", 8443, "the server's own address"}, // :8443 is every local address
		{"", "::1", 8443, "the server's own address"},
	}
	for _, c := range cases {
		v, err := p.checkHost(c.host, c.port)
		if c.host == "" {
			v, err = nameVerdict{}, nil
		}
		if err == nil {
			err = p.checkIP(c.host, netip.MustParseAddr(c.ip), c.port, v)
		}
		switch {
		case c.denied == "" && err != nil:
			t.Errorf("%s %s:%d: %v", c.host, c.ip, c.port, err)
		case c.denied != "" && (err == nil || !strings.Contains(err.Error(), c.denied)):
			t.Errorf("%s %s:%d: want a denial naming %q, got %v", c.host, c.ip, c.port, c.denied, err)
		}
	}
	// The server's own address stays closed even when an exception
	// names it.
	cfg = serveConfig([]string{"127.0.0.1"}, "127.0.0.1:8080")
	p, _ = compilePolicy(&cfg)
	if err := p.checkIP("", netip.MustParseAddr("127.0.0.1"), 8080, nameVerdict{}); err == nil {
		t.Error("--allow-net opened the server's own address")
	}
	for _, bad := range []string{"127.0.0.1:0", "host:99999", "not a host!", "10.0.0.0/33"} {
		cfg := serveConfig([]string{bad})
		if _, err := compilePolicy(&cfg); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
}

// TestServePolicyEndToEnd makes real requests: loopback is denied after
// DNS (localhost), on a redirect, and allowed by an exception.
func TestServePolicyEndToEnd(t *testing.T) {
	target := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) { fmt.Fprint(w, "inner") }))
	defer target.Close()
	u, _ := url.Parse(target.URL)
	// A "public" server that redirects to loopback: reached through an
	// exception for its own port only.
	redir := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		nethttp.Redirect(w, r, target.URL+"/x", nethttp.StatusFound)
	}))
	defer redir.Close()
	ru, _ := url.Parse(redir.URL)

	cfg := serveConfig(nil)
	vu := newVUEnv(t, &bindings.Env{HTTP: &cfg})
	e := thrown(t, vu, fmt.Sprintf(`http.get(%q)`, "http://localhost:"+u.Port()+"/"))
	contains(t, "message", str(e, "message"), "destination localhost (127.0.0.1) is denied")
	contains(t, "message", str(e, "message"), "allow it with --allow-net 127.0.0.1:"+u.Port())

	cfg = serveConfig([]string{"127.0.0.1:" + ru.Port()})
	vu = newVUEnv(t, &bindings.Env{HTTP: &cfg})
	e = thrown(t, vu, fmt.Sprintf(`http.get(%q)`, redir.URL))
	contains(t, "redirect", str(e, "message"), "destination 127.0.0.1 is denied")

	cfg = serveConfig([]string{"127.0.0.1:" + ru.Port(), "127.0.0.1:" + u.Port()})
	vu = newVUEnv(t, &bindings.Env{HTTP: &cfg})
	if v := vu.MustRun(t, fmt.Sprintf(`http.get(%q).text()`, redir.URL)); v.String() != "inner" {
		t.Errorf("allowed redirect answered %q", v)
	}
	cfg = serveConfig([]string{"127.0.0.1"}, "127.0.0.1:"+u.Port())
	vu = newVUEnv(t, &bindings.Env{HTTP: &cfg})
	e = thrown(t, vu, fmt.Sprintf(`http.get(%q)`, target.URL))
	contains(t, "own address", str(e, "message"), "the server's own address")
}
