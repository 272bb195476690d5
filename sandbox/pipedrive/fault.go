package pipedrive

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FaultMode selects a failure the sandbox injects, to test a connector's
// retry and error handling.
type FaultMode int

// Fault modes. Their names in the admin endpoint are given in String.
const (
	// FaultNone turns injection off.
	FaultNone FaultMode = iota
	// FaultBurst429 answers 429 "Request over limit" with Retry-After and
	// x-ratelimit-reset set to Fault.RetryAfter and x-ratelimit-remaining 0.
	FaultBurst429
	// FaultDailyBudget answers 429 with x-daily-ratelimit-token-remaining 0:
	// the company's daily token budget is spent and retrying will not help.
	FaultDailyBudget
	// Fault500 answers 500 with Pipedrive's generic error envelope.
	Fault500
	// Fault503 answers 503 "Requested service is not available".
	Fault503
	// FaultSlow delays the answer by Fault.Delay (less if the client gives
	// up first), then serves the request normally.
	FaultSlow
	// FaultHTML403 answers what Cloudflare sends a client it blocked: 403
	// with an HTML body and no Pipedrive headers.
	FaultHTML403
)

var faultNames = []string{"none", "burst429", "daily_budget", "500", "503", "slow", "html403"}

// String returns the mode's name in the admin endpoint.
func (m FaultMode) String() string {
	if m >= 0 && int(m) < len(faultNames) {
		return faultNames[m]
	}
	return "FaultMode(" + strconv.Itoa(int(m)) + ")"
}

// ParseFaultMode parses a mode name as String returns it ("" means none),
// for CLIs and the admin endpoint.
func ParseFaultMode(s string) (FaultMode, error) {
	if s == "" {
		return FaultNone, nil
	}
	for i, n := range faultNames {
		if strings.EqualFold(s, n) {
			return FaultMode(i), nil
		}
	}
	return FaultNone, fmt.Errorf("unknown fault mode %q (want one of %s)", s, strings.Join(faultNames, ", "))
}

// Fault describes an injected failure; the zero Fault is "off".
type Fault struct {
	// Mode is the failure to inject; FaultNone is off.
	Mode FaultMode
	// Count is how many requests it affects; 0 means until cleared.
	Count int
	// RetryAfter is the seconds FaultBurst429 announces; default 2.
	RetryAfter int
	// Delay is how long FaultSlow waits.
	Delay time.Duration
	// Paths restricts the fault to request paths with this prefix; "" is
	// every path except /_sandbox/.
	Paths string
}

// faultState is the active fault and how many requests it still affects.
type faultState struct {
	mu        sync.Mutex
	f         Fault
	remaining int // with f.Count > 0
}

// SetFault switches a fault mode on (the zero Fault switches it off). It
// replaces any fault already active and is safe for concurrent use.
func (s *Sandbox) SetFault(f Fault) {
	if f.RetryAfter <= 0 {
		f.RetryAfter = 2
	}
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.f, s.faults.remaining = f, f.Count
}

// CurrentFault returns the active fault; Count is what remains of it.
func (s *Sandbox) CurrentFault() Fault {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	f := s.faults.f
	if f.Count > 0 {
		f.Count = s.faults.remaining
	}
	return f
}

// take reports whether the request to path is affected, using up one of the
// fault's count.
func (fs *faultState) take(path string) (Fault, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f := fs.f
	if f.Mode == FaultNone || !strings.HasPrefix(path, f.Paths) {
		return Fault{}, false
	}
	if f.Count > 0 {
		fs.remaining--
		if fs.remaining <= 0 {
			fs.f = Fault{}
		}
	}
	return f, true
}

const cloudflareHTML = `<!DOCTYPE html>
<!--[if lt IE 7]> <html class="no-js ie6 oldie" lang="en-US"> <![endif]-->
<html class="no-js" lang="en-US">
<head>
<title>Attention Required! | Cloudflare</title>
<meta charset="UTF-8" />
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<meta name="robots" content="noindex, nofollow" />
</head>
<body>
  <div id="cf-wrapper">
    <div id="cf-error-details" class="cf-error-details-wrapper">
      <div class="cf-wrapper cf-header cf-error-overview">
        <h1 data-translate="block_headline">Sorry, you have been blocked</h1>
        <h2 class="cf-subheadline"><span data-translate="unable_to_access">You are unable to access</span> pipedrive.com</h2>
      </div>
      <div class="cf-section cf-wrapper">
        <h2 data-translate="blocked_why_headline">Why have I been blocked?</h2>
        <p data-translate="blocked_why_detail">This website is using a security service to protect itself from online attacks.</p>
      </div>
      <div class="cf-error-footer cf-wrapper">
        <p>Cloudflare Ray ID: <strong class="font-semibold">%s</strong></p>
      </div>
    </div>
  </div>
</body>
</html>
`

// applyFault writes the fault's response. For FaultSlow it only waits and
// reports handled=false so the request is then served normally (or handled
// with status 0 when the client went away).
func (s *Sandbox) applyFault(w http.ResponseWriter, r *http.Request, f Fault) (status int, handled bool) {
	h := w.Header()
	switch f.Mode {
	case FaultSlow:
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
			return 0, false
		case <-r.Context().Done():
			return 0, true
		}
	case FaultHTML403:
		ray := correlationID()[:16]
		ray = strings.ReplaceAll(ray, "-", "")
		h.Set("Content-Type", "text/html; charset=UTF-8")
		h.Set("Server", "cloudflare")
		h.Set("CF-RAY", ray+"-TLL")
		h.Del("x-correlation-id")
		w.WriteHeader(403)
		_, _ = fmt.Fprintf(w, cloudflareHTML, ray)
		return 403, true
	}
	who := principal{key: "fault"}
	rep := reply{}
	switch f.Mode {
	case FaultBurst429:
		rep = reply{status: 429, body: []byte(`{"success":false,"error":"Request over limit","errorCode":429}`)}
		s.setRateHeaders(h, who, 0)
		ra := strconv.Itoa(f.RetryAfter)
		h.Set("Retry-After", ra)
		h.Set("x-ratelimit-reset", ra)
		h.Set("x-ratelimit-remaining", "0")
	case FaultDailyBudget:
		rep = reply{status: 429, body: []byte(`{"success":false,"error":"Request over limit","errorCode":429,"error_info":"The company's daily API token budget is used up; it renews at 00:00 UTC."}`)}
		s.setRateHeaders(h, who, 0)
		h.Set("x-daily-ratelimit-token-remaining", "0")
	case Fault500:
		rep = apiError(500, "Internal server error")
		s.setRateHeaders(h, who, 0)
	case Fault503:
		rep = apiError(503, "Requested service is not available")
		s.setRateHeaders(h, who, 0)
	default:
		return 0, false
	}
	s.write(w, rep)
	return rep.status, true
}

// ---- rate-limit headers ----

const (
	burstWindow      = 2 // seconds
	burstLimitToken  = 120
	burstLimitOAuth  = 480
	dailyBudgetBase  = 30000
	dailyPlanFactor  = 5
	dailyBudgetSeats = 10
)

type window struct {
	start int64
	n     int
}

// rateState produces the x-ratelimit-* headers. Burst windows are counted
// per token but never enforced (remaining stops at 1; only FaultBurst429
// answers 429). The daily budget is company-wide, renews at UTC midnight
// by the sandbox clock, and refills instead of running out: only
// FaultDailyBudget reports it spent.
type rateState struct {
	mu      sync.Mutex
	windows map[string]*window
	budget  int
	spent   int
	day     int64
}

func (rs *rateState) init(seats int) {
	rs.windows = map[string]*window{}
	rs.budget = dailyBudgetBase * dailyPlanFactor * max(seats, dailyBudgetSeats)
}

func (s *Sandbox) setRateHeaders(h http.Header, who principal, cost int) {
	now := s.now()
	rs := &s.limits
	rs.mu.Lock()
	w := rs.windows[who.key]
	if w == nil {
		if len(rs.windows) > 10000 {
			clear(rs.windows)
		}
		w = &window{start: now}
		rs.windows[who.key] = w
	}
	if now-w.start >= burstWindow {
		w.start, w.n = now, 0
	}
	w.n++
	limit := burstLimitToken
	if who.oauth {
		limit = burstLimitOAuth
	}
	remaining := max(1, limit-w.n)
	reset := max(1, burstWindow-(now-w.start))
	if d := now / 86400; d != rs.day {
		rs.day, rs.spent = d, 0
	}
	rs.spent += cost
	if rs.spent >= rs.budget {
		rs.spent = cost
	}
	left := rs.budget - rs.spent
	budget := rs.budget
	rs.mu.Unlock()

	h.Set("x-ratelimit-limit", strconv.Itoa(limit))
	h.Set("x-ratelimit-remaining", strconv.Itoa(remaining))
	h.Set("x-ratelimit-reset", strconv.FormatInt(reset, 10))
	h.Set("x-daily-ratelimit-token-limit", strconv.Itoa(budget))
	h.Set("x-daily-ratelimit-token-remaining", strconv.Itoa(left))
}
