package jobs_test

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"kith/jobs"
	"kith/store"
	"kith/tests/testclock"

	_ "modernc.org/sqlite"
)

func openDB(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "kith.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// newClock returns a clock for a runner; newRunner gives it to the store
// as well, so jobs enqueued "now" are due by the runner's clock.
func newClock() *testclock.Clock { return testclock.New() }

func newRunner(db *store.DB, c *testclock.Clock, opts jobs.Options) *jobs.Runner {
	if c != nil {
		opts.Now = c.Now
		db.SetClock(c.Now)
	}
	opts.Rand = rand.New(rand.NewPCG(1, 2))
	return jobs.New(db, nil, opts)
}

func enqueue(t testing.TB, db *store.DB, kind string, payload any, opts store.EnqueueOptions) {
	t.Helper()
	err := db.InTx(context.Background(), func(tx *store.Tx) error {
		_, err := jobs.Enqueue(context.Background(), tx, kind, payload, opts)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// enqueueMany enqueues n jobs in transactions of 500, as a burst of
// deliveries to many inboxes would.
func enqueueMany(t testing.TB, db *store.DB, kind string, n int) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < n; i += 500 {
		err := db.InTx(ctx, func(tx *store.Tx) error {
			for range min(500, n-i) {
				if _, err := jobs.Enqueue(ctx, tx, kind, nil, store.EnqueueOptions{}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func runDue(t *testing.T, r *jobs.Runner, want int) {
	t.Helper()
	got, err := r.RunDue(context.Background())
	if err != nil {
		t.Fatalf("RunDue: %v", err)
	}
	if got != want {
		t.Fatalf("RunDue ran %d jobs, want %d", got, want)
	}
}

func onlyJob(t *testing.T, db *store.DB) store.Job {
	t.Helper()
	ids := jobIDs(t, db)
	if len(ids) != 1 {
		t.Fatalf("got %d jobs, want 1", len(ids))
	}
	j, err := db.JobByID(context.Background(), ids[0])
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// jobIDs lists the ids of all jobs. The store has no such query (nothing
// in kith needs one), so it reads the file directly.
func jobIDs(t *testing.T, db *store.DB) []int64 {
	t.Helper()
	raw := openRaw(t, db.Path())
	rows, err := raw.Query(`SELECT id FROM jobs ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}

// openRaw opens the database file with database/sql, for test tables and
// queries the store does not offer.
func openRaw(t testing.TB, path string) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		t.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	t.Cleanup(func() { raw.Close() })
	return raw
}

func countJobs(t testing.TB, db *store.DB) int {
	t.Helper()
	counts, err := db.JobCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, states := range counts {
		for _, c := range states {
			n += c
		}
	}
	return n
}

// wait waits for ch, bounded so that a bug fails the test instead of
// hanging it.
func wait(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(30 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}
