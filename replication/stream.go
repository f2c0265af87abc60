package replication

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/benbjohnson/litestream"
	"github.com/benbjohnson/litestream/file"
)

// Litestream's compaction levels on the replica: the LTX files of each
// sync (level 0) are merged every 30 seconds, those every 5 minutes, and
// those hourly, so a restore reads a handful of files whatever the age of
// the state it rebuilds. Snapshots are daily and kept a day, as are the
// compacted files: --timestamp reaches about a day back.
var levels = litestream.CompactionLevels{
	{Level: 0},
	{Level: 1, Interval: 30 * time.Second},
	{Level: 2, Interval: 5 * time.Minute},
	{Level: 3, Interval: time.Hour},
}

// truncatePages is the WAL size (in 4 KiB pages, 64 MiB) at which
// Litestream's checkpoint stops waiting for readers: kith's target for the
// WAL under load, which its own journal_size_limit keeps without
// replication.
const truncatePages = 16384

// Replicator streams one database to its replica.
type Replicator struct {
	opts    Options
	dbPath  string
	db      *litestream.DB
	store   *litestream.Store
	logger  *slog.Logger
	errs    *lastError
	stop    context.CancelFunc
	tracked chan struct{}

	mu      sync.Mutex
	pending []change  // local positions not yet on the replica, oldest first
	synced  time.Time // when the replica last caught up with a change
	behind  bool      // a lag warning was logged and not yet cleared
	noted   time.Time // the time of the last error written to the status file
}

// change is a local position and when kith first saw it.
type change struct {
	txid uint64
	at   time.Time
}

// Status is what the dashboard, /metrics and the log say of replication.
type Status struct {
	Replica     string
	LocalTXID   uint64
	ReplicaTXID uint64
	// Lag is how long the oldest change not yet on the replica has
	// waited; 0 when the replica has everything.
	Lag time.Duration
	// Synced is when the replica last received changes.
	Synced time.Time
	// LastError is the last error replication met, and when; it stays
	// after replication recovers (Synced then comes after it).
	LastError   string
	LastErrorAt time.Time
}

// Start begins replicating the database at dbPath, which must exist. It
// refuses a replica that answers with an error (wrong keys, no such
// bucket); one that does not answer is logged and retried.
func Start(ctx context.Context, dbPath string, opts Options, logger *slog.Logger) (*Replicator, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	errs := &lastError{}
	lsLogger := slog.New(errs.handler(logger.Handler())).With("replica", opts.Where())
	client, err := opts.client(lsLogger)
	if err != nil {
		return nil, err
	}
	if err := check(ctx, client, opts); err != nil {
		var down errUnreachable
		if !errors.As(err, &down) {
			return nil, err
		}
		logger.Error("replication: the replica does not answer; kith starts and replicates once it does", "replica", opts.Where(), "err", err)
		errs.set(err.Error(), time.Now())
	}
	db := litestream.NewDB(dbPath)
	db.Logger = lsLogger
	db.MonitorInterval = monitorInterval(opts.SyncInterval)
	db.TruncatePageN = truncatePages
	db.ShutdownSyncTimeout = 5 * time.Second
	replica := litestream.NewReplicaWithClient(db, client)
	replica.SyncInterval = sendInterval(opts.SyncInterval)
	db.Replica = replica
	if fc, ok := client.(*file.ReplicaClient); ok {
		fc.Replica = replica // it copies the database's file modes
	}
	st := litestream.NewStore([]*litestream.DB{db}, levels)
	st.Logger = lsLogger
	db.SetLogger(lsLogger) // NewStore gave it one of slog's default logger
	st.ShutdownSyncTimeout = 5 * time.Second
	if err := st.Open(ctx); err != nil {
		return nil, fmt.Errorf("start replication to %s: %w", opts.Where(), err)
	}
	r := &Replicator{opts: opts, dbPath: dbPath, db: db, store: st, logger: logger, errs: errs, tracked: make(chan struct{})}
	trackCtx, stop := context.WithCancel(context.Background())
	r.stop = stop
	go r.track(trackCtx)
	logger.Info("replicating the database", "replica", opts.Where(), "sync_interval", opts.SyncInterval)
	return r, nil
}

// sync_interval is a bound: a commit is on the replica at most that long
// after it is made. Litestream finds new commits by looking at the WAL
// every monitorInterval and writes what it found as one LTX file; the
// replica's loop uploads new files as soon as they appear, at most every
// sendInterval. Each LTX file is one PUT, so the monitor interval sets the
// cost (PUTs a minute under steady writes: 60 s / monitorInterval) as well
// as most of the lag; the send interval only adds delay. So kith looks at
// the WAL every three quarters of the interval, sends within a twentieth
// of it, and leaves a fifth for the upload and a loaded machine: at the
// default 1 s, a look every 750 ms (80 PUTs a minute while posts keep
// coming, none when idle).
func monitorInterval(sync time.Duration) time.Duration {
	return max(sync*3/4, 10*time.Millisecond)
}

func sendInterval(sync time.Duration) time.Duration {
	return max(sync/20, 5*time.Millisecond)
}

// Close sends what is left (for a few seconds at most) and stops. Call it
// after every other connection to the database is closed: Litestream's
// file handle holds the process's locks on it.
func (r *Replicator) Close(ctx context.Context) error {
	r.stop()
	<-r.tracked
	err := r.store.Close(ctx)
	st := r.Status()
	r.logger.Info("replication stopped", "replica", r.opts.Where(), "local_txid", st.LocalTXID, "replica_txid", st.ReplicaTXID)
	return err
}

// Sync sends every commit made so far to the replica now, without
// waiting for the next interval.
func (r *Replicator) Sync(ctx context.Context) error {
	if err := r.db.Sync(ctx); err != nil {
		return err
	}
	if err := r.db.Replica.Sync(ctx); err != nil {
		return err
	}
	r.observe(time.Now())
	return nil
}

// Status says how far the replica is.
func (r *Replicator) Status() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.statusLocked(time.Now())
}

func (r *Replicator) statusLocked(now time.Time) Status {
	s := Status{Replica: r.opts.Where(), Synced: r.synced}
	if pos, err := r.db.Pos(); err == nil {
		s.LocalTXID = uint64(pos.TXID)
	}
	s.ReplicaTXID = uint64(r.db.Replica.Pos().TXID)
	if len(r.pending) > 0 {
		s.Lag = now.Sub(r.pending[0].at)
	}
	s.LastError, s.LastErrorAt = r.errs.get()
	return s
}

// trackEvery is how often the replicator compares the local and the
// replica's positions.
const trackEvery = 50 * time.Millisecond

// track follows the local and the replica's positions, to measure the lag,
// and logs when the replica falls behind and when it catches up.
func (r *Replicator) track(ctx context.Context) {
	defer close(r.tracked)
	t := time.NewTicker(trackEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			r.observe(now)
		}
	}
}

// observe records one look at both positions.
func (r *Replicator) observe(now time.Time) {
	var local uint64
	if pos, err := r.db.Pos(); err == nil {
		local = uint64(pos.TXID)
	}
	remote := uint64(r.db.Replica.Pos().TXID)
	r.mu.Lock()
	defer r.mu.Unlock()
	if n := len(r.pending); local > remote && (n == 0 || r.pending[n-1].txid < local) {
		r.pending = append(r.pending, change{txid: local, at: now})
	}
	i := 0
	for i < len(r.pending) && r.pending[i].txid <= remote {
		i++
	}
	if i > 0 {
		r.pending = r.pending[i:]
		r.synced = now
	}
	if msg, at := r.errs.get(); at.After(r.noted) {
		r.noted = at
		if err := writeStatusFile(r.dbPath, msg, at); err != nil {
			r.logger.Warn("replication: cannot record the last error for kith doctor", "err", err)
		}
	}
	lag := time.Duration(0)
	if len(r.pending) > 0 {
		lag = now.Sub(r.pending[0].at)
	}
	warnAfter := max(10*r.opts.SyncInterval, 30*time.Second)
	switch {
	case lag > warnAfter && !r.behind:
		r.behind = true
		msg, _ := r.errs.get()
		r.logger.Warn("replication is behind", "replica", r.opts.Where(), "lag", lag.Round(time.Second), "last_error", msg)
	case lag == 0 && r.behind:
		r.behind = false
		r.logger.Info("replication caught up", "replica", r.opts.Where(), "replica_txid", remote)
	}
}

// lastError keeps the last error Litestream logged. Litestream reports
// its failures (a replica that does not answer, a refused upload) by
// logging them and retrying; this handler passes every record on to kith's
// log and remembers the errors for the status.
type lastError struct {
	mu  sync.Mutex
	msg string
	at  time.Time
}

func (l *lastError) set(msg string, at time.Time) {
	l.mu.Lock()
	l.msg, l.at = msg, at
	l.mu.Unlock()
}

func (l *lastError) get() (string, time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.msg, l.at
}

func (l *lastError) handler(next slog.Handler) slog.Handler {
	return &errorHandler{next: next, last: l}
}

type errorHandler struct {
	next slog.Handler
	last *lastError
}

func (h *errorHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= slog.LevelError || h.next.Enabled(ctx, demote(level))
}

// demote makes Litestream's routine news (a compaction every 30 seconds,
// a daily snapshot) debug lines in kith's log; its warnings and errors
// stay what they are.
func demote(level slog.Level) slog.Level {
	if level < slog.LevelWarn {
		return slog.LevelDebug
	}
	return level
}

func (h *errorHandler) Handle(ctx context.Context, rec slog.Record) error {
	rec.Level = demote(rec.Level)
	if rec.Level >= slog.LevelError {
		msg := rec.Message
		rec.Attrs(func(a slog.Attr) bool {
			if a.Key == "error" || a.Key == "err" {
				msg += ": " + a.Value.String()
				return false
			}
			return true
		})
		h.last.set(msg, rec.Time)
	}
	if !h.next.Enabled(ctx, rec.Level) {
		return nil
	}
	return h.next.Handle(ctx, rec)
}

func (h *errorHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &errorHandler{next: h.next.WithAttrs(attrs), last: h.last}
}

func (h *errorHandler) WithGroup(name string) slog.Handler {
	return &errorHandler{next: h.next.WithGroup(name), last: h.last}
}
