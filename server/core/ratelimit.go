package core

import (
	"sync"
	"time"
)

// MaxLimiterKeys bounds the limiter's memory. When it is full, buckets
// that have refilled are dropped; if none has, new addresses share one
// bucket, so a flood of addresses cannot grow memory or bypass the limit.
const MaxLimiterKeys = 10000

// RateLimiter is a token bucket per key (a client address): burst tokens,
// one more every refill.
type RateLimiter struct {
	mu      sync.Mutex
	burst   float64
	refill  time.Duration
	now     func() time.Time
	Buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// NewRateLimiter allows burst at once per key, one more every refill.
func NewRateLimiter(burst int, refill time.Duration, now func() time.Time) *RateLimiter {
	return &RateLimiter{burst: float64(burst), refill: refill, now: now, Buckets: map[string]*bucket{}}
}

// Allow takes a token for key, reporting false when there is none.
func (l *RateLimiter) Allow(key string) bool { return l.take(key) == 0 }

// take takes a token for key and returns 0, or, when there is none, takes
// nothing and returns how long until there is one.
func (l *RateLimiter) take(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(key, l.now())
	if b.tokens < 1 {
		return time.Duration((1 - b.tokens) * float64(l.refill))
	}
	b.tokens--
	return 0
}

// give puts back a token taken for key. A bucket pruned since was full
// and stays forgotten.
func (l *RateLimiter) give(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.Buckets[key]; ok {
		b.tokens = min(l.burst, b.tokens+1)
	}
}

// bucket returns key's bucket, refilled up to now. l.mu is held.
func (l *RateLimiter) bucket(key string, now time.Time) *bucket {
	b, ok := l.Buckets[key]
	if !ok {
		if len(l.Buckets) >= MaxLimiterKeys {
			l.prune(now)
		}
		if len(l.Buckets) >= MaxLimiterKeys {
			key = "overflow"
			b = l.Buckets[key]
		}
		if b == nil {
			b = &bucket{tokens: l.burst, at: now}
			l.Buckets[key] = b
		}
	}
	b.tokens = min(l.burst, b.tokens+float64(now.Sub(b.at))/float64(l.refill))
	b.at = now
	return b
}

// prune drops buckets that would be full by now: forgetting them changes
// nothing.
func (l *RateLimiter) prune(now time.Time) {
	for k, b := range l.Buckets {
		if b.tokens+float64(now.Sub(b.at))/float64(l.refill) >= l.burst {
			delete(l.Buckets, k)
		}
	}
}
