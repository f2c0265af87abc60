package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"

	"kith/account"
	"kith/config"
	"kith/events"
	"kith/federation"
	"kith/jobs"
	"kith/media"
	"kith/monitor"
	"kith/portability"
	"kith/prefault"
	"kith/replication"
	"kith/server"
	"kith/server/web/themes"
	"kith/store"
)

// fineMappingDelay is how long kith serves before mapOwnCodeFinely: its
// disk reads would otherwise slow the very first requests (a health
// check waiting for the restart, say) by a few milliseconds each.
const fineMappingDelay = 250 * time.Millisecond

// drainTimeout bounds the graceful shutdown: requests and jobs in flight
// get this long to finish; unfinished jobs go back to the queue.
const drainTimeout = 10 * time.Second

func runServe(ctx context.Context, c stdio, args []string) error {
	fs := newFlags(c, "serve", "serve [--config FILE]\n\nRuns kith until SIGINT or SIGTERM. SIGHUP re-reads the config file and applies\nwhat can change without a restart (log level, certificate files, theme).")
	path := configFlag(fs)
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile (pprof) of the whole run to `FILE` as kith stops")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		stopProfile, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stopProfile()
	}
	setGCPercent()                      // serve_gc.go
	resumeCollector := pauseCollector() // back to that once started
	prefault.Heap()                     // the start's heap, mapped in one call
	cfg, err := loadConfig(*path)
	if err != nil {
		return err
	}
	level := new(slog.LevelVar)
	lvl, _ := config.ParseLevel(cfg.Log.Level) // checked by config
	level.Set(lvl)
	logger := newLogger(c.stderr, cfg.Log.Format, level)

	if cfg.File == "" {
		// The built-in default makes its own data directory on first start;
		// a config file's must exist (kith init makes it).
		if err := os.MkdirAll(cfg.Server.DataDir, 0o700); err != nil {
			return fmt.Errorf("create data directory: %w", err)
		}
		logger.Info("no config file: using the built-in default", "url", cfg.Server.URL, "data_dir", cfg.Server.DataDir)
	}
	lock, err := lockDataDir(cfg.Server.DataDir)
	if err != nil {
		return err
	}
	defer lock.Release()
	// With a replica, Litestream checkpoints the WAL, not kith's
	// connections; and it closes after them (its file handle holds the
	// process's locks on the database).
	db, err := store.OpenWith(ctx, cfg.DatabasePath(), logger, store.Options{ExternalCheckpoints: cfg.Replication.Enabled()})
	if err != nil {
		return err
	}
	var repl *replication.Replicator
	stopCarry := func() {}
	defer func() {
		stopCarry()
		db.Close()
		if repl != nil {
			closeCtx, cancel := context.WithTimeout(context.Background(), drainTimeout)
			defer cancel()
			if err := repl.Close(closeCtx); err != nil {
				logger.Error("replication: the last changes may not have reached the replica", "err", err)
			}
		}
	}()
	if err := ensureOwner(ctx, c.stdout, cfg, db); err != nil {
		return err
	}
	if repl, stopCarry, err = startReplication(ctx, cfg, db, logger); err != nil {
		return err
	}

	// The operator commands (kith account move, queue retry, …) enqueue
	// jobs from another process, which cannot poke this runner: polling the
	// queue every second when idle (one indexed read) picks them up.
	// The dashboard's monitor counts what the runner and the server do.
	files, err := mediaFiles(cfg)
	if err != nil {
		return err
	}
	monOpts := monitor.Options{DB: db, MediaDir: cfg.MediaDir(), Media: files.Store}
	if repl != nil {
		monOpts.Replica = replicaState(repl)
	}
	mon := monitor.New(logger, monOpts)
	runner := jobs.New(db, logger, jobs.Options{Concurrency: cfg.Jobs.Concurrency, PollInterval: time.Second, Done: countJob(mon)})
	// Wrong S3 credentials or a missing bucket stop kith here, once and
	// clearly, rather than failing every upload.
	bucketCtx, cancelCheck := context.WithTimeout(ctx, 30*time.Second)
	err = media.CheckStore(bucketCtx, files.Store)
	cancelCheck()
	if err != nil {
		return fmt.Errorf("media storage (%s): %w", files.Store, err)
	}
	registerJobs(runner, db, cfg, files, logger)
	hub := events.NewHub(0) // federation publishes to it, the streaming API reads from it
	fedOpts := federationOptions(cfg)
	fedOpts.Events = hub
	fedOpts.Applied = mon.InboxProcessed                         // what the queue applies, countJob counts
	fed, err := federation.New(ctx, db, runner, logger, fedOpts) // registers delivery, inbox and scheduled-post jobs
	if err != nil {
		return err
	}
	// Rows stored under older ingest rules are brought up to today's once,
	// before anything is served from them.
	if st, err := fed.CleanStored(ctx); err != nil {
		return fmt.Errorf("clean stored remote data: %w", err)
	} else if st.Changed+st.Dropped > 0 {
		logger.Info("cleaned stored remote data", "changed", st.Changed, "dropped", st.Dropped)
	}

	portOpts := portabilityOptions(cfg)
	portOpts.Files = files
	porter := portability.New(db, fed, runner, logger, portOpts) // registers the import job
	srv, err := server.New(cfg, db, fed, logger, server.Options{Version: fullVersion(), Events: hub, Porter: porter, Monitor: mon,
		MediaStore: files.Store})
	if err != nil {
		return err
	}
	listeners, err := srv.Listen()
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, stopDamaged := context.WithCancelCause(ctx)
	defer stopDamaged(nil)
	// SIGHUP is caught before the first request can be served: an
	// operator (or a test) that sends it as soon as /healthz answers must
	// reach the reload, not the default action, which ends the process.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go reloadOnHangup(ctx, hup, cfg, srv, level, logger)

	// The job queue starts beside the first requests: its start (jobs a
	// crash left running go back to the queue; the periodic jobs' rows
	// are checked) is a write transaction no request needs to wait for.
	// Jobs enqueued meanwhile wait in the queue. A queue that cannot
	// start stops kith.
	runnerStarted := make(chan error, 1)
	go func() {
		err := runner.Start(ctx)
		if err != nil && ctx.Err() != nil {
			err = nil // stopped before it started: that is a shutdown
		}
		if err != nil {
			logger.Error("the job queue could not start: shutting down", "err", err)
			stopDamaged(err)
		}
		runnerStarted <- err
	}()
	monCtx, stopMonitor := context.WithCancel(ctx)
	monitorDone := make(chan struct{})
	go func() {
		// The saved day (a full one is 1,440 samples to parse) is read
		// back here rather than before serving; the dashboard shows it
		// from then on. Run saves nothing before it is read, and the read
		// is not cut short by a stop: the day saved at the stop must
		// include it.
		if err := mon.Load(context.WithoutCancel(monCtx)); err != nil {
			logger.Warn("the dashboard's saved day could not be read; it starts empty", "err", err)
		}
		mon.Run(monCtx)
		close(monitorDone)
	}()
	defer func() { stopMonitor(); <-monitorDone }() // it saves the day as it ends, before the database closes
	// The database is checked while kith serves; a damaged one stops it.
	// Once it is found sound, the start is over: the collector resumes and
	// what starting up used is given back.
	checkCtx, stopCheck := context.WithCancel(ctx)
	defer stopCheck() // before db.Close: a check still running ends first
	damageFound := checkDatabase(checkCtx, db, logger, func() {
		resumeCollector()
		releaseStartupMemory() // serve_memory_linux.go
	})
	go func() {
		select {
		case err := <-damageFound:
			if err != nil {
				logger.Error("the database is damaged: shutting down", "err", err)
				stopDamaged(err)
			}
		case <-ctx.Done():
		}
	}()
	// The first requests after a start run from the page cache as it is;
	// then kith's code is mapped page by page.
	time.AfterFunc(fineMappingDelay, mapOwnCodeFinely) // serve_memory_linux.go
	serveErr := srv.Serve(ctx, listeners, drainTimeout)
	logger.Info("shutting down")
	startErr := <-runnerStarted // a Start still running would outlast Shutdown
	drainCtx, cancel := context.WithTimeout(context.Background(), drainTimeout)
	defer cancel()
	err = errors.Join(serveErr, startErr, runner.Shutdown(drainCtx))
	if cause := context.Cause(ctx); errors.Is(cause, store.ErrCorrupt) {
		return errors.Join(cause, err)
	}
	return err
}

// startCPUProfile profiles the process into file until the returned
// function runs.
func startCPUProfile(file string) (func(), error) {
	f, err := os.Create(file)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

func federationOptions(cfg config.Config) federation.Options {
	return federation.Options{
		BaseURL:        cfg.Server.URL,
		Username:       cfg.Owner.Username,
		Version:        fullVersion(),
		AllowPrivate:   cfg.Federation.AllowPrivateAddresses,
		Hosts:          cfg.Federation.Hosts,
		BlockedDomains: cfg.Federation.BlockedDomains,
		MediaPublicURL: media.PublicURL(cfg, ""),
	}
}

func newLogger(w io.Writer, format string, level *slog.LevelVar) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// ensureOwner creates the owner on first start when kith init was skipped,
// and prints the generated password once, to the terminal, never the log.
func ensureOwner(ctx context.Context, stdout io.Writer, cfg config.Config, db *store.DB) error {
	_, err := db.Owner(ctx)
	if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	password := account.GeneratePassword()
	if err := account.CreateOwner(ctx, db, cfg.Owner.Username, password); err != nil {
		return fmt.Errorf("create owner account: %w", err)
	}
	fmt.Fprintf(stdout, "\nCreated the owner account @%s@%s.\nPassword (shown only now): %s\nSign in at %s/login and change it with 'kith account password'.\n\n",
		cfg.Owner.Username, cfg.Domain(), password, cfg.Server.URL)
	return nil
}

// registerJobs lists every background job kith runs.
func registerJobs(r *jobs.Runner, db *store.DB, cfg config.Config, files media.Files, logger *slog.Logger) {
	r.Handle("sessions.prune", func(ctx context.Context, _ store.Job) error {
		var n int64
		err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			n, err = tx.DeleteExpiredSessions(ctx)
			return err
		})
		if n > 0 {
			logger.Info("pruned expired sessions", "count", n)
		}
		return err
	})
	r.Every("sessions.prune", 24*time.Hour)

	// Cached remote media unused for media.remote_cache_days goes; it is
	// fetched again if asked for. The owner's uploads are never touched.
	days := cfg.Media.RemoteCacheDays
	r.Handle(jobMediaPrune, func(ctx context.Context, _ store.Job) error {
		res, err := media.Prune(ctx, db, files, time.Now().AddDate(0, 0, -days), media.PruneOptions{})
		if res.Files > 0 {
			logger.Info("pruned cached remote media", "files", res.Files, "bytes", res.Bytes, "days", days)
		}
		return err
	})
	r.Every(jobMediaPrune, 24*time.Hour)
}

// countJob tells the monitor of each applied activity and each delivery
// attempt.
func countJob(mon *monitor.Monitor) func(store.Job, error) {
	return func(j store.Job, err error) {
		switch j.Kind {
		case federation.JobKindInbox:
			if err == nil {
				mon.InboxProcessed()
			}
		case federation.JobKindDeliver:
			mon.Delivered(err != nil)
		}
	}
}

// jobMediaPrune is the daily prune of cached remote media.
const jobMediaPrune = "media.prune"

// reloadOnHangup re-reads the config on SIGHUP. A config that fails to load
// is logged and ignored: the running settings stay.
func reloadOnHangup(ctx context.Context, hup <-chan os.Signal, cfg config.Config, srv *server.Server, level *slog.LevelVar, logger *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		if cfg.File == "" {
			logger.Info("reload: no config file to re-read")
			continue
		}
		next, err := config.Load(cfg.File, themes.CheckNames)
		if err == nil {
			err = srv.Reload(next)
		}
		if err != nil {
			logger.Error("reload failed; keeping the running config", "err", err)
			continue
		}
		lvl, _ := config.ParseLevel(next.Log.Level)
		level.Set(lvl)
		logger.Info("config reloaded", "file", cfg.File, "log_level", lvl.String())
	}
}
