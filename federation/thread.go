package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"kith/federation/ap"
	"kith/store"
)

// maxAncestors bounds how far up a thread kith fetches missing parents.
const maxAncestors = 20

// fetchBackoff retries a thread fetch a few times: the other server may be
// briefly down, and a missing parent is not worth days of retries.
var fetchBackoff = []time.Duration{time.Minute, 10 * time.Minute, time.Hour}

type threadJob struct {
	URI   string `json:"uri"`
	Depth int    `json:"depth"`
}

// enqueueThreadFetch asks the queue to fetch a missing parent post. It is
// best effort: failing to enqueue is logged, not returned.
func (f *Federation) enqueueThreadFetch(ctx context.Context, uri string, depth int) {
	if depth >= maxAncestors || f.urls.IsLocal(uri) {
		return
	}
	payload, _ := json.Marshal(threadJob{URI: uri, Depth: depth})
	err := f.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.EnqueueJob(ctx, jobFetch, payload, store.EnqueueOptions{UniqueKey: "fetch:" + uri})
		return err
	})
	if err != nil {
		f.logger.Warn("enqueue thread fetch failed", "uri", uri, "err", err)
		return
	}
	f.jobs.Poke()
}

// runFetchThread fetches one missing ancestor; storing it enqueues the
// next one up, until maxAncestors.
func (f *Federation) runFetchThread(ctx context.Context, job store.Job) error {
	var t threadJob
	if err := json.Unmarshal(job.Payload, &t); err != nil {
		return nil
	}
	if _, err := f.db.PostByURI(ctx, t.URI); err == nil {
		return nil
	}
	_, err := f.fetchAndStorePost(ctx, t.URI, t.Depth)
	return f.retryable(err)
}

// maxRepliesFetched bounds how many replies one opening of a thread pulls.
const maxRepliesFetched = 40

// FetchReplies fetches the replies of a remote post that kith has not
// stored yet (when the owner opens its thread), from the first page of
// its replies collection, and the post's missing ancestors. It returns
// how many replies it stored.
func (f *Federation) FetchReplies(ctx context.Context, postID int64) (int, error) {
	p, err := f.db.PostByID(ctx, postID)
	if err != nil {
		return 0, err
	}
	if p.Local {
		return 0, nil // kith has every reply to its own posts it was sent
	}
	if p.InReplyToURI != "" && p.InReplyToID == 0 {
		f.enqueueThreadFetch(ctx, p.InReplyToURI, 0)
	}
	obj, err := f.fetchObject(ctx, p.URI)
	if err != nil {
		return 0, err
	}
	page, err := f.firstPage(ctx, obj.Replies)
	if err != nil || page == nil {
		return 0, err
	}
	stored := 0
	for i, item := range page.Entries() {
		if i >= maxRepliesFetched {
			break
		}
		if _, err := f.db.PostByURI(ctx, item.ID); err == nil || item.ID == "" {
			continue
		}
		// Only a reply served by its own host is trusted inline.
		var reply *ap.Object
		if item.IsEmbedded() && ap.SameOrigin(item.ID, p.URI) {
			reply, err = item.Object()
		} else {
			reply, err = f.fetchObject(ctx, item.ID)
		}
		if err != nil || string(reply.InReplyTo) != p.URI || !postTypes[reply.Type] {
			continue
		}
		author, err := f.FetchActor(ctx, reply.Author())
		if err != nil {
			continue
		}
		if _, err := f.storeRemotePost(ctx, author, reply, maxAncestors); err == nil {
			stored++
		}
	}
	return stored, nil
}

// firstPage returns the first page of a collection given as a reference:
// an embedded collection, an embedded first page, or IRIs to fetch.
func (f *Federation) firstPage(ctx context.Context, ref ap.Ref) (*ap.Collection, error) {
	if ref.ID == "" && !ref.IsEmbedded() {
		return nil, nil
	}
	var coll *ap.Collection
	var err error
	if ref.IsEmbedded() {
		coll, err = ap.ParseCollectionPage(ref.Raw)
	} else {
		var body []byte
		if body, err = f.fetchAP(ctx, ref.ID); err == nil {
			coll, err = ap.ParseCollection(body)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%w: replies: %v", ErrBadRequest, err)
	}
	if len(coll.Entries()) > 0 || coll.IsPage() {
		return coll, nil
	}
	if coll.First.IsEmbedded() {
		return ap.ParseCollectionPage(coll.First.Raw)
	}
	if coll.First.ID == "" {
		return coll, nil
	}
	body, err := f.fetchAP(ctx, coll.First.ID)
	if err != nil {
		return nil, err
	}
	return ap.ParseCollectionPage(body)
}
