package jobs_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"kith/jobs"
	"kith/store"
)

// childEnv names the database a helper child process works on.
const childEnv = "KITH_JOBS_CHILD"

const crashJobs = 3000

// TestCrashLosesNoJobs kills a process in the middle of a queue run with
// SIGKILL, restarts it, and checks that every job completed and none was
// lost. Jobs that were running at the kill run twice; at-least-once allows
// that, and the count is logged.
//
// It polls, unlike the other tests, because it watches another process.
func TestCrashLosesNoJobs(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	path := filepath.Join(t.TempDir(), "kith.db")
	db, err := store.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	enqueueMany(t, db, "crash", crashJobs)
	raw := openRaw(t, path)
	if _, err := raw.Exec(`CREATE TABLE IF NOT EXISTS done (job INTEGER PRIMARY KEY, runs INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	doneCount := func() int {
		var n int
		if err := raw.QueryRow(`SELECT COUNT(*) FROM done`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// First run: kill it once some jobs, but not all, are done.
	killMidRun(t, ctx, childCommand(ctx, path), func() bool { return doneCount() >= crashJobs/10 })
	before := doneCount()
	if before >= crashJobs {
		t.Fatalf("all %d jobs finished before the kill; the crash was not exercised", before)
	}

	// Second run: must drain the queue and exit 0.
	out, err := childCommand(ctx, path).CombinedOutput()
	if err != nil {
		t.Fatalf("restarted child: %v\n%s", err, out)
	}

	var n, lo, hi, twice int
	err = raw.QueryRow(`SELECT COUNT(*), MIN(job), MAX(job), COUNT(*) FILTER (WHERE runs > 1) FROM done`).Scan(&n, &lo, &hi, &twice)
	if err != nil {
		t.Fatal(err)
	}
	if n != crashJobs || lo != 1 || hi != crashJobs {
		t.Errorf("done: got %d jobs, ids %d..%d; want %d, ids 1..%d", n, lo, hi, crashJobs, crashJobs)
	}
	if left := countJobs(t, db); left != 0 {
		t.Errorf("jobs left: got %d, want 0", left)
	}
	t.Logf("%d of %d jobs done before the kill; %d ran twice", before, crashJobs, twice)
}

// killMidRun starts cmd and kills it with SIGKILL as soon as progressed
// reports true.
func killMidRun(t *testing.T, ctx context.Context, cmd *exec.Cmd, progressed func() bool) {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for !progressed() {
		select {
		case err := <-exited:
			t.Fatalf("child exited before the kill: %v", err)
		case <-ctx.Done():
			cmd.Process.Kill()
			<-exited
			t.Fatal("timed out waiting for the child to make progress")
		case <-time.After(5 * time.Millisecond):
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-exited
}

// childCommand re-executes the test binary as a helper process that runs
// the queue on the database at path.
func childCommand(ctx context.Context, path string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperQueueChild$", "-test.count=1", "-test.timeout=2m")
	cmd.Env = append(os.Environ(), childEnv+"="+path)
	return cmd
}

// TestHelperQueueChild is the child process of TestCrashLosesNoJobs, not a
// test of its own. It runs the queue until it is empty, recording each job
// in the done table; recording twice only counts a second run.
func TestHelperQueueChild(t *testing.T) {
	path := os.Getenv(childEnv)
	if path == "" {
		t.Skip("helper process for TestCrashLosesNoJobs")
	}
	ctx := context.Background()
	db, err := store.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	raw := openRaw(t, path)

	// Short retries: a failed attempt must not push a job past the test's
	// timeout.
	r := jobs.New(db, nil, jobs.Options{Backoff: []time.Duration{10 * time.Millisecond, 10 * time.Millisecond, 10 * time.Millisecond}})
	r.Handle("crash", func(ctx context.Context, job store.Job) error {
		time.Sleep(time.Millisecond) // a little work, so the kill lands mid-run
		_, err := raw.ExecContext(ctx, `INSERT INTO done (job, runs) VALUES (?, 1) ON CONFLICT (job) DO UPDATE SET runs = runs + 1`, job.ID)
		if err != nil {
			return fmt.Errorf("record job %d: %w", job.ID, err)
		}
		return nil
	})
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for countJobs(t, db) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("queue did not drain")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := r.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}
