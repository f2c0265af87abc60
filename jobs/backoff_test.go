package jobs

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"kith/store"
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

func TestRetryAfterReplacesTheTableWait(t *testing.T) {
	r := New(nil, nil, Options{Rand: rand.New(rand.NewPCG(3, 4))})
	r.Handle("k", func(context.Context, store.Job) error { return nil })
	now := time.Unix(1_800_000_000, 0)
	for _, tc := range []struct {
		err  error
		want time.Duration
	}{
		{RetryAfter(errors.New("429"), 7*time.Second), 7 * time.Second},
		{fmt.Errorf("wrapped: %w", RetryAfter(errors.New("503"), 2*time.Hour)), 2 * time.Hour},
		{RetryAfter(errors.New("429"), 0), time.Second},
		{RetryAfter(errors.New("429"), 90*24*time.Hour), 24 * time.Hour},
	} {
		o := r.decide(result{job: store.Job{Kind: "k", Attempts: 1}, err: tc.err}, now)
		if o.act != actRetry || o.runAt.Sub(now) != tc.want {
			t.Errorf("%v: act %v, wait %v; want a retry after %v", tc.err, o.act, o.runAt.Sub(now), tc.want)
		}
	}
	if RetryAfter(nil, time.Second) != nil {
		t.Error("RetryAfter(nil) is not nil")
	}
}
