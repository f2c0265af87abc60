package store

import (
	"context"
	"testing"
	"time"
)

func inTx(t *testing.T, db *DB, fn func(tx *Tx) error) {
	t.Helper()
	if err := db.InTx(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func mustEnqueue(t *testing.T, db *DB, kind string, opts EnqueueOptions) {
	t.Helper()
	inTx(t, db, func(tx *Tx) error {
		_, err := tx.EnqueueJob(context.Background(), kind, nil, opts)
		return err
	})
}

func claim(t *testing.T, db *DB, now time.Time, limit int) []Job {
	t.Helper()
	var jobs []Job
	inTx(t, db, func(tx *Tx) error {
		var err error
		jobs, err = tx.ClaimJobsAt(context.Background(), now, limit)
		return err
	})
	return jobs
}

func jobByID(t *testing.T, db *DB, id int64) Job {
	t.Helper()
	j, err := db.JobByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func TestClaimJobsAt(t *testing.T) {
	db := openTestDB(t)
	base := time.Now().Truncate(time.Millisecond)
	// Enqueued out of order; claimed by run_at, then id.
	for _, d := range []time.Duration{3, 1, 2, 1, 9} {
		mustEnqueue(t, db, "k", EnqueueOptions{RunAt: base.Add(d * time.Minute)})
	}
	got := claim(t, db, base.Add(3*time.Minute), 10)
	var ids []int64
	for _, j := range got {
		ids = append(ids, j.ID)
		if j.State != JobRunning || j.Attempts != 1 {
			t.Errorf("job %d: got state %q, attempts %d; want running, 1", j.ID, j.State, j.Attempts)
		}
	}
	if want := []int64{2, 4, 3, 1}; !equal(ids, want) {
		t.Errorf("claimed ids: got %v, want %v (due ones, oldest run_at first)", ids, want)
	}
	if again := claim(t, db, base.Add(time.Hour), 10); len(again) != 1 || again[0].ID != 5 {
		t.Errorf("second claim: got %v, want only job 5 (running jobs are not claimed twice)", again)
	}
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestReleaseAndRequeue(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name         string
		put          func(tx *Tx) error
		wantAttempts int
	}{
		// Shutdown: the attempt was cut short by us, so it does not count.
		{"release", func(tx *Tx) error { return tx.ReleaseJobs(ctx, []int64{1}) }, 0},
		// Crash: the attempt counts, so a job that kills the process dies.
		{"requeue after crash", func(tx *Tx) error { _, err := tx.RequeueRunningJobs(ctx); return err }, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openTestDB(t)
			now := time.Now()
			mustEnqueue(t, db, "k", EnqueueOptions{RunAt: now})
			claim(t, db, now, 1)
			inTx(t, db, tt.put)
			j := jobByID(t, db, 1)
			if j.State != JobQueued || j.Attempts != tt.wantAttempts {
				t.Errorf("got state %q, attempts %d; want queued, %d", j.State, j.Attempts, tt.wantAttempts)
			}
		})
	}
}

func TestRetryBuryReschedule(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	now := time.Now().Truncate(time.Millisecond)
	mustEnqueue(t, db, "k", EnqueueOptions{RunAt: now})
	later := now.Add(time.Hour)

	claim(t, db, now, 1)
	inTx(t, db, func(tx *Tx) error { return tx.RetryJob(ctx, 1, later, "boom") })
	if j := jobByID(t, db, 1); j.State != JobQueued || j.Attempts != 1 || j.LastError != "boom" || !j.RunAt.Equal(later) {
		t.Errorf("after retry: got %q, %d, %q, %v; want queued, 1, boom, %v", j.State, j.Attempts, j.LastError, j.RunAt, later)
	}

	claim(t, db, later, 1)
	inTx(t, db, func(tx *Tx) error { return tx.BuryJob(ctx, 1, "boom again") })
	if j := jobByID(t, db, 1); j.State != JobDead || j.Attempts != 2 || j.LastError != "boom again" {
		t.Errorf("after bury: got %q, %d, %q; want dead, 2, boom again", j.State, j.Attempts, j.LastError)
	}

	inTx(t, db, func(tx *Tx) error { _, err := tx.RetryDeadJobs(ctx, "k"); return err })
	claim(t, db, time.Now(), 1)
	inTx(t, db, func(tx *Tx) error { return tx.RescheduleJob(ctx, 1, later) })
	if j := jobByID(t, db, 1); j.State != JobQueued || j.Attempts != 0 || j.LastError != "" || !j.RunAt.Equal(later) {
		t.Errorf("after reschedule: got %q, %d, %q, %v; want queued, 0, none, %v", j.State, j.Attempts, j.LastError, j.RunAt, later)
	}
}

func TestEnsurePeriodicJob(t *testing.T) {
	ctx := context.Background()
	now := time.Now().Truncate(time.Millisecond)
	const key = "periodic:prune"
	tests := []struct {
		name      string
		setup     func(t *testing.T, db *DB)
		wantRunAt time.Time
	}{
		{"missing: inserted to run now", func(*testing.T, *DB) {}, now},
		{"queued soon: left alone", func(t *testing.T, db *DB) {
			mustEnqueue(t, db, "prune", EnqueueOptions{RunAt: now.Add(time.Minute), UniqueKey: key})
		}, now.Add(time.Minute)},
		{"queued too far out: pulled in", func(t *testing.T, db *DB) {
			mustEnqueue(t, db, "prune", EnqueueOptions{RunAt: now.Add(48 * time.Hour), UniqueKey: key})
		}, now.Add(time.Hour)},
		{"dead: revived to run now", func(t *testing.T, db *DB) {
			mustEnqueue(t, db, "prune", EnqueueOptions{RunAt: now.Add(-time.Hour), UniqueKey: key})
			claim(t, db, now, 1)
			inTx(t, db, func(tx *Tx) error { return tx.BuryJob(ctx, 1, "no handler") })
		}, now},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openTestDB(t)
			db.SetClock(func() time.Time { return now })
			tt.setup(t, db)
			var before Job
			if tt.name == "queued soon: left alone" {
				before = jobByID(t, db, 1)
			}
			// A rewrite would date the row anew.
			db.SetClock(func() time.Time { return now.Add(time.Second) })
			for range 2 { // idempotent
				inTx(t, db, func(tx *Tx) error { return tx.EnsurePeriodicJob(ctx, "prune", key, now, time.Hour) })
			}
			counts, err := db.JobCounts(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got := counts["prune"][JobQueued]; got != 1 || len(counts["prune"]) != 1 {
				t.Fatalf("prune jobs: got %v, want one queued", counts["prune"])
			}
			j := jobByID(t, db, 1)
			if j.Attempts != 0 || !j.RunAt.Equal(tt.wantRunAt) || j.UniqueKey != key {
				t.Errorf("got attempts %d, run_at %v, key %q; want 0, %v, %q", j.Attempts, j.RunAt, j.UniqueKey, tt.wantRunAt, key)
			}
			if before.ID != 0 && !j.UpdatedAt.Equal(before.UpdatedAt) {
				t.Errorf("a row due in time was written again: updated_at %v, was %v", j.UpdatedAt, before.UpdatedAt)
			}
		})
	}
}

func TestEnqueueUniqueKey(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	opts := EnqueueOptions{UniqueKey: "fetch:a"}
	for i, want := range []bool{true, false} {
		var got bool
		inTx(t, db, func(tx *Tx) error {
			var err error
			got, err = tx.EnqueueJob(ctx, "fetch", []byte("x"), opts)
			return err
		})
		if got != want {
			t.Errorf("enqueue %d: inserted %v, want %v", i+1, got, want)
		}
	}
	inTx(t, db, func(tx *Tx) error { return tx.CompleteJobs(ctx, []int64{1}) })
	if _, err := db.JobByID(ctx, 1); err == nil {
		t.Error("completed job still there")
	}
}
