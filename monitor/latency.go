package monitor

import (
	"math"
	"sync/atomic"
	"time"
)

// Latency buckets are log-spaced, four to a doubling, from 16 µs up: each
// bucket's upper bound is about 19% above the one before, so a percentile
// read from them is off by less than that. The last bucket takes
// everything above 16 µs·2^(95/4), about 2 minutes.
const (
	latencyBuckets = 96
	latencyBase    = 16 * time.Microsecond
	bucketsPerTwo  = 4
)

// latencyBounds are the buckets' upper bounds.
var latencyBounds = func() [latencyBuckets]time.Duration {
	var b [latencyBuckets]time.Duration
	for i := range b {
		b[i] = time.Duration(float64(latencyBase) * math.Exp2(float64(i)/bucketsPerTwo))
	}
	return b
}()

// latencyHist counts request durations by bucket. Adding is lock-free;
// take empties it for the next minute.
type latencyHist struct {
	counts [latencyBuckets]atomic.Uint64
}

// bucketOf is the index of the first bucket whose bound is at least d.
func bucketOf(d time.Duration) int {
	if d <= latencyBase {
		return 0
	}
	i := int(math.Ceil(math.Log2(float64(d)/float64(latencyBase)) * bucketsPerTwo))
	// Floating point may land one off the exact bound; settle on the bounds.
	for i > 0 && i < latencyBuckets && latencyBounds[i-1] >= d {
		i--
	}
	for i < latencyBuckets-1 && latencyBounds[i] < d {
		i++
	}
	return min(i, latencyBuckets-1)
}

func (h *latencyHist) add(d time.Duration) { h.counts[bucketOf(d)].Add(1) }

// counts is a copy of a histogram's counts.
type counts [latencyBuckets]uint64

// take returns the counts and empties the histogram; a request counted
// meanwhile goes into one minute or the next, never both.
func (h *latencyHist) take() counts {
	var c counts
	for i := range h.counts {
		c[i] = h.counts[i].Swap(0)
	}
	return c
}

// peek returns the counts without emptying.
func (h *latencyHist) peek() counts {
	var c counts
	for i := range h.counts {
		c[i] = h.counts[i].Load()
	}
	return c
}

// quantile is the upper bound of the bucket holding the q-th fraction of
// the counted durations (the nearest-rank method); zero when none were
// counted.
func (c *counts) quantile(q float64) time.Duration {
	var total uint64
	for _, n := range c {
		total += n
	}
	if total == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(total)))
	rank = max(rank, 1)
	var seen uint64
	for i, n := range c {
		seen += n
		if seen >= rank {
			return latencyBounds[i]
		}
	}
	return latencyBounds[latencyBuckets-1]
}
