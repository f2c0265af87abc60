package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"kith/federation/httpsig"
	"kith/federation/transport"
	"kith/jobs"
	"kith/store"
)

// Job kinds.
const (
	jobDeliver = "deliver"      // POST one stored activity to one inbox
	jobInbox   = "inbox"        // apply one received activity
	jobFetch   = "fetch.thread" // fetch missing ancestors or replies
)

// perHostDeliveries bounds concurrent POSTs to one host, so a big fan-out
// does not hammer a small server.
const perHostDeliveries = 4

type deliveryJob struct {
	ActivityID int64  `json:"activity"`
	Inbox      string `json:"inbox"`
}

type hostLimit struct{ sem chan struct{} }

func (f *Federation) hostSlot(host string) *hostLimit {
	f.hostsMu.Lock()
	defer f.hostsMu.Unlock()
	h, ok := f.hosts[host]
	if !ok {
		h = &hostLimit{sem: make(chan struct{}, perHostDeliveries)}
		f.hosts[host] = h
	}
	return h
}

// enqueueDeliveries adds one delivery job per inbox, inside the caller's
// transaction. Inboxes on blocked domains and our own are skipped.
func (f *Federation) enqueueDeliveries(ctx context.Context, tx *store.Tx, activityID int64, inboxes []string) error {
	seen := map[string]bool{}
	for _, inbox := range inboxes {
		if inbox == "" || seen[inbox] || f.urls.IsLocal(inbox) {
			continue
		}
		seen[inbox] = true
		u, err := url.Parse(inbox)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
			continue
		}
		if f.blockedDomain(ctx, u.Host) {
			continue
		}
		payload, _ := json.Marshal(deliveryJob{ActivityID: activityID, Inbox: inbox})
		if _, err := tx.EnqueueJob(ctx, jobDeliver, payload, store.EnqueueOptions{}); err != nil {
			return err
		}
	}
	return nil
}

// runDelivery POSTs one activity to one inbox, signed fresh for this
// attempt. Permanent failures (4xx but 408/429, blocked or unresolvable
// hosts) end the job; the rest are retried by the queue's backoff table.
func (f *Federation) runDelivery(ctx context.Context, job store.Job) error {
	var d deliveryJob
	if err := json.Unmarshal(job.Payload, &d); err != nil {
		return jobs.Permanent(fmt.Errorf("bad delivery payload: %w", err))
	}
	act, err := f.db.ActivityByID(ctx, d.ActivityID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // the activity is gone (its object was deleted): nothing to send
	}
	if err != nil {
		return err
	}
	u, err := url.Parse(d.Inbox)
	if err != nil {
		return jobs.Permanent(err)
	}
	if f.blockedDomain(ctx, u.Host) {
		return nil
	}
	slot := f.hostSlot(strings.ToLower(u.Host))
	select {
	case slot.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-slot.sem }()

	syncHeader, err := f.collectionSyncHeader(ctx, d.Inbox, act.Body)
	if err != nil {
		return err
	}
	err = f.knock(d.Inbox, func(scheme httpsig.Scheme) error {
		sign := f.signAsOwner(act.Body, scheme)
		_, err := f.client.Post(ctx, d.Inbox, ActivityJSON, act.Body, func(r *http.Request) error {
			if syncHeader != "" {
				r.Header.Set(HeaderCollectionSync, syncHeader)
			}
			return sign(r)
		})
		return err
	})
	if err != nil {
		if transport.Classify(err) {
			return jobs.Permanent(fmt.Errorf("deliver to %s: %w", d.Inbox, err))
		}
		return fmt.Errorf("deliver to %s: %w", d.Inbox, err)
	}
	return nil
}
