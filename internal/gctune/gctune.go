// Package gctune sets the garbage collector's defaults for the synapse-js
// process. A READ page allocates a lot that dies at once (the response
// body, its parsed tape, the JS records): with Go's default GOGC=100 the
// collector took about a quarter of a sync's CPU. GOGC=200 saves about
// a sixth of a sync's CPU for a larger heap (a 50,000-record sync peaks
// near 55 MB instead of 40 MB; GOGC=300 saved a little more CPU but
// peaked near 65 MB), and a soft memory limit keeps a busy server from
// growing without bound because of it: near the limit the collector runs
// more often instead. The sandboxes lift the limit (see Unlimited).
package gctune

import (
	"math"
	"runtime/debug"
)

// Defaults are the settings Apply uses when the environment says nothing.
const (
	// GCPercent is GOGC's default here.
	GCPercent = 200
	// MemoryLimit is GOMEMLIMIT's default here (a soft limit).
	MemoryLimit = 512 << 20
	// ParallelGCPercent is GOGC's default for a sync that reads several
	// slices at once (see Parallel).
	ParallelGCPercent = 150
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

// Unlimited lifts the soft memory limit Apply set, unless GOMEMLIMIT is
// set. It is for the sandboxes: their in-memory data is their working set
// (a 50,000-person Pipedrive sandbox holds about 500 MB), and near the
// limit the collector would run without pause, taking the CPU from what
// they serve and from whatever shares the machine with them.
func Unlimited(getenv func(string) string) {
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(math.MaxInt64)
	}
}

// Parallel sets GOGC for a sync that reads several slices at once, unless
// GOGC is set: each slice keeps its pages live, so at GCPercent the heap
// grew with the slices (a 50,000-person sync in two slices peaked at
// 56-69 MiB). At ParallelGCPercent it peaked at 50-60 MiB, at the same
// speed; Go's default of 100 cost a fifth more CPU.
func Parallel(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(ParallelGCPercent)
	}
}
