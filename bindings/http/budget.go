package http

import (
	"fmt"
	"hash/maphash"
	"strconv"

	"github.com/dop251/goja"

	"github.com/synapsejs/synapse-js/bindings"
	jserrors "github.com/synapsejs/synapse-js/bindings/errors"
	"github.com/synapsejs/synapse-js/internal/jsvalue"
)

// A connector bug (a cursor that never changes, a retry loop of its own)
// must not turn into a flood against the end system: every call has a
// request budget, and the same request answered the same way over and over
// is refused. Both are counted per call, whatever the client.

// Defaults used when the call's HTTPConfig leaves the guard fields zero.
const (
	// DefaultMaxRequestsPerCall is the request budget of one call; every
	// attempt counts, retries included, since each one reaches the server.
	DefaultMaxRequestsPerCall = 1000
	// DefaultMaxIdenticalRepeats is how many times one request (method,
	// URL with its query, body) may be answered identically in one call
	// before the next identical request is refused: the signature of a
	// stuck cursor.
	DefaultMaxIdenticalRepeats = 10
)

// maxSeenRequests bounds the repeat guard's memory when the budget is off.
const maxSeenRequests = 1 << 14

// clientLimits are an http.client's own guard options; a client's address
// (&defaults.limits) identifies it in the call's counts.
type clientLimits struct {
	maxRequests int // 0: only the call's budget applies
	maxRepeats  int // 0: the host's value
}

// guard is one runtime's count for the call in progress. A runtime serves
// one call at a time; a new *bindings.Call starts the counts over.
type guard struct {
	call     *bindings.Call
	sent     int
	lastURL  string
	byClient map[*clientLimits]int
	seen     map[uint64]*answers
	seed     maphash.Seed
}

// answers is what one request key got: the hash of its last answer and
// how many answers in a row were that one.
type answers struct {
	answer uint64
	same   int
}

// guarded is one request under the guard, from its first attempt to its
// answer.
type guarded struct {
	g   *guard
	key uint64
	s   *spec
}

// guardFor returns the guard reset for call if the call changed.
func (in *instance) guardFor(call *bindings.Call) *guard {
	g := &in.guard
	if g.call != call {
		*g = guard{call: call, seed: g.seed}
		if g.seed == (maphash.Seed{}) {
			g.seed = maphash.MakeSeed()
		}
	}
	return g
}

// limitsFor returns the call's budget and repeat limit for s (<= 0: off),
// from the host's HTTPConfig and the client's options.
func (in *instance) limitsFor(s *spec) (budget, repeats int) {
	budget, repeats = DefaultMaxRequestsPerCall, DefaultMaxIdenticalRepeats
	if c := in.mod.env.HTTP; c != nil {
		if c.MaxRequestsPerCall != 0 {
			budget = c.MaxRequestsPerCall
		}
		if c.MaxIdenticalRepeats != 0 {
			repeats = c.MaxIdenticalRepeats
		}
	}
	if s.limits != nil && s.limits.maxRepeats > 0 {
		repeats = s.limits.maxRepeats
	}
	return budget, repeats
}

// guardRequest checks, before its first attempt, that s is not a request
// this call already got the same answer to too many times, and returns
// the handle its attempts and answer are counted with.
func (in *instance) guardRequest(call *bindings.Call, s *spec, label string) *guarded {
	g := in.guardFor(call)
	var h maphash.Hash
	h.SetSeed(g.seed)
	h.WriteString(s.method)
	h.WriteByte(0)
	h.WriteString(displayURL(s.url, s.query))
	h.WriteByte(0)
	if s.form != nil {
		h.WriteString(s.form.Encode())
	} else {
		h.Write(s.body)
	}
	q := &guarded{g: g, key: h.Sum64(), s: s}
	if _, repeats := in.limitsFor(s); repeats > 0 {
		if a := g.seen[q.key]; a != nil && a.same >= repeats {
			in.throwGuard(call, fmt.Sprintf("http: %s was already sent %d times in this call and answered the same each time; refusing to send it again (a paging cursor that does not move?). The limit is %d identical answers per call (the host's HTTPConfig.MaxIdenticalRepeats, or http.client({maxRepeats}))",
				label, a.same, repeats), a.same, label)
		}
	}
	return q
}

// charge counts one attempt of q against the call's budget and its
// client's, and refuses it when either is spent.
func (q *guarded) charge(in *instance, call *bindings.Call, label string) {
	g := q.g
	budget, _ := in.limitsFor(q.s)
	if budget > 0 && g.sent >= budget {
		in.throwGuard(call, fmt.Sprintf("http: request budget spent: this call already made %d requests, the most one call may make (the host's HTTPConfig.MaxRequestsPerCall); the last was %s; refusing %s",
			g.sent, g.lastURL, label), g.sent, label)
	}
	if l := q.s.limits; l != nil && l.maxRequests > 0 && g.byClient[l] >= l.maxRequests {
		in.throwGuard(call, fmt.Sprintf("http: the client's request budget is spent: it already made %d requests in this call (http.client({maxRequests: %d})); the last was %s; refusing %s",
			g.byClient[l], l.maxRequests, g.lastURL, label), g.byClient[l], label)
	}
	g.sent++
	g.lastURL = label
	if l := q.s.limits; l != nil {
		if g.byClient == nil {
			g.byClient = map[*clientLimits]int{}
		}
		g.byClient[l]++
	}
}

// answered records the final answer q got.
func (q *guarded) answered(res *result) {
	g := q.g
	var h maphash.Hash
	h.SetSeed(g.seed)
	h.WriteString(strconv.Itoa(res.status))
	h.WriteByte(0)
	h.Write(res.body)
	sum := h.Sum64()
	if g.seen == nil {
		g.seen = map[uint64]*answers{}
	}
	a := g.seen[q.key]
	switch {
	case a == nil:
		if len(g.seen) >= maxSeenRequests {
			clear(g.seen)
		}
		g.seen[q.key] = &answers{answer: sum, same: 1}
	case a.answer == sum:
		a.same++
	default:
		a.answer, a.same = sum, 1
	}
}

// throwGuard throws the guard's error: a SynapseError (status 400, so the
// platform does not retry a call that would do the same again) carrying
// the count and the URL.
func (in *instance) throwGuard(call *bindings.Call, msg string, count int, label string) {
	msg = call.Secrets.Redact(msg)
	panic(jserrors.New(in.rt, jserrors.Synapse, msg, map[string]any{
		"status":   400,
		"requests": count,
		"url":      call.Secrets.Redact(label),
	}))
}

// guardCount reads http.client's maxRequests or maxRepeats.
func (in *instance) guardCount(fn, name string, v goja.Value) int {
	if kind := jsvalue.KindOf(v); kind != jsvalue.Int || v.ToInteger() < 1 || v.ToInteger() > 1e9 {
		in.typeError(fn, "%s must be a whole number from 1 to 1000000000, got %s", name, v.String())
	}
	return int(v.ToInteger())
}
