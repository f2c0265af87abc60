// Package monitor keeps the numbers the owner's dashboard charts: what
// arrived at the inboxes and what the queue made of it, deliveries and
// their failures, request latency, the process's memory and CPU, and the
// sizes of the database, its WAL and the media. Hooks in the server and
// the job runner count events; once a minute the counts become a sample in
// a ring of the last 24 hours, which is saved to the store every few
// minutes so that a restart keeps the day. The same counters are served in
// Prometheus's text format (prometheus.go).
package monitor

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"kith/media"
	"kith/store"
)

// Options are a Monitor's sources and clock.
type Options struct {
	// DB is measured (queue, file sizes) and keeps the day.
	DB *store.DB
	// MediaDir is the media directory, whose size is charted.
	MediaDir string
	// Media, if set, is the media storage charted instead of MediaDir
	// (an S3 bucket is listed, a thousand files a request).
	Media media.Store
	// Now is the clock; default time.Now. Tests pass their own and call
	// Tick instead of Run.
	Now func() time.Time
	// SaveEvery is how many minutes pass between saves of the day;
	// default 5.
	SaveEvery int
	// MediaEvery is how often the media directory is walked again for its
	// size (a walk reads every file's metadata); default 15 minutes.
	MediaEvery time.Duration
	// Replica reports the database replica's state; nil when kith does
	// not replicate.
	Replica func() ReplicaState
}

// Monitor counts events as they happen and samples them each minute.
type Monitor struct {
	opts   Options
	logger *slog.Logger

	set                                      *metrics.Set
	inboxReceived, inboxProcessed            *metrics.Counter
	deliveriesOK, deliveriesFailed, requests *metrics.Counter
	latencySeconds                           *metrics.PrometheusHistogram
	latency                                  latencyHist

	mu        sync.Mutex
	ring      ring
	open      time.Time // start of the minute being counted
	base      totals    // the totals when that minute began
	cpuBase   time.Duration
	cpuAt     time.Time // when cpuBase was read
	unsaved   int       // samples taken since the last save
	media     int64     // the media directory's size at mediaAt
	mediaAt   time.Time
	lastGauge gauges              // from the last sample, for the page's live minute
	carry     store.MonitorSample // the minute under way as a previous process saved it
}

// totals are the counters' values at one moment.
type totals struct {
	inboxReceived, inboxProcessed, deliveriesOK, deliveriesFailed, requests uint64
}

// gauges are what a sample measures rather than counts.
type gauges struct {
	at                  time.Time
	queue               store.QueueStats
	rss, db, wal, media int64
}

// New makes a Monitor. Call Load to bring back the saved day.
func New(logger *slog.Logger, opts Options) *Monitor {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SaveEvery <= 0 {
		opts.SaveEvery = 5
	}
	if opts.MediaEvery <= 0 {
		opts.MediaEvery = 15 * time.Minute
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	// With TYPE lines a scraper knows the histogram for one and the
	// counters for counters. The library keeps this switch for the whole
	// process; kith is its only user.
	metrics.ExposeMetadata(true)
	set := metrics.NewSet()
	m := &Monitor{
		opts:             opts,
		logger:           logger,
		set:              set,
		inboxReceived:    set.NewCounter("kith_inbox_received_total"),
		inboxProcessed:   set.NewCounter("kith_inbox_processed_total"),
		deliveriesOK:     set.NewCounter(`kith_deliveries_total{result="ok"}`),
		deliveriesFailed: set.NewCounter(`kith_deliveries_total{result="failed"}`),
		requests:         set.NewCounter("kith_http_requests_total"),
		latencySeconds: set.NewPrometheusHistogramExt("kith_http_request_duration_seconds",
			[]float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}),
	}
	m.cpuAt = opts.Now()
	m.open = m.minute(m.cpuAt)
	m.cpuBase = cpuTime()
	return m
}

func (m *Monitor) minute(t time.Time) time.Time { return t.UTC().Truncate(time.Minute) }

// InboxReceived counts an activity an inbox accepted.
func (m *Monitor) InboxReceived() { m.inboxReceived.Inc() }

// InboxProcessed counts a received activity the queue applied.
func (m *Monitor) InboxProcessed() { m.inboxProcessed.Inc() }

// Delivered counts one delivery attempt, failed or not.
func (m *Monitor) Delivered(failed bool) {
	if failed {
		m.deliveriesFailed.Inc()
	} else {
		m.deliveriesOK.Inc()
	}
}

// Request counts a request answered in d. Streams (server-sent events,
// WebSockets) are not requests in this sense: the server counts them
// nowhere here, or their hours would be every percentile.
func (m *Monitor) Request(d time.Duration) {
	m.requests.Inc()
	m.latency.add(d)
	m.latencySeconds.Update(d.Seconds())
}

func (m *Monitor) totals() totals {
	return totals{m.inboxReceived.Get(), m.inboxProcessed.Get(), m.deliveriesOK.Get(), m.deliveriesFailed.Get(), m.requests.Get()}
}

// Load brings back the samples saved in the last day.
func (m *Monitor) Load(ctx context.Context) error {
	if m.opts.DB == nil {
		return nil
	}
	now := m.opts.Now()
	samples, err := m.opts.DB.MonitorDay(ctx, m.minute(now).Add(-(Day-1)*time.Minute))
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range samples {
		switch {
		case s.Minute.Before(m.open):
			m.ring.put(s)
		case s.Minute.Equal(m.open):
			m.carry = s
		}
	}
	return nil
}

// Tick closes the minute being counted once the clock has passed it: its
// counts and measures become a sample. It returns whether it did. Run
// calls it each minute; tests call it after moving their clock. Counts
// made after the minute ended and before Tick ran go to that minute.
func (m *Monitor) Tick(ctx context.Context) bool {
	now := m.opts.Now()
	m.mu.Lock()
	due := m.minute(now).After(m.open)
	m.mu.Unlock()
	if due {
		m.closeMinute(ctx, now)
	}
	return due
}

// closeMinute makes the minute being counted a sample and starts counting
// the minute of now (the same minute when kith stops before it ends).
func (m *Monitor) closeMinute(ctx context.Context, now time.Time) {
	// Measure outside the lock: the queue query and the media walk take
	// time, and the page reads the ring meanwhile.
	g := m.measure(ctx, now)
	cpu := cpuTime()
	lat := m.latency.take()

	m.mu.Lock()
	defer m.mu.Unlock()
	t := m.totals()
	s := sampleOf(m.open, t.minus(m.base), &lat, g)
	s.CPU = cpu - m.cpuBase
	m.addCarried(&s)
	m.carry = store.MonitorSample{}
	m.ring.put(s)
	m.open, m.base, m.cpuBase, m.cpuAt, m.lastGauge = m.minute(now), t, cpu, now, g
	m.unsaved++
}

// addCarried adds to s what the previous process counted in the same
// minute before it stopped: a restart within a minute loses nothing.
func (m *Monitor) addCarried(s *store.MonitorSample) {
	c := &m.carry
	if !c.Minute.Equal(s.Minute) {
		return
	}
	s.InboxReceived += c.InboxReceived
	s.InboxProcessed += c.InboxProcessed
	s.DeliveriesOK += c.DeliveriesOK
	s.DeliveriesFailed += c.DeliveriesFailed
	s.Requests += c.Requests
	s.CPU += c.CPU
}

func (t totals) minus(b totals) totals {
	return totals{t.inboxReceived - b.inboxReceived, t.inboxProcessed - b.inboxProcessed,
		t.deliveriesOK - b.deliveriesOK, t.deliveriesFailed - b.deliveriesFailed, t.requests - b.requests}
}

func sampleOf(minute time.Time, d totals, lat *counts, g gauges) store.MonitorSample {
	s := store.MonitorSample{
		Minute:           minute,
		InboxReceived:    int64(d.inboxReceived),
		InboxProcessed:   int64(d.inboxProcessed),
		DeliveriesOK:     int64(d.deliveriesOK),
		DeliveriesFailed: int64(d.deliveriesFailed),
		Requests:         int64(d.requests),
		LatencyP50:       lat.quantile(0.50),
		LatencyP99:       lat.quantile(0.99),
		QueueDepth:       g.queue.Due,
		RSS:              g.rss,
		DBBytes:          g.db,
		WALBytes:         g.wal,
		MediaBytes:       g.media,
	}
	if !g.queue.OldestDue.IsZero() {
		s.OldestJob = max(g.at.Sub(g.queue.OldestDue), 0)
	}
	return s
}

// measure reads the gauges: the queue, memory, and the files' sizes. The
// media directory is walked again only every MediaEvery.
func (m *Monitor) measure(ctx context.Context, now time.Time) gauges {
	g := gauges{at: now, rss: rss()}
	if db := m.opts.DB; db != nil {
		var err error
		if g.queue, err = db.QueueStatsAt(ctx, now); err != nil {
			m.logger.Warn("monitor: queue stats", "err", err)
		}
		g.db, g.wal = fileSize(db.Path()), fileSize(db.Path()+"-wal")
	}
	m.mu.Lock()
	stale := m.mediaAt.IsZero() || now.Sub(m.mediaAt) >= m.opts.MediaEvery
	g.media = m.media
	m.mu.Unlock()
	if stale {
		g.media = m.mediaSize(ctx)
		m.mu.Lock()
		m.media, m.mediaAt = g.media, now
		m.mu.Unlock()
	}
	return g
}

// Save writes the day to the store if samples were taken since the last
// save.
func (m *Monitor) Save(ctx context.Context) error {
	if m.opts.DB == nil {
		return nil
	}
	m.mu.Lock()
	if m.unsaved == 0 {
		m.mu.Unlock()
		return nil
	}
	// Up to the minute under way: its slot holds a sample only when stop
	// closed it early.
	last := m.open
	day := m.ring.since(last.Add(-(Day-1)*time.Minute), last)
	m.unsaved = 0
	m.mu.Unlock()
	return m.opts.DB.InTx(ctx, func(tx *store.Tx) error { return tx.SaveMonitorDay(ctx, day) })
}

// Run samples at the start of each minute and saves the day every
// SaveEvery minutes, until ctx is done; then it takes a last sample if a
// minute ended and saves. It runs on the real clock.
func (m *Monitor) Run(ctx context.Context) {
	// The gauges the page shows until the first minute ends; measured
	// here rather than in Load, since walking a large media directory
	// would delay the start.
	g := m.measure(ctx, m.opts.Now())
	m.mu.Lock()
	m.lastGauge = g
	m.mu.Unlock()
	for {
		now := m.opts.Now()
		wait := now.Truncate(time.Minute).Add(time.Minute).Sub(now) + 50*time.Millisecond
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			m.stop()
			return
		case <-timer.C:
		}
		m.Tick(ctx)
		m.mu.Lock()
		due := m.unsaved >= m.opts.SaveEvery
		m.mu.Unlock()
		if due {
			if err := m.Save(ctx); err != nil {
				m.logger.Warn("monitor: save the day", "err", err)
			}
		}
	}
}

// stop saves the day at shutdown, the minute under way included.
func (m *Monitor) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m.closeMinute(ctx, m.opts.Now())
	if err := m.Save(ctx); err != nil {
		m.logger.Warn("monitor: save the day", "err", err)
	}
}

// Window returns the last Day minutes, oldest first, ending with the
// minute under way: its counts so far, its latency so far, and the gauges
// of the last sample. A minute without a sample has a zero Minute.
func (m *Monitor) Window() []store.MonitorSample {
	lat := m.latency.peek()
	cpu := cpuTime()
	m.mu.Lock()
	defer m.mu.Unlock()
	// Read under the lock, so that they are never older than the base a
	// Tick meanwhile set: the minute under way never counts below zero.
	t := m.totals()
	out := m.ring.window(m.open)
	live := sampleOf(m.open, t.minus(m.base), &lat, m.lastGauge)
	// CPU is charted as a share of the minute: the minute under way shows
	// the rate so far, not a part-minute's time over a whole minute.
	if elapsed := m.opts.Now().Sub(m.cpuAt); elapsed > time.Second {
		live.CPU = time.Duration(float64(cpu-m.cpuBase) * float64(time.Minute) / float64(elapsed))
	}
	m.addCarried(&live)
	live.RSS = rss()
	out[len(out)-1] = live
	return out
}
