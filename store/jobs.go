package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// Job states. A job that succeeds is deleted, so there is no "done".
const (
	JobQueued  = "queued"
	JobRunning = "running"
	JobDead    = "dead"
)

// Job is one row of the queue.
type Job struct {
	ID        int64
	Kind      string
	Payload   []byte
	UniqueKey string // empty when the job has none
	State     string
	Attempts  int // attempts started so far, including the running one
	RunAt     time.Time
	LastError string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// EnqueueOptions tune one Enqueue call. The zero value runs the job now.
type EnqueueOptions struct {
	// RunAt delays the job; zero means now.
	RunAt time.Time
	// UniqueKey, when set, makes Enqueue a no-op while a job with the same
	// key exists (queued, running or dead). Periodic jobs and deduplicated
	// work use it.
	UniqueKey string
}

// EnqueueJob adds a job inside the caller's transaction, so the job exists
// if and only if the caller's other writes commit. It reports whether a row
// was inserted (false when UniqueKey matched an existing job).
func (tx *Tx) EnqueueJob(ctx context.Context, kind string, payload []byte, opts EnqueueOptions) (bool, error) {
	if kind == "" {
		return false, fmt.Errorf("enqueue: empty job kind")
	}
	tx.queuedJobs = true
	runAt := opts.RunAt
	if runAt.IsZero() {
		runAt = tx.now
	}
	var key any
	if opts.UniqueKey != "" {
		key = opts.UniqueKey
	}
	if payload == nil {
		payload = []byte{}
	}
	now := unixMilli(tx.now)
	res, err := tx.exec(ctx, `INSERT INTO jobs (kind, payload, unique_key, run_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (unique_key) DO NOTHING`,
		kind, payload, key, unixMilli(runAt), now, now)
	if err != nil {
		return false, fmt.Errorf("enqueue %s: %w", kind, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

const jobColumns = `id, kind, payload, COALESCE(unique_key, ''), state, attempts, run_at, last_error, created_at, updated_at`

func scanJob(row interface{ Scan(...any) error }) (Job, error) {
	var j Job
	var runAt, created, updated int64
	err := row.Scan(&j.ID, &j.Kind, &j.Payload, &j.UniqueKey, &j.State, &j.Attempts, &runAt, &j.LastError, &created, &updated)
	j.RunAt, j.CreatedAt, j.UpdatedAt = fromMilli(runAt), fromMilli(created), fromMilli(updated)
	return j, err
}

// scanJobs reads every row of a query selecting jobColumns, and closes it.
func scanJobs(rows *sql.Rows) ([]Job, error) {
	defer rows.Close()
	var jobs []Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	return jobs, rows.Err()
}

// ClaimJobs marks up to limit due jobs as running, counts the attempt, and
// returns them, oldest run_at first. "Due" is judged by the transaction's
// clock.
func (tx *Tx) ClaimJobs(ctx context.Context, limit int) ([]Job, error) {
	return tx.ClaimJobsAt(ctx, tx.now, limit)
}

// ClaimJobsAt is ClaimJobs with the caller's clock deciding which jobs are
// due: the job runner has its own clock so that tests can move time forward.
func (tx *Tx) ClaimJobsAt(ctx context.Context, now time.Time, limit int) ([]Job, error) {
	rows, err := tx.query(ctx, `UPDATE jobs SET state = 'running', attempts = attempts + 1, updated_at = ?
		WHERE id IN (SELECT id FROM jobs WHERE state = 'queued' AND run_at <= ? ORDER BY run_at, id LIMIT ?)
		RETURNING `+jobColumns, unixMilli(tx.now), unixMilli(now), limit)
	if err != nil {
		return nil, fmt.Errorf("claim jobs: %w", err)
	}
	jobs, err := scanJobs(rows)
	if err != nil {
		return nil, fmt.Errorf("claim jobs: %w", err)
	}
	// SQLite does not promise any order for RETURNING rows.
	slices.SortFunc(jobs, func(a, b Job) int {
		if c := a.RunAt.Compare(b.RunAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return jobs, nil
}

// CompleteJobs deletes jobs that succeeded. The ids go in as one JSON
// array, so that one prepared statement serves batches of every size (a
// list of placeholders would be a new statement for each length, filling
// the statement cache).
func (tx *Tx) CompleteJobs(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	list := make([]byte, 0, 12*len(ids))
	list = append(list, '[')
	for i, id := range ids {
		if i > 0 {
			list = append(list, ',')
		}
		list = strconv.AppendInt(list, id, 10)
	}
	list = append(list, ']')
	if _, err := tx.exec(ctx, `DELETE FROM jobs WHERE id IN (SELECT value FROM json_each(?))`, string(list)); err != nil {
		return fmt.Errorf("complete jobs: %w", err)
	}
	return nil
}

// RetryJob puts a failed job back in the queue to run at runAt.
func (tx *Tx) RetryJob(ctx context.Context, id int64, runAt time.Time, lastError string) error {
	_, err := tx.exec(ctx, `UPDATE jobs SET state = 'queued', run_at = ?, last_error = ?, updated_at = ? WHERE id = ?`,
		unixMilli(runAt), lastError, unixMilli(tx.now), id)
	if err != nil {
		return fmt.Errorf("retry job %d: %w", id, err)
	}
	return nil
}

// MakeJobsDue makes every waiting (queued, not yet due) job of a kind due
// now, keeping its attempts: an operator's "retry now", and tests that
// would otherwise wait out a backoff.
func (tx *Tx) MakeJobsDue(ctx context.Context, kind string) error {
	_, err := tx.exec(ctx, `UPDATE jobs SET run_at = ?, updated_at = ? WHERE kind = ? AND state = 'queued' AND run_at > ?`,
		unixMilli(tx.now), unixMilli(tx.now), kind, unixMilli(tx.now))
	if err != nil {
		return fmt.Errorf("make %s jobs due: %w", kind, err)
	}
	return nil
}

// RescheduleJob puts a job that finished back in the queue as if it were
// new (no attempts, no error), to run at runAt. Periodic jobs use it so that
// their one row is reused instead of deleted and inserted again.
func (tx *Tx) RescheduleJob(ctx context.Context, id int64, runAt time.Time) error {
	_, err := tx.exec(ctx, `UPDATE jobs SET state = 'queued', attempts = 0, run_at = ?, last_error = '', updated_at = ? WHERE id = ?`,
		unixMilli(runAt), unixMilli(tx.now), id)
	if err != nil {
		return fmt.Errorf("reschedule job %d: %w", id, err)
	}
	return nil
}

// EnsurePeriodicJob makes sure the one row of a periodic job exists and is
// alive: it is inserted to run at now if missing, brought back to the queue
// if it is dead (a dead row would otherwise block the schedule forever,
// since its unique key stays taken), and pulled forward to now+interval if
// it was scheduled further out than that (the interval was shortened since
// the last run).
func (tx *Tx) EnsurePeriodicJob(ctx context.Context, kind, uniqueKey string, now time.Time, interval time.Duration) error {
	if kind == "" || uniqueKey == "" {
		return fmt.Errorf("ensure periodic job: empty kind or unique key")
	}
	at := unixMilli(now)
	_, err := tx.exec(ctx, `INSERT INTO jobs (kind, payload, unique_key, run_at, created_at, updated_at)
		VALUES (?1, x'', ?2, ?3, ?4, ?4)
		ON CONFLICT (unique_key) DO UPDATE SET
			state = CASE WHEN state = 'dead' THEN 'queued' ELSE state END,
			attempts = CASE WHEN state = 'dead' THEN 0 ELSE attempts END,
			run_at = CASE WHEN state = 'dead' THEN excluded.run_at ELSE MIN(run_at, ?5) END,
			updated_at = excluded.updated_at
		WHERE state = 'dead' OR run_at > ?5`, // a live row due in time is left as it is
		kind, uniqueKey, at, unixMilli(tx.now), unixMilli(now.Add(interval)))
	if err != nil {
		return fmt.Errorf("ensure periodic job %s: %w", kind, err)
	}
	return nil
}

// BuryJob marks a job dead; it stays in the table with its last error until
// an operator retries or drops it.
func (tx *Tx) BuryJob(ctx context.Context, id int64, lastError string) error {
	_, err := tx.exec(ctx, `UPDATE jobs SET state = 'dead', last_error = ?, updated_at = ? WHERE id = ?`,
		lastError, unixMilli(tx.now), id)
	if err != nil {
		return fmt.Errorf("bury job %d: %w", id, err)
	}
	return nil
}

// ReleaseJobs returns running jobs to the queue without counting a failure:
// used at shutdown for jobs that did not finish before the deadline.
func (tx *Tx) ReleaseJobs(ctx context.Context, ids []int64) error {
	for _, id := range ids {
		if _, err := tx.exec(ctx, `UPDATE jobs SET state = 'queued', attempts = MAX(attempts - 1, 0), updated_at = ? WHERE id = ? AND state = 'running'`,
			unixMilli(tx.now), id); err != nil {
			return fmt.Errorf("release job %d: %w", id, err)
		}
	}
	return nil
}

// RequeueRunningJobs puts every job marked running back in the queue. Only
// one kith process runs jobs against a database, so at start any job still
// marked running was interrupted by a crash and must run again.
func (tx *Tx) RequeueRunningJobs(ctx context.Context) (int64, error) {
	res, err := tx.exec(ctx, `UPDATE jobs SET state = 'queued', updated_at = ? WHERE state = 'running'`, unixMilli(tx.now))
	if err != nil {
		return 0, fmt.Errorf("requeue running jobs: %w", err)
	}
	return res.RowsAffected()
}

// RetryDeadJobs puts dead jobs (all of them, or those of one kind) back in
// the queue with a fresh attempt count.
func (tx *Tx) RetryDeadJobs(ctx context.Context, kind string) (int64, error) {
	res, err := tx.exec(ctx, `UPDATE jobs SET state = 'queued', attempts = 0, run_at = ?, updated_at = ?
		WHERE state = 'dead' AND (? = '' OR kind = ?)`, unixMilli(tx.now), unixMilli(tx.now), kind, kind)
	if err != nil {
		return 0, fmt.Errorf("retry dead jobs: %w", err)
	}
	return res.RowsAffected()
}

// NextJobAt returns when the earliest queued job is due, or ErrNotFound
// when the queue is empty.
func (db *DB) NextJobAt(ctx context.Context) (time.Time, error) {
	var ms sql.NullInt64
	err := db.read.QueryRowContext(ctx, `SELECT MIN(run_at) FROM jobs WHERE state = 'queued'`).Scan(&ms)
	if err != nil {
		return time.Time{}, fmt.Errorf("next job: %w", err)
	}
	if !ms.Valid {
		return time.Time{}, fmt.Errorf("next job: %w", ErrNotFound)
	}
	return fromMilli(ms.Int64), nil
}

// JobByID returns one job.
func (db *DB) JobByID(ctx context.Context, id int64) (Job, error) {
	j, err := scanJob(db.read.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = ?`, id))
	if err != nil {
		return Job{}, notFound(err, fmt.Sprintf("job %d", id))
	}
	return j, nil
}

// JobCounts returns how many jobs are in each state, by kind.
func (db *DB) JobCounts(ctx context.Context) (map[string]map[string]int, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT kind, state, COUNT(*) FROM jobs GROUP BY kind, state`)
	if err != nil {
		return nil, fmt.Errorf("job counts: %w", err)
	}
	defer rows.Close()
	counts := map[string]map[string]int{}
	for rows.Next() {
		var kind, state string
		var n int
		if err := rows.Scan(&kind, &state, &n); err != nil {
			return nil, err
		}
		if counts[kind] == nil {
			counts[kind] = map[string]int{}
		}
		counts[kind][state] = n
	}
	return counts, rows.Err()
}

// BuryExhaustedJobs marks dead the queued jobs of a kind that have already
// started maxAttempts attempts: jobs whose every attempt ended the process
// (a crash, an out-of-memory kill) and so never returned an error.
func (tx *Tx) BuryExhaustedJobs(ctx context.Context, kind string, maxAttempts int) (int64, error) {
	res, err := tx.exec(ctx, `UPDATE jobs SET state = 'dead', updated_at = ?,
		last_error = 'every attempt was interrupted (kith stopped or crashed while running it)'
		WHERE kind = ? AND state = 'queued' AND attempts >= ? AND (unique_key IS NULL OR unique_key NOT LIKE 'periodic:%')`,
		unixMilli(tx.now), kind, maxAttempts)
	if err != nil {
		return 0, fmt.Errorf("bury exhausted %s jobs: %w", kind, err)
	}
	return res.RowsAffected()
}
