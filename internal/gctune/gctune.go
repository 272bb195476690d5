// Package gctune sets the garbage collector's defaults for the synapse-js
// process. A READ page allocates a lot that dies at once (the response
// body, its parsed tape, the JS records): with Go's default GOGC=100 the
// collector took about a quarter of a sync's CPU. GOGC=200 saves about
// a sixth of a sync's CPU for a larger heap (a 50,000-record sync peaks
// near 55 MB instead of 40 MB; GOGC=300 saved a little more CPU but
// peaked near 65 MB), and a soft memory limit keeps a busy server from
// growing without bound because of it: near the limit the collector runs
// more often instead.
package gctune

import (
	"runtime/debug"
)

// Defaults are the settings Apply uses when the environment says nothing.
const (
	// GCPercent is GOGC's default here.
	GCPercent = 200
	// MemoryLimit is GOMEMLIMIT's default here (a soft limit).
	MemoryLimit = 512 << 20
)

// Apply sets GOGC and GOMEMLIMIT to the defaults above, each only when
// the environment does not set it (an explicit GOGC or GOMEMLIMIT, as
// the Go runtime reads them, always wins).
func Apply(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(GCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(MemoryLimit)
	}
}
