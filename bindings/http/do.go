package http

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	nethttp "net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/dop251/goja"
	"github.com/go-resty/resty/v2"

	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/bindings/auth"
	jserrors "github.com/synapsejs/synapse-js/bindings/errors"
	"github.com/synapsejs/synapse-js/internal/text"
)

// result is one answered attempt.
type result struct {
	status int
	header nethttp.Header
	body   []byte
	url    string         // the final URL, after redirects
	req    *resty.Request // as sent, for auth.OnUnauthorized
}

// TooLargeError is a response body over the cap.
type TooLargeError struct {
	// Max is the cap, in bytes.
	Max int64
}

// Error implements error.
func (e *TooLargeError) Error() string {
	return "response body exceeds the " + formatBytes(e.Max) + " cap"
}

// applyError is an authenticator's failure to prepare a request.
type applyError struct{ err error }

// Error implements error.
func (e *applyError) Error() string { return e.err.Error() }

// Unwrap returns the authenticator's error.
func (e *applyError) Unwrap() error { return e.err }

// do runs a request with its retries and returns the response object, or
// throws.
func (in *instance) do(s *spec) goja.Value {
	call := in.vu.Call()
	if call.Type == bindings.LoadType {
		// The top level runs whenever the host makes a runtime, inside
		// whichever call needed one: a request there would be made once
		// per runtime and charged to an unrelated call.
		bindings.Throw(in.rt, fmt.Errorf("%s: no HTTP requests at a connector's top level; make the request inside an export, or cache its answer lazily in the first call that needs it", s.fn))
	}
	ctx := call.Context()
	cl, err := in.mod.cl, in.mod.err
	if err != nil {
		bindings.Throw(in.rt, fmt.Errorf("%s: %w", s.fn, err))
	}
	// label is redacted where it is shown, not here: a refresh during the
	// request may teach the call's secrets new values.
	label := s.method + " " + displayURL(s.url, s.query)
	retries := s.retries
	if retries < 0 {
		retries = cl.retries
	}
	maxBytes := s.maxBytes
	if maxBytes <= 0 {
		maxBytes = cl.maxBytes
	}
	start := time.Now()
	attempt := 0
	authRetried := false
	var res *result
	guarded := in.guardRequest(call, s, label)
	for {
		if ctx.Err() != nil {
			in.logDone(call, s, label, 0, start, attempt, ctx.Err())
			in.throwCtx(ctx, label)
		}
		guarded.charge(in, call, label)
		var notSent bool
		res, notSent, err = in.attempt(ctx, call, cl, s, maxBytes)
		if err != nil {
			var ae *applyError
			if errors.As(err, &ae) {
				in.logDone(call, s, label, 0, start, attempt, err)
				in.throwAuthFailure(ctx, call, label, ae.err)
			}
			in.mod.env.ReportHTTP(call, s.method, 0)
			if attempt < retries && retryableConnErr(err) && (s.idempotent() || notSent) && ctx.Err() == nil {
				wait := backoff(cl.baseWait, attempt)
				if fits(ctx, wait) {
					in.logRetry(call, s, label, 0, wait, err)
					if serr := in.clock().Sleep(ctx, wait); serr != nil {
						in.throwCtx(ctx, label)
					}
					attempt++
					continue
				}
			}
			in.logDone(call, s, label, 0, start, attempt, err)
			in.throwTransport(ctx, call, label, err)
		}
		in.mod.env.ReportHTTP(call, s.method, res.status)
		if res.status == nethttp.StatusUnauthorized && s.auth != nil && !authRetried {
			authRetried = true
			retry, aerr := s.auth.OnUnauthorized(ctx, call, cl.resty, res.req)
			if aerr != nil {
				in.logDone(call, s, label, res.status, start, attempt, aerr)
				in.throwAuthFailure(ctx, call, label, aerr)
			}
			if retry {
				in.logRetry(call, s, label, res.status, 0, nil)
				continue
			}
		}
		if attempt < retries && retryableStatus(res.status, s.idempotent()) && in.retryWanted(ctx, s, res, label) {
			hdrWait, fromHeader := serverWait(res.status, res.header, in.clock().Now())
			wait := max(backoff(cl.baseWait, attempt), hdrWait)
			if !fits(ctx, wait) {
				if s.throws() && (fromHeader || res.status == nethttp.StatusTooManyRequests) {
					in.logDone(call, s, label, res.status, start, attempt, nil)
					in.throwQuota(call, label, res, ceilSeconds(wait))
				}
				break // no time for another attempt: report this answer as is
			}
			in.logRetry(call, s, label, res.status, wait, nil)
			if serr := in.clock().Sleep(ctx, wait); serr != nil {
				in.logDone(call, s, label, res.status, start, attempt, serr)
				in.throwCtx(ctx, label)
			}
			attempt++
			continue
		}
		break
	}
	in.logDone(call, s, label, res.status, start, attempt, nil)
	guarded.answered(res)
	if s.throws() && (res.status < 200 || res.status > 299) {
		retryAfter := -1
		if res.status == nethttp.StatusTooManyRequests {
			if w, ok := serverWait(res.status, res.header, in.clock().Now()); ok {
				retryAfter = ceilSeconds(w)
			}
		}
		in.throwStatus(call, label, res, retryAfter)
	}
	return in.response(res, label)
}

// retryWanted asks the request's retryIf, if any, whether to retry res.
// An exception in it is the script's: it propagates.
func (in *instance) retryWanted(ctx context.Context, s *spec, res *result, label string) bool {
	if s.retryIf == nil {
		return true
	}
	v, err := s.retryIf(goja.Undefined(), in.response(res, label))
	if ctx.Err() != nil {
		in.throwCtx(ctx, label)
	}
	if err != nil {
		var ex *goja.Exception
		if errors.As(err, &ex) {
			panic(ex.Value())
		}
		bindings.Throw(in.rt, fmt.Errorf("%s: retryIf: %w", s.fn, err))
	}
	return v.ToBoolean()
}

// attempt sends the request once and reads the answer. notSent reports,
// for requests that are not idempotent, that the failure happened before
// a connection was obtained, so nothing reached the server.
func (in *instance) attempt(ctx context.Context, call *bindings.Call, cl *client, s *spec, maxBytes int64) (res *result, notSent bool, err error) {
	actx := ctx
	if s.timeout > 0 {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(ctx, s.timeout)
		defer cancel()
	}
	var gotConn *atomic.Bool
	if !s.idempotent() {
		gotConn = new(atomic.Bool)
		actx = httptrace.WithClientTrace(actx, &httptrace.ClientTrace{
			GotConn: func(httptrace.GotConnInfo) { gotConn.Store(true) },
		})
	}
	if s.auth != nil {
		if hs := s.auth.SensitiveHeaders(); len(hs) > 0 {
			actx = context.WithValue(actx, sensitiveKey{}, hs)
		}
	}
	rc := cl.resty
	if s.jar != nil {
		rc = s.jar.restyFor(call, cl)
	}
	r := rc.R()
	r.SetContext(bindings.WithCall(actx, call))
	r.SetDoNotParseResponse(true)
	// The spec's header and query are this request's own copies (newSpec
	// cloned the client's): resty and the authenticator may add to them,
	// and a retry sets the same keys again.
	r.Header = s.header
	if len(s.query) > 0 {
		r.QueryParam = s.query
	}
	switch {
	case s.form != nil:
		r.SetFormDataFromValues(s.form)
	case s.hasBody:
		r.SetBody(s.body)
	}
	if s.header.Get("Accept-Encoding") == "" {
		// Asked for explicitly, so the transport leaves the body to
		// decodeBody, which knows deflate too.
		r.Header.Set("Accept-Encoding", acceptEncoding)
	}
	if s.auth != nil {
		if err := s.auth.Apply(ctx, call, cl.resty, r); err != nil {
			return nil, true, &applyError{err}
		}
	}
	resp, err := r.Execute(s.method, s.url)
	if err != nil {
		if resp != nil && resp.RawResponse != nil && resp.RawResponse.Body != nil {
			resp.RawResponse.Body.Close()
		}
		return nil, gotConn != nil && !gotConn.Load(), unwrapURLErr(err)
	}
	raw := resp.RawResponse
	body := raw.Body
	defer body.Close()
	if raw.ContentLength > maxBytes {
		return nil, false, &TooLargeError{Max: maxBytes}
	}
	data, err := readCapped(body, maxBytes, raw.ContentLength)
	if err != nil {
		return nil, false, err
	}
	if data, err = decodeBody(raw.Header, data, maxBytes); err != nil {
		return nil, false, err
	}
	res = &result{status: raw.StatusCode, header: raw.Header, body: data, req: r}
	if raw.Request != nil && raw.Request.URL != nil {
		res.url = raw.Request.URL.String()
	}
	return res, false, nil
}

// readCapped reads r to the end, failing once it passes max bytes, without
// holding more than max+1 bytes. hint is the Content-Length (-1: unknown).
func readCapped(r io.Reader, max, hint int64) ([]byte, error) {
	n := int64(512)
	if hint >= 0 && hint <= max {
		n = hint + 1 // +1: the final read sees EOF without growing
	}
	buf := make([]byte, 0, n)
	lr := io.LimitReader(r, max+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		m, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading the response body: %w", err)
		}
	}
	if int64(len(buf)) > max {
		return nil, &TooLargeError{Max: max}
	}
	return buf, nil
}

// idempotent reports whether the request may be repeated after any
// failure: its method is idempotent, or the script gave it an
// Idempotency-Key (or X-Idempotency-Key) header, as Go's own transport
// also accepts.
func (s *spec) idempotent() bool {
	switch s.method {
	case nethttp.MethodGet, nethttp.MethodHead, nethttp.MethodOptions, nethttp.MethodPut, nethttp.MethodDelete, nethttp.MethodTrace:
		return true
	}
	return s.header.Get("Idempotency-Key") != "" || s.header.Get("X-Idempotency-Key") != ""
}

// retryableStatus: 429 for every request (the server did not act on it);
// 502/503/504 only where repeating cannot do the work twice.
func retryableStatus(status int, idempotent bool) bool {
	switch status {
	case nethttp.StatusTooManyRequests:
		return true
	case nethttp.StatusBadGateway, nethttp.StatusServiceUnavailable, nethttp.StatusGatewayTimeout:
		return idempotent
	}
	return false
}

// retryableConnErr reports whether err is a connection failure worth
// another attempt (not a policy denial, a cap, a timeout or a bad URL).
func retryableConnErr(err error) bool {
	if _, ok := isDenied(err); ok {
		return false
	}
	var tl *TooLargeError
	if errors.As(err, &tl) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr.IsTemporary || dnsErr.IsTimeout
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNABORTED) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op)
}

// backoff is the wait before retry number attempt+1: base doubled per
// attempt, with equal jitter (between half and all of it).
func backoff(base time.Duration, attempt int) time.Duration {
	d := base << min(attempt, 16)
	if d <= 0 || d > time.Minute {
		d = time.Minute
	}
	half := d / 2
	return half + rand.N(half+1)
}

// serverWait is how long the server asked us to wait: Retry-After
// (seconds or an HTTP date) and, on a 429, x-ratelimit-reset (seconds
// until the reset, or an epoch time in seconds); the larger wins.
func serverWait(status int, h nethttp.Header, now time.Time) (time.Duration, bool) {
	var wait time.Duration
	found := false
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if secs, err := strconv.ParseFloat(v, 64); err == nil {
			wait, found = secondsDuration(secs), true
		} else if t, err := nethttp.ParseTime(v); err == nil {
			wait, found = max(t.Sub(now), 0), true
		}
	}
	if status == nethttp.StatusTooManyRequests {
		if v := strings.TrimSpace(h.Get("X-Ratelimit-Reset")); v != "" {
			if secs, err := strconv.ParseFloat(v, 64); err == nil {
				if secs > 1e9 { // an epoch time
					secs -= float64(now.UnixMilli()) / 1000
				}
				wait, found = max(wait, secondsDuration(secs)), true
			}
		}
	}
	return wait, found
}

func secondsDuration(secs float64) time.Duration {
	if math.IsNaN(secs) || secs <= 0 {
		return 0
	}
	if secs > 86400*365 {
		secs = 86400 * 365
	}
	return time.Duration(secs * float64(time.Second))
}

func ceilSeconds(d time.Duration) int {
	return int(math.Ceil(d.Seconds()))
}

// fits reports whether waiting d still leaves the call time to use it.
func fits(ctx context.Context, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	if !ok {
		return d <= MaxRetryWait
	}
	return d < time.Until(deadline)
}

// throwCtx throws the error for a call whose context ended; the host sees
// ctx.Err() and answers 504.
func (in *instance) throwCtx(ctx context.Context, label string) {
	why := "call cancelled"
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		why = "call deadline exceeded"
	}
	bindings.Throw(in.rt, errors.New(in.vu.Call().Secrets.Redact("http "+label+": "+why)))
}

// throwTransport throws for a request that got no usable answer.
func (in *instance) throwTransport(ctx context.Context, call *bindings.Call, label string, err error) {
	if ctx.Err() != nil {
		in.throwCtx(ctx, label)
	}
	if d, ok := isDenied(err); ok {
		bindings.Throw(in.rt, errors.New(call.Secrets.Redact(d.Error())))
	}
	msg := err.Error()
	if errors.Is(err, context.DeadlineExceeded) {
		msg = "no answer within the request's timeout"
	}
	bindings.Throw(in.rt, errors.New(call.Secrets.Redact("http "+label+": "+msg)))
}

// throwAuthFailure throws for an authenticator that could not get
// credentials: the token endpoint's refusal is an AuthError (or an
// HttpError for its server errors).
func (in *instance) throwAuthFailure(ctx context.Context, call *bindings.Call, label string, err error) {
	if ctx.Err() != nil {
		in.throwCtx(ctx, label)
	}
	if d, ok := isDenied(err); ok {
		bindings.Throw(in.rt, errors.New(call.Secrets.Redact(d.Error())))
	}
	msg := call.Secrets.Redact(label + ": " + err.Error())
	var re *auth.RefreshError
	if errors.As(err, &re) {
		if re.Status >= 500 || re.Status == nethttp.StatusTooManyRequests {
			panic(jserrors.New(in.rt, jserrors.HTTP, msg, map[string]any{"status": re.Status, "body": call.Secrets.Redact(text.Truncate(re.Body, maxErrorBody))}))
		}
		panic(jserrors.New(in.rt, jserrors.Auth, msg, map[string]any{"status": nethttp.StatusUnauthorized}))
	}
	var tl *TooLargeError
	if errors.As(err, &tl) || errors.Is(err, io.EOF) || errors.As(err, new(*net.OpError)) {
		bindings.Throw(in.rt, errors.New(msg))
	}
	panic(jserrors.New(in.rt, jserrors.Auth, msg, map[string]any{"status": nethttp.StatusUnauthorized}))
}

// throwQuota throws QuotaExceededError for a 429 (or a server-requested
// wait) the call has no time left to sit out.
func (in *instance) throwQuota(call *bindings.Call, label string, res *result, retryAfter int) {
	msg := call.Secrets.Redact(fmt.Sprintf("%s: %d %s; the server asks to wait %d s, past the call's deadline", label, res.status, nethttp.StatusText(res.status), retryAfter))
	props := in.errorProps(call, res)
	props["retryAfter"] = retryAfter
	panic(jserrors.New(in.rt, jserrors.QuotaExceeded, msg, props))
}

// throwStatus maps a final non-2xx answer to an error class.
func (in *instance) throwStatus(call *bindings.Call, label string, res *result, retryAfter int) {
	msg := call.Secrets.Redact(fmt.Sprintf("%s: %d %s", label, res.status, nethttp.StatusText(res.status)))
	props := in.errorProps(call, res)
	class := jserrors.HTTP
	switch res.status {
	case nethttp.StatusUnauthorized, nethttp.StatusForbidden:
		class = jserrors.Auth
	case nethttp.StatusNotFound:
		class = jserrors.NotFound
	case nethttp.StatusTooManyRequests:
		class = jserrors.QuotaExceeded
		if retryAfter >= 0 {
			props["retryAfter"] = retryAfter
		}
	}
	panic(jserrors.New(in.rt, class, msg, props))
}

// errorProps are the status, headers and (capped, redacted) body an error
// carries; detail holds the start of the body for the wire answer.
func (in *instance) errorProps(call *bindings.Call, res *result) map[string]any {
	body := call.Secrets.Redact(text.Truncate(string(res.body), maxErrorBody))
	props := map[string]any{
		"status":  res.status,
		"headers": in.headers(res.header, call.Secrets),
		"body":    body,
	}
	if d := strings.TrimSpace(text.Truncate(body, 1024)); d != "" {
		props["detail"] = d
	}
	return props
}

func (in *instance) logDone(call *bindings.Call, s *spec, label string, status int, start time.Time, retries int, err error) {
	e := call.Log.Debug()
	if !e.Enabled() {
		return
	}
	e.Str("method", s.method).Str("url", call.Secrets.Redact(label[len(s.method)+1:])).Int("status", status).
		Int64("duration_ms", time.Since(start).Milliseconds()).Int("retries", retries)
	if err != nil {
		e.Str("error", call.Secrets.Redact(err.Error()))
	}
	e.Msg("http request")
}

func (in *instance) logRetry(call *bindings.Call, s *spec, label string, status int, wait time.Duration, err error) {
	e := call.Log.Debug()
	if !e.Enabled() {
		return
	}
	e.Str("method", s.method).Str("url", call.Secrets.Redact(label[len(s.method)+1:])).Int("status", status).Int64("wait_ms", wait.Milliseconds())
	if err != nil {
		e.Str("error", call.Secrets.Redact(err.Error()))
	}
	e.Msg("http retry")
}

// displayURL is the URL with the request's query, as messages show it.
func displayURL(u string, q url.Values) string {
	if len(q) == 0 {
		return u
	}
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + q.Encode()
}

func unwrapURLErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

func sprintf(format string, args ...any) string {
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

// clock is the engine's clock (a cassette's under record and replay).
func (in *instance) clock() bindings.Clock {
	if in.mod.env == nil {
		return bindings.RealClock{}
	}
	return bindings.ClockOf(in.mod.env.HTTP)
}
