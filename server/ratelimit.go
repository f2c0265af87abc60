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
func (l *rateLimiter) allow(key string) bool { return l.take(key) == 0 }

// take takes a token for key and returns 0, or, when there is none, takes
// nothing and returns how long until there is one.
func (l *rateLimiter) take(key string) time.Duration {
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
func (l *rateLimiter) give(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.buckets[key]; ok {
		b.tokens = min(l.burst, b.tokens+1)
	}
}

// bucket returns key's bucket, refilled up to now. l.mu is held.
func (l *rateLimiter) bucket(key string, now time.Time) *bucket {
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
	return b
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
