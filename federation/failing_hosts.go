package federation

import (
	"cmp"
	"context"
	"net/url"
	"slices"
	"strings"
	"time"
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

// FailingHosts returns up to limit hosts whose deliveries are failing,
// the most failures first (then the most recent failure).
func (f *Federation) FailingHosts(ctx context.Context, limit int) ([]HostFailures, error) {
	inboxes, err := f.db.FailingJobGroups(ctx, jobDeliver, "$.inbox")
	if err != nil {
		return nil, err
	}
	byHost := map[string]*HostFailures{}
	var hosts []*HostFailures
	for _, in := range inboxes {
		u, err := url.Parse(in.Key)
		if err != nil || u.Host == "" {
			continue
		}
		host := strings.ToLower(u.Host)
		h := byHost[host]
		if h == nil {
			h = &HostFailures{Host: host}
			byHost[host] = h
			hosts = append(hosts, h)
		}
		h.Retrying += in.Retrying
		h.Dead += in.Dead
		if in.LastFailed.After(h.LastFailed) || h.LastError == "" {
			h.LastFailed, h.LastError = in.LastFailed, in.LastError
		}
		if !in.NextRetry.IsZero() && (h.NextRetry.IsZero() || in.NextRetry.Before(h.NextRetry)) {
			h.NextRetry = in.NextRetry
		}
	}
	slices.SortFunc(hosts, func(a, b *HostFailures) int {
		if c := cmp.Compare(b.Retrying+b.Dead, a.Retrying+a.Dead); c != 0 {
			return c
		}
		return b.LastFailed.Compare(a.LastFailed)
	})
	out := make([]HostFailures, 0, min(limit, len(hosts)))
	for _, h := range hosts[:min(limit, len(hosts))] {
		out = append(out, *h)
	}
	return out, nil
}
