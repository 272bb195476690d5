package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// access is the kind of token an endpoint needs.
type access int

const (
	accessOpen   access = iota // health, readiness, metrics
	accessInvoke               // invoke, call, list, get: invoke or admin token
	accessAdmin                // upload, rollback, delete, source: admin token
)

// auth checks bearer tokens. Tokens are compared as SHA-256 digests in
// constant time, so neither their content nor their length leaks through
// timing.
type auth struct {
	admin, invoke       [sha256.Size]byte
	hasAdmin, hasInvoke bool
}

func newAuth(admin, invoke string) auth {
	a := auth{hasAdmin: admin != "", hasInvoke: invoke != ""}
	if a.hasAdmin {
		a.admin = sha256.Sum256([]byte(admin))
	}
	if a.hasInvoke {
		a.invoke = sha256.Sum256([]byte(invoke))
	}
	return a
}

// bearer returns the token of an "Authorization: Bearer T" header.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// check returns 0 if r may use an endpoint needing need, else the HTTP
// status to answer (401 no or wrong token, 403 an invoke token where the
// admin token is needed) and why.
//
// The rules: an admin endpoint needs the admin token when one is set and
// is open otherwise (Serve then only listens on loopback). An invoke
// endpoint takes the invoke or the admin token when either is set, and is
// open when neither is.
func (a *auth) check(r *http.Request, need access) (int, string) {
	if need == accessOpen {
		return 0, ""
	}
	if need == accessAdmin && !a.hasAdmin {
		return 0, ""
	}
	if need == accessInvoke && !a.hasAdmin && !a.hasInvoke {
		return 0, ""
	}
	tok, ok := bearer(r)
	if !ok {
		return http.StatusUnauthorized, "missing bearer token (Authorization: Bearer <token>)"
	}
	sum := sha256.Sum256([]byte(tok))
	isAdmin := a.hasAdmin && subtle.ConstantTimeCompare(sum[:], a.admin[:]) == 1
	isInvoke := a.hasInvoke && subtle.ConstantTimeCompare(sum[:], a.invoke[:]) == 1
	switch {
	case isAdmin:
		return 0, ""
	case need == accessInvoke && isInvoke:
		return 0, ""
	case isInvoke:
		return http.StatusForbidden, "this endpoint needs the admin token"
	}
	return http.StatusUnauthorized, "invalid bearer token"
}
