package federation

import (
	"context"
	"encoding/json"
	"time"

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
// next one up, until maxAncestors, and reaching the top a crawl of the
// thread.
func (f *Federation) runFetchThread(ctx context.Context, job store.Job) error {
	var t threadJob
	if err := json.Unmarshal(job.Payload, &t); err != nil {
		return nil
	}
	if _, err := f.db.PostByURI(ctx, t.URI); err == nil {
		return nil
	}
	p, err := f.fetchAndStorePost(ctx, t.URI, t.Depth)
	if err == nil && (p.InReplyToURI == "" || p.InReplyToID != 0) {
		// The top of the thread is reached (or was there already): crawl
		// the whole thread down from it, so the reply that led here shows
		// among its siblings.
		f.enqueueRepliesCrawl(ctx, f.threadRoot(ctx, p))
	}
	return f.retryable(err)
}

// maxRepliesFetched bounds how many replies one opening of a thread pulls
// while the owner waits.
const maxRepliesFetched = 40

// FetchReplies is what opening a thread does: it fetches the post's
// missing ancestors and, for a remote post, the direct replies kith lacks
// from the first pages of its replies collection, while the owner waits
// (openCrawl); then it queues a crawl of the whole thread from its root
// (threadCrawl), whose replies show when the thread is next opened. It
// returns how many replies it stored while the owner waited.
func (f *Federation) FetchReplies(ctx context.Context, postID int64) (int, error) {
	p, err := f.db.PostByID(ctx, postID)
	if err != nil {
		return 0, err
	}
	if p.InReplyToURI != "" && p.InReplyToID == 0 {
		f.enqueueThreadFetch(ctx, p.InReplyToURI, 0)
	}
	stored := 0
	if !p.Local {
		stored, err = f.crawlReplies(ctx, p.URI, openCrawl)
	}
	// Queued even when the owner's wait ran out: the crawl has no hurry.
	f.enqueueRepliesCrawl(context.WithoutCancel(ctx), f.threadRoot(context.WithoutCancel(ctx), p))
	return stored, err
}

// threadRoot is the URI of the first post of p's thread that kith has.
func (f *Federation) threadRoot(ctx context.Context, p store.Post) string {
	if p.InReplyToID == 0 {
		return p.URI
	}
	up, err := f.db.Ancestors(ctx, f.db.OwnerID(), p.ID, maxAncestors)
	if err != nil || len(up) == 0 {
		return p.URI
	}
	return up[0].URI
}
