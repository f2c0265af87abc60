package jobs

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestDefaultBackoffSpansAboutFiveDays(t *testing.T) {
	var sum time.Duration
	for _, d := range defaultBackoff {
		sum += d
	}
	if lo, hi := 4*24*time.Hour+12*time.Hour, 5*24*time.Hour; sum < lo || sum > hi {
		t.Errorf("default backoff sums to %v, want between %v and %v", sum, lo, hi)
	}
}

func TestJitterStaysWithinTenPercent(t *testing.T) {
	r := New(nil, nil, Options{Rand: rand.New(rand.NewPCG(3, 4))})
	const d = time.Hour
	for range 1000 {
		if got := r.jitter(d); got < d*9/10 || got > d*11/10 {
			t.Fatalf("jitter(%v) = %v, want within 10%%", d, got)
		}
	}
}
