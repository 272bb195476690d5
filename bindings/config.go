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
