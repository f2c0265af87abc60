package jobs

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"
	"unicode/utf8"

	"kith/store"
)

// claimBatch is how many jobs RunDue claims per transaction.
const claimBatch = 256

// maxErrorLen bounds the error kept in last_error: an error can quote a
// whole response body.
const maxErrorLen = 1024

// result is what became of one claimed job.
type result struct {
	job     store.Job
	err     error // nil when the handler succeeded
	release bool  // interrupted by shutdown: back to the queue, attempt not counted
}

// action is what recording a result does to the job's row.
type action int

const (
	actComplete   action = iota // delete
	actRelease                  // back to queued, attempt not counted
	actRetry                    // back to queued at runAt, error kept
	actBury                     // dead, error kept
	actReschedule               // periodic success: queued at runAt, fresh
)

type outcome struct {
	result
	act   action
	runAt time.Time
}

// RunDue claims every due job, runs the handlers (up to Concurrency at a
// time), records the results and repeats until nothing is due, so jobs that
// handlers enqueue for now also run. It returns how many handlers ran.
// Tests call it instead of starting the runner and sleeping; do not call it
// on a Runner that was started.
func (r *Runner) RunDue(ctx context.Context) (int, error) {
	r.mu.Lock()
	started := r.loop != nil
	r.mu.Unlock()
	if started {
		return 0, errors.New("jobs: RunDue on a started runner")
	}
	if err := r.ensurePeriodic(ctx); err != nil {
		return 0, err
	}
	ran := 0
	for {
		var claimed []store.Job
		now := r.now()
		err := r.db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			claimed, err = tx.ClaimJobsAt(ctx, now, claimBatch)
			return err
		})
		if err != nil || len(claimed) == 0 {
			return ran, err
		}
		results := r.runAll(ctx, claimed)
		// Record even if ctx was cancelled: the claimed rows must not stay
		// marked running.
		if err := r.record(context.WithoutCancel(ctx), results); err != nil {
			return ran, err
		}
		for _, res := range results {
			if !res.release {
				ran++
			}
		}
		if err := ctx.Err(); err != nil {
			return ran, err
		}
	}
}

// runAll runs claimed jobs, Concurrency at a time; jobs of kinds with a
// batch handler go to it first, in batches, and those it hands back run
// with the rest.
func (r *Runner) runAll(ctx context.Context, claimed []store.Job) []result {
	var results, batched []result
	var single []store.Job
	groups := map[string][]store.Job{}
	for _, job := range claimed {
		if c := r.kinds[job.Kind]; c != nil && c.batch != nil {
			groups[job.Kind] = append(groups[job.Kind], job)
		} else {
			single = append(single, job)
		}
	}
	for kind, group := range groups {
		c := r.kinds[kind]
		for len(group) > 0 {
			n := min(len(group), c.batchSize)
			for _, res := range r.runBatch(ctx, c, group[:n]) {
				if errors.Is(res.err, ErrRunAlone) {
					single = append(single, res.job)
				} else {
					batched = append(batched, res)
				}
			}
			group = group[n:]
		}
	}
	results = make([]result, len(single))
	sem := make(chan struct{}, r.opts.Concurrency)
	var wg sync.WaitGroup
	for i, job := range single {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			results[i] = r.runOne(ctx, job)
		})
	}
	wg.Wait()
	return append(batched, results...)
}

// runBatch runs a batch of jobs of one kind through its batch handler. A
// panic that escapes the handler hands every job of the batch to the
// kind's Handler, so that the job that caused it fails alone.
func (r *Runner) runBatch(ctx context.Context, c *kindConfig, batch []store.Job) []result {
	errs := r.callBatch(ctx, c, batch)
	results := make([]result, len(batch))
	for i, job := range batch {
		err := ErrRunAlone
		if len(errs) == len(batch) {
			err = errs[i]
		}
		release := err != nil && !errors.Is(err, ErrRunAlone) && ctx.Err() != nil
		results[i] = result{job: job, err: err, release: release}
	}
	return results
}

func (r *Runner) callBatch(ctx context.Context, c *kindConfig, batch []store.Job) (errs []error) {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	defer func() {
		if p := recover(); p != nil {
			r.logger.Error("job batch panicked", "kind", batch[0].Kind, "jobs", len(batch), "panic", p, "stack", string(debug.Stack()))
			errs = nil
		}
	}()
	return c.batch(ctx, batch)
}

// runOne runs a job's handler. ctx is the runner's: when it is cancelled
// (shutdown past its deadline) a failure is not the job's fault, so the job
// is released rather than failed.
func (r *Runner) runOne(ctx context.Context, job store.Job) result {
	c, ok := r.kinds[job.Kind]
	if !ok {
		return result{job: job, err: Permanent(fmt.Errorf("no handler for job kind %q", job.Kind))}
	}
	err := r.callHandler(ctx, c, job)
	return result{job: job, err: err, release: err != nil && ctx.Err() != nil}
}

// callHandler turns a handler's panic into an error so that one bad job
// cannot take the server down; the job is retried like any failure.
func (r *Runner) callHandler(ctx context.Context, c *kindConfig, job store.Job) (err error) {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	defer func() {
		if p := recover(); p != nil {
			r.logger.Error("job panicked", "kind", job.Kind, "id", job.ID, "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return c.handler(ctx, job)
}

// decide turns a result into what happens to the row.
func (r *Runner) decide(res result, now time.Time) outcome {
	o := outcome{result: res}
	c := r.kinds[res.job.Kind]
	switch {
	case res.release:
		o.act = actRelease
	case c != nil && c.every > 0 && res.job.UniqueKey == PeriodicKey(res.job.Kind):
		// A periodic job is never buried: its row is its schedule.
		o.runAt = now.Add(c.every)
		o.act = actReschedule
		if res.err != nil {
			o.act = actRetry // keeps the error and counts consecutive failures
		}
	case res.err == nil:
		o.act = actComplete
	case c == nil || IsPermanent(res.err):
		o.act = actBury
	default:
		attempt := max(res.job.Attempts, 1)
		if attempt > len(c.backoff) {
			o.act = actBury
			break
		}
		o.act = actRetry
		o.runAt = now.Add(r.jitter(c.backoff[attempt-1]))
		var ra retryAfterError
		if errors.As(res.err, &ra) {
			o.runAt = now.Add(ra.wait)
		}
	}
	return o
}

// record writes a batch of results in one transaction: batching is what
// lets the queue keep up with thousands of small jobs a second.
func (r *Runner) record(ctx context.Context, results []result) error {
	if len(results) == 0 {
		return nil
	}
	now := r.now()
	outcomes := make([]outcome, len(results))
	var done, released []int64
	for i, res := range results {
		outcomes[i] = r.decide(res, now)
		switch outcomes[i].act {
		case actComplete:
			done = append(done, res.job.ID)
		case actRelease:
			released = append(released, res.job.ID)
		}
	}
	err := r.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CompleteJobs(ctx, done); err != nil {
			return err
		}
		if err := tx.ReleaseJobs(ctx, released); err != nil {
			return err
		}
		for _, o := range outcomes {
			if err := applyOutcome(ctx, tx, o); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record job results: %w", err)
	}
	for _, o := range outcomes {
		r.logOutcome(o)
		if r.opts.Done != nil && o.act != actRelease {
			r.opts.Done(o.job, o.err)
		}
	}
	return nil
}

func applyOutcome(ctx context.Context, tx *store.Tx, o outcome) error {
	switch o.act {
	case actRetry:
		return tx.RetryJob(ctx, o.job.ID, o.runAt, errorText(o.err))
	case actBury:
		return tx.BuryJob(ctx, o.job.ID, errorText(o.err))
	case actReschedule:
		return tx.RescheduleJob(ctx, o.job.ID, o.runAt)
	}
	return nil // complete and release are done in bulk
}

// logOutcome logs failures after they are recorded. Payloads are never
// logged: they may hold keys or private posts.
func (r *Runner) logOutcome(o outcome) {
	j := o.job
	switch o.act {
	case actRetry:
		r.logger.Warn("job failed", "kind", j.Kind, "id", j.ID, "attempt", j.Attempts, "err", o.err, "retry_at", o.runAt)
	case actBury:
		r.logger.Error("job dead", "kind", j.Kind, "id", j.ID, "attempt", j.Attempts, "err", o.err)
	}
}

func errorText(err error) string {
	s := err.Error()
	if len(s) > maxErrorLen {
		n := maxErrorLen
		for n > 0 && !utf8.RuneStart(s[n]) {
			n-- // do not cut a character in half
		}
		s = s[:n] + "…"
	}
	return s
}
