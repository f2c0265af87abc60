package server

import (
	"sync"
	"time"
)

// maxLimiterKeys bounds the limiter's memory. When it is full, buckets
// that have refilled are dropped; if none has, new addresses share one
// bucket, so a flood of addresses cannot grow memory or bypass the limit.
const maxLimiterKeys = 10000

// rateLimiter is a token bucket per key (a client address): burst tokens,
// one more every refill.
type rateLimiter struct {
	mu      sync.Mutex
	burst   float64
	refill  time.Duration
	now     func() time.Time
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newRateLimiter(burst int, refill time.Duration, now func() time.Time) *rateLimiter {
	return &rateLimiter{burst: float64(burst), refill: refill, now: now, buckets: map[string]*bucket{}}
}

// allow takes a token for key, reporting false when there is none.
func (l *rateLimiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= maxLimiterKeys {
			l.prune(now)
		}
		if len(l.buckets) >= maxLimiterKeys {
			key = "overflow"
			b = l.buckets[key]
		}
		if b == nil {
			b = &bucket{tokens: l.burst, at: now}
			l.buckets[key] = b
		}
	}
	b.tokens = min(l.burst, b.tokens+float64(now.Sub(b.at))/float64(l.refill))
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// prune drops buckets that would be full by now: forgetting them changes
// nothing.
func (l *rateLimiter) prune(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+float64(now.Sub(b.at))/float64(l.refill) >= l.burst {
			delete(l.buckets, k)
		}
	}
}
