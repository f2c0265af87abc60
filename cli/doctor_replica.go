package cli

import (
	"context"
	"fmt"
	"time"

	"kith/config"
	"kith/replication"
)

// replica compares the database with its replica: whether the replica
// answers, how far behind it is, and the last error kith serve met.
// Behind by more than a few sync intervals warns (kith serve may be
// between syncs, or catching up after an outage); by more than five
// minutes, or a replica that cannot be read, fails: a lost machine would
// lose that much.
func (d *doctor) replica(ctx context.Context, cfg config.Config, now time.Time) {
	r := cfg.Replication
	if !r.Enabled() {
		d.report("skip", "replica", "not configured: [replication] url streams the database to an S3 bucket or another disk", "")
		return
	}
	opts, err := replication.FromConfig(r)
	if err != nil {
		d.report("FAIL", "replica", err.Error(), "fix [replication] in the config")
		return
	}
	p, err := replication.ProbeReplica(ctx, cfg.DatabasePath(), opts, now)
	lastErr := ""
	if p.LastError != "" {
		lastErr = fmt.Sprintf("; last error %s (%s ago): %s", p.LastErrorAt.UTC().Format("2006-01-02 15:04:05 MST"), now.Sub(p.LastErrorAt).Round(time.Second), p.LastError)
	}
	if err != nil {
		d.report("FAIL", "replica", fmt.Sprintf("%s cannot be read: %v%s", opts.Where(), err, lastErr),
			"check that the S3 service answers and the keys and bucket in [replication] are right; kith serve catches up once it can write")
		return
	}
	found := fmt.Sprintf("%s has the database up to change %d of %d, written %s (%s ago)%s", opts.Where(), p.ReplicaTXID, max(p.LocalTXID, p.ReplicaTXID),
		p.ReplicaAt.UTC().Format("2006-01-02 15:04:05 MST"), now.Sub(p.ReplicaAt).Round(time.Second), lastErr)
	switch {
	case p.ReplicaTXID == 0:
		d.report("warn", "replica", opts.Where()+" holds nothing yet"+lastErr, "start kith serve: it replicates from its start")
	case p.Behind > 5*time.Minute:
		d.report("FAIL", "replica", fmt.Sprintf("%s is %s behind: %s", opts.Where(), p.Behind.Round(time.Second), found),
			"the log of kith serve says why (look for \"replication\"); a lost machine now loses that much")
	case p.Behind > 10*r.Interval():
		d.report("warn", "replica", fmt.Sprintf("%s is %s behind: %s", opts.Where(), p.Behind.Round(time.Second), found),
			"it may be catching up after an outage; run kith doctor again in a minute")
	default:
		d.report("ok", "replica", found, "")
	}
}
