package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"time"

	"kith/federation/transport"
	"kith/federation/webpush"
	"kith/jobs"
	"kith/store"
)

// pushConcurrency bounds how many pushes of one notification are in
// flight at once: enough that one slow push service does not hold up the
// others, few enough that a notification does not take every core.
const pushConcurrency = 4

// pushResult is how sending to one subscription went.
type pushResult struct {
	sub store.PushSubscription
	// err is nil when the push service took the push. Otherwise it names
	// the service's host only, and is marked jobs.Permanent when trying
	// again cannot help.
	err error
	// gone: the service answered 404 or 410, the subscription is over.
	gone bool
	// retryAfter is the service's Retry-After, when it gave one.
	retryAfter time.Duration
}

// runPush runs a push job: a notification's, sent to every subscription
// that should hear of it, or one subscription's (a retry, a test push, or
// a job queued by an older kith, which made one per subscription).
func (f *Federation) runPush(ctx context.Context, job store.Job) error {
	var p pushJob
	if err := json.Unmarshal(job.Payload, &p); err != nil {
		return jobs.Permanent(fmt.Errorf("bad push payload: %w", err))
	}
	if p.TokenHash != nil {
		return f.pushOne(ctx, p)
	}
	return f.pushAll(ctx, p.NotificationID)
}

// pushAll sends notification id to the subscriptions that should hear of
// it and records how each went in one transaction. A subscription whose
// service failed for now gets a retry job in that same transaction, so a
// crash before it commits runs the whole job again: a push may arrive
// twice, none is lost.
func (f *Federation) pushAll(ctx context.Context, id int64) error {
	subs, err := f.db.PushTargets(ctx, id)
	if err != nil || len(subs) == 0 {
		return err
	}
	content, err := f.pushContent(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil // the notification, its actor or its post went away
	}
	if err != nil {
		return err
	}
	results := make([]pushResult, len(subs))
	sem := make(chan struct{}, pushConcurrency)
	var wg sync.WaitGroup
	for i, sub := range subs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			results[i] = f.sendPush(ctx, sub, content)
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err // shut down or out of time: the job runs again whole
	}
	err = f.db.InTx(ctx, func(tx *store.Tx) error {
		for _, r := range results {
			if err := recordPush(ctx, tx, r); err != nil {
				return err
			}
			if r.err == nil || jobs.IsPermanent(r.err) {
				continue
			}
			opts := store.EnqueueOptions{RunAt: tx.Now().Add(pushRetryWait(r.retryAfter)),
				UniqueKey: fmt.Sprintf("push:%d:%x", id, r.sub.TokenHash)}
			if _, err := jobs.Enqueue(ctx, tx, jobPushRetry, pushJob{NotificationID: id, TokenHash: r.sub.TokenHash}, opts); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, r := range results {
		if r.err != nil {
			f.logger.Warn("push failed", "notification", id, "retry", !jobs.IsPermanent(r.err), "err", r.err)
		}
	}
	return nil
}

// pushRetryWait is how long a subscription waits before its retry job:
// the push service's Retry-After when it gave one (within jobs.RetryAfter's
// bounds), else the first wait of the backoff table, jittered by ±10% so
// that pushes refused together are not retried together. Later waits are
// the retry job's own backoff, the rest of the table.
func pushRetryWait(retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(max(retryAfter, time.Second), 24*time.Hour)
	}
	d := pushBackoff[0]
	return d - d/10 + rand.N(d/5)
}

// pushOne sends one subscription its push, and returns an error the queue
// retries by the push kind's backoff for a failure worth retrying.
func (f *Federation) pushOne(ctx context.Context, p pushJob) error {
	sub, err := f.db.PushSubscriptionOf(ctx, p.TokenHash)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	id := p.NotificationID
	if p.Test {
		id = 0
	}
	content, err := f.pushContent(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil // the notification's actor or post went away
	}
	if err != nil {
		return err
	}
	r := f.sendPush(ctx, sub, content)
	if err := f.db.InTx(ctx, func(tx *store.Tx) error { return recordPush(ctx, tx, r) }); err != nil {
		return err
	}
	if r.retryAfter > 0 && !jobs.IsPermanent(r.err) {
		return jobs.RetryAfter(r.err, r.retryAfter)
	}
	return r.err
}

// sendPush encrypts content for sub and POSTs it to sub's push service.
func (f *Federation) sendPush(ctx context.Context, sub store.PushSubscription, content pushPayload) pushResult {
	r := pushResult{sub: sub}
	body, err := f.pushBody(sub, content)
	if err != nil {
		r.err = jobs.Permanent(err)
		return r
	}
	msg, err := f.vapid.Request(webpush.Subscription{Endpoint: sub.Endpoint, P256dh: sub.P256dh, Auth: sub.Auth, Standard: sub.Standard},
		body, webpush.Options{Subject: f.urls.Base(), TTL: pushTTL, Urgency: pushUrgency, Now: f.now()})
	if err != nil {
		r.err = jobs.Permanent(fmt.Errorf("push to %s: %w", hostOf(sub.Endpoint), err))
		return r
	}
	// The endpoint's path names the device's subscription: the transport
	// logs only its host.
	_, err = f.client.Post(transport.WithSecretPath(ctx), sub.Endpoint, "application/octet-stream", msg.Body, func(r *http.Request) error {
		for k, v := range msg.Header {
			r.Header[k] = v
		}
		return nil
	})
	var se *transport.StatusError
	switch {
	case err == nil:
		return r
	case errors.As(err, &se) && (se.Code == http.StatusNotFound || se.Code == http.StatusGone):
		// Note: Mastodon drops a subscription the push service no longer
		// knows; the app subscribes again when it next starts.
		r.gone = true
		return r
	}
	r.err = pushFailure(sub.Endpoint, err)
	switch {
	case transport.Classify(err):
		r.err = jobs.Permanent(r.err)
	case se != nil:
		r.retryAfter = se.RetryAfter
	}
	return r
}

// recordPush notes r on its subscription, for the settings page, or ends
// the subscription when its service no longer knows it.
func recordPush(ctx context.Context, tx *store.Tx, r pushResult) error {
	switch {
	case r.gone:
		return tx.DeletePushSubscription(ctx, r.sub.TokenHash)
	case r.err != nil:
		return tx.RecordPush(ctx, r.sub.TokenHash, r.err.Error())
	}
	return tx.RecordPush(ctx, r.sub.TokenHash, "")
}

// pushFailure describes a failed push by the endpoint's host only: the
// rest of an endpoint URL is a capability, like a token, and stays out of
// logs, the jobs table and the settings page.
func pushFailure(endpoint string, err error) error {
	var se *transport.StatusError
	if errors.As(err, &se) {
		return fmt.Errorf("push to %s: %d %s", hostOf(endpoint), se.Code, http.StatusText(se.Code))
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("push to %s: %v", hostOf(endpoint), err)
}
