package jobs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"kith/store"
)

const (
	// flushSize and flushDelay batch results: a write transaction per job
	// would cap the queue at a few hundred jobs a second.
	flushSize  = 256
	flushDelay = 5 * time.Millisecond
	// errorPause is how long the loop waits after a database error before
	// trying again, so a broken disk does not turn into a busy loop.
	errorPause = time.Second
	// releaseTimeout bounds the writes Shutdown still makes after its
	// deadline has passed.
	releaseTimeout = 10 * time.Second
)

// loop is the running state between Start and Shutdown.
type loop struct {
	r *Runner
	// maxClaimed bounds the jobs claimed and not yet finished. Claiming
	// ahead of the workers keeps them busy and claims in batches; bounding
	// it keeps a slow kind from marking the whole queue running.
	maxClaimed int
	queue      chan store.Job // claimed jobs waiting for a worker
	// batches holds the claimed jobs of each kind with a batch handler,
	// waiting for that kind's one batch worker.
	batches map[string]chan store.Job
	// alone bounds the jobs batch workers hand to their kind's Handler.
	alone   chan struct{}
	freed   chan struct{} // a worker finished a job: room to claim more
	kick    chan struct{} // results wait to be recorded
	stop    chan struct{} // closed by Shutdown: claim and start nothing more
	flushed chan struct{} // closed by Shutdown: record what is left and exit

	// stopCtx ends the dispatcher's database calls at Shutdown; a claim it
	// cuts short rolls back, so no job is left claimed and unqueued.
	stopCtx        context.Context
	cancelStop     context.CancelFunc
	handlerCtx     context.Context
	cancelHandlers context.CancelFunc
	flushErr       error // the completer's last flush, read after it exits

	dispatcherDone chan struct{}
	workers        sync.WaitGroup
	completerDone  chan struct{}

	shutdown bool // guarded by r.mu

	mu        sync.Mutex
	claimed   map[int64]bool // claimed and not yet handed to the completer
	pending   []result       // waiting to be recorded
	abandoned bool           // Shutdown's deadline passed: results are dropped
}

// Start requeues jobs that a crash left running, makes sure periodic jobs
// exist, and starts the dispatcher, Concurrency workers and the completer.
// They run until Shutdown; ctx is only used for the startup work.
//
// Requeueing every running job at start is correct because only one kith
// process runs jobs against a database: whatever is marked running now was
// claimed by a process that no longer exists. The attempt it was on still
// counts, so a job that keeps crashing the server eventually dies.
func (r *Runner) Start(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.loop != nil {
		return errors.New("jobs: runner already started")
	}
	var requeued, buried int64
	err := r.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if requeued, err = tx.RequeueRunningJobs(ctx); err != nil {
			return err
		}
		for kind, c := range r.kinds {
			n, err := tx.BuryExhaustedJobs(ctx, kind, len(c.backoff)+1)
			if err != nil {
				return err
			}
			buried += n
		}
		return r.ensurePeriodicIn(ctx, tx)
	})
	if err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	if requeued > 0 {
		r.logger.Info("requeued interrupted jobs", "count", requeued)
	}
	if buried > 0 {
		r.logger.Warn("buried jobs whose every attempt was interrupted", "count", buried)
	}
	r.loop = r.newLoop()
	r.loop.start()
	return nil
}

func (r *Runner) newLoop() *loop {
	maxClaimed := max(64, 16*r.opts.Concurrency)
	stopCtx, cancelStop := context.WithCancel(context.Background())
	handlerCtx, cancel := context.WithCancel(context.Background())
	batches := map[string]chan store.Job{}
	for kind, c := range r.kinds {
		if c.batch != nil {
			batches[kind] = make(chan store.Job, maxClaimed)
		}
	}
	return &loop{
		batches:        batches,
		alone:          make(chan struct{}, r.opts.Concurrency),
		stopCtx:        stopCtx,
		cancelStop:     cancelStop,
		r:              r,
		maxClaimed:     maxClaimed,
		queue:          make(chan store.Job, maxClaimed),
		freed:          make(chan struct{}, 1),
		kick:           make(chan struct{}, 1),
		stop:           make(chan struct{}),
		flushed:        make(chan struct{}),
		handlerCtx:     handlerCtx,
		cancelHandlers: cancel,
		dispatcherDone: make(chan struct{}),
		completerDone:  make(chan struct{}),
		claimed:        map[int64]bool{},
	}
}

func (l *loop) start() {
	go l.dispatch()
	for range l.r.opts.Concurrency {
		l.workers.Go(l.work)
	}
	for kind, jobs := range l.batches {
		c := l.r.kinds[kind]
		l.workers.Go(func() { l.workBatches(c, jobs) })
	}
	go l.complete()
}

// Shutdown stops claiming, lets running handlers finish and records their
// results. If ctx ends first it cancels the handlers' contexts and puts
// every unfinished job back in the queue without counting the attempt, so
// nothing is lost; it then returns ctx's error. Handlers that ignore their
// context may still be running when Shutdown returns.
func (r *Runner) Shutdown(ctx context.Context) error {
	r.mu.Lock()
	l := r.loop
	if l == nil || l.shutdown {
		r.mu.Unlock()
		return nil
	}
	l.shutdown = true
	r.mu.Unlock()

	close(l.stop)
	l.cancelStop()
	<-l.dispatcherDone
	close(l.queue) // only the dispatcher sends on it
	for _, jobs := range l.batches {
		close(jobs)
	}
	unfinished, timedOut := l.drain(ctx)
	close(l.flushed)
	<-l.completerDone
	l.cancelHandlers()

	var errs []error
	if l.flushErr != nil {
		// The rows stay marked running; the next Start requeues them.
		errs = append(errs, fmt.Errorf("jobs: shutdown: %w", l.flushErr))
	}
	if timedOut {
		errs = append(errs, l.release(ctx, unfinished))
	}
	return errors.Join(errs...)
}

// drain waits for the workers to finish. If ctx ends first, it cancels the
// handlers, abandons their results and returns the jobs left unfinished.
func (l *loop) drain(ctx context.Context) (unfinished []int64, timedOut bool) {
	workersDone := make(chan struct{})
	go func() {
		l.workers.Wait()
		close(workersDone)
	}()
	select {
	case <-workersDone:
		return nil, false
	case <-ctx.Done():
		l.cancelHandlers()
		return l.abandon(), true
	}
}

// abandon stops results from being recorded and returns the jobs that were
// claimed and not finished.
func (l *loop) abandon() []int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.abandoned = true
	ids := make([]int64, 0, len(l.claimed))
	for id := range l.claimed {
		ids = append(ids, id)
	}
	return ids
}

// release puts jobs interrupted by the shutdown deadline back in the queue.
// The deadline has passed, so it writes under a short context of its own.
func (l *loop) release(ctx context.Context, ids []int64) error {
	if len(ids) > 0 {
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
		defer cancel()
		err := l.r.db.InTx(wctx, func(tx *store.Tx) error { return tx.ReleaseJobs(wctx, ids) })
		if err != nil {
			// They stay marked running; the next Start requeues them.
			return fmt.Errorf("jobs: shutdown: release %d jobs: %w", len(ids), err)
		}
		l.r.logger.Warn("released unfinished jobs", "count", len(ids))
	}
	return fmt.Errorf("jobs: shutdown: %w", ctx.Err())
}

// dispatch claims due jobs in batches and queues them for the workers. It
// sleeps until the next job is due, a Poke, or a worker frees room; it
// never polls faster than that.
func (l *loop) dispatch() {
	defer close(l.dispatcherDone)
	for {
		free := l.maxClaimed - l.claimedCount()
		if free < l.maxClaimed/2 {
			// Workers still have plenty; claim again once they have done
			// half, so claims stay large.
			select {
			case <-l.freed:
				continue
			case <-l.stop:
				return
			}
		}
		// Whether a job is due is a read; claiming is a write transaction,
		// which waits for the write lock. Pokes come after every commit
		// that may have queued a job, and most queued none.
		if wait := l.untilNext(); wait > 0 {
			if !l.sleep(wait) {
				return
			}
			continue
		}
		_, err := l.claim(free)
		switch {
		case err != nil && l.stopCtx.Err() != nil:
			return
		case err != nil:
			l.r.logger.Error("claim jobs failed", "err", err)
			if !l.sleep(errorPause) {
				return
			}
		}
	}
}

// sleep waits for d, a Poke or Shutdown; it reports false on Shutdown.
func (l *loop) sleep(d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-l.r.poke:
	case <-l.stop:
		return false
	}
	return true
}

func (l *loop) claimedCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.claimed)
}

// claim claims up to limit due jobs and queues them. The queue never blocks:
// it holds maxClaimed and at most that many are claimed.
func (l *loop) claim(limit int) (int, error) {
	var claimed []store.Job
	now := l.r.now()
	ctx := l.stopCtx
	err := l.r.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		claimed, err = tx.ClaimJobsAt(ctx, now, limit)
		return err
	})
	if err != nil {
		return 0, err
	}
	l.mu.Lock()
	for _, j := range claimed {
		l.claimed[j.ID] = true
	}
	l.mu.Unlock()
	for _, j := range claimed {
		if jobs, ok := l.batches[j.Kind]; ok {
			jobs <- j
		} else {
			l.queue <- j
		}
	}
	return len(claimed), nil
}

// untilNext is how long the dispatcher may sleep before a job is due.
func (l *loop) untilNext() time.Duration {
	poll := l.r.opts.PollInterval
	next, err := l.r.db.NextJobAt(l.stopCtx)
	if errors.Is(err, store.ErrNotFound) || l.stopCtx.Err() != nil {
		return poll
	}
	if err != nil {
		l.r.logger.Error("next job failed", "err", err)
		return poll
	}
	return min(next.Sub(l.r.now()), poll)
}

// work runs queued jobs until Shutdown closes the queue. Jobs still queued
// after Shutdown began are released unstarted: they are not in flight, and
// running them would only delay the shutdown.
func (l *loop) work() {
	for job := range l.queue {
		select {
		case <-l.stop:
			l.finish(result{job: job, release: true})
			continue
		default:
		}
		l.finish(l.r.runOne(l.handlerCtx, job))
	}
}

// workBatches runs the jobs of one batched kind until Shutdown closes
// their queue: each batch is the first job waiting and as many more as
// are queued behind it, up to the kind's batch size. Jobs the batch hands
// back run on their own, beside the batches.
func (l *loop) workBatches(c *kindConfig, jobs chan store.Job) {
	for job := range jobs {
		batch := l.fillBatch(c, jobs, job)
		select {
		case <-l.stop:
			for _, j := range batch {
				l.finish(result{job: j, release: true})
			}
			continue
		default:
		}
		for _, res := range l.r.runBatch(l.handlerCtx, c, batch) {
			if errors.Is(res.err, ErrRunAlone) {
				l.runAlone(res.job)
			} else {
				l.finish(res)
			}
		}
	}
}

// fillBatch makes a batch of first and the jobs queued behind it, and
// those that arrive within the kind's wait, up to its size. Shutdown ends
// the wait.
func (l *loop) fillBatch(c *kindConfig, jobs chan store.Job, first store.Job) []store.Job {
	batch := []store.Job{first}
	var deadline <-chan time.Time
	for len(batch) < c.batchSize {
		select {
		case j, ok := <-jobs:
			if !ok {
				return batch
			}
			batch = append(batch, j)
			continue
		default:
		}
		if c.batchWait <= 0 {
			return batch
		}
		if deadline == nil {
			t := time.NewTimer(c.batchWait)
			defer t.Stop()
			deadline = t.C
		}
		select {
		case j, ok := <-jobs:
			if !ok {
				return batch
			}
			batch = append(batch, j)
		case <-deadline:
			return batch
		case <-l.stop:
			return batch
		}
	}
	return batch
}

// runAlone runs a job a batch handed back with its kind's Handler, in a
// goroutine of its own (bounded by alone), so that a job waiting on the
// network does not hold up the batches. The batch worker calling it is
// one of the workers, so adding to their WaitGroup is safe even while
// Shutdown waits on it.
func (l *loop) runAlone(job store.Job) {
	l.workers.Go(func() {
		l.alone <- struct{}{}
		defer func() { <-l.alone }()
		select {
		case <-l.stop:
			l.finish(result{job: job, release: true})
			return
		default:
		}
		l.finish(l.r.runOne(l.handlerCtx, job))
	})
}

// finish hands a result to the completer, unless Shutdown's deadline has
// passed and the job is being released instead. Checking abandoned and
// appending under one lock is what keeps a result from being both dropped
// and left out of the release.
func (l *loop) finish(res result) {
	l.mu.Lock()
	if l.abandoned {
		l.mu.Unlock()
		return
	}
	delete(l.claimed, res.job.ID)
	l.pending = append(l.pending, res)
	n := len(l.pending)
	l.mu.Unlock()
	if n == 1 || n >= flushSize {
		signal(l.kick)
	}
	signal(l.freed)
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// complete records results in batches: when flushSize have gathered or
// flushDelay after the first, whichever comes first.
func (l *loop) complete() {
	defer close(l.completerDone)
	for {
		select {
		case <-l.kick:
		case <-l.flushed:
			l.flushErr = l.flush()
			return
		}
		if l.pendingCount() < flushSize {
			t := time.NewTimer(flushDelay)
			select {
			case <-t.C:
			case <-l.kick:
			case <-l.flushed:
			}
			t.Stop()
		}
		if l.flush() != nil {
			select {
			case <-time.After(errorPause):
			case <-l.flushed:
			}
		}
		if l.pendingCount() > 0 {
			signal(l.kick)
		}
	}
}

func (l *loop) pendingCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.pending)
}

// flush records the pending results. On failure it keeps them for the next
// try; if the last try at shutdown fails too, the rows stay marked running
// and the next Start requeues them, so the jobs run again rather than
// vanish.
func (l *loop) flush() error {
	l.mu.Lock()
	batch := l.pending
	l.pending = nil
	l.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
	defer cancel()
	if err := l.r.record(ctx, batch); err != nil {
		l.r.logger.Error("record job results failed", "count", len(batch), "err", err)
		l.mu.Lock()
		l.pending = append(batch, l.pending...)
		l.mu.Unlock()
		return err
	}
	// A retry just recorded may be due before the dispatcher's sleep ends
	// (a Retry-After of a second): have it look again.
	l.r.Poke()
	return nil
}
