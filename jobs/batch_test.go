package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"kith/jobs"
	"kith/store"
)

// batchProbe is a kind with a batch handler that applies each job in a
// unit of one store.Batch, writing a settings row "done:ID" that counts
// its runs. Jobs listed in alone are handed back to run alone, those in
// poison fail.
type batchProbe struct {
	db          *store.DB
	alone       map[int64]bool
	poison      map[int64]bool
	mu          sync.Mutex
	batches     [][]int64 // job ids of each batch, in order
	singles     []int64   // jobs the kind's Handler ran
	unitLatency time.Duration
}

var errPoison = errors.New("poisoned job")

func (p *batchProbe) mark(ctx context.Context, id int64) error {
	key := "done:" + strconv.FormatInt(id, 10)
	v, err := p.db.Setting(ctx, key) // inside a batch: through its transaction
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	runs, _ := strconv.Atoi(v)
	return p.db.InTx(ctx, func(tx *store.Tx) error { return tx.SetSetting(ctx, key, strconv.Itoa(runs+1)) })
}

func (p *batchProbe) single(ctx context.Context, job store.Job) error {
	p.mu.Lock()
	p.singles = append(p.singles, job.ID)
	p.mu.Unlock()
	return p.mark(ctx, job.ID)
}

func (p *batchProbe) batch(ctx context.Context, batch []store.Job) []error {
	ids := make([]int64, len(batch))
	for i, j := range batch {
		ids[i] = j.ID
	}
	p.mu.Lock()
	p.batches = append(p.batches, ids)
	p.mu.Unlock()
	errs := make([]error, len(batch))
	b, err := p.db.BeginBatch(ctx)
	if err != nil {
		for i := range errs {
			errs[i] = err
		}
		return errs
	}
	for i, job := range batch {
		if p.alone[job.ID] {
			errs[i] = jobs.ErrRunAlone
			continue
		}
		errs[i] = b.Do(ctx, func(ctx context.Context) error {
			if err := p.mark(ctx, job.ID); err != nil {
				return err
			}
			time.Sleep(p.unitLatency)
			if p.poison[job.ID] {
				return jobs.Permanent(errPoison)
			}
			return nil
		})
	}
	if err := b.Commit(); err != nil {
		for i := range errs {
			errs[i] = err
		}
	}
	return errs
}

func (p *batchProbe) register(r *jobs.Runner, size int) {
	r.Handle("probe", p.single, jobs.WithBatch(size, 0, p.batch), jobs.WithBackoff(10*time.Millisecond, 10*time.Millisecond))
}

func runs(t *testing.T, db *store.DB, id int64) int {
	t.Helper()
	v, err := db.Setting(context.Background(), "done:"+strconv.FormatInt(id, 10))
	if errors.Is(err, store.ErrNotFound) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(v)
	return n
}

// TestBatchHandler: RunDue gives the due jobs of a batched kind to its
// batch handler in batches of at most the batch size; a job the batch
// hands back runs alone with the kind's Handler; a poisoned job is
// buried alone and what it wrote is rolled back, while the rest of its
// batch commits.
func TestBatchHandler(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	r := newRunner(db, newClock(), jobs.Options{})
	p := &batchProbe{db: db, alone: map[int64]bool{3: true}, poison: map[int64]bool{5: true}}
	p.register(r, 4)
	enqueueMany(t, db, "probe", 10)

	if _, err := r.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(p.batches); got != "[[1 2 3 4] [5 6 7 8] [9 10]]" {
		t.Errorf("batches %s, want [[1 2 3 4] [5 6 7 8] [9 10]]", got)
	}
	if got := fmt.Sprint(p.singles); got != "[3]" {
		t.Errorf("run alone: %s, want [3]", got)
	}
	for id := int64(1); id <= 10; id++ {
		want := 1
		if id == 5 {
			want = 0
		}
		if got := runs(t, db, id); got != want {
			t.Errorf("job %d: done %d times, want %d", id, got, want)
		}
	}
	counts, err := db.JobCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := counts["probe"]; got["dead"] != 1 || got["queued"]+got["running"] != 0 {
		t.Errorf("probe jobs left: %v, want only the poisoned one, dead", got)
	}
	dead, err := db.Jobs(ctx, "dead", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(dead) != 1 || dead[0].ID != 5 || dead[0].LastError != errPoison.Error() {
		t.Errorf("dead jobs %+v, want job 5 with %q", dead, errPoison)
	}
}

// TestBatchHandlerPanics: a panic that escapes a batch handler hands its
// jobs to the kind's Handler one by one.
func TestBatchHandlerPanics(t *testing.T) {
	db := openDB(t)
	r := newRunner(db, newClock(), jobs.Options{})
	var mu sync.Mutex
	var single []int64
	r.Handle("probe", func(ctx context.Context, job store.Job) error {
		mu.Lock()
		defer mu.Unlock()
		single = append(single, job.ID)
		return nil
	}, jobs.WithBatch(8, 0, func(ctx context.Context, batch []store.Job) []error { panic("batch bug") }))
	enqueueMany(t, db, "probe", 3)
	runDue(t, r, 3)
	slices.Sort(single)
	if got := fmt.Sprint(single); got != "[1 2 3]" {
		t.Errorf("run alone after the panic: %s, want [1 2 3]", got)
	}
	if n := countJobs(t, db); n != 0 {
		t.Errorf("%d jobs left", n)
	}
}

// TestBatchesWithStart: the started runner batches too, and hands jobs
// back to run alone.
func TestBatchesWithStart(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	r := jobs.New(db, nil, jobs.Options{Concurrency: 2})
	p := &batchProbe{db: db, alone: map[int64]bool{7: true}}
	p.register(r, 16)
	enqueueMany(t, db, "probe", 100)
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for countJobs(t, db) > 0 { // the started runner has no step to call
		if time.Now().After(deadline) {
			t.Fatal("queue did not drain")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := r.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for id := int64(1); id <= 100; id++ {
		if got := runs(t, db, id); got != 1 {
			t.Errorf("job %d done %d times, want 1", id, got)
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, b := range p.batches {
		if len(b) > 16 {
			t.Errorf("batch of %d, over the size 16", len(b))
		}
	}
	if fmt.Sprint(p.singles) != "[7]" {
		t.Errorf("run alone: %v, want [7]", p.singles)
	}
}

// batchChildEnv names the database of TestHelperBatchChild.
const batchChildEnv = "KITH_JOBS_BATCH_CHILD"

// TestCrashMidBatchLosesNothing kills a process with SIGKILL while it
// applies jobs in batches (each unit takes a millisecond, so a batch's
// transaction is open most of the time), restarts it, and checks that
// every job was applied and the queue is empty: a batch cut short
// commits nothing and its jobs, still marked running, run again.
func TestCrashMidBatchLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	const n = 2000
	path := filepath.Join(t.TempDir(), "kith.db")
	db := openAt(t, path)
	enqueueMany(t, db, "probe", n)
	raw := openRaw(t, path)
	done := func() int {
		var c int
		if err := raw.QueryRow(`SELECT COUNT(*) FROM settings WHERE key LIKE 'done:%'`).Scan(&c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	child := func() *exec.Cmd { return batchChildCommand(ctx, path) }
	killMidRun(t, ctx, child(), func() bool { return done() >= n/10 })
	before := done()
	if before >= n {
		t.Fatalf("all %d jobs were applied before the kill", before)
	}
	if out, err := child().CombinedOutput(); err != nil {
		t.Fatalf("restarted child: %v\n%s", err, out)
	}
	var applied, twice int
	err := raw.QueryRow(`SELECT COUNT(*), COUNT(*) FILTER (WHERE CAST(value AS INTEGER) > 1) FROM settings WHERE key LIKE 'done:%'`).Scan(&applied, &twice)
	if err != nil {
		t.Fatal(err)
	}
	if applied != n {
		t.Errorf("applied %d jobs, want %d", applied, n)
	}
	if left := countJobs(t, db); left != 0 {
		t.Errorf("jobs left: %d, want 0", left)
	}
	t.Logf("%d of %d applied before the kill; %d applied twice (committed, then killed before the job was recorded)", before, n, twice)
}

// TestHelperBatchChild is the child process of
// TestCrashMidBatchLosesNothing, not a test of its own.
func TestHelperBatchChild(t *testing.T) {
	path := os.Getenv(batchChildEnv)
	if path == "" {
		t.Skip("helper process for TestCrashMidBatchLosesNothing")
	}
	ctx := context.Background()
	db := openAt(t, path)
	r := jobs.New(db, nil, jobs.Options{})
	p := &batchProbe{db: db, unitLatency: time.Millisecond, alone: map[int64]bool{}}
	for id := int64(50); id <= 2000; id += 100 {
		p.alone[id] = true
	}
	p.register(r, 64)
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

func batchChildCommand(ctx context.Context, path string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperBatchChild$", "-test.count=1", "-test.timeout=2m")
	cmd.Env = append(os.Environ(), batchChildEnv+"="+path)
	return cmd
}

func openAt(t testing.TB, path string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
