package store

import (
	"context"
	"testing"
	"time"
)

// The day reads back as saved, without the minutes before from, and a
// line an older or newer kith wrote (fewer or more fields) still reads.
func TestMonitorDay(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	start := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	samples := []MonitorSample{
		{Minute: start, InboxReceived: 1, Requests: 9},
		{Minute: start.Add(time.Minute), InboxReceived: 2, InboxProcessed: 3, DeliveriesOK: 4, DeliveriesFailed: 5,
			Requests: 6, LatencyP50: 1500 * time.Microsecond, LatencyP99: 2 * time.Second, QueueDepth: 7,
			OldestJob: 90 * time.Second, RSS: 30 << 20, CPU: 1234 * time.Millisecond, DBBytes: 8, WALBytes: 9, MediaBytes: 10},
	}
	if err := db.InTx(ctx, func(tx *Tx) error { return tx.SaveMonitorDay(ctx, samples) }); err != nil {
		t.Fatal(err)
	}
	got, err := db.MonitorDay(ctx, start.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != samples[1] {
		t.Fatalf("got %+v, want %+v", got, samples[1:])
	}
	odd := "1777629600 4 5\n1777629660 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\nnonsense\n1777629720 x\n"
	if err := db.InTx(ctx, func(tx *Tx) error { return tx.SetSetting(ctx, monitorDayKey, odd) }); err != nil {
		t.Fatal(err)
	}
	got, err = db.MonitorDay(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].InboxReceived != 4 || got[0].InboxProcessed != 5 || got[0].Requests != 0 || got[1].MediaBytes != 14 {
		t.Errorf("odd lines read as %+v", got)
	}
}

// Due jobs are counted and the oldest found; dead and future jobs are not.
func TestQueueStatsAt(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	st, err := db.QueueStatsAt(ctx, now)
	if err != nil || st.Due != 0 || !st.OldestDue.IsZero() {
		t.Fatalf("empty queue: %+v %v", st, err)
	}
	var dead int64
	err = db.InTx(ctx, func(tx *Tx) error {
		for _, at := range []time.Duration{-time.Hour, -time.Minute, time.Minute} {
			if _, err := tx.EnqueueJob(ctx, "deliver", nil, EnqueueOptions{RunAt: now.Add(at)}); err != nil {
				return err
			}
		}
		if _, err := tx.EnqueueJob(ctx, "deliver", nil, EnqueueOptions{RunAt: now.Add(-2 * time.Hour)}); err != nil {
			return err
		}
		return tx.tx.QueryRowContext(ctx, `SELECT MAX(id) FROM jobs`).Scan(&dead)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.InTx(ctx, func(tx *Tx) error { return tx.BuryJob(ctx, dead, "gone") }); err != nil {
		t.Fatal(err)
	}
	st, err = db.QueueStatsAt(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if st.Due != 2 || !st.OldestDue.Equal(now.Add(-time.Hour)) {
		t.Errorf("stats %+v, want 2 due, the oldest an hour ago", st)
	}
	failing, err := db.FailingJobGroups(ctx, "deliver", "$.inbox")
	if err != nil || len(failing) != 0 {
		t.Errorf("failing jobs %+v %v, want none: the dead one has no inbox", failing, err)
	}
}
