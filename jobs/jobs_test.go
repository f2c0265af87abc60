package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"kith/jobs"
	"kith/store"
)

func TestEnqueueFollowsTransaction(t *testing.T) {
	errRollback := errors.New("rollback")
	tests := []struct {
		name    string
		fnErr   error
		wantRan int
	}{
		{"rollback leaves no job", errRollback, 0},
		{"commit runs the job", nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openDB(t)
			r := newRunner(db, newClock(), jobs.Options{})
			var got []string
			r.Handle("greet", func(ctx context.Context, job store.Job) error {
				var p struct{ Name string }
				if err := json.Unmarshal(job.Payload, &p); err != nil {
					return jobs.Permanent(err)
				}
				got = append(got, p.Name)
				return nil
			})
			err := db.InTx(context.Background(), func(tx *store.Tx) error {
				if _, err := jobs.Enqueue(context.Background(), tx, "greet", struct{ Name string }{"ada"}, store.EnqueueOptions{}); err != nil {
					return err
				}
				return tt.fnErr
			})
			if !errors.Is(err, tt.fnErr) {
				t.Fatalf("InTx: got %v, want %v", err, tt.fnErr)
			}
			runDue(t, r, tt.wantRan)
			if len(got) != tt.wantRan {
				t.Fatalf("handler saw %v, want %d runs", got, tt.wantRan)
			}
			if tt.wantRan == 1 && got[0] != "ada" {
				t.Errorf("payload name: got %q, want %q", got[0], "ada")
			}
			if n := countJobs(t, db); n != 0 {
				t.Errorf("jobs left: got %d, want 0", n)
			}
		})
	}
}

// within reports whether got is d after from, give or take the 10% jitter.
func within(got, from time.Time, d time.Duration) bool {
	delay := got.Sub(from)
	return delay >= d*9/10-time.Millisecond && delay <= d*11/10+time.Millisecond
}

func TestRetryFollowsBackoffTable(t *testing.T) {
	db := openDB(t)
	c := newClock()
	table := []time.Duration{time.Minute, time.Hour}
	r := newRunner(db, c, jobs.Options{Backoff: table})
	r.Handle("flaky", func(ctx context.Context, job store.Job) error {
		return errors.New("peer said 503")
	})
	enqueue(t, db, "flaky", nil, store.EnqueueOptions{})

	for i, d := range table {
		runDue(t, r, 1)
		j := onlyJob(t, db)
		if j.State != store.JobQueued || j.Attempts != i+1 || j.LastError != "peer said 503" {
			t.Fatalf("after attempt %d: got state %q, attempts %d, error %q; want queued, %d, %q",
				i+1, j.State, j.Attempts, j.LastError, i+1, "peer said 503")
		}
		if !within(j.RunAt, c.Now(), d) {
			t.Fatalf("after attempt %d: retry in %v, want %v ±10%%", i+1, j.RunAt.Sub(c.Now()), d)
		}
		c.Set(j.RunAt.Add(-time.Second))
		runDue(t, r, 0) // not due yet
		c.Set(j.RunAt)
	}
	runDue(t, r, 1)
	j := onlyJob(t, db)
	if j.State != store.JobDead || j.Attempts != len(table)+1 || j.LastError != "peer said 503" {
		t.Fatalf("after the table: got state %q, attempts %d, error %q; want dead, %d, the last error",
			j.State, j.Attempts, j.LastError, len(table)+1)
	}
	c.Add(100 * time.Hour)
	runDue(t, r, 0) // dead jobs stay dead
}

func TestFailuresThatDoNotRetry(t *testing.T) {
	tests := []struct {
		name      string
		kind      string
		handler   jobs.Handler
		wantState string
		wantError string
	}{
		{
			name:      "permanent error",
			kind:      "deliver",
			handler:   func(context.Context, store.Job) error { return jobs.Permanent(errors.New("410 gone")) },
			wantState: store.JobDead,
			wantError: "410 gone",
		},
		{
			name:      "unknown kind",
			kind:      "mystery",
			wantState: store.JobDead,
			wantError: `no handler for job kind "mystery"`,
		},
		{
			name:      "panic is retried",
			kind:      "deliver",
			handler:   func(context.Context, store.Job) error { panic("oops") },
			wantState: store.JobQueued,
			wantError: "panic: oops",
		},
		{
			name:      "timeout is retried",
			kind:      "deliver",
			handler:   func(ctx context.Context, _ store.Job) error { <-ctx.Done(); return ctx.Err() },
			wantState: store.JobQueued,
			wantError: "context deadline exceeded",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openDB(t)
			r := newRunner(db, newClock(), jobs.Options{})
			if tt.handler != nil {
				r.Handle(tt.kind, tt.handler, jobs.WithTimeout(10*time.Millisecond))
			}
			enqueue(t, db, tt.kind, nil, store.EnqueueOptions{})
			runDue(t, r, 1)
			j := onlyJob(t, db)
			if j.State != tt.wantState || j.Attempts != 1 || j.LastError != tt.wantError {
				t.Errorf("got state %q, attempts %d, error %q; want %q, 1, %q",
					j.State, j.Attempts, j.LastError, tt.wantState, tt.wantError)
			}
		})
	}
}

func TestPerKindBackoff(t *testing.T) {
	db := openDB(t)
	r := newRunner(db, newClock(), jobs.Options{})
	r.Handle("once", func(context.Context, store.Job) error { return errors.New("no") }, jobs.WithBackoff())
	enqueue(t, db, "once", nil, store.EnqueueOptions{})
	runDue(t, r, 1)
	if j := onlyJob(t, db); j.State != store.JobDead {
		t.Errorf("with an empty table: got state %q, want dead after one attempt", j.State)
	}
}

func TestDelayedJob(t *testing.T) {
	db := openDB(t)
	c := newClock()
	r := newRunner(db, c, jobs.Options{})
	ran := 0
	r.Handle("later", func(context.Context, store.Job) error { ran++; return nil })
	enqueue(t, db, "later", nil, store.EnqueueOptions{RunAt: c.Now().Add(time.Hour)})

	runDue(t, r, 0)
	c.Add(59 * time.Minute)
	runDue(t, r, 0)
	c.Add(time.Minute)
	runDue(t, r, 1)
	if ran != 1 {
		t.Errorf("handler ran %d times, want 1", ran)
	}
}

func TestUniqueKey(t *testing.T) {
	db := openDB(t)
	r := newRunner(db, newClock(), jobs.Options{})
	r.Handle("fetch", func(context.Context, store.Job) error { return nil })
	opts := store.EnqueueOptions{UniqueKey: "fetch:https://example.com/users/a"}

	for i, want := range []bool{true, false} {
		var got bool
		err := db.InTx(context.Background(), func(tx *store.Tx) error {
			var err error
			got, err = jobs.Enqueue(context.Background(), tx, "fetch", nil, opts)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("enqueue %d: inserted %v, want %v", i+1, got, want)
		}
	}
	runDue(t, r, 1)
	// Once the job is done its key is free again.
	enqueue(t, db, "fetch", nil, opts)
	runDue(t, r, 1)
}

func TestPeriodicJob(t *testing.T) {
	db := openDB(t)
	c := newClock()
	r := newRunner(db, c, jobs.Options{})
	var fail error
	runs := 0
	r.Handle("prune", func(context.Context, store.Job) error { runs++; return fail })
	r.Every("prune", time.Hour)

	steps := []struct {
		name      string
		fail      error
		wantError string
		wantTries int
	}{
		{"first run at start", nil, "", 0},
		{"after a failure", errors.New("disk full"), "disk full", 1},
		{"after a permanent failure", jobs.Permanent(errors.New("bad")), "bad", 2},
		{"after a success", nil, "", 0},
	}
	for i, s := range steps {
		fail = s.fail
		runDue(t, r, 1)
		if runs != i+1 {
			t.Fatalf("%s: handler ran %d times, want %d", s.name, runs, i+1)
		}
		j := onlyJob(t, db)
		if j.State != store.JobQueued || j.LastError != s.wantError || j.Attempts != s.wantTries {
			t.Fatalf("%s: got state %q, error %q, attempts %d; want queued, %q, %d",
				s.name, j.State, j.LastError, j.Attempts, s.wantError, s.wantTries)
		}
		if got, want := j.RunAt.Sub(c.Now()), time.Hour; got != want {
			t.Fatalf("%s: next run in %v, want %v", s.name, got, want)
		}
		runDue(t, r, 0)
		c.Add(time.Hour)
	}
}

// A periodic row that died (say, under a kith that had no handler for it)
// must not stop the schedule: its unique key would block a new row forever.
func TestPeriodicJobRevivedWhenDead(t *testing.T) {
	db := openDB(t)
	c := newClock()
	old := newRunner(db, c, jobs.Options{})
	enqueue(t, db, "prune", nil, store.EnqueueOptions{UniqueKey: jobs.PeriodicKey("prune")})
	runDue(t, old, 1)
	if j := onlyJob(t, db); j.State != store.JobDead {
		t.Fatalf("without a handler: got state %q, want dead", j.State)
	}

	r := newRunner(db, c, jobs.Options{})
	r.Handle("prune", func(context.Context, store.Job) error { return nil })
	r.Every("prune", time.Hour)
	runDue(t, r, 1)
	if j := onlyJob(t, db); j.State != store.JobQueued || j.LastError != "" {
		t.Errorf("after revival: got state %q, error %q; want queued, no error", j.State, j.LastError)
	}
}

func TestPeriodicIntervalShortened(t *testing.T) {
	db := openDB(t)
	c := newClock()
	old := newRunner(db, c, jobs.Options{})
	old.Handle("prune", func(context.Context, store.Job) error { return nil })
	old.Every("prune", 24*time.Hour)
	runDue(t, old, 1)

	r := newRunner(db, c, jobs.Options{})
	r.Handle("prune", func(context.Context, store.Job) error { return nil })
	r.Every("prune", time.Hour)
	runDue(t, r, 0)
	if got, want := onlyJob(t, db).RunAt.Sub(c.Now()), time.Hour; got != want {
		t.Errorf("next run in %v, want %v", got, want)
	}
}

func TestRunDueRunsJobsEnqueuedByHandlers(t *testing.T) {
	db := openDB(t)
	r := newRunner(db, newClock(), jobs.Options{})
	r.Handle("parent", func(ctx context.Context, job store.Job) error {
		return db.InTx(ctx, func(tx *store.Tx) error {
			_, err := jobs.Enqueue(ctx, tx, "child", nil, store.EnqueueOptions{})
			return err
		})
	})
	r.Handle("child", func(context.Context, store.Job) error { return nil })
	enqueue(t, db, "parent", nil, store.EnqueueOptions{})
	runDue(t, r, 2)
}

func TestPermanent(t *testing.T) {
	base := errors.New("base")
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"plain", base, false},
		{"marked", jobs.Permanent(base), true},
		{"wrapped after marking", errors.Join(errors.New("x"), jobs.Permanent(base)), true},
	}
	for _, tt := range tests {
		if got := jobs.IsPermanent(tt.err); got != tt.want {
			t.Errorf("%s: IsPermanent got %v, want %v", tt.name, got, tt.want)
		}
	}
	if jobs.Permanent(nil) != nil {
		t.Error("Permanent(nil) is not nil")
	}
	if err := jobs.Permanent(base); !errors.Is(err, base) || !strings.Contains(err.Error(), "base") {
		t.Errorf("Permanent hides its cause: %v", err)
	}
}

// A job whose every attempt kills the process never returns an error; at
// start, one that has used up its attempts is buried instead of run again.
func TestStartBuriesJobsThatAlwaysCrash(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	r := jobs.New(db, slog.New(slog.DiscardHandler), jobs.Options{Backoff: []time.Duration{time.Second}})
	ran := 0
	r.Handle("crashy", func(context.Context, store.Job) error { ran++; return nil })
	var id int64
	db.InTx(ctx, func(tx *store.Tx) error {
		tx.EnqueueJob(ctx, "crashy", nil, store.EnqueueOptions{})
		// Two attempts claimed, neither finished: as after two crashes.
		for range 2 {
			jobs, err := tx.ClaimJobs(ctx, 1)
			if err != nil || len(jobs) != 1 {
				t.Fatalf("claim: %v %v", jobs, err)
			}
			id = jobs[0].ID
			tx.RequeueRunningJobs(ctx)
		}
		return nil
	})
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	j, err := db.JobByID(ctx, id)
	if err != nil || j.State != store.JobDead || !strings.Contains(j.LastError, "interrupted") {
		t.Errorf("job = %+v, %v; want dead with the reason", j, err)
	}
	if ran != 0 {
		t.Errorf("the exhausted job ran %d times", ran)
	}
}

// Done hears of every attempt once its result is recorded: successes,
// failures that retry, and failures that bury.
func TestDoneHook(t *testing.T) {
	db := openDB(t)
	type heard struct {
		kind string
		ok   bool
	}
	var got []heard
	r := newRunner(db, newClock(), jobs.Options{Done: func(j store.Job, err error) { got = append(got, heard{j.Kind, err == nil}) }})
	r.Handle("ok", func(context.Context, store.Job) error { return nil })
	r.Handle("retry", func(context.Context, store.Job) error { return errors.New("down") })
	r.Handle("bury", func(context.Context, store.Job) error { return jobs.Permanent(errors.New("gone")) })
	for _, kind := range []string{"ok", "retry", "bury"} {
		enqueue(t, db, kind, nil, store.EnqueueOptions{})
	}
	runDue(t, r, 3)
	slices.SortFunc(got, func(a, b heard) int { return strings.Compare(a.kind, b.kind) })
	want := []heard{{"bury", false}, {"ok", true}, {"retry", false}}
	if !slices.Equal(got, want) {
		t.Errorf("Done heard %v, want %v", got, want)
	}
}
