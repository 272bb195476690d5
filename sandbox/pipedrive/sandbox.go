package pipedrive

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/synapsejs/synapse-js/sandbox/internal/serve"
)

// Options configure a Sandbox. The zero value is usable: every field has a
// default, so tests only set what they pin.
type Options struct {
	// Records is how many live persons a v2 list returns (soft-deleted ones
	// not counted); default 200. The other entities scale with it:
	// organizations Records/4, deals Records/2, activities Records,
	// products Records/10 (each at least 1) and users 5 + Records/1000.
	// About 4% more records of each v2 entity exist soft-deleted.
	Records int
	// Seed makes the data reproducible: the same Seed, Records and creation
	// time give byte-identical responses. Default 1.
	Seed int64
	// Token is the API token accepted in x-api-token or ?api_token=;
	// default "sandbox-token".
	Token string
	// Now is the clock, so tests can pin time; default time.Now. Generated
	// record times lie in the 365 days before Now() at New, ending a minute
	// before it (so a connector's read skew holds none of them back).
	Now func() time.Time
	// ClientID and ClientSecret are the OAuth client /oauth/token accepts;
	// defaults "sandbox-client" and "sandbox-secret".
	ClientID, ClientSecret string
}

// Sandbox is an in-memory fake of Pipedrive's REST API. It is safe for
// concurrent use; create it with New and serve Handler.
type Sandbox struct {
	opts    Options
	t0      int64 // creation time, unix seconds
	reg     *registry
	stores  [numKinds]*store
	objs    [numObjKinds]*objStore
	writes  atomic.Int64 // bumped by every write, for caches of derived data
	counts  countCache
	users   *userStore
	oauth   oauthState
	faults  faultState
	limits  rateState
	stats   statsState
	bufs    sync.Pool // *[]byte response buffers
	handler http.Handler
}

// Default option values, exported so callers (CLIs, tests) can print them.
const (
	DefaultRecords      = 200
	DefaultSeed         = 1
	DefaultToken        = "sandbox-token"
	DefaultClientID     = "sandbox-client"
	DefaultClientSecret = "sandbox-secret"
)

// companyID is the fake company every record and token belongs to.
const companyID = 13760517

// New builds a sandbox and generates its data. With Records=50,000 this
// takes under a second; each record's JSON is rendered on its first read.
func New(opts Options) *Sandbox {
	if opts.Records <= 0 {
		opts.Records = DefaultRecords
	}
	if opts.Seed == 0 {
		opts.Seed = DefaultSeed
	}
	if opts.Token == "" {
		opts.Token = DefaultToken
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ClientID == "" {
		opts.ClientID = DefaultClientID
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = DefaultClientSecret
	}
	s := &Sandbox{opts: opts, t0: opts.Now().Unix()}
	s.bufs.New = func() any { b := make([]byte, 0, 64<<10); return &b }
	s.reg = newRegistry(s.t0)
	// Generated history ends a minute before the sandbox starts, so a
	// connector's read skew (which holds back the last few seconds) still
	// sees every generated record; writes are stamped with the real now.
	g := &gen{t0: s.t0 - historyGap, seed: opts.Seed, reg: s.reg}
	s.users = newUserStore(g.users0(userCount(opts.Records)))
	g.users = s.users.activeIDs()
	n := counts(opts.Records)
	for k := kind(0); k < numKinds; k++ {
		g.plans[k] = g.makePlan(k, n[k])
	}
	orgs := g.organizations()
	persons := g.persons()
	deals := g.deals(persons)
	s.stores[kindOrganization] = newStore(kindOrganization, orgs)
	s.stores[kindPerson] = newStore(kindPerson, persons)
	s.stores[kindDeal] = newStore(kindDeal, deals)
	s.stores[kindActivity] = newStore(kindActivity, g.activities(persons, deals))
	s.stores[kindProduct] = newStore(kindProduct, g.products())
	s.genObjects(g)
	s.oauth.init()
	s.limits.init(s.users.count())
	s.stats.init()
	s.handler = http.HandlerFunc(s.serveHTTP)
	return s
}

// Handler returns the http.Handler serving the whole fake API, the OAuth
// endpoints and the /_sandbox admin endpoints.
func (s *Sandbox) Handler() http.Handler { return s.handler }

// Token returns the API token the sandbox accepts.
func (s *Sandbox) Token() string { return s.opts.Token }

// OAuthClient returns the client id and secret /oauth/token accepts.
func (s *Sandbox) OAuthClient() (id, secret string) { return s.opts.ClientID, s.opts.ClientSecret }

// Count returns how many live (not deleted) records an entity has: "person",
// "organization", "deal" (archived ones included), "activity", "product"
// (plurals work too), "user" (users that are not deleted, active or not),
// "pipeline", "stage", "note", "lead" (archived ones included),
// "activity_type", "currency", "file", "filter" or "deal_product".
// Unknown names give 0.
func (s *Sandbox) Count(entity string) int {
	if entity == "user" || entity == "users" {
		return s.users.count()
	}
	if n, ok := s.objCount(entity); ok {
		return n
	}
	k, ok := kindByName(entity)
	if !ok {
		return 0
	}
	return s.stores[k].count()
}

// now returns the sandbox clock in unix seconds.
func (s *Sandbox) now() int64 { return s.opts.Now().Unix() }

// Start serves the sandbox on addr (e.g. "127.0.0.1:0") and returns its base
// URL ("http://127.0.0.1:PORT/") and an idempotent stop function. It also
// stops when ctx ends.
func (s *Sandbox) Start(ctx context.Context, addr string) (baseURL string, stop func(), err error) {
	return serve.Start(ctx, "pipedrive sandbox", addr, s.handler)
}

// Serve builds a sandbox from opts and starts it on addr, for callers that
// need no handle on it (faults can still be set through POST /_sandbox/fault).
func Serve(ctx context.Context, addr string, opts Options) (baseURL string, stop func(), err error) {
	return New(opts).Start(ctx, addr)
}

// historyGap is how long before the sandbox's start generated history ends.
const historyGap = 60
