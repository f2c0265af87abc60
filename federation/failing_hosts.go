package federation

import (
	"cmp"
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"time"

	"kith/store"
)

// The job kinds the owner's dashboard counts: received activities applied,
// and delivery attempts.
const (
	JobKindInbox   = jobInbox
	JobKindDeliver = jobDeliver
)

// HostFailures is what deliveries to one host that last failed add up to.
type HostFailures struct {
	Host       string
	Retrying   int       // deliveries waiting for another attempt
	Dead       int       // deliveries that gave up
	LastError  string    // the most recent failure's error
	LastFailed time.Time // when that was
	NextRetry  time.Time // the soonest retry; zero when all are dead
}

// failingScan bounds how many failed deliveries FailingHosts reads: a
// host that is gone for good can have thousands, and the most recent are
// enough to rank and describe it.
const failingScan = 10_000

// FailingHosts returns up to limit hosts whose deliveries are failing,
// the most failures first (then the most recent failure).
func (f *Federation) FailingHosts(ctx context.Context, limit int) ([]HostFailures, error) {
	failed, err := f.db.FailingJobs(ctx, jobDeliver, failingScan)
	if err != nil {
		return nil, err
	}
	byHost := map[string]*HostFailures{}
	var hosts []*HostFailures
	for _, j := range failed { // most recent first
		var d deliveryJob
		if json.Unmarshal(j.Payload, &d) != nil {
			continue
		}
		u, err := url.Parse(d.Inbox)
		if err != nil || u.Host == "" {
			continue
		}
		host := strings.ToLower(u.Host)
		h := byHost[host]
		if h == nil {
			h = &HostFailures{Host: host, LastError: j.LastError, LastFailed: j.UpdatedAt}
			byHost[host] = h
			hosts = append(hosts, h)
		}
		if j.State == store.JobDead {
			h.Dead++
			continue
		}
		h.Retrying++
		if h.NextRetry.IsZero() || j.RunAt.Before(h.NextRetry) {
			h.NextRetry = j.RunAt
		}
	}
	slices.SortStableFunc(hosts, func(a, b *HostFailures) int {
		return cmp.Compare(b.Retrying+b.Dead, a.Retrying+a.Dead)
	})
	out := make([]HostFailures, 0, min(limit, len(hosts)))
	for _, h := range hosts[:min(limit, len(hosts))] {
		out = append(out, *h)
	}
	return out, nil
}
