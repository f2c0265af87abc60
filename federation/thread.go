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
