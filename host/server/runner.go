package server

import (
	"context"
	"encoding/json"

	"github.com/synapsejs/synapse-js/host"
)

// Runner is a loaded connector as the server uses it: a *host.Connector in
// this process, or one that runs its calls in worker processes
// (host/isolate). Both answer the same Response for the same call.
type Runner interface {
	// Name is the connector's synapse_info name (not the serving name).
	Name() string
	// SHA256 is the hex SHA-256 of the source it was loaded from.
	SHA256() string
	// Info is synapse_info's result, as checked JSON.
	Info() json.RawMessage
	// Methods lists its exports, sorted.
	Methods() []string
	// Stats reports its runtimes and calls, for the list endpoints.
	Stats() host.Stats
	// Invoke answers a wire envelope as the platform's POST /{name} does.
	Invoke(ctx context.Context, envelope []byte, opts host.CallOptions) *host.Response
	// Call makes one call by method or type name, for the plain JSON API.
	Call(ctx context.Context, method string, connection, request json.RawMessage, opts host.CallOptions) *host.Response
	// Close releases what it holds; calls in flight finish.
	Close()
}

// Loader validates and loads connectors for the server. A Loader that is
// also an io.Closer is closed with the server.
type Loader interface {
	// LoadAs loads src to serve under serving; a file that does not
	// validate is a *host.LoadError.
	LoadAs(ctx context.Context, serving, filename string, src []byte) (Runner, error)
}

// ConcurrencyLoader is a Loader that bounds the calls of one connector
// that it runs at once; that bound is the server's MaxConcurrency when
// Options leave it zero (host/isolate's pool: its workers per connector
// and the calls each may hold).
type ConcurrencyLoader interface {
	Loader
	// MaxConcurrency is the most calls of one connector it takes at once.
	MaxConcurrency() int
}

// engineLoader loads connectors in this process.
type engineLoader struct{ e *host.Engine }

// LoadAs implements Loader.
func (l engineLoader) LoadAs(ctx context.Context, serving, filename string, src []byte) (Runner, error) {
	c, err := l.e.LoadAs(ctx, serving, filename, src)
	if err != nil {
		return nil, err
	}
	return c, nil
}
