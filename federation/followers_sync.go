package federation

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"kith/federation/ap"
	"kith/jobs"
	"kith/store"
)

// Followers collection synchronization (FEP-8fcf, Mastodon's
// Collection-Synchronization header).
//
// A delivery addressed to the owner's followers carries a digest of the
// owner's followers that live on the receiving server; that server
// compares it with its own view (who of its users follows the owner) and,
// when they differ, fetches the partial collection the header points to
// and fixes its side. kith does both halves: it sends the header and
// serves the partial collection, and on receiving one from a server whose
// user the owner follows (or is believed to), it reconciles:
//   - listed there but not following here: an Undo Follow, so the other
//     side stops counting the owner (and delivering followers-only posts);
//   - listed there while the follow here is still pending: the Accept was
//     lost, the follow is accepted;
//   - following here but not listed there: the follow is gone on the other
//     side; it is removed here too, with an Undo Follow for good measure.

// HeaderCollectionSync is the header name.
const HeaderCollectionSync = "Collection-Synchronization"

// jobFollowersSync fetches a partial followers collection and reconciles.
const jobFollowersSync = "followers.sync"

// Bounds on a partial collection: one server rarely has more than a few
// followers of one account; kith looks for one actor in it.
const (
	maxSyncPages = 10
	maxSyncItems = 10_000
)

// followersDigest is the FEP-8fcf digest of a set of actor ids: the XOR of
// their SHA-256 sums, hex-encoded. The order of ids does not matter, and
// an empty set gives 64 zeros.
func followersDigest(ids []string) string {
	var acc [sha256.Size]byte
	for _, id := range ids {
		sum := sha256.Sum256([]byte(id))
		for i := range acc {
			acc[i] ^= sum[i]
		}
	}
	return hex.EncodeToString(acc[:])
}

// serverPrefix is the scheme and authority of a URL with a slash, the
// prefix every actor id on that server starts with; "" for a URL that has
// none.
func serverPrefix(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return ""
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host) + "/"
}

// collectionSyncHeader is the header for a delivery of body to inbox, or
// "" when the activity is not addressed to the owner's followers.
func (f *Federation) collectionSyncHeader(ctx context.Context, inbox string, body []byte) (string, error) {
	if !bytes.Contains(body, []byte(strconv.Quote(f.urls.Followers()))) {
		return "", nil
	}
	prefix := serverPrefix(inbox)
	if prefix == "" {
		return "", nil
	}
	ids, err := f.db.FollowerURIsWithPrefix(ctx, f.db.OwnerID(), prefix)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf(`collectionId="%s", url="%s", digest="%s"`,
		f.urls.Followers(), f.urls.FollowersSync(), followersDigest(ids)), nil
}

// FollowersSync answers a signed GET of the partial followers collection:
// the owner's followers on the signer's server, and nobody else's. An
// unsigned or unverifiable request gets ErrUnauthorized.
func (f *Federation) FollowersSync(ctx context.Context, r *http.Request) (ap.OutCollection, error) {
	res, err := f.verifyRequest(r.WithContext(ctx), nil, f.now())
	if err != nil {
		return ap.OutCollection{}, err
	}
	prefix := serverPrefix(res.Owner)
	if prefix == "" || f.blockedDomain(ctx, hostOf(res.Owner)) {
		return ap.OutCollection{}, ErrForbidden
	}
	ids, err := f.db.FollowerURIsWithPrefix(ctx, f.db.OwnerID(), prefix)
	if err != nil {
		return ap.OutCollection{}, err
	}
	items := make([]any, len(ids))
	for i, id := range ids {
		items[i] = id
	}
	total := len(ids)
	return ap.OutCollection{Context: ap.Context(), ID: f.urls.FollowersSync(), Type: "OrderedCollection",
		TotalItems: &total, OrderedItems: items}, nil
}

// syncHeader is a parsed Collection-Synchronization header.
type syncHeader struct {
	collectionID, url, digest string
}

// parseSyncHeader reads name="value" pairs separated by commas, the
// Signature header's syntax. Unknown names are ignored; the three that
// matter must be there, the digest as 64 hex digits.
func parseSyncHeader(v string) (syncHeader, error) {
	if len(v) > 4<<10 {
		return syncHeader{}, errors.New("header longer than 4 KiB")
	}
	var h syncHeader
	for rest := strings.TrimSpace(v); rest != ""; {
		name, after, ok := strings.Cut(rest, "=")
		if !ok {
			return syncHeader{}, fmt.Errorf("no value for %q", name)
		}
		name = strings.ToLower(strings.TrimSpace(name))
		after = strings.TrimSpace(after)
		if !strings.HasPrefix(after, `"`) {
			return syncHeader{}, fmt.Errorf("%s is not quoted", name)
		}
		end := strings.IndexByte(after[1:], '"')
		if end < 0 {
			return syncHeader{}, fmt.Errorf("%s is not terminated", name)
		}
		value := after[1 : 1+end]
		switch name {
		case "collectionid":
			h.collectionID = value
		case "url":
			h.url = value
		case "digest":
			h.digest = strings.ToLower(value)
		}
		rest = strings.TrimSpace(after[2+end:])
		if rest != "" {
			if rest[0] != ',' {
				return syncHeader{}, fmt.Errorf("expected a comma after %s", name)
			}
			rest = strings.TrimSpace(rest[1:])
		}
	}
	if h.collectionID == "" || h.url == "" {
		return syncHeader{}, errors.New("collectionId or url missing")
	}
	if d, err := hex.DecodeString(h.digest); err != nil || len(d) != sha256.Size {
		return syncHeader{}, errors.New("digest is not 64 hex digits")
	}
	return h, nil
}

// followersSyncJob is a reconciliation to run.
type followersSyncJob struct {
	Actor string `json:"actor"`
	URL   string `json:"url"`
}

// checkCollectionSync compares a delivery's Collection-Synchronization
// header, from actor (already verified as the signer), with the owner's
// side, and queues a reconciliation when they differ. A header that is not
// about actor's own followers collection, or points elsewhere, is ignored:
// it can only ever make kith fetch from actor's own server.
func (f *Federation) checkCollectionSync(ctx context.Context, value, actorURI string) {
	if value == "" {
		return
	}
	h, err := parseSyncHeader(value)
	if err != nil {
		f.logger.Debug("collection synchronization header ignored", "actor", actorURI, "err", err)
		return
	}
	actor, err := f.db.ActorByURI(ctx, actorURI)
	if err != nil || actor.Followers == "" || h.collectionID != actor.Followers ||
		!ap.SameOrigin(h.collectionID, actorURI) || !ap.SameOrigin(h.url, actorURI) {
		return
	}
	var mine []string
	if fl, err := f.db.FollowBetween(ctx, f.db.OwnerID(), actor.ID); err == nil && fl.State == store.FollowAccepted {
		mine = []string{f.urls.Actor()}
	}
	if subtle.ConstantTimeCompare([]byte(followersDigest(mine)), []byte(h.digest)) == 1 {
		return
	}
	payload, _ := json.Marshal(followersSyncJob{Actor: actor.URI, URL: h.url})
	err = f.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.EnqueueJob(ctx, jobFollowersSync, payload, store.EnqueueOptions{UniqueKey: "followers-sync:" + actor.URI})
		return err
	})
	if err != nil {
		f.logger.Warn("queue followers synchronization", "actor", actor.URI, "err", err)
		return
	}
	f.afterCommit()
}

// runFollowersSync fetches the partial collection and reconciles the
// owner's follow of the actor with it.
func (f *Federation) runFollowersSync(ctx context.Context, job store.Job) error {
	var j followersSyncJob
	if err := json.Unmarshal(job.Payload, &j); err != nil {
		return jobs.Permanent(fmt.Errorf("bad followers sync payload: %w", err))
	}
	actor, err := f.db.ActorByURI(ctx, j.Actor)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	listed, err := f.partialCollectionLists(ctx, j.URL, j.Actor, f.urls.Actor())
	if err != nil {
		return err
	}
	follow, err := f.db.FollowBetween(ctx, f.db.OwnerID(), actor.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	following := err == nil
	switch {
	case listed && following && follow.State == store.FollowPending:
		f.logger.Info("followers synchronization: follow accepted on the other side", "actor", actor.URI)
		return f.db.InTx(ctx, func(tx *store.Tx) error {
			return tx.SetFollowState(ctx, f.db.OwnerID(), actor.ID, store.FollowAccepted)
		})
	case listed && !following:
		f.logger.Info("followers synchronization: undoing a follow only the other side has", "actor", actor.URI)
		return f.undoStrayFollow(ctx, actor, false)
	case !listed && following && follow.State == store.FollowAccepted:
		f.logger.Info("followers synchronization: follow gone on the other side", "actor", actor.URI)
		return f.undoStrayFollow(ctx, actor, true)
	}
	return nil
}

// undoStrayFollow sends actor an Undo of the owner's Follow (with a fresh
// Follow id, as no stored one is known), deleting the local follow first
// when there is one.
func (f *Federation) undoStrayFollow(ctx context.Context, actor store.Actor, local bool) error {
	err := f.db.InTx(ctx, func(tx *store.Tx) error {
		followID := f.newActivityID()
		if local {
			if fl, err := tx.FollowBetween(ctx, f.db.OwnerID(), actor.ID); err == nil {
				followID = fl.ActivityURI
			}
			if _, err := tx.DeleteFollow(ctx, f.db.OwnerID(), actor.ID); err != nil {
				return err
			}
		}
		return f.publishUndo(ctx, tx, ap.OutActivity{ID: followID, Type: "Follow", Actor: f.urls.Actor(), Object: actor.URI},
			[]string{actor.URI}, false, []string{actor.Inbox})
	})
	if err == nil {
		f.afterCommit()
	}
	return err
}

// partialCollectionLists fetches a partial followers collection (following
// its pages, within bounds, all on actor's server) and reports whether it
// lists want.
func (f *Federation) partialCollectionLists(ctx context.Context, rawURL, actor, want string) (bool, error) {
	seen := 0
	next := rawURL
	for page := 0; next != "" && page < maxSyncPages; page++ {
		if !ap.SameOrigin(next, actor) {
			return false, jobs.Permanent(fmt.Errorf("followers collection page %s is not on the actor's server", next))
		}
		body, err := f.fetchAP(ctx, next)
		if err != nil {
			return false, err
		}
		var doc struct {
			OrderedItems []json.RawMessage `json:"orderedItems"`
			Items        []json.RawMessage `json:"items"`
			First        json.RawMessage   `json:"first"`
			Next         json.RawMessage   `json:"next"`
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			return false, jobs.Permanent(fmt.Errorf("followers collection %s: %w", next, err))
		}
		items := append(doc.OrderedItems, doc.Items...)
		for _, it := range items {
			if seen++; seen > maxSyncItems {
				return false, jobs.Permanent(fmt.Errorf("followers collection %s lists more than %d items", rawURL, maxSyncItems))
			}
			if refID(it) == want {
				return true, nil
			}
		}
		next = refID(doc.Next)
		if page == 0 && len(items) == 0 {
			next = refID(doc.First)
		}
		if next == "" && page == 0 && len(items) == 0 && len(doc.First) > 0 && doc.First[0] == '{' {
			// An embedded first page.
			var first struct {
				OrderedItems []json.RawMessage `json:"orderedItems"`
				Items        []json.RawMessage `json:"items"`
				Next         json.RawMessage   `json:"next"`
			}
			if json.Unmarshal(doc.First, &first) == nil {
				for _, it := range append(first.OrderedItems, first.Items...) {
					if refID(it) == want {
						return true, nil
					}
				}
				next = refID(first.Next)
			}
		}
	}
	return false, nil
}

// refID reads a reference that is either a string or an object with an id.
func refID(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var o struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(raw, &o) == nil {
		return o.ID
	}
	return ""
}
