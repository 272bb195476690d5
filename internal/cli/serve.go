package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/synapsejs/synapse-js/host"
	"github.com/synapsejs/synapse-js/host/server"
	"github.com/synapsejs/synapse-js/host/store/backend"
)

// serveFlags are the settings of `synapse-js serve`.
type serveFlags struct {
	addr            string
	dataDir         string
	store           string
	tokenKey        string
	adminToken      string
	adminTokenFile  string
	invokeToken     string
	invokeTokenFile string
	timeout         time.Duration
	maxTimeout      time.Duration
	poolSize        int
	maxConcurrency  int
	queue           int
	maxUploadBytes  int64
	maxInvokeBytes  int64
	grace           time.Duration
	iso             isolateFlags
}

func (a *App) serveCmd() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the host server: upload connectors, invoke them as the platform does",
		Long: `serve runs the synapse-js host server. Authors upload connector files to it
(synapse-js upload, or PUT /v1/synapses/NAME); the sync platform posts its
wire envelope to BASE_URL/NAME exactly as it calls a Python synapse's cloud
function; a new version goes live without a restart, and calls already
running finish on the version they started with.

Every uploaded version is kept in --data-dir, or, for several hosts behind
one load balancer, in PostgreSQL (--store postgres://..., which needs
SYNAPSE_JS_TOKEN_KEY; see docs/scaling.md). At start the current version
of each stored connector is loaded; one that no longer validates is logged
and skipped.

Tokens: the admin token guards upload, rollback, delete and source; the
invoke token (or the admin token) guards invoke, call, list and get.
Without an admin token the server only listens on a loopback address.
/healthz, /readyz and /metrics need no token. See docs/server.md.

SIGINT or SIGTERM stops accepting requests and lets the calls in flight
finish for up to --shutdown-grace.`,
		Example: `  synapse-js serve                                            # http://127.0.0.1:8080, open, local only
  SYNAPSE_JS_ADMIN_TOKEN=... SYNAPSE_JS_INVOKE_TOKEN=... synapse-js serve --addr :8080 --data-dir /var/lib/synapse-js
  synapse-js serve --admin-token-file /run/secrets/admin --invoke-token-file /run/secrets/invoke --addr 0.0.0.0:8080
  synapse-js serve --timeout 30s --max-concurrency 8 --queue 64
  SYNAPSE_JS_TOKEN_KEY=$(openssl rand -hex 32) synapse-js serve --store postgres://synapse@db:5432/synapse`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.serve(cmd.Context(), &f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", "127.0.0.1:8080", "address to listen on (host:port)")
	fl.StringVar(&f.dataDir, "data-dir", "./synapse-data", "directory that keeps every uploaded version")
	fl.StringVar(&f.store, "store", "", "a PostgreSQL URL (postgres://USER@HOST:PORT/DB?sslmode=...) shared by several hosts, in place of --data-dir; needs SYNAPSE_JS_TOKEN_KEY")
	fl.StringVar(&f.adminToken, "admin-token", "", "bearer token for upload, rollback, delete and source (prefer SYNAPSE_JS_ADMIN_TOKEN or --admin-token-file)")
	fl.StringVar(&f.adminTokenFile, "admin-token-file", "", "file holding the admin token")
	fl.StringVar(&f.invokeToken, "invoke-token", "", "bearer token for invoke, call, list and get (prefer SYNAPSE_JS_INVOKE_TOKEN or --invoke-token-file)")
	fl.StringVar(&f.invokeTokenFile, "invoke-token-file", "", "file holding the invoke token")
	fl.DurationVar(&f.timeout, "timeout", host.DefaultTimeout, "a call's deadline unless the request's X-Synapse-Timeout sets one")
	fl.DurationVar(&f.maxTimeout, "max-timeout", server.DefaultMaxTimeout, "the longest deadline X-Synapse-Timeout may ask for")
	fl.StringVar(&f.tokenKey, "token-key", "", "with --store: the key that encrypts the shared OAuth tokens: 32 bytes as 64 hex characters or standard base64 (prefer SYNAPSE_JS_TOKEN_KEY; make one with openssl rand -hex 32)")
	readEnv(cmd,
		envVar{EnvAdminToken, "admin-token", "the admin token (upload, rollback, delete, source)"},
		envVar{EnvInvokeToken, "invoke-token", "the invoke token (invoke, call, list, get)"},
		envVar{EnvStore, "store", "the PostgreSQL store several hosts share"},
		envVar{EnvTokenKey, "token-key", "the key of the shared OAuth tokens"})
	fl.IntVar(&f.poolSize, "pool-size", 0, "runtimes per connector (default 2 x CPUs, at least 4)")
	fl.IntVar(&f.maxConcurrency, "max-concurrency", 0, "calls of one connector that run at once (default: under --isolate process, the workers one connector may hold x 4; under none, the pool size)")
	fl.IntVar(&f.queue, "queue", server.DefaultQueue, "calls of one connector that may wait for a slot; more are answered 429")
	fl.Int64Var(&f.maxUploadBytes, "max-upload-bytes", server.DefaultMaxUploadBytes, "the largest connector file accepted")
	fl.Int64Var(&f.maxInvokeBytes, "max-invoke-bytes", server.DefaultMaxInvokeBytes, "the largest invoke or call request body accepted")
	fl.DurationVar(&f.grace, "shutdown-grace", server.DefaultShutdownGrace, "how long calls in flight may run after SIGINT/SIGTERM")
	f.iso.register(fl)
	return cmd
}

// readToken resolves a token given directly or in a file (not both).
func readToken(flagName, value, file string) (string, error) {
	if file == "" {
		return strings.TrimSpace(value), nil
	}
	if value != "" {
		return "", usageError("--%s and --%s-file both set; give one", flagName, flagName)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", usageError("--%s-file: %v", flagName, err)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", usageError("--%s-file %s is empty", flagName, file)
	}
	return tok, nil
}

func (a *App) serve(ctx context.Context, f *serveFlags) error {
	admin, err := readToken("admin-token", f.adminToken, f.adminTokenFile)
	if err != nil {
		return err
	}
	invoke, err := readToken("invoke-token", f.invokeToken, f.invokeTokenFile)
	if err != nil {
		return err
	}
	switch {
	case f.timeout <= 0:
		return usageError("--timeout must be positive")
	case f.poolSize < 0, f.maxConcurrency < 0, f.queue < 0:
		return usageError("--pool-size, --max-concurrency and --queue cannot be negative")
	case f.grace <= 0:
		return usageError("--shutdown-grace must be positive")
	}
	queue := f.queue
	if queue == 0 {
		queue = -1 // none may wait
	}
	newLoader, err := f.iso.loader()
	if err != nil {
		return err
	}
	// Listen first: the outbound policy denies scripts the server's own
	// address.
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", f.addr)
	if err != nil {
		return &ExitError{Code: 1, Err: listenError(f.addr, err)}
	}
	defer l.Close()
	httpCfg, err := f.iso.httpConfig(l.Addr())
	if err != nil {
		return err
	}
	spec := f.dataDir
	if f.store != "" {
		if !backend.IsPostgres(f.store) {
			return usageError("--store %q: want a postgres:// URL (use --data-dir for a directory)", f.store)
		}
		spec = f.store
	}
	be, err := backend.Open(ctx, spec, backend.Options{TokenKey: f.tokenKey, Logger: a.log})
	if err != nil {
		return &ExitError{Code: 1, Err: err}
	}
	defer be.Close()
	srv, err := server.New(server.Options{
		Store: be.Store,
		Engine: host.StdOptions(host.Options{
			Timeout:  f.timeout,
			PoolSize: f.poolSize,
			Logger:   a.log,
			Tokens:   be.Tokens,
			HTTP:     httpCfg,
		}),
		Logger:         a.log,
		AdminToken:     admin,
		InvokeToken:    invoke,
		MaxConcurrency: f.maxConcurrency,
		Queue:          queue,
		MaxUploadBytes: f.maxUploadBytes,
		MaxInvokeBytes: f.maxInvokeBytes,
		MaxTimeout:     f.maxTimeout,
		NewLoader:      newLoader,
	})
	if err != nil {
		return &ExitError{Code: 1, Err: err}
	}
	defer srv.Close()
	if err := srv.CheckExposure(l.Addr()); err != nil {
		l.Close()
		return usageError("%v", err)
	}
	mode := "no tokens: every endpoint is open (loopback only)"
	switch {
	case admin != "" && invoke != "":
		mode = "admin and invoke tokens required"
	case admin != "":
		mode = "admin token required everywhere (no invoke token set)"
	case invoke != "":
		mode = "invoke token required to call; the admin API is open (loopback only)"
	}
	fmt.Fprintf(a.Stdout, "synapse-js: serving on http://%s (%s; %s)\n", l.Addr(), be.Where, mode)
	a.log.Info().Str("addr", l.Addr().String()).Str("store", be.Where).Str("auth", mode).Msg("listening")

	sctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	go func() {
		rep, err := srv.Load(sctx)
		if err != nil {
			if !errors.Is(err, context.Canceled) {
				stop(err)
			}
			return
		}
		a.log.Info().Int("serving", len(rep.Loaded)).Int("failed", len(rep.Failed)).Msg("store loaded; ready")
	}()
	err = srv.Serve(sctx, l, f.grace)
	if cause := context.Cause(sctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return &ExitError{Code: 1, Err: cause}
	}
	if err != nil {
		return &ExitError{Code: 1, Err: err}
	}
	return nil
}
