package store

import (
	"context"
	"errors"
)

// ErrUnavailable is a store that cannot be reached now (a database
// outage). Servers answer it with 503: the request may succeed later.
var ErrUnavailable = errors.New("store unavailable")

// Change says that a connector may have changed in the store, by this
// process or another one sharing the store.
type Change struct {
	// Name is the connector that changed. Empty means anything may have
	// changed (the watch reconnected and may have missed notifications):
	// the receiver should re-read everything.
	Name string
}

// Watcher is a Store shared by several processes that can tell each of
// them about the changes the others commit. The server uses it when its
// store has it, so an upload on one host serves on every host.
type Watcher interface {
	// Watch calls fn for every change until ctx ends, and with an empty
	// Change each time it (re)connects, since changes made while it was
	// not listening are not reported. It returns ctx's error.
	Watch(ctx context.Context, fn func(Change)) error
}

// Pinger is a Store that can lose its connection to a remote backend.
// A server whose store has it reports not ready while Ping fails.
type Pinger interface {
	// Ping returns nil when the store answers, ErrUnavailable otherwise.
	Ping(ctx context.Context) error
}
