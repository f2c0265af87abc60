// Package store keeps everything kith knows in one SQLite file: the owner
// and their sessions, settings and client apps; actors, posts and what
// hangs off them (follows, likes, boosts, blocks, notifications, polls,
// media); the owner's lists, filters, mutes and bookmarks; and the queues
// kith works through (the job queue, deliveries among its jobs, and
// scheduled posts).
//
// It knows nothing of HTTP or ActivityPub. Reads go through a pool of
// read-only connections; writes go through a single connection whose
// transactions take the write lock up front, so writers queue in Go instead
// of spinning on SQLITE_BUSY. Migrations are embedded (migrations/) and
// applied in order at open.
//
// The SQL is raw and lives with its table: one file per table or
// aggregate (follows.go, likes.go, notifications.go, posts.go with its
// parts), named for what it stores rather than for who reads it. Reads
// that span tables, such as timelines.go, threads.go and search.go, are
// named for what they assemble. store.go holds the opening, transactions
// and helpers every file shares.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Sentinel errors. Callers match them with errors.Is; the server maps them
// to status codes in one place.
var (
	// ErrNotFound means the row asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrTooNew means the database was written by a newer kith.
	ErrTooNew = errors.New("database written by a newer kith")
	// ErrNotDatabase means the file is not a SQLite database (or is corrupt).
	ErrNotDatabase = errors.New("not a kith database")
)

// DB is an open kith database.
type DB struct {
	path   string
	write  *sql.DB // one connection; transactions are BEGIN IMMEDIATE
	read   *reader // several read-only connections
	wstmts *stmtCache
	logger *slog.Logger
	now    func() time.Time
	opts   Options
	// ownerID is the owner's actors row: read at Open, set when a
	// transaction that writes the local actor commits.
	ownerID atomic.Int64
	actors  actorCache // ActorByURI's
}

// pragmas go in the DSN so that every pooled connection gets them, not just
// the first one.
//
// journal_mode=WAL lets readers run while a write is in progress.
// synchronous=NORMAL is safe in WAL mode (a power cut can lose the last
// transactions but never corrupts the file) and saves an fsync per commit.
// busy_timeout makes a connection wait for a lock instead of failing at once
// (it matters for backups and CLI commands that open the file beside serve).
// foreign_keys is off by default in SQLite; we want it on.
// journal_size_limit truncates the WAL after a checkpoint so it does not stay
// at its high-water mark.
var pragmas = []string{
	"busy_timeout(10000)",
	"journal_mode(WAL)",
	"synchronous(NORMAL)",
	"foreign_keys(1)",
	"journal_size_limit(67108864)",
	"temp_store(MEMORY)",
}

func dsn(path string, readOnly bool, opts Options) string {
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	if opts.ExternalCheckpoints {
		q.Add("_pragma", "wal_autocheckpoint(0)")
	}
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode()
}

// Open opens (creating if needed) the database at path and applies any
// pending migrations. It refuses a database written by a newer kith and a
// file that is not a SQLite database.
func Open(ctx context.Context, path string, logger *slog.Logger) (*DB, error) {
	return OpenWith(ctx, path, logger, Options{})
}

// Options change how OpenWith sets the database up.
type Options struct {
	// ExternalCheckpoints turns off SQLite's automatic checkpoints on
	// kith's connections (wal_autocheckpoint(0)): the replicator
	// (Litestream) checkpoints instead, after it has copied the WAL, so
	// that no frame is moved into the database before it was read.
	ExternalCheckpoints bool
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, path string, logger *slog.Logger, opts Options) (*DB, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := checkWritableDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	write, err := sql.Open("sqlite", dsn(path, false, opts))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	write.SetConnMaxLifetime(0)

	db := &DB{path: path, write: write, wstmts: newStmtCache(write), logger: logger, now: time.Now, opts: opts}
	if err := db.migrate(ctx); err != nil {
		db.wstmts.close()
		write.Close()
		return nil, classifyOpenError(path, err)
	}
	// Posts another writer added with plain SQL wait for the index. The
	// look comes first: indexing, even nothing, loads the full-text engine.
	var pending bool
	err = write.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM posts_fts_pending)`).Scan(&pending)
	if err == nil && pending {
		err = IndexPendingPosts(ctx, write)
	}
	if err != nil {
		db.wstmts.close()
		write.Close()
		return nil, err
	}
	if err := db.loadOwnerID(ctx); err != nil {
		db.wstmts.close()
		write.Close()
		return nil, err
	}

	read, err := sql.Open("sqlite", dsn(path, true, opts))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	n := max(2, runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	db.read = &reader{pool: read, stmts: newStmtCache(read)}
	return db, nil
}

// loadOwnerID reads the id of the owner's actors row, if it exists yet.
func (db *DB) loadOwnerID(ctx context.Context) error {
	var id int64
	err := db.write.QueryRowContext(ctx, `SELECT id FROM actors WHERE local = 1 LIMIT 1`).Scan(&id)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("owner's actor: %w", err)
	}
	db.ownerID.Store(id)
	return nil
}

// OwnerID is the id of the owner's actors row (not of the owner account,
// which has no id of its own), the one every "the owner's" query means.
// It is 0 until that row exists: federation writes it from the owner
// account when it starts.
func (db *DB) OwnerID() int64 { return db.ownerID.Load() }

// SetClock replaces the store's clock (time.Now), which dates what it
// writes, allocates post ids and says which day is today in tag history.
// Tests that compare output with fixed files set it before any use.
func (db *DB) SetClock(now func() time.Time) { db.now = now }

func checkWritableDir(dir string) error {
	info, err := os.Stat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("data directory %s does not exist: create it or run 'kith init'", dir)
	}
	if err != nil {
		return fmt.Errorf("data directory %s: %w", dir, err)
	}
	if !info.IsDir() {
		return fmt.Errorf("data directory %s is not a directory", dir)
	}
	f, err := os.CreateTemp(dir, ".kith-write-check-*")
	if err != nil {
		return fmt.Errorf("data directory %s is not writable by this user: %w", dir, err)
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// classifyOpenError turns SQLite's terse complaints about a bad file into
// errors that say what to do.
func classifyOpenError(path string, err error) error {
	if errors.Is(err, ErrTooNew) {
		return fmt.Errorf("%s: %w", path, err)
	}
	msg := err.Error()
	if strings.Contains(msg, "file is not a database") || strings.Contains(msg, "malformed") ||
		strings.Contains(msg, "SQLITE_NOTADB") || strings.Contains(msg, "SQLITE_CORRUPT") {
		return fmt.Errorf("%s: %w (SQLite says: %v); restore the last backup with 'kith restore ARCHIVE --data NEWDIR' ('kith doctor' shows the details), or move it away to start afresh", path, ErrNotDatabase, err)
	}
	return fmt.Errorf("open %s: %w", path, err)
}

// Path returns the database file's path.
func (db *DB) Path() string { return db.path }

// Close closes both connection pools.
func (db *DB) Close() error {
	var errs []error
	if db.wstmts != nil {
		db.wstmts.close()
	}
	if db.read != nil {
		db.read.stmts.close()
		errs = append(errs, db.read.pool.Close())
	}
	if db.write != nil {
		errs = append(errs, db.write.Close())
	}
	return errors.Join(errs...)
}

// Tx is a write transaction. Every method that changes data hangs off Tx,
// so several changes (and the jobs they enqueue) commit or roll back together.
type Tx struct {
	tx     *sql.Tx
	now    time.Time
	stmts  *stmtCache
	missed map[string]bool      // queries to prepare once the connection is free
	bound  map[string]*sql.Stmt // cached statements bound to this transaction
	// ownerID is the DB's OwnerID when the transaction began, or the
	// local actor's row once the transaction wrote it (wroteOwner), for
	// the DB to learn when it commits.
	ownerID    int64
	wroteOwner bool
	// indexDue says the transaction wrote posts whose text the search
	// index must take before it commits (indexPending).
	indexDue bool
	// queuedJobs says the transaction queued a job (Batch.QueuedJobs).
	queuedJobs bool
	// actorsChanged says the transaction wrote actors: the actor cache
	// is emptied as it commits, and is not read until then.
	actorsChanged bool
}

// Now is the time the transaction started; rows written in one transaction
// share it.
func (tx *Tx) Now() time.Time { return tx.now }

// InTx runs fn in a write transaction and commits it if fn returns nil.
// The write lock is taken at BEGIN, so fn never fails half-way with
// SQLITE_BUSY on its first write.
//
// Under a batch unit's context (Batch.Do), fn runs in a savepoint of the
// batch's transaction instead, and commits with the batch.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	if b := db.batchOf(ctx); b != nil {
		return b.inBatch(ctx, fn)
	}
	if db.write == nil {
		return fmt.Errorf("%s was opened read-only", db.path)
	}
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{tx: sqlTx, now: db.now(), stmts: db.wstmts, ownerID: db.OwnerID()}
	err = fn(tx)
	if err == nil {
		err = tx.indexPending(ctx)
	}
	if err != nil {
		if rbErr := sqlTx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			return errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
		}
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	tx.committed(db)
	return nil
}

// committed tells db what a transaction that just committed learnt.
func (tx *Tx) committed(db *DB) {
	if tx.actorsChanged {
		db.actors.invalidate()
	}
	if tx.missed != nil {
		db.wstmts.prepareLater(tx.missed)
	}
	if tx.wroteOwner {
		db.ownerID.Store(tx.ownerID)
	}
}

func unixMilli(t time.Time) int64 { return t.UnixMilli() }

func fromMilli(ms int64) time.Time { return time.UnixMilli(ms) }

func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return fmt.Errorf("%s: %w", what, err)
}

func notFoundOrNil(err error, what string) error {
	if err == nil {
		return nil
	}
	return notFound(err, what)
}

// Ping checks that the database answers a query.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.read.QueryRowContext(ctx, `SELECT 1`).Scan(&one)
}

// Snapshot writes a consistent copy of the whole database to path (which
// must not exist) while kith keeps running: SQLite's VACUUM INTO reads one
// snapshot. Writers wait while it copies.
func (db *DB) Snapshot(ctx context.Context, path string) error {
	if _, err := db.write.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("snapshot database: %w", err)
	}
	return nil
}

// CheckIntegrity opens a database file read-only and runs SQLite's
// integrity check on it.
func CheckIntegrity(ctx context.Context, path string) error {
	conn, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return err
	}
	defer conn.Close()
	var result string
	if err := conn.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&result); err != nil {
		return classifyOpenError(path, err)
	}
	if result != "ok" {
		return fmt.Errorf("%s: %w: integrity check says %q", path, ErrNotDatabase, result)
	}
	return nil
}
