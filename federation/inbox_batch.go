package federation

import (
	"context"
	"errors"
	"sync"
	"time"

	"kith/federation/ap"
	"kith/federation/transport"
	"kith/jobs"
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
// Stored means applied, most of the time: an activity that needs nothing
// but the database (a Create of a post whose author is known, a Like, an
// Undo, …) is applied in the commit that makes it durable, each in a
// savepoint of its own as in the queue's batches (runInboxBatch); one
// that would need the network, that must run alone or that fails goes
// into the same commit as a queued job instead, and the queue applies,
// retries or buries it as it would any. A burst of Creates then costs no
// job rows at all: no insert, claim and delete per activity, no second
// parse of its JSON.
//
// There is no background goroutine: the first request that finds no
// commit running does the committing (for itself and whoever queued
// meanwhile) until the queue is empty.
type inboxBatcher struct {
	f        *Federation
	mu       sync.Mutex
	pending  []received
	flushing bool
}

// received is an activity Receive verified, waiting for its commit.
type received struct {
	actor   string       // the activity's actor, whose key or server signed it
	act     *ap.Activity // parsed from the body in payload
	payload []byte       // its inbox job, should it be queued
	opts    store.EnqueueOptions
	done    chan error
}

func (b *inboxBatcher) enqueue(ctx context.Context, r received) error {
	r.done = make(chan error, 1)
	b.mu.Lock()
	b.pending = append(b.pending, r)
	lead := !b.flushing
	b.flushing = true
	b.mu.Unlock()
	if lead {
		b.flush()
	}
	select {
	case err := <-r.done:
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
		b.commit(batch)
	}
}

// commit makes every activity of batch durable, applied or queued, in as
// many transactions as maxBatchHold asks, and answers each request once
// its own is committed.
func (b *inboxBatcher) commit(batch []received) {
	// The batch outlives any one request, so it does not use a request's
	// context.
	ctx := context.Background()
	for len(batch) > 0 {
		n, applied, queued, err := b.applyOrQueue(ctx, batch)
		if err != nil {
			// The transaction was lost, and nothing of it kept: queue these
			// plainly, which needs nothing from the activities' handlers.
			b.f.logger.Warn("inbox: received activities could not be applied as they came; queued", "activities", n, "err", err)
			applied, queued, err = 0, true, b.queue(ctx, batch[:n])
		}
		for _, r := range batch[:n] {
			r.done <- err
		}
		if err == nil && queued {
			b.f.jobs.Poke() // the queued activities, and the jobs applied ones queued (cards, pushes)
		}
		if err == nil && b.f.opts.Applied != nil {
			for range applied {
				b.f.opts.Applied()
			}
		}
		batch = batch[n:]
	}
}

// applyOrQueue applies the first activities of batch in one transaction,
// each in a savepoint, until they are done or maxBatchHold has passed,
// queueing those it cannot apply, and commits. It returns how many
// activities it took, how many of them it applied and whether it queued
// any job; with an error, nothing of the transaction was kept.
func (b *inboxBatcher) applyOrQueue(ctx context.Context, batch []received) (n, applied int, queued bool, err error) {
	f := b.f
	tx, err := f.db.BeginBatch(ctx)
	if err != nil {
		return len(batch), 0, false, err
	}
	began := time.Now()
	for n < len(batch) && (n == 0 || time.Since(began) < maxBatchHold) {
		r := batch[n]
		n++
		uctx, refused := transport.WithoutNetwork(ctx)
		err := tx.Do(uctx, func(ctx context.Context) error {
			err := f.applyActivity(ctx, r.actor, r.act, true)
			if refused() {
				return errRunAlone
			}
			return err
		})
		if err == nil {
			applied++
			continue
		}
		if !errors.Is(err, store.ErrBatchBroken) {
			err = tx.Do(ctx, func(ctx context.Context) error {
				return f.db.InTx(ctx, func(t *store.Tx) error {
					_, err := t.EnqueueJob(ctx, jobInbox, r.payload, r.opts)
					return err
				})
			})
		}
		if err != nil {
			tx.Rollback()
			return n, 0, false, err
		}
	}
	return n, applied, tx.QueuedJobs(), tx.Commit()
}

// queue stores received activities as inbox jobs, in one transaction.
func (b *inboxBatcher) queue(ctx context.Context, batch []received) error {
	return b.f.db.InTx(ctx, func(tx *store.Tx) error {
		for _, r := range batch {
			if _, err := tx.EnqueueJob(ctx, jobInbox, r.payload, r.opts); err != nil {
				return err
			}
		}
		return nil
	})
}

// maxApplyBatch bounds how many received activities are applied in one
// transaction: enough that the commit costs little per activity, few
// enough that the write lock is not held for long (a batch of Creates
// takes a few tens of milliseconds).
const maxApplyBatch = 128

// applyBatchWait is how long a batch short of maxApplyBatch waits for more
// activities: under a burst the batches then fill and share their commit;
// an activity arriving alone is applied that much later.
const applyBatchWait = 10 * time.Millisecond

// errRunAlone ends a batch unit that must run on its own: it tried to
// fetch something, or its type is not applied in batches.
var errRunAlone = errors.New("runs alone")

// maxBatchHold bounds how long a batch keeps the write lock: past it, what
// is applied so far commits and the rest of the batch goes on in a new
// transaction. Received activities waiting to be stored (Receive's group
// commit) wait for the lock, and every inbox request waits for them.
const maxBatchHold = 5 * time.Millisecond

// runInboxBatch applies received activities in one transaction, each in
// a savepoint of its own (store.Batch): an activity that fails is rolled
// back alone and its job retried or buried alone, and what the others
// announce to live streams waits for the commit. An activity that needs
// the network (an actor or object to fetch) is rolled back and handed
// back to run on its own (runInbox), where it may wait without holding
// the write lock; so is every activity of a transaction that could not
// commit. A batch that runs past maxBatchHold is split over several
// transactions.
func (f *Federation) runInboxBatch(ctx context.Context, batch []store.Job) []error {
	errs := make([]error, len(batch))
	select {
	case f.applying <- struct{}{}:
	case <-ctx.Done():
		for i := range errs {
			errs[i] = ctx.Err()
		}
		return errs
	}
	defer func() { <-f.applying }()
	// A batch is short and does no I/O but the database's, so it runs to
	// its end even at shutdown; statements under a context that cannot be
	// cancelled also spare the driver a watcher goroutine each.
	ctx = context.WithoutCancel(ctx)
	for done := 0; done < len(batch); {
		done += f.applyInTx(ctx, batch[done:], errs[done:])
	}
	f.jobs.Poke() // the jobs the batch queued (cards, pushes, fetches)
	return errs
}

// applyInTx applies the first jobs of batch in one transaction until they
// are done or maxBatchHold has passed, sets their errors, and returns how
// many it took.
func (f *Federation) applyInTx(ctx context.Context, batch []store.Job, errs []error) int {
	b, err := f.db.BeginBatch(ctx)
	if err != nil {
		for i := range errs {
			errs[i] = jobs.ErrRunAlone
		}
		return len(batch)
	}
	began := time.Now()
	n := 0
	for n < len(batch) && (n == 0 || time.Since(began) < maxBatchHold) {
		job := batch[n]
		uctx, refused := transport.WithoutNetwork(ctx)
		err := b.Do(uctx, func(ctx context.Context) error {
			err := f.applyInbox(ctx, job, true)
			if refused() {
				return errRunAlone
			}
			return err
		})
		n++
		switch {
		case errors.Is(err, store.ErrBatchBroken):
			b.Rollback()
			f.logger.Warn("inbox batch lost its transaction", "err", err)
			for i := range n {
				errs[i] = jobs.ErrRunAlone
			}
			return n
		case errors.Is(err, errRunAlone):
			errs[n-1] = jobs.ErrRunAlone
		default:
			errs[n-1] = err
		}
	}
	if err := b.Commit(); err != nil {
		f.logger.Warn("inbox batch did not commit", "err", err)
		for i := range n {
			if errs[i] == nil {
				errs[i] = jobs.ErrRunAlone
			}
		}
	}
	return n
}
