package monitor

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"kith/media"
	"kith/store"
	s3test "kith/tests/s3"
	"kith/tests/testclock"
)

// Every duration lands in the first bucket whose bound holds it, and the
// bounds grow by 2^(1/4).
func TestBucketOf(t *testing.T) {
	for i, b := range latencyBounds {
		if got := bucketOf(b); got != i {
			t.Errorf("bucketOf(%v) = %d, want %d", b, got, i)
		}
		if i+1 < latencyBuckets {
			if got := bucketOf(b + 1); got != i+1 {
				t.Errorf("bucketOf(%v+1ns) = %d, want %d", b, got, i+1)
			}
		}
	}
	if got := bucketOf(0); got != 0 {
		t.Errorf("bucketOf(0) = %d", got)
	}
	if got := bucketOf(time.Hour); got != latencyBuckets-1 {
		t.Errorf("bucketOf(1h) = %d, want the last bucket", got)
	}
}

// The percentiles read from the buckets are within one bucket (19%) above
// the exact nearest-rank percentiles of what was counted.
func TestQuantiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cases := map[string]func() time.Duration{
		"uniform 1-5 ms": func() time.Duration { return time.Millisecond + time.Duration(rng.Int64N(int64(4*time.Millisecond))) },
		"log-normal": func() time.Duration {
			return time.Duration(float64(time.Millisecond) * rng.ExpFloat64() * rng.ExpFloat64())
		},
		"bimodal": func() time.Duration {
			return map[bool]time.Duration{true: 300 * time.Microsecond, false: 2 * time.Second}[rng.IntN(100) < 97]
		},
	}
	for name, draw := range cases {
		t.Run(name, func(t *testing.T) {
			var h latencyHist
			var all []time.Duration
			for range 10000 {
				d := draw()
				h.add(d)
				all = append(all, d)
			}
			slices.Sort(all)
			c := h.take()
			for _, q := range []float64{0.5, 0.99} {
				exact := all[int(q*float64(len(all)))-1]
				got := c.quantile(q)
				if got < exact || float64(got) > float64(exact)*1.19+float64(latencyBase) {
					t.Errorf("p%v = %v, exact %v: want at most one bucket above", q*100, got, exact)
				}
			}
			if again := h.take(); again.quantile(0.5) != 0 {
				t.Errorf("take left counts behind: p50 %v", again.quantile(0.5))
			}
		})
	}
	var empty counts
	if got := empty.quantile(0.99); got != 0 {
		t.Errorf("no requests: p99 %v, want 0", got)
	}
}

// The ring keeps each minute in its own slot: a gap stays a gap, and a
// sample from a day ago is not shown as today's.
func TestRingWindow(t *testing.T) {
	var r ring
	last := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	r.put(store.MonitorSample{Minute: last.Add(-Day * time.Minute), Requests: 99}) // a day ago, same slot as last
	r.put(store.MonitorSample{Minute: last.Add(-2 * time.Minute), Requests: 2})
	r.put(store.MonitorSample{Minute: last.Add(-(Day - 1) * time.Minute), Requests: 7})
	w := r.window(last)
	if len(w) != Day {
		t.Fatalf("window has %d minutes, want %d", len(w), Day)
	}
	if !w[0].Minute.Equal(last.Add(-(Day-1)*time.Minute)) || w[0].Requests != 7 {
		t.Errorf("oldest minute %v %d, want the sample of %v", w[0].Minute, w[0].Requests, last.Add(-(Day-1)*time.Minute))
	}
	if w[Day-3].Requests != 2 || !w[Day-2].Minute.IsZero() {
		t.Errorf("minutes before last: %+v, %+v; want the sample, then a gap", w[Day-3], w[Day-2])
	}
	if !w[Day-1].Minute.IsZero() {
		t.Errorf("the last minute shows %+v, a sample from a day before", w[Day-1])
	}
	if got := r.since(last.Add(-10*time.Minute), last); len(got) != 1 || got[0].Requests != 2 {
		t.Errorf("since 10 minutes ago: %+v, want the one sample", got)
	}
}

func openDB(t *testing.T, clock *testclock.Clock) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "kith.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetClock(clock.Now)
	return db
}

// Counts become the sample of the minute they were made in; the minute
// under way shows its counts so far; the queue, the database and the media
// are measured.
func TestTick(t *testing.T) {
	ctx := context.Background()
	clock := testclock.New()
	clock.Set(clock.Now().Truncate(time.Minute).Add(10 * time.Second))
	db := openDB(t, clock)
	mediaDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(mediaDir, "a.png"), make([]byte, 3000), 0o600); err != nil {
		t.Fatal(err)
	}
	m := New(nil, Options{DB: db, MediaDir: mediaDir, Now: clock.Now})
	first := clock.Now().Truncate(time.Minute)
	if m.Tick(ctx) {
		t.Fatal("Tick closed a minute that has not ended")
	}
	for range 3 {
		m.InboxReceived()
	}
	m.InboxProcessed()
	m.Delivered(false)
	m.Delivered(true)
	m.Delivered(true)
	for i := range 100 {
		m.Request(time.Duration(i+1) * time.Millisecond)
	}
	live := m.Window()[Day-1]
	if !live.Minute.Equal(first) || live.InboxReceived != 3 || live.Requests != 100 {
		t.Errorf("the minute under way: %+v, want its counts so far", live)
	}
	// Two jobs wait: one due 30 s from now, one in two minutes.
	err := db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.EnqueueJob(ctx, "deliver", nil, store.EnqueueOptions{RunAt: clock.Now().Add(30 * time.Second)}); err != nil {
			return err
		}
		_, err := tx.EnqueueJob(ctx, "deliver", nil, store.EnqueueOptions{RunAt: clock.Now().Add(2 * time.Minute)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Minute + 10*time.Second) // 20 s into the next minute: the first is due since 40 s
	if !m.Tick(ctx) {
		t.Fatal("Tick did not close the minute")
	}
	w := m.Window()
	s := w[Day-2]
	if !s.Minute.Equal(first) {
		t.Fatalf("second to last minute is %v, want %v", s.Minute, first)
	}
	want := store.MonitorSample{Minute: first, InboxReceived: 3, InboxProcessed: 1, DeliveriesOK: 1, DeliveriesFailed: 2, Requests: 100, QueueDepth: 1, OldestJob: 40 * time.Second}
	if s.InboxReceived != want.InboxReceived || s.InboxProcessed != want.InboxProcessed || s.DeliveriesOK != want.DeliveriesOK ||
		s.DeliveriesFailed != want.DeliveriesFailed || s.Requests != want.Requests || s.QueueDepth != want.QueueDepth || s.OldestJob != want.OldestJob {
		t.Errorf("sample %+v, want counts %+v", s, want)
	}
	if s.LatencyP50 < 50*time.Millisecond || s.LatencyP50 > 60*time.Millisecond || s.LatencyP99 < 99*time.Millisecond || s.LatencyP99 > 118*time.Millisecond {
		t.Errorf("p50 %v p99 %v; want about 50 ms and 99 ms", s.LatencyP50, s.LatencyP99)
	}
	if s.DBBytes == 0 || s.MediaBytes != 3000 {
		t.Errorf("database %d bytes, media %d; want the file's size and 3000", s.DBBytes, s.MediaBytes)
	}
	if s.RSS <= 0 {
		t.Errorf("RSS %d", s.RSS)
	}
	if live := w[Day-1]; live.Requests != 0 || live.InboxReceived != 0 || live.QueueDepth != 1 {
		t.Errorf("the new minute: %+v, want no counts yet and the last queue depth", live)
	}
}

// The day is saved and loaded back by the next process; minutes older
// than a day are not.
func TestSaveAndLoad(t *testing.T) {
	ctx := context.Background()
	clock := testclock.New()
	db := openDB(t, clock)
	m := New(nil, Options{DB: db, Now: clock.Now})
	var minutes []time.Time
	for i := range 5 {
		for range i + 1 {
			m.InboxReceived()
		}
		minutes = append(minutes, clock.Now().UTC().Truncate(time.Minute))
		clock.Add(time.Minute)
		m.Tick(ctx)
	}
	if err := m.Save(ctx); err != nil {
		t.Fatal(err)
	}
	// The next start, an hour later: the five minutes are there.
	clock.Add(time.Hour)
	next := New(nil, Options{DB: db, Now: clock.Now})
	if err := next.Load(ctx); err != nil {
		t.Fatal(err)
	}
	w := next.Window()
	byMinute := map[time.Time]int64{}
	for _, s := range w {
		if !s.Minute.IsZero() {
			byMinute[s.Minute] = s.InboxReceived
		}
	}
	for i, minute := range minutes {
		if got := byMinute[minute]; got != int64(i+1) {
			t.Errorf("minute %v after restart: %d received, want %d", minute, got, i+1)
		}
	}
	// A day later they are gone from the window and from what is loaded.
	clock.Add(Day * time.Minute)
	later := New(nil, Options{DB: db, Now: clock.Now})
	if err := later.Load(ctx); err != nil {
		t.Fatal(err)
	}
	for _, s := range later.Window()[:Day-1] {
		if !s.Minute.IsZero() {
			t.Errorf("a day later the window still has %v", s.Minute)
		}
	}
}

// kith stopping saves the minute under way, and a restart within that
// minute adds its own counts to it.
func TestRestartWithinAMinute(t *testing.T) {
	ctx := context.Background()
	clock := testclock.New()
	clock.Set(clock.Now().Truncate(time.Minute).Add(10 * time.Second))
	db := openDB(t, clock)
	first := New(nil, Options{DB: db, Now: clock.Now})
	for range 3 {
		first.InboxReceived()
	}
	first.stop()

	clock.Add(5 * time.Second)
	second := New(nil, Options{DB: db, Now: clock.Now})
	if err := second.Load(ctx); err != nil {
		t.Fatal(err)
	}
	second.InboxReceived()
	second.InboxReceived()
	if got := second.Window()[Day-1].InboxReceived; got != 5 {
		t.Errorf("the minute under way after the restart: %d received, want 3 + 2", got)
	}
	clock.Add(time.Minute)
	second.Tick(ctx)
	if got := second.Window()[Day-2].InboxReceived; got != 5 {
		t.Errorf("the minute of the restart: %d received, want 5", got)
	}
}

// With media in S3, the dashboard charts the bucket's size, not the
// (empty) local directory's.
func TestTickMediaInS3(t *testing.T) {
	ctx := context.Background()
	clock := testclock.New()
	db := openDB(t, clock)
	srv := s3test.Start(t, "kith-media")
	st := media.NewS3(media.S3Options{Endpoint: srv.Endpoint(), Region: s3test.Region, Bucket: "kith-media",
		AccessKey: s3test.AccessKey, SecretKey: s3test.SecretKey, PathStyle: true})
	for i, size := range []int{1000, 2500} {
		if _, err := st.Put(ctx, fmt.Sprintf("f%d.png", i), bytes.NewReader(make([]byte, size)), int64(size), "image/png"); err != nil {
			t.Fatal(err)
		}
	}
	m := New(nil, Options{DB: db, MediaDir: t.TempDir(), Media: st, Now: clock.Now})
	m.Tick(ctx)
	clock.Add(time.Minute)
	m.Tick(ctx)
	if got := m.Window()[Day-2].MediaBytes; got != 3500 {
		t.Errorf("media %d bytes, want the bucket's 3500", got)
	}
}
