package jobs_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"kith/jobs"
	"kith/store"
)

func TestStartRunsJobsAndRequeuesInterrupted(t *testing.T) {
	db := openDB(t)
	const n = 300
	for range n {
		enqueue(t, db, "work", nil, store.EnqueueOptions{})
	}
	// One job claimed by a process that then "crashed".
	err := db.InTx(context.Background(), func(tx *store.Tx) error {
		_, err := tx.ClaimJobs(context.Background(), 1)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	r := newRunner(db, nil, jobs.Options{})
	var ran atomic.Int64
	all := make(chan struct{})
	r.Handle("work", func(context.Context, store.Job) error {
		if ran.Add(1) == n {
			close(all)
		}
		return nil
	})
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	wait(t, all, "all jobs to run")
	if err := r.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if got := ran.Load(); got != n {
		t.Errorf("handler ran %d times, want %d", got, n)
	}
	if got := countJobs(t, db); got != 0 {
		t.Errorf("jobs left: got %d, want 0", got)
	}
}

func TestPokeWakesRunner(t *testing.T) {
	db := openDB(t)
	r := newRunner(db, nil, jobs.Options{PollInterval: time.Hour})
	done := make(chan struct{})
	r.Handle("work", func(context.Context, store.Job) error { close(done); return nil })
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer r.Shutdown(context.Background())
	enqueue(t, db, "work", nil, store.EnqueueOptions{})
	r.Poke()
	wait(t, done, "the poked job") // an hour's poll would time out
}

func TestShutdownWaitsForRunningHandlers(t *testing.T) {
	db := openDB(t)
	r := newRunner(db, nil, jobs.Options{})
	started, finish := make(chan struct{}), make(chan struct{})
	r.Handle("slow", func(context.Context, store.Job) error {
		close(started)
		<-finish
		return nil
	})
	enqueue(t, db, "slow", nil, store.EnqueueOptions{})
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	wait(t, started, "the handler to start")
	shut := make(chan error)
	go func() { shut <- r.Shutdown(context.Background()) }()
	close(finish)
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if got := countJobs(t, db); got != 0 {
		t.Errorf("jobs left: got %d, want 0 (the finished job is deleted)", got)
	}
}

func TestShutdownDeadlineReleasesJobs(t *testing.T) {
	tests := []struct {
		name string
		// handler blocks; it returns when ctx is cancelled or when the
		// test closes unblock, whichever it listens to.
		handler func(unblock <-chan struct{}) jobs.Handler
	}{
		{"handler honours cancellation", func(<-chan struct{}) jobs.Handler {
			return func(ctx context.Context, _ store.Job) error {
				<-ctx.Done()
				return ctx.Err()
			}
		}},
		{"handler ignores cancellation", func(unblock <-chan struct{}) jobs.Handler {
			return func(context.Context, store.Job) error {
				<-unblock
				return errors.New("late failure must not count")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openDB(t)
			r := newRunner(db, nil, jobs.Options{Concurrency: 2})
			var started atomic.Int64
			allStarted := make(chan struct{})
			unblock := make(chan struct{})
			h := tt.handler(unblock)
			r.Handle("stuck", func(ctx context.Context, job store.Job) error {
				if started.Add(1) == 2 {
					close(allStarted)
				}
				return h(ctx, job)
			})
			// Two run, the third waits in the queue, claimed but unstarted.
			for range 3 {
				enqueue(t, db, "stuck", nil, store.EnqueueOptions{})
			}
			if err := r.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			wait(t, allStarted, "the handlers to start")

			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			err := r.Shutdown(ctx)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Shutdown: got %v, want the deadline error", err)
			}
			close(unblock)

			ids := jobIDs(t, db)
			if len(ids) != 3 {
				t.Fatalf("got %d jobs, want 3", len(ids))
			}
			for _, id := range ids {
				j, err := db.JobByID(context.Background(), id)
				if err != nil {
					t.Fatal(err)
				}
				if j.State != store.JobQueued || j.Attempts != 0 || j.LastError != "" {
					t.Errorf("job %d: got state %q, attempts %d, error %q; want queued, 0, none",
						id, j.State, j.Attempts, j.LastError)
				}
			}
		})
	}
}

func TestStartTwice(t *testing.T) {
	db := openDB(t)
	r := newRunner(db, nil, jobs.Options{})
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer r.Shutdown(context.Background())
	if err := r.Start(context.Background()); err == nil {
		t.Error("second Start: got nil error")
	}
}
