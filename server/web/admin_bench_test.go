package web_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"kith/federation"
	"kith/server/servertest"
	"kith/store"
)

// fillDay saves a full day of varied samples ending at the minute before
// now, and failing deliveries to a dozen servers.
func fillDay(b *testing.B, in *servertest.StreamInstance) {
	b.Helper()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Minute)
	var day []store.MonitorSample
	for i := range 24 * 60 {
		wave := 1 + math.Sin(float64(i)/90)
		day = append(day, store.MonitorSample{
			Minute:        now.Add(time.Duration(i-24*60) * time.Minute),
			InboxReceived: int64(400 * wave), InboxProcessed: int64(390 * wave),
			DeliveriesOK: int64(120 * wave), DeliveriesFailed: int64(i % 7),
			Requests: int64(900 * wave), LatencyP50: time.Duration(wave * float64(2*time.Millisecond)),
			LatencyP99: time.Duration(wave * float64(40*time.Millisecond)), QueueDepth: int64(i % 300),
			OldestJob: time.Duration(i%60) * time.Second, RSS: 30<<20 + int64(i)<<10, CPU: time.Duration(wave * float64(6*time.Second)),
			DBBytes: 200<<20 + int64(i)<<12, WALBytes: int64(i%100) << 16, MediaBytes: 2 << 30,
		})
	}
	err := in.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SaveMonitorDay(ctx, day); err != nil {
			return err
		}
		for i := range 200 {
			payload := fmt.Sprintf(`{"activity":%d,"inbox":"https://down%d.example/inbox"}`, i, i%12)
			if _, err := tx.EnqueueJob(ctx, federation.JobKindDeliver, []byte(payload), store.EnqueueOptions{}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	jobs, err := in.DB.Jobs(ctx, store.JobQueued, 1000)
	if err != nil {
		b.Fatal(err)
	}
	err = in.DB.InTx(ctx, func(tx *store.Tx) error {
		for i, j := range jobs {
			if j.Kind != federation.JobKindDeliver {
				continue
			}
			if i%3 == 0 {
				if err := tx.BuryJob(ctx, j.ID, "deliver: 410 Gone"); err != nil {
					return err
				}
				continue
			}
			if err := tx.RetryJob(ctx, j.ID, time.Now().Add(time.Hour), "deliver: dial tcp: connection refused"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := in.Srv.Opts.Monitor.Load(ctx); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkDashboard renders the owner's dashboard (/admin) with a full
// day of samples and a dozen failing servers, calling the handler
// directly: p50/p90/p99 of wall time and CPU time per page. Run it with
// go test -run '^$' -bench Dashboard ./server/web
func BenchmarkDashboard(b *testing.B) {
	in := servertest.NewBenchInstance(b)
	fillDay(b, in)
	serve := ownerPage(b, in, "/admin")
	page := serve()
	if n := strings.Count(page, "<polyline "); n < 14 {
		b.Fatalf("the dashboard draws %d lines, want one per series", n)
	}
	if n := strings.Count(page, "<tr data-host="); n != 10 {
		b.Fatalf("the dashboard lists %d failing servers, want 10", n)
	}
	servertest.Measure(b, nil, func() { serve() })
	b.ReportMetric(float64(len(page)), "html-bytes")
}
