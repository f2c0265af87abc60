// Package testclock gives kith's tests one date to start their clocks from,
// a settable clock, and a cookie jar that expires cookies by that clock.
//
// Tests that depend on the date the suite happens to run on break on some
// later day; tests whose clocks all start at Base do not. The variable
// KITH_TEST_BASE moves Base, so CI can check that no test still reads the
// real clock where it compares with a test clock:
//
//	KITH_TEST_BASE=-5y go test -count=1 ./server/...
//	KITH_TEST_BASE=2031-02-28T23:59:00Z go test -count=1 ./server/...
//
// Use -count=1: a test package that reads Base while it starts (in a
// package-level variable) does so before go test watches the
// environment, so a cached result for another base could be reused.
package testclock

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// EnvBase is the environment variable that moves Base: an RFC 3339 time,
// or a shift of the default such as "-5y" or "+5y" (years) or "+40d"
// (days).
const EnvBase = "KITH_TEST_BASE"

// defaultBase is a Sunday at noon UTC, far from midnight so that a test
// adding hours stays on one day.
var defaultBase = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

var base = sync.OnceValue(func() time.Time {
	t, err := parseBase(os.Getenv(EnvBase))
	if err != nil {
		// Tests only: a typo in the variable must not run the suite on
		// some other date than the one asked for.
		panic(err)
	}
	return t
})

// Base is the date every test clock starts from: 2026-11-01T12:00:00Z,
// unless KITH_TEST_BASE says otherwise. It is in UTC.
func Base() time.Time { return base() }

func parseBase(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return defaultBase, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), nil
	}
	bad := fmt.Errorf("testclock: %s=%q: want an RFC 3339 time (2031-11-01T12:00:00Z) or a shift such as -5y, +5y or +40d", EnvBase, v)
	if len(v) < 3 || (v[0] != '+' && v[0] != '-') {
		return time.Time{}, bad
	}
	n, err := strconv.Atoi(v[1 : len(v)-1])
	if err != nil || n < 0 || n > 10000 {
		return time.Time{}, bad
	}
	if v[0] == '-' {
		n = -n
	}
	switch v[len(v)-1] {
	case 'y':
		return defaultBase.AddDate(n, 0, 0), nil
	case 'd':
		return defaultBase.AddDate(0, 0, n), nil
	}
	return time.Time{}, bad
}

// Clock is a settable clock, safe to read from a server's goroutines
// while the test moves it. Pass its Now method where code takes a clock.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// New returns a clock standing at Base.
func New() *Clock { return &Clock{t: Base()} }

// Now is the clock's time; it moves only when the test moves it.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Add moves the clock by d (back if d is negative).
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Set puts the clock at t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}
