package federation

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"kith/store"
)

// A server whose clock is off fails every signature, both ways, once it
// is off by more than the peers' window, and nothing inside kith can tell
// it so: no outside time source is reachable from a small VPS by design.
// The servers that deliver to it are one: every signed delivery carries
// the sender's Date. The median of the latest Date from each of the last
// few hosts, against this server's clock, is recorded once a minute for
// kith doctor to read.

const (
	skewHosts      = 15          // hosts whose latest sample is kept
	skewWriteEvery = time.Minute // how often the median is written down
	// SettingClockSkew is the settings key holding the last measurement:
	// "UNIX_MS SKEW_MS HOSTS".
	SettingClockSkew = "clock_skew"
)

// clockSkew keeps the latest Date offset of each recent sending host.
type clockSkew struct {
	mu      sync.Mutex
	byHost  map[string]time.Duration
	order   []string // hosts, oldest sample first
	written time.Time
}

// observe records one verified delivery's offset (this clock minus the
// sender's Date) and, at most once a minute, returns the median to write.
func (c *clockSkew) observe(host string, skew time.Duration, now time.Time) (median time.Duration, hosts int, write bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byHost == nil {
		c.byHost = map[string]time.Duration{}
	}
	if _, ok := c.byHost[host]; ok {
		c.order = slices.DeleteFunc(c.order, func(h string) bool { return h == host })
	} else if len(c.order) == skewHosts {
		delete(c.byHost, c.order[0])
		c.order = c.order[1:]
	}
	c.byHost[host] = skew
	c.order = append(c.order, host)
	if now.Sub(c.written) < skewWriteEvery {
		return 0, 0, false
	}
	c.written = now
	all := make([]time.Duration, 0, len(c.byHost))
	for _, d := range c.byHost {
		all = append(all, d)
	}
	slices.Sort(all)
	return all[len(all)/2], len(all), true
}

// observeDate records the Date of a delivery whose signature verified.
// Failing to write it down only costs the doctor a measurement.
func (f *Federation) observeDate(ctx context.Context, r *http.Request, host string, now time.Time) {
	sent, err := http.ParseTime(r.Header.Get("Date"))
	if err != nil {
		return
	}
	median, hosts, write := f.skew.observe(host, now.Sub(sent), now)
	if !write {
		return
	}
	value := fmt.Sprintf("%d %d %d", now.UnixMilli(), median.Milliseconds(), hosts)
	if err := f.db.InTx(ctx, func(tx *store.Tx) error { return tx.SetSetting(ctx, SettingClockSkew, value) }); err != nil {
		f.logger.Debug("clock skew not recorded", "err", err)
	}
}

// ClockSkew is a measurement of this server's clock against its peers'.
type ClockSkew struct {
	At    time.Time
	Skew  time.Duration // positive: this clock is ahead of the senders'
	Hosts int
}

// ParseClockSkew reads the value stored under SettingClockSkew.
func ParseClockSkew(s string) (ClockSkew, error) {
	parts := strings.Fields(s)
	if len(parts) != 3 {
		return ClockSkew{}, fmt.Errorf("clock skew %q: want three numbers", s)
	}
	var n [3]int64
	for i, p := range parts {
		v, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return ClockSkew{}, fmt.Errorf("clock skew %q: %w", s, err)
		}
		n[i] = v
	}
	return ClockSkew{At: time.UnixMilli(n[0]), Skew: time.Duration(n[1]) * time.Millisecond, Hosts: int(n[2])}, nil
}
