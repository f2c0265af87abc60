// Package jobs runs kith's background work: deliveries, inbound processing,
// remote fetches, pruning. A job is a row in the store's jobs table,
// enqueued inside the transaction of whatever caused it, so work exists if
// and only if its cause committed. A Runner claims due rows, hands them to a
// pool of handlers, deletes the ones that succeed and reschedules the ones
// that fail from a backoff table until they are dead.
//
// Jobs run at least once: a crash between a handler's side effects and the
// row's deletion runs the job again after restart, so handlers must be
// idempotent.
//
// A Runner is used in one of two ways, never both: Start and Shutdown in the
// server, or RunDue, the synchronous step tests call instead of sleeping.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"kith/store"
)

// Handler does the work of one job. An error schedules a retry unless it is
// wrapped with Permanent. The context is cancelled when the runner shuts
// down past its deadline (the job is then released, not failed) or when the
// kind's timeout passes.
type Handler func(ctx context.Context, job store.Job) error

// defaultBackoff is the wait after each failed attempt: minutes at first
// for blips, then hours for a peer that is down for maintenance, dead after
// about five days (the waits add up to 4 days 22 hours, over 15 attempts),
// like other servers' delivery queues.
var defaultBackoff = []time.Duration{
	30 * time.Second, time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour, 12 * time.Hour,
	18 * time.Hour, 24 * time.Hour, 24 * time.Hour, 24 * time.Hour,
}

// Options tune a Runner. The zero value is usable.
type Options struct {
	// Concurrency is how many handlers run at once; default 4.
	Concurrency int
	// Backoff is the wait after the first, second, … failed attempt; a job
	// whose attempts outrun it is dead. Default: 30s rising to 24h, about
	// five days in all. Each wait is jittered by ±10% so that jobs that
	// failed together do not retry together.
	Backoff []time.Duration
	// PollInterval bounds how long the runner sleeps when idle, in case a
	// job was enqueued without a Poke (by another process, say); default 1m.
	PollInterval time.Duration
	// Now is the runner's clock; tests replace it to move time forward.
	Now func() time.Time
	// Rand drives the jitter; tests pass a seeded one for repeatable runs.
	Rand *rand.Rand
	// Done, if set, is told of each attempt once its result is recorded:
	// the job, and its handler's error (nil when it succeeded). Attempts
	// cut short by shutdown are not told. It runs on the runner's
	// goroutine, so it must be quick (the dashboard's counters).
	Done func(job store.Job, err error)
}

// BatchHandler does the work of several jobs of one kind together (in one
// transaction, say) and returns one error per job, in the jobs' order: nil
// when the job succeeded, else what a Handler would have returned for it,
// or ErrRunAlone to have the kind's Handler run the job on its own.
type BatchHandler func(ctx context.Context, jobs []store.Job) []error

// ErrRunAlone is a BatchHandler's answer for a job it could not do within
// the batch (it needs to wait on the network, say): the runner hands the
// job to the kind's Handler, outside the batch, at once.
var ErrRunAlone = errors.New("jobs: run alone")

// HandlerOption tunes one kind of job.
type HandlerOption func(*kindConfig)

// WithBackoff gives a kind its own retry table instead of the runner's.
// An empty table means one attempt only.
func WithBackoff(table ...time.Duration) HandlerOption {
	return func(c *kindConfig) { c.backoff = table }
}

// WithTimeout bounds each attempt of a kind; an attempt that runs out of
// time fails and is retried like any other error.
func WithTimeout(d time.Duration) HandlerOption {
	return func(c *kindConfig) { c.timeout = d }
}

// WithBatch has the runner give the kind's due jobs to h in batches of up
// to size. A batch starts with the jobs waiting and, while it is short of
// size, takes those that arrive within wait of its first job: under load
// the batches fill and their fixed costs (a commit) are shared, at the
// price of at most wait of latency. RunDue, the tests' step, never waits.
// Each job's result is recorded as its own; the kind's Handler still runs
// jobs h answers ErrRunAlone for. The kind's timeout, if any, bounds each
// batch.
func WithBatch(size int, wait time.Duration, h BatchHandler) HandlerOption {
	return func(c *kindConfig) { c.batch, c.batchSize, c.batchWait = h, max(size, 1), wait }
}

type kindConfig struct {
	handler   Handler
	batch     BatchHandler
	batchSize int
	batchWait time.Duration
	backoff   []time.Duration
	timeout   time.Duration
	every     time.Duration // > 0 for periodic kinds
}

// Runner claims due jobs and runs their handlers.
type Runner struct {
	db     *store.DB
	logger *slog.Logger
	opts   Options
	kinds  map[string]*kindConfig
	poke   chan struct{}

	randMu sync.Mutex

	mu   sync.Mutex
	loop *loop // set by Start
}

// New returns a Runner with no handlers. Register them with Handle and
// Every before Start or RunDue.
func New(db *store.DB, logger *slog.Logger, opts Options) *Runner {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if len(opts.Backoff) == 0 {
		opts.Backoff = defaultBackoff
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Rand == nil {
		opts.Rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	return &Runner{
		db:     db,
		logger: logger,
		opts:   opts,
		kinds:  map[string]*kindConfig{},
		poke:   make(chan struct{}, 1),
	}
}

// Handle registers the handler for a kind of job. Registering a kind twice
// is a programming error and panics, as with http.ServeMux.
func (r *Runner) Handle(kind string, h Handler, opts ...HandlerOption) {
	if kind == "" || h == nil {
		panic("jobs: Handle needs a kind and a handler")
	}
	if _, ok := r.kinds[kind]; ok {
		panic("jobs: handler for " + kind + " registered twice")
	}
	c := &kindConfig{handler: h, backoff: r.opts.Backoff}
	for _, o := range opts {
		o(c)
	}
	r.kinds[kind] = c
}

// Every makes kind periodic: one row of it always exists, runs about every
// interval, and is rescheduled whether it succeeds or fails, so a periodic
// job never dies. Its handler must be registered with Handle first.
func (r *Runner) Every(kind string, interval time.Duration) {
	c, ok := r.kinds[kind]
	if !ok {
		panic("jobs: Every(" + kind + ") before Handle")
	}
	if interval <= 0 {
		panic("jobs: Every(" + kind + ") needs a positive interval")
	}
	c.every = interval
}

// PeriodicKey is the unique key of a periodic kind's one row.
func PeriodicKey(kind string) string { return "periodic:" + kind }

// Enqueue adds a job inside the caller's transaction; call the runner's
// Poke after the transaction commits so it runs without waiting for the
// poll. A []byte payload is stored as is; anything else is stored as JSON.
// It reports whether a row was inserted (false when opts.UniqueKey matched
// an existing job).
func Enqueue(ctx context.Context, tx *store.Tx, kind string, payload any, opts store.EnqueueOptions) (bool, error) {
	var b []byte
	switch p := payload.(type) {
	case nil:
	case []byte:
		b = p
	default:
		var err error
		if b, err = json.Marshal(p); err != nil {
			return false, fmt.Errorf("enqueue %s: encode payload: %w", kind, err)
		}
	}
	return tx.EnqueueJob(ctx, kind, b, opts)
}

// Poke wakes the runner to look for due jobs. It never blocks, and several
// pokes before the runner wakes count as one.
func (r *Runner) Poke() {
	select {
	case r.poke <- struct{}{}:
	default:
	}
}

type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks err as one that retrying cannot fix (a malformed payload,
// a peer that answered 410 Gone): the job is dead at once. Permanent(nil)
// is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

type retryAfterError struct {
	err  error
	wait time.Duration
}

func (e retryAfterError) Error() string { return e.err.Error() }
func (e retryAfterError) Unwrap() error { return e.err }

// RetryAfter marks err as a failure whose next attempt should come after
// wait, in place of the backoff table's wait: a peer answered 429 or 503
// with Retry-After. The attempt still counts towards the job's death, and
// wait is clamped to between a second and a day. RetryAfter(nil, …) is
// nil.
func RetryAfter(err error, wait time.Duration) error {
	if err == nil {
		return nil
	}
	return retryAfterError{err, min(max(wait, time.Second), 24*time.Hour)}
}

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

func (r *Runner) now() time.Time { return r.opts.Now() }

// jitter spreads d by ±10%.
func (r *Runner) jitter(d time.Duration) time.Duration {
	r.randMu.Lock()
	f := r.opts.Rand.Float64()
	r.randMu.Unlock()
	return d + time.Duration((f*0.2-0.1)*float64(d))
}

// ensurePeriodic makes sure every periodic kind has its row.
func (r *Runner) ensurePeriodic(ctx context.Context) error {
	return r.db.InTx(ctx, func(tx *store.Tx) error { return r.ensurePeriodicIn(ctx, tx) })
}

func (r *Runner) ensurePeriodicIn(ctx context.Context, tx *store.Tx) error {
	now := r.now()
	for kind, c := range r.kinds {
		if c.every == 0 {
			continue
		}
		if err := tx.EnsurePeriodicJob(ctx, kind, PeriodicKey(kind), now, c.every); err != nil {
			return err
		}
	}
	return nil
}
