package federation

import (
	"context"
	"sync"

	"kith/store"
)

// maxInboxBatch bounds how many received activities share one commit.
const maxInboxBatch = 256

// inboxBatcher stores received activities with group commit: requests
// that arrive while a commit is running wait and go into the next one
// together, so a burst costs a few transactions instead of one each. Each
// request still returns only after its own activity is committed, so a
// 202 always means stored.
//
// There is no background goroutine: the first request that finds no
// commit running does the committing (for itself and whoever queued
// meanwhile) until the queue is empty.
type inboxBatcher struct {
	f        *Federation
	mu       sync.Mutex
	pending  []inboxEnqueue
	flushing bool
}

type inboxEnqueue struct {
	payload []byte
	opts    store.EnqueueOptions
	done    chan error
}

func (b *inboxBatcher) enqueue(ctx context.Context, payload []byte, opts store.EnqueueOptions) error {
	req := inboxEnqueue{payload: payload, opts: opts, done: make(chan error, 1)}
	b.mu.Lock()
	b.pending = append(b.pending, req)
	lead := !b.flushing
	b.flushing = true
	b.mu.Unlock()
	if lead {
		b.flush()
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		// The commit may still happen; the peer will retry and the unique
		// key makes that harmless.
		return ctx.Err()
	}
}

// flush commits batches until nothing is pending.
func (b *inboxBatcher) flush() {
	for {
		b.mu.Lock()
		n := min(len(b.pending), maxInboxBatch)
		batch := b.pending[:n:n]
		b.pending = b.pending[n:]
		if n == 0 {
			b.flushing = false
			b.pending = nil
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		// The batch outlives any one request, so it does not use a
		// request's context.
		ctx := context.Background()
		err := b.f.db.InTx(ctx, func(tx *store.Tx) error {
			for _, r := range batch {
				if _, err := tx.EnqueueJob(ctx, jobInbox, r.payload, r.opts); err != nil {
					return err
				}
			}
			return nil
		})
		for _, r := range batch {
			r.done <- err
		}
		if err == nil {
			b.f.jobs.Poke()
		}
	}
}
