package cli

import (
	"math"
	"runtime/debug"
	"testing"
)

// TestPauseCollector: the collector is off with the start's memory limit
// while paused, and resume puts back what was set before, an operator's
// GOGC and GOMEMLIMIT included.
func TestPauseCollector(t *testing.T) {
	for _, before := range []struct {
		percent int
		limit   int64
	}{{100, math.MaxInt64}, {50, 200 << 20}, {200, 8 << 20}} {
		oldPercent := debug.SetGCPercent(before.percent)
		oldLimit := debug.SetMemoryLimit(before.limit)
		resume := pauseCollector()
		percent := debug.SetGCPercent(-1)
		limit := debug.SetMemoryLimit(-1)
		resume()
		afterPercent := debug.SetGCPercent(oldPercent)
		afterLimit := debug.SetMemoryLimit(oldLimit)

		if percent != -1 || limit != min(before.limit, startMemoryLimit) {
			t.Errorf("paused from GOGC=%d GOMEMLIMIT=%d: GOGC=%d GOMEMLIMIT=%d, want off and %d",
				before.percent, before.limit, percent, limit, min(before.limit, startMemoryLimit))
		}
		if afterPercent != before.percent || afterLimit != before.limit {
			t.Errorf("resumed: GOGC=%d GOMEMLIMIT=%d, want %d and %d", afterPercent, afterLimit, before.percent, before.limit)
		}
	}
}
