package bindings

import (
	"net/http"
	"net/netip"
	"time"

	"github.com/synapsejs/synapse-js/connection"
)

// DefaultMaxResponseBytes is the default cap on one HTTP response body.
const DefaultMaxResponseBytes = 32 << 20

// HTTPConfig is the host's policy for scripts' outbound HTTP. One value is
// shared by every call of a host; it must not be changed once calls run.
type HTTPConfig struct {
	// MaxResponseBytes caps one response body (default 32 MiB).
	MaxResponseBytes int64
	// Retries is the default retry count for retryable failures (default 3).
	Retries int
	// RetryBaseWait is the first backoff step (default 250ms); it doubles
	// per retry, with jitter.
	RetryBaseWait time.Duration
	// Allow, when not empty, is the only set of destinations a script may
	// reach: host names ("api.example.com", "*.pipedrive.com") or CIDRs.
	Allow []string
	// Deny lists destinations a script may never reach, on top of
	// DefaultDeny. Same syntax as Allow.
	Deny []string
	// AllowMetadata lifts the default denial of link-local and cloud
	// metadata addresses. Only for tests that need it.
	AllowMetadata bool
	// MaxRequestsPerCall is one call's HTTP request budget, retries
	// included (default 1,000; negative: no budget). A spent budget fails
	// the call with an error naming the count and the last URL.
	MaxRequestsPerCall int
	// MaxIdenticalRepeats is how many times one request (method, URL,
	// body) may get the same answer in one call before the same request is
	// refused, the mark of a stuck paging cursor (default 10; negative:
	// off). A script's http.client({maxRepeats}) overrides it.
	MaxIdenticalRepeats int
	// DenyPrivate denies, besides link-local, every address a script on a
	// shared server must not reach: loopback, RFC 1918, CGNAT, IPv6 ULA,
	// unspecified, multicast and broadcast (PrivateRanges). serve sets it;
	// the CLI commands do not, so they reach local sandboxes.
	DenyPrivate bool
	// Exceptions open destinations the default denials (DenyPrivate and
	// link-local) would close: a CIDR, an IP, a host name ("*.corp" too),
	// each optionally with ":port". serve's --allow-net. Deny and
	// AlwaysDeny still win.
	Exceptions []string
	// AlwaysDeny lists destinations nothing may open, an exception
	// included: the server's own listen addresses, as "ip:port" (an
	// unspecified ip means every local address at that port) or a CIDR.
	AlwaysDeny []string
	// AllowFlag names, in a denial's message, the setting that would open
	// the destination ("--allow-net"); empty when the host has none.
	AllowFlag string
	// Transport, if set, is the round tripper under resty (tests, proxies,
	// cassettes).
	Transport http.RoundTripper
	// Clock, if set, replaces the wall clock for scripts' time (Date,
	// timers), retry waits and token expiry (record and replay).
	Clock Clock
}

// DefaultDeny returns what is denied unless AllowMetadata is set: the
// link-local ranges, where cloud metadata services (169.254.169.254,
// fd00:ec2::254) live.
func DefaultDeny() []netip.Prefix {
	return []netip.Prefix{
		netip.MustParsePrefix("169.254.0.0/16"),
		netip.MustParsePrefix("fe80::/10"),
		netip.MustParsePrefix("fd00:ec2::254/128"),
	}
}

// PrivateRanges are what DenyPrivate denies, besides DefaultDeny.
func PrivateRanges() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"127.0.0.0/8", "::1/128", // loopback
		"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", // RFC 1918
		"100.64.0.0/10",       // CGNAT (RFC 6598)
		"fc00::/7",            // IPv6 unique local
		"0.0.0.0/8", "::/128", // unspecified ("this network")
		"224.0.0.0/4", "ff00::/8", // multicast
		"255.255.255.255/32",            // broadcast
		"192.0.0.0/24", "198.18.0.0/15", // IETF protocol assignments, benchmarking
		"64:ff9b:1::/48", // local-use NAT64
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

// Env is the host-wide configuration bindings see. The engine builds it
// once, when it is made, and every runtime of the engine shares it; it must
// not change once calls run. Per-call state is in Call.
type Env struct {
	// HTTP is the outbound HTTP policy (never nil once the engine is built).
	HTTP *HTTPConfig
	// Tokens remembers rotated OAuth tokens and serializes refreshes.
	Tokens connection.TokenStore
	// OnHTTP, when set, is told about each HTTP request a script made, by
	// serving name (for metrics). status is 0 when no response arrived.
	OnHTTP func(synapse, method string, status int)
}

// ReportHTTP tells OnHTTP about a request of call, if anyone listens.
func (e *Env) ReportHTTP(call *Call, method string, status int) {
	if e != nil && e.OnHTTP != nil {
		e.OnHTTP(call.Synapse, method, status)
	}
}
