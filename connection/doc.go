// Package connection owns the Connection model: what the platform sends as
// a connection, which of its values are secrets, the OAuth tokens it
// carries and when they expire, and the host's memory of tokens a refresh
// rotated. The engine, the auth binding and the CLI all read connections
// through it, so the list of secret keys and the expiry rules exist once.
package connection
