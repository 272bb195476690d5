// Package store keeps uploaded connector files: every version of every
// connector, with its source, SHA-256, upload time and synapse_info, and a
// pointer to the version that serves. The server reads and writes it through
// the Store interface so a shared backend (a database, object storage) can
// replace the file store later without touching the server.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Errors callers test with errors.Is.
var (
	// ErrNotFound is a connector or version the store does not hold.
	ErrNotFound = errors.New("not found")
	// ErrCorrupt is stored data that cannot be read back (a damaged current
	// pointer or metadata file). It concerns one connector, never the store.
	ErrCorrupt = errors.New("corrupt")
	// ErrNoCurrent is a connector whose versions exist but none was ever
	// made current (a crash during its first upload).
	ErrNoCurrent = errors.New("no current version")
	// ErrInvalidName is a name that is not [a-z0-9][a-z0-9_-]{0,62}.
	ErrInvalidName = errors.New("invalid name")
)

// Meta is what the caller knows about a source when it stores it.
type Meta struct {
	// Info is the connector's synapse_info result (JSON).
	Info json.RawMessage
	// Lang is "js" or "ts": how the source must be loaded again.
	Lang string
	// Methods lists the contract methods the source exports.
	Methods []string
	// Uploader says who stored the source (host and client address).
	Uploader string
}

// Version describes one stored version of a connector.
type Version struct {
	// Name is the serving name the version was uploaded under.
	Name string `json:"name"`
	// Version numbers start at 1 and grow by one per upload of the name.
	Version int `json:"version"`
	// SHA256 is the hex SHA-256 of the source.
	SHA256 string `json:"sha256"`
	// Size is the source's length in bytes.
	Size int64 `json:"size"`
	// Lang is "js" or "ts".
	Lang string `json:"lang"`
	// Uploaded is when the version was stored (UTC).
	Uploaded time.Time `json:"uploaded"`
	// Methods lists the contract methods the source exports.
	Methods []string `json:"methods,omitempty"`
	// Info is the connector's synapse_info (JSON), as validated at upload.
	Info json.RawMessage `json:"info,omitempty"`
	// Uploader says who stored the version (empty if unknown).
	Uploader string `json:"uploader,omitempty"`
}

// Store holds connector versions. Implementations must be safe for
// concurrent use; Put must give concurrent uploads of one name distinct
// version numbers.
type Store interface {
	// Put stores src as the next version of name and makes it current.
	Put(ctx context.Context, name string, src []byte, meta Meta) (Version, error)
	// Current returns the version of name that serves (ErrNotFound,
	// ErrNoCurrent or ErrCorrupt otherwise).
	Current(ctx context.Context, name string) (Version, error)
	// Get returns one version and its source.
	Get(ctx context.Context, name string, version int) (Version, []byte, error)
	// Versions lists the versions of name, oldest first. A version whose
	// metadata cannot be read is left out; the error says which.
	Versions(ctx context.Context, name string) ([]Version, error)
	// List returns the names of the stored connectors, sorted.
	List(ctx context.Context) ([]string, error)
	// SetCurrent makes an existing version current (a rollback).
	SetCurrent(ctx context.Context, name string, version int) error
	// Delete removes name and all of its versions.
	Delete(ctx context.Context, name string) error
}
