package cli

import (
	"os"
	"runtime/debug"
)

// startMemoryLimit bounds the Go heap while the collector is paused for
// the start: a start that migrates or cleans a large database collects
// once its memory reaches this, as it would at any time.
const startMemoryLimit = 24 << 20

// pauseCollector turns the garbage collector off for the start and returns
// the function that turns it back on as it was (GOGC and GOMEMLIMIT, if
// the operator set them, are kept).
//
// Starting allocates a few megabytes that are garbage a moment later.
// Collecting them during the start (once, at the 4 MB the collector begins
// at) costs more than it gives back: the marking, and fresh pages for the
// collector's own bookkeeping, each a page fault. Paused, the start leaves
// its garbage to the one collection releaseStartupMemory makes when kith
// has started.
//
// It resumes together with that release, after the start-up check: resumed
// as the check begins instead, the idle process kept about 2 MB more of
// the binary's pages mapped (BenchmarkStartup's idle-binary-MB, 7.1 -> 9.0).
// On a large database the check, and so the pause, lasts seconds; the
// memory limit bounds the heap meanwhile.
func pauseCollector() (resume func()) {
	percent := debug.SetGCPercent(-1)
	limit := debug.SetMemoryLimit(-1) // -1 reads the limit without changing it
	debug.SetMemoryLimit(min(limit, startMemoryLimit))
	return func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	}
}

// serveGCPercent is the garbage collector's target for kith serve, unless
// $GOGC sets another. kith's live heap is a few megabytes and almost all
// it allocates is garbage within a request or an activity, so with Go's
// default (100) it collects many times a second under load; at 200 it
// collects half as often, for about 4 MB more heap at the peak.
const serveGCPercent = 200

func setGCPercent() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
}
