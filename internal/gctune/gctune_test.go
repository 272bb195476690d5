package gctune

import (
	"math"
	"runtime/debug"
	"testing"
)

// Not parallel: the settings are the process's.
func TestApply(t *testing.T) {
	oldGC := debug.SetGCPercent(100)
	oldLimit := debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() { debug.SetGCPercent(oldGC); debug.SetMemoryLimit(oldLimit) })

	Apply(func(string) string { return "" })
	if got := debug.SetGCPercent(100); got != GCPercent {
		t.Errorf("GOGC = %d, want %d", got, GCPercent)
	}
	if got := debug.SetMemoryLimit(-1); got != MemoryLimit {
		t.Errorf("memory limit = %d, want %d", got, MemoryLimit)
	}

	// An environment that sets them keeps what the runtime read.
	debug.SetGCPercent(150)
	debug.SetMemoryLimit(1 << 40)
	Apply(func(k string) string { return map[string]string{"GOGC": "150", "GOMEMLIMIT": "1TiB"}[k] })
	if got := debug.SetGCPercent(100); got != 150 {
		t.Errorf("GOGC = %d with GOGC set, want 150", got)
	}
	if got := debug.SetMemoryLimit(-1); got != 1<<40 {
		t.Errorf("memory limit = %d with GOMEMLIMIT set, want 1 TiB", got)
	}
}

func TestUnlimited(t *testing.T) {
	oldLimit := debug.SetMemoryLimit(MemoryLimit)
	t.Cleanup(func() { debug.SetMemoryLimit(oldLimit) })
	Unlimited(func(string) string { return "" })
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("memory limit = %d, want none", got)
	}
	// GOMEMLIMIT set: what the runtime read stays.
	debug.SetMemoryLimit(1 << 40)
	Unlimited(func(k string) string { return map[string]string{"GOMEMLIMIT": "1TiB"}[k] })
	if got := debug.SetMemoryLimit(-1); got != 1<<40 {
		t.Errorf("memory limit = %d with GOMEMLIMIT set, want 1 TiB", got)
	}
}

func TestParallel(t *testing.T) {
	old := debug.SetGCPercent(GCPercent)
	t.Cleanup(func() { debug.SetGCPercent(old) })
	Parallel(func(string) string { return "" })
	if got := debug.SetGCPercent(GCPercent); got != ParallelGCPercent {
		t.Errorf("GOGC = %d, want %d", got, ParallelGCPercent)
	}
	Parallel(func(k string) string { return map[string]string{"GOGC": "300"}[k] })
	if got := debug.SetGCPercent(GCPercent); got != GCPercent {
		t.Errorf("GOGC = %d with GOGC set, want it left at %d", got, GCPercent)
	}
}
