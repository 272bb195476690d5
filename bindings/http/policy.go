package http

import (
	"context"
	"errors"
	"fmt"
	"net"
	nethttp "net/http"
	"net/netip"
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
}

// Error implements error.
func (e *DeniedError) Error() string {
	return fmt.Sprintf("http: destination %s is denied by the host's outbound policy", e.Dest)
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

// policy is a compiled HTTPConfig Allow/Deny list.
type policy struct {
	allowHosts []hostPattern
	allowNets  []netip.Prefix
	denyHosts  []hostPattern
	denyNets   []netip.Prefix
}

// compilePolicy parses cfg's lists. An entry that is neither a CIDR, an IP
// nor a host name is an error: a typo in a deny list must not pass silently.
func compilePolicy(cfg *bindings.HTTPConfig) (*policy, error) {
	p := &policy{}
	var err error
	if p.allowHosts, p.allowNets, err = parseEntries(cfg.Allow); err != nil {
		return nil, fmt.Errorf("Allow: %w", err)
	}
	if p.denyHosts, p.denyNets, err = parseEntries(cfg.Deny); err != nil {
		return nil, fmt.Errorf("Deny: %w", err)
	}
	if !cfg.AllowMetadata {
		p.denyNets = append(p.denyNets, bindings.DefaultDeny()...)
	}
	return p, nil
}

func parseEntries(entries []string) (hosts []hostPattern, nets []netip.Prefix, err error) {
	for _, e := range entries {
		e = strings.ToLower(strings.TrimSpace(e))
		switch {
		case e == "":
			continue
		case strings.Contains(e, "/"):
			pfx, perr := netip.ParsePrefix(e)
			if perr != nil {
				return nil, nil, fmt.Errorf("bad CIDR %q: %w", e, perr)
			}
			nets = append(nets, pfx.Masked())
		default:
			if ip, perr := netip.ParseAddr(strings.Trim(e, "[]")); perr == nil {
				ip = ip.Unmap()
				nets = append(nets, netip.PrefixFrom(ip, ip.BitLen()))
				continue
			}
			name := strings.TrimSuffix(e, ".")
			if rest, ok := strings.CutPrefix(name, "*."); ok {
				if !validHostName(rest) {
					return nil, nil, fmt.Errorf("bad host pattern %q", e)
				}
				hosts = append(hosts, hostPattern{suffix: "." + rest})
				continue
			}
			if !validHostName(name) {
				return nil, nil, fmt.Errorf("bad host name %q", e)
			}
			hosts = append(hosts, hostPattern{name: name})
		}
	}
	return hosts, nets, nil
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

// checkHost decides what the host name alone decides. nameAllowed reports
// whether the name itself is on the allow list (or there is none), so the
// dial-time check need not find the resolved IP in an allowed CIDR.
func (p *policy) checkHost(host string) (nameAllowed bool, err error) {
	host = normHost(host)
	if ip, perr := netip.ParseAddr(host); perr == nil {
		return false, p.checkIP(host, ip, false)
	}
	for _, h := range p.denyHosts {
		if h.match(host) {
			return false, &DeniedError{Dest: host}
		}
	}
	if len(p.allowHosts) == 0 && len(p.allowNets) == 0 {
		return true, nil
	}
	for _, h := range p.allowHosts {
		if h.match(host) {
			return true, nil
		}
	}
	if len(p.allowNets) > 0 {
		// The name may resolve into an allowed CIDR: decided at dial time.
		return false, nil
	}
	return false, &DeniedError{Dest: host}
}

// checkIP checks an address host resolved to (or host itself, for a
// literal IP).
func (p *policy) checkIP(host string, ip netip.Addr, nameAllowed bool) error {
	ip = ip.Unmap()
	dest := ip.String()
	if host != "" && host != dest {
		dest = host + " (" + dest + ")"
	}
	for _, n := range p.denyNets {
		if n.Contains(ip) {
			return &DeniedError{Dest: dest}
		}
	}
	if nameAllowed || (len(p.allowHosts) == 0 && len(p.allowNets) == 0) {
		return nil
	}
	for _, n := range p.allowNets {
		if n.Contains(ip) {
			return nil
		}
	}
	return &DeniedError{Dest: dest}
}

// dialContext returns a DialContext that checks the name it is asked to
// dial and every address it resolves to, just before connecting, so DNS
// cannot smuggle a denied address past the name check.
func (p *policy) dialContext(base *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, fmt.Errorf("dial %s: %w", addr, err)
		}
		host = normHost(host)
		nameAllowed, err := p.checkHost(host)
		if err != nil {
			return nil, err
		}
		d := *base
		d.ControlContext = func(_ context.Context, _, address string, _ syscall.RawConn) error {
			h, _, err := net.SplitHostPort(address)
			if err != nil {
				return fmt.Errorf("dial %s: %w", address, err)
			}
			ip, err := netip.ParseAddr(h)
			if err != nil {
				return fmt.Errorf("dial %s: %w", address, err)
			}
			return p.checkIP(host, ip, nameAllowed)
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
	if _, err := t.p.checkHost(req.URL.Hostname()); err != nil {
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
