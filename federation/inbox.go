package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"kith/federation/ap"
	"kith/federation/httpsig"
	"kith/jobs"
	"kith/store"
)

// inboxBackoff retries an activity whose handling failed for a passing
// reason (its author's server was down when we needed to fetch something):
// a few times over a day, then it is dead and visible.
var inboxBackoff = []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 12 * time.Hour}

// inboxJob is a received activity waiting to be applied.
type inboxJob struct {
	Actor  string          `json:"actor"`  // the activity's actor
	Signer string          `json:"signer"` // the verified key's owner
	Body   json.RawMessage `json:"body"`
}

// Receive takes an activity POSTed to an inbox: it drops what needs no
// work, verifies the signature, and hands the activity to the receiving
// group commit (inbox_batch.go), which applies it if it needs nothing but
// the database and queues it otherwise. It returns nil once the activity
// is committed, applied or queued (the caller answers 202), so a crash
// loses nothing.
func (f *Federation) Receive(ctx context.Context, r *http.Request, body []byte) error {
	if typ, actor, ok := ap.PeekActivity(body); ok && f.isStrangersDelete(ctx, typ, actor) {
		return nil // before the full parse, which costs many times more
	}
	act, err := ap.ParseActivity(body)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	actor := act.Actor.ID
	if actor == "" {
		return fmt.Errorf("%w: activity has no actor", ErrBadRequest)
	}
	if f.urls.IsLocal(actor) {
		return fmt.Errorf("%w: activity claims a local actor", ErrUnauthorized)
	}
	if f.blockedDomain(ctx, hostOf(actor)) {
		return nil // accepted and forgotten: a blocked server learns nothing
	}
	if f.isStrangersDelete(ctx, act.Type, actor) {
		return nil
	}
	now := f.now()
	res, err := f.verifyRequest(r, body, now)
	if err != nil {
		return err
	}
	// The key must belong to the actor, or at least to its server (relays
	// and instance actors forward for their users).
	//
	// Note: Fedify forwards activities with the author's integrity proof
	// (FEP-8b32), Mastodon with its Linked Data signature; either vouches
	// for the activity whoever delivers it.
	if res.Owner != actor && !ap.SameOrigin(res.Owner, actor) {
		if err := f.verifyForwarded(ctx, body, actor); err != nil {
			return fmt.Errorf("%w: signed by %s for an activity of %s (%v)", ErrUnauthorized, res.Owner, actor, err)
		}
	}
	// A replay gets 401, not 202: a 2xx says "stored", and this request
	// stored nothing. A real sender never sends one signature twice, as
	// it signs every attempt again with a new Date; Mastodon retries a
	// 401, re-signed, so even a delivery that somehow repeated its bytes
	// arrives, and the activity-id key below keeps that from counting
	// twice while the first copy is queued.
	if err := f.replays.Add(res, now); err != nil {
		return fmt.Errorf("%w: %v from %s", ErrUnauthorized, err, res.KeyID)
	}
	f.observeDate(ctx, r, hostOf(actor), now)
	payload, err := encodeInboxJob(actor, res.Owner, body)
	if err != nil {
		f.replays.Forget(res)
		return err
	}
	opts := store.EnqueueOptions{}
	if act.ID != "" {
		// The key names the actor too: an id alone would let one server
		// claim another's activity id first and have the real one dropped
		// as a duplicate.
		opts.UniqueKey = "inbox:" + actor + " " + act.ID
	}
	if err := f.inbox.enqueue(ctx, received{actor: actor, act: act, payload: payload, opts: opts}); err != nil {
		// Not stored (or not known to be): the sender's retry of these
		// very bytes must not be taken for a replay.
		f.replays.Forget(res)
		return err
	}
	if v := r.Header.Get(HeaderCollectionSync); v != "" && res.Owner == actor {
		f.checkCollectionSync(ctx, v, actor)
	}
	return nil
}

// verifyRequest checks the signature of a request sent to this server.
// Every error wraps ErrUnauthorized.
func (f *Federation) verifyRequest(r *http.Request, body []byte, now time.Time) (httpsig.Result, error) {
	// Verify requires host (or @authority) among the signed parts and
	// builds the signing string from r.Host, so a request that verifies
	// was signed for the host checked here.
	if !f.isOwnHost(r.Host) {
		return httpsig.Result{}, fmt.Errorf("%w: signed for host %q, not this server", ErrUnauthorized, r.Host)
	}
	// An RFC 9421 signature covers the URI the sender used, scheme
	// included: that of server.url, whatever the connection was.
	signed := *r
	u := *r.URL
	u.Scheme = f.scheme
	signed.URL = &u
	res, err := httpsig.Verify(&signed, body, f.lookupKey, now)
	if err != nil {
		return httpsig.Result{}, fmt.Errorf("%w: %v", ErrUnauthorized, err)
	}
	return res, nil
}

// maxReplays bounds the signatures kept against replays: about 5 MB at
// 100,000, more than an hour of deliveries at 25 a second, far above what
// one person's server receives (see httpsig.Replays for what happens
// beyond it).
const maxReplays = 100_000

// isOwnHost reports whether host, a request's Host header, names this
// server: the host of server.url, port included, in any letter case, with
// the scheme's default port optional on either side.
//
// Note: Mastodon, GoToSocial, Akkoma, Misskey and tootik all sign host
// (Mastodon and GoToSocial send "(request-target) host date digest"), so
// httpsig.Verify requires it and kith never accepts a signature that does
// not say which server it was meant for. A peer signs the Host it sends,
// which is the host of kith's inbox URL as published: behind a proxy that
// rewrites Host, signatures would not verify anyway.
func (f *Federation) isOwnHost(host string) bool {
	return host != "" && httpsig.NormalAuthority(host, f.scheme) == f.ownHost
}

// isStrangersDelete reports a Delete from an actor kith never stored.
//
// Note: Mastodon sends a Delete for every account it removes to every
// server it knows; for a stranger there is nothing to delete, and
// verifying would mean fetching a key that is gone.
func (f *Federation) isStrangersDelete(ctx context.Context, typ ap.Type, actor string) bool {
	return typ == "Delete" && actor != "" && !f.urls.IsLocal(actor) && !f.known.has(ctx, actor)
}

// runInbox applies one received activity: one short switch, each case in
// its own file.
func (f *Federation) runInbox(ctx context.Context, job store.Job) error {
	select {
	case f.applying <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-f.applying }()
	return f.applyInbox(ctx, job, false)
}

// batchedTypes are the activity types applied in batches: the common ones,
// whose handlers keep no state outside the database before they might
// fetch. The others (a Move, which counts itself against a rate limit
// first, a Block, a Flag) are rare and run alone.
var batchedTypes = map[ap.Type]bool{"Create": true, "Update": true, "Delete": true, "Announce": true,
	"Like": true, "EmojiReact": true, "Undo": true, "Follow": true, "Accept": true, "Reject": true}

// applyInbox applies one received activity, alone or as a unit of a
// batch (runInboxBatch).
func (f *Federation) applyInbox(ctx context.Context, job store.Job, batched bool) error {
	in, err := decodeInboxJob(job.Payload)
	if err != nil {
		return jobs.Permanent(fmt.Errorf("bad inbox payload: %w", err))
	}
	act, err := ap.ParseActivity(in.Body)
	if err != nil {
		return jobs.Permanent(err)
	}
	return f.applyActivity(ctx, in.Actor, act, batched)
}

// applyActivity applies a parsed activity of actorURI, alone or as a unit
// of a batch (the receiving group commit's or the queue's).
func (f *Federation) applyActivity(ctx context.Context, actorURI string, act *ap.Activity, batched bool) error {
	if batched && !batchedTypes[act.Type] {
		return errRunAlone
	}
	actor, err := f.FetchActor(ctx, actorURI)
	if err != nil {
		if act.Type == "Delete" && errors.Is(err, ErrNotFound) {
			return nil
		}
		return f.retryable(err)
	}
	if blocked, err := f.db.Blocked(ctx, f.db.OwnerID(), actor.ID); err != nil || blocked {
		return err
	}
	err = f.apply(ctx, actor, act)
	if errors.Is(err, ErrBadRequest) || errors.Is(err, ErrForbidden) {
		f.logger.Info("activity refused", "type", string(act.Type), "actor", actor.URI, "err", err)
		return nil
	}
	return f.retryable(err)
}

func (f *Federation) apply(ctx context.Context, actor store.Actor, act *ap.Activity) error {
	switch act.Type {
	case "Follow":
		return f.onFollow(ctx, actor, act)
	case "Accept", "Reject":
		return f.onAcceptReject(ctx, actor, act)
	case "Undo":
		return f.onUndo(ctx, actor, act)
	case "Create":
		return f.onCreate(ctx, actor, act)
	case "Update":
		return f.onUpdate(ctx, actor, act)
	case "Delete":
		return f.onDelete(ctx, actor, act)
	case "Announce":
		return f.onAnnounce(ctx, actor, act)
	case "Like", "EmojiReact":
		return f.onLike(ctx, actor, act)
	case "Block":
		return f.onBlock(ctx, actor, act)
	case "Move":
		return f.onMove(ctx, actor, act)
	case "Add", "Remove":
		return f.onFeatured(ctx, actor, act)
	case "Flag":
		return f.onFlag(ctx, actor, act)
	case "QuoteRequest":
		return f.onQuoteRequest(ctx, actor, act)
	}
	f.logger.Debug("activity type ignored", "type", string(act.Type), "actor", actor.URI)
	return nil
}

// retryable makes errors that will not change on retry permanent.
func (f *Federation) retryable(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrBadRequest) || errors.Is(err, ErrForbidden) || errors.Is(err, ErrNotFound) {
		return jobs.Permanent(err)
	}
	return err
}
