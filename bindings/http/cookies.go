package http

import (
	nethttp "net/http"
	"net/http/cookiejar"

	"github.com/go-resty/resty/v2"
	"golang.org/x/net/publicsuffix"

	"github.com/synapsejs/synapse-js/bindings"
)

// clientJar is the cookie jar of one http.client({cookies: true}). It
// lives for one call: a client made at load time, or kept in a global,
// starts every call with no cookies, so nothing of one call (one
// connection's session) reaches the next. Only the call's JS thread uses
// it.
type clientJar struct {
	call  *bindings.Call
	resty *resty.Client
}

// restyFor returns the resty client that keeps this jar's cookies for
// call, with a new, empty jar when the call is not the one the jar was
// made for. It shares the module's transport (pool and policy); only the
// jar, which Go's client applies on every redirect too, is its own.
func (j *clientJar) restyFor(call *bindings.Call, cl *client) *resty.Client {
	if j.call != call || j.resty == nil {
		jar, _ := cookiejar.New(&cookiejar.Options{PublicSuffixList: publicsuffix.List}) // never fails
		base := cl.resty.GetClient()
		hc := &nethttp.Client{Transport: base.Transport, CheckRedirect: base.CheckRedirect, Jar: jar}
		j.call, j.resty = call, configureResty(resty.NewWithClient(hc))
	}
	return j.resty
}
