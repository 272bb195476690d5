package http

import (
	"context"
	"errors"
	"fmt"
	"net"
	nethttp "net/http"
	"net/netip"
	"strconv"
	"strings"
	"syscall"

	"github.com/synapsejs/synapse-js/bindings"
)

// DeniedError is returned (wrapped) when a request, a redirect hop or a
// dialled address falls outside the host's outbound policy.
type DeniedError struct {
	// Dest is what was denied: a host name, an IP, or "name (ip)" when a
	// name resolved to a denied address.
	Dest string
	// Reason says which rule denied it ("a loopback or private address").
	Reason string
	// Hint says how to allow it, when the host has a setting for that.
	Hint string
}

// Error implements error.
func (e *DeniedError) Error() string {
	msg := fmt.Sprintf("http: destination %s is denied by the host's outbound policy", e.Dest)
	if e.Reason != "" {
		msg += " (" + e.Reason + ")"
	}
	if e.Hint != "" {
		msg += "; " + e.Hint
	}
	return msg
}

// hostPattern is an exact host name or, with a leading "*.", any subdomain
// of a suffix (not the suffix itself).
type hostPattern struct {
	name   string // exact, lower case
	suffix string // ".example.com" for "*.example.com"
}

func (h hostPattern) match(host string) bool {
	if h.suffix != "" {
		return strings.HasSuffix(host, h.suffix)
	}
	return host == h.name
}

// netEntry is one destination of Deny, Exceptions or AlwaysDeny: a host
// pattern or an address range, and a port (0: any).
type netEntry struct {
	host  *hostPattern
	nets  []netip.Prefix
	port  int
	label string
}

func (e netEntry) matchName(host string, port int) bool {
	return e.host != nil && e.host.match(host) && (e.port == 0 || e.port == port)
}

func (e netEntry) matchIP(ip netip.Addr, port int) bool {
	if e.port != 0 && e.port != port {
		return false
	}
	for _, n := range e.nets {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// special is an address range denied by default, with why.
type special struct {
	nets   []netip.Prefix
	reason string
}

// policy is a compiled HTTPConfig.
type policy struct {
	allowHosts []hostPattern
	allowNets  []netip.Prefix
	deny       []netEntry
	always     []netEntry
	exceptions []netEntry
	specials   []special
	flag       string
}

// compilePolicy parses cfg's lists. An entry that is neither a CIDR, an IP
// nor a host name is an error: a typo in a deny list must not pass silently.
func compilePolicy(cfg *bindings.HTTPConfig) (*policy, error) {
	p := &policy{flag: cfg.AllowFlag}
	var err error
	if p.allowHosts, p.allowNets, err = parseEntries(cfg.Allow); err != nil {
		return nil, fmt.Errorf("Allow: %w", err)
	}
	if p.deny, err = parseNetEntries(cfg.Deny, false); err != nil {
		return nil, fmt.Errorf("Deny: %w", err)
	}
	if p.exceptions, err = parseNetEntries(cfg.Exceptions, false); err != nil {
		return nil, fmt.Errorf("Exceptions: %w", err)
	}
	if p.always, err = parseNetEntries(cfg.AlwaysDeny, true); err != nil {
		return nil, fmt.Errorf("AlwaysDeny: %w", err)
	}
	if !cfg.AllowMetadata {
		p.specials = append(p.specials, special{bindings.DefaultDeny(), "a link-local address, where cloud metadata services live"})
	}
	if cfg.DenyPrivate {
		p.specials = append(p.specials, special{bindings.PrivateRanges(), "a loopback, private, unspecified or multicast address"})
	}
	return p, nil
}

func parseEntries(entries []string) (hosts []hostPattern, nets []netip.Prefix, err error) {
	for _, e := range entries {
		e = strings.ToLower(strings.TrimSpace(e))
		if e == "" {
			continue
		}
		h, n, err := parseDest(e)
		if err != nil {
			return nil, nil, err
		}
		if h != nil {
			hosts = append(hosts, *h)
		} else {
			nets = append(nets, n)
		}
	}
	return hosts, nets, nil
}

// parseDest reads a CIDR, an IP or a host pattern.
func parseDest(e string) (*hostPattern, netip.Prefix, error) {
	if strings.Contains(e, "/") {
		pfx, perr := netip.ParsePrefix(e)
		if perr != nil {
			return nil, netip.Prefix{}, fmt.Errorf("bad CIDR %q: %w", e, perr)
		}
		return nil, pfx.Masked(), nil
	}
	if ip, perr := netip.ParseAddr(strings.Trim(e, "[]")); perr == nil {
		ip = ip.Unmap()
		return nil, netip.PrefixFrom(ip, ip.BitLen()), nil
	}
	name := strings.TrimSuffix(e, ".")
	if rest, ok := strings.CutPrefix(name, "*."); ok {
		if !validHostName(rest) {
			return nil, netip.Prefix{}, fmt.Errorf("bad host pattern %q", e)
		}
		return &hostPattern{suffix: "." + rest}, netip.Prefix{}, nil
	}
	if !validHostName(name) {
		return nil, netip.Prefix{}, fmt.Errorf("bad host name %q", e)
	}
	return &hostPattern{name: name}, netip.Prefix{}, nil
}

// parseNetEntries reads destinations that may carry a port: "10.0.0.0/8",
// "127.0.0.1:9000", "[::1]:9000", "::1", "api.corp:443". With local, an
// unspecified address ("0.0.0.0:8080", ":8080") stands for every address of
// this machine at that port.
func parseNetEntries(entries []string, local bool) ([]netEntry, error) {
	var out []netEntry
	for _, raw := range entries {
		e := strings.ToLower(strings.TrimSpace(raw))
		if e == "" {
			continue
		}
		dest, port := e, 0
		if _, err := netip.ParseAddr(strings.Trim(e, "[]")); err != nil && !strings.Contains(e, "/") {
			if h, ps, err := net.SplitHostPort(e); err == nil {
				n, perr := strconv.Atoi(ps)
				if perr != nil || n <= 0 || n > 65535 {
					return nil, fmt.Errorf("bad port in %q", raw)
				}
				dest, port = h, n
			}
		}
		ne := netEntry{port: port, label: raw}
		if dest == "" && local {
			dest = "0.0.0.0"
		}
		h, n, err := parseDest(dest)
		if err != nil {
			return nil, err
		}
		switch {
		case h != nil:
			ne.host = h
		case local && n.Bits() == n.Addr().BitLen() && n.Addr().IsUnspecified():
			ne.nets = localAddresses()
		default:
			ne.nets = []netip.Prefix{n}
		}
		out = append(out, ne)
	}
	return out, nil
}

// localAddresses are every address that reaches this machine: loopback,
// unspecified, and each interface's.
func localAddresses() []netip.Prefix {
	out := []netip.Prefix{
		netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128"),
		netip.MustParsePrefix("0.0.0.0/32"), netip.MustParsePrefix("::/128"),
	}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(ipn.IP); ok {
				ip = ip.Unmap()
				out = append(out, netip.PrefixFrom(ip, ip.BitLen()))
			}
		}
	}
	return out
}

func validHostName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '.', c == '_':
		default:
			return false
		}
	}
	return !strings.HasPrefix(s, ".") && !strings.Contains(s, "..")
}

func normHost(host string) string {
	return strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
}

// nameVerdict is what a host name alone decided.
type nameVerdict struct {
	allowed  bool // on the allow list (or there is none)
	excepted bool // an exception names it
}

// checkHost decides what the host name alone decides.
func (p *policy) checkHost(host string, port int) (nameVerdict, error) {
	host = normHost(host)
	if ip, perr := netip.ParseAddr(host); perr == nil {
		return nameVerdict{}, p.checkIP(host, ip, port, nameVerdict{})
	}
	for _, e := range p.deny {
		if e.matchName(host, port) {
			return nameVerdict{}, &DeniedError{Dest: host, Reason: "on the host's deny list (" + e.label + ")"}
		}
	}
	var v nameVerdict
	for _, e := range p.exceptions {
		if e.matchName(host, port) {
			v.excepted = true
		}
	}
	if len(p.allowHosts) == 0 && len(p.allowNets) == 0 {
		v.allowed = true
		return v, nil
	}
	for _, h := range p.allowHosts {
		if h.match(host) {
			v.allowed = true
			return v, nil
		}
	}
	if len(p.allowNets) > 0 {
		// The name may resolve into an allowed CIDR: decided at dial time.
		return v, nil
	}
	return v, &DeniedError{Dest: host, Reason: "not on the host's allow list"}
}

// checkIP checks an address host resolved to (or host itself, for a
// literal IP) at port.
func (p *policy) checkIP(host string, ip netip.Addr, port int, v nameVerdict) error {
	ip = ip.Unmap()
	dest := ip.String()
	if host != "" && host != dest {
		dest = host + " (" + dest + ")"
	}
	for _, e := range p.always {
		if e.matchIP(ip, port) {
			return &DeniedError{Dest: dest, Reason: "the server's own address; never allowed"}
		}
	}
	for _, e := range p.deny {
		if e.matchIP(ip, port) {
			return &DeniedError{Dest: dest, Reason: "on the host's deny list (" + e.label + ")"}
		}
	}
	for _, sp := range p.specials {
		if !inNets(sp.nets, ip) || v.excepted || p.excepted(ip, port) {
			continue
		}
		d := &DeniedError{Dest: dest, Reason: sp.reason}
		if p.flag != "" {
			target := ip.String()
			if ip.Is6() {
				target = "[" + target + "]"
			}
			if port > 0 {
				d.Hint = fmt.Sprintf("allow it with %s %s:%d", p.flag, target, port)
			} else {
				d.Hint = fmt.Sprintf("allow it with %s %s", p.flag, ip)
			}
		}
		return d
	}
	if v.allowed || (len(p.allowHosts) == 0 && len(p.allowNets) == 0) {
		return nil
	}
	if inNets(p.allowNets, ip) {
		return nil
	}
	return &DeniedError{Dest: dest, Reason: "not on the host's allow list"}
}

func (p *policy) excepted(ip netip.Addr, port int) bool {
	for _, e := range p.exceptions {
		if e.matchIP(ip, port) {
			return true
		}
	}
	return false
}

func inNets(nets []netip.Prefix, ip netip.Addr) bool {
	for _, n := range nets {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// portOf is a URL's or address's port, by scheme default when absent.
func portOf(scheme, port string) int {
	if n, err := strconv.Atoi(port); err == nil {
		return n
	}
	if scheme == "http" {
		return 80
	}
	return 443
}

// dialContext returns a DialContext that checks the name it is asked to
// dial and every address it resolves to, just before connecting, so DNS
// cannot smuggle a denied address past the name check.
func (p *policy) dialContext(base *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, ps, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, fmt.Errorf("dial %s: %w", addr, err)
		}
		host = normHost(host)
		port := portOf("", ps)
		verdict, err := p.checkHost(host, port)
		if err != nil {
			return nil, err
		}
		d := *base
		d.ControlContext = func(_ context.Context, _, address string, _ syscall.RawConn) error {
			h, ps, err := net.SplitHostPort(address)
			if err != nil {
				return fmt.Errorf("dial %s: %w", address, err)
			}
			ip, err := netip.ParseAddr(h)
			if err != nil {
				return fmt.Errorf("dial %s: %w", address, err)
			}
			return p.checkIP(host, ip, portOf("", ps), verdict)
		}
		return d.DialContext(ctx, network, addr)
	}
}

// policyTransport checks each request's host (every redirect hop passes
// through it) before handing it on. It also covers a host-supplied
// Transport, where the dial-time check cannot be installed.
type policyTransport struct {
	p    *policy
	next nethttp.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *policyTransport) RoundTrip(req *nethttp.Request) (*nethttp.Response, error) {
	if _, err := t.p.checkHost(req.URL.Hostname(), portOf(req.URL.Scheme, req.URL.Port())); err != nil {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, err
	}
	return t.next.RoundTrip(req)
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the
// transport underneath.
func (t *policyTransport) CloseIdleConnections() {
	if c, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// sensitiveKey carries, in a request's context, the header names an
// authenticator set, so redirects to another host drop them.
type sensitiveKey struct{}

const maxRedirects = 10

// redirectPolicy follows up to maxRedirects hops and drops credentials
// when a hop leaves the original host (or downgrades https to http). Go's
// client already drops Authorization for unrelated domains, but it keeps
// it for subdomains and keeps custom headers such as x-api-token.
func redirectPolicy(req *nethttp.Request, via []*nethttp.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	first := via[0]
	if !strings.EqualFold(req.URL.Host, first.URL.Host) || (first.URL.Scheme == "https" && req.URL.Scheme != "https") {
		req.Header.Del("Authorization")
		req.Header.Del("Proxy-Authorization")
		req.Header.Del("Cookie")
		if names, ok := req.Context().Value(sensitiveKey{}).([]string); ok {
			for _, n := range names {
				req.Header.Del(n)
			}
		}
	}
	return nil
}

// isDenied reports whether err comes from the outbound policy.
func isDenied(err error) (*DeniedError, bool) {
	var d *DeniedError
	ok := errors.As(err, &d)
	return d, ok
}

// CheckPolicy reports whether cfg's destination lists parse, so a host can
// refuse a bad flag at start instead of failing every request.
func CheckPolicy(cfg *bindings.HTTPConfig) error {
	_, err := compilePolicy(cfg)
	return err
}
