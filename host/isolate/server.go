package isolate

import (
	"context"

	"github.com/synapsejs/synapse-js/host"
	"github.com/synapsejs/synapse-js/host/server"
)

// ServerLoader returns what server.Options.NewLoader wants: a worker pool
// built with the server's engine options (its token memory, metrics hook
// and logger) on top of opts. The server closes the pool when it closes.
func ServerLoader(opts Options) func(host.Options) (server.Loader, error) {
	return func(eo host.Options) (server.Loader, error) {
		opts.Engine = eo
		p, err := New(opts)
		if err != nil {
			return nil, err
		}
		p.opts.Engine.Logger.Info().Int("workers", p.opts.Workers).Str("memory_limit", sizeText(p.opts.MemoryLimit)).
			Str("mechanism", p.Mechanism()).Msg("calls run in worker processes")
		return serverLoader{p}, nil
	}
}

type serverLoader struct{ p *Pool }

// LoadAs implements server.Loader.
func (l serverLoader) LoadAs(ctx context.Context, serving, filename string, src []byte) (server.Runner, error) {
	c, err := l.p.Load(ctx, serving, filename, src)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Close implements io.Closer: it stops every worker.
func (l serverLoader) Close() error {
	l.p.Close()
	return nil
}

// MaxConcurrency implements server.ConcurrencyLoader: the pool's bound for
// one connector's calls.
func (l serverLoader) MaxConcurrency() int { return l.p.MaxConcurrency() }

// Pool returns the loader's pool, for tests and benchmarks.
func (l serverLoader) Pool() *Pool { return l.p }
