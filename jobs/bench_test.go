package jobs_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"kith/jobs"
	"kith/store"
)

// BenchmarkQueueThroughput enqueues b.N trivial jobs, in transactions of
// 500 as a burst of deliveries would be, while a started runner works them
// off, and reports jobs enqueued and completed per second.
//
//	go test -run '^$' -bench QueueThroughput -benchtime 20000x -count 5 ./jobs
func BenchmarkQueueThroughput(b *testing.B) {
	ctx := context.Background()
	db := openDB(b)
	r := jobs.New(db, nil, jobs.Options{})
	n := int64(b.N)
	var ran atomic.Int64
	all := make(chan struct{})
	r.Handle("noop", func(context.Context, store.Job) error {
		if ran.Add(1) == n {
			close(all)
		}
		return nil
	})

	b.ResetTimer()
	start := time.Now()
	if err := r.Start(ctx); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i += 500 {
		err := db.InTx(ctx, func(tx *store.Tx) error {
			for range min(500, b.N-i) {
				if _, err := jobs.Enqueue(ctx, tx, "noop", nil, store.EnqueueOptions{}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		r.Poke()
	}
	<-all
	if err := r.Shutdown(ctx); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	b.StopTimer()

	if left := countJobs(b, db); left != 0 {
		b.Fatalf("jobs left: got %d, want 0", left)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "jobs/s")
}
