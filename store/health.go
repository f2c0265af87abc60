package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// What kith serve, /healthz and kith doctor ask about the database itself.

// ErrCorrupt means SQLite found damage in the database file.
var ErrCorrupt = errors.New("the database is damaged")

// QuickCheck runs SQLite's quick_check: every page of every table and
// index is read and its structure checked, without comparing indexes with
// their tables (integrity_check does that too, and takes much longer).
// It returns an error wrapping ErrCorrupt that quotes the first problems.
//
// The check reads through a connection of its own, closed when it is
// done, with a small page cache: every page passes through it once, and a
// pooled connection would keep the last two megabytes of them for as long
// as kith runs.
func (db *DB) QuickCheck(ctx context.Context) error {
	conn, err := sql.Open("sqlite", dsn(db.path, true, db.opts)+"&_pragma=cache_size(-256)")
	if err != nil {
		return fmt.Errorf("check %s: %w", db.path, err)
	}
	defer conn.Close()
	problems, err := checkPragma(ctx, conn, "quick_check", 5)
	if isCorrupt(err) {
		return fmt.Errorf("%s: %w: SQLite says: %v", db.path, ErrCorrupt, err)
	}
	if err != nil {
		return fmt.Errorf("check %s: %w", db.path, err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s: %w: %s", db.path, ErrCorrupt, strings.Join(problems, "; "))
	}
	return nil
}

// IntegrityProblems opens the database file at path read-only and runs
// SQLite's full integrity_check, returning up to max problems (none when
// the file is sound). It does not migrate or otherwise write the file, so
// it suits a database that may be damaged.
func IntegrityProblems(ctx context.Context, path string, max int) ([]string, error) {
	conn, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	problems, err := checkPragma(ctx, conn, "integrity_check", max)
	if isCorrupt(err) {
		// So damaged that the check stops at the first page it reads.
		return []string{"SQLite says: " + err.Error()}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("check %s: %w", path, err)
	}
	return problems, nil
}

// isCorrupt reports an error by which SQLite says the file is damaged.
func isCorrupt(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "malformed") || strings.Contains(msg, "SQLITE_CORRUPT") ||
		strings.Contains(msg, "file is not a database") || strings.Contains(msg, "SQLITE_NOTADB")
}

// checkPragma runs quick_check or integrity_check, which answer one row
// "ok" or one row per problem.
func checkPragma(ctx context.Context, q queryer, pragma string, max int) ([]string, error) {
	rows, err := q.QueryContext(ctx, `PRAGMA `+pragma+`(`+strconv.Itoa(max)+`)`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return nil, err
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	return problems, rows.Err()
}

// ProbeWrite makes one small write and commits it, to learn whether the
// database can still be written (a full disk, a file turned read-only, an
// I/O error). It rewrites the same settings row each time.
func (db *DB) ProbeWrite(ctx context.Context) error {
	return db.InTx(ctx, func(tx *Tx) error {
		return tx.SetSetting(ctx, "health_probe", strconv.FormatInt(tx.now.Unix(), 10))
	})
}

// DeadJobs is what kith doctor reports about failed background work.
type DeadJobs struct {
	ByKind map[string]int
	Total  int
	// Newest is the dead job that failed last; zero when there is none.
	Newest Job
}

// DeadJobSummary counts the dead jobs by kind and finds the newest one.
func (db *DB) DeadJobSummary(ctx context.Context) (DeadJobs, error) {
	d := DeadJobs{ByKind: map[string]int{}}
	rows, err := db.read.QueryContext(ctx, `SELECT kind, COUNT(*) FROM jobs WHERE state = 'dead' GROUP BY kind`)
	if err != nil {
		return d, fmt.Errorf("dead jobs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind string
		var n int
		if err := rows.Scan(&kind, &n); err != nil {
			return d, err
		}
		d.ByKind[kind] = n
		d.Total += n
	}
	if err := rows.Err(); err != nil {
		return d, err
	}
	if d.Total == 0 {
		return d, nil
	}
	d.Newest, err = scanJob(db.read.QueryRowContext(ctx,
		`SELECT `+jobColumns+` FROM jobs WHERE state = 'dead' ORDER BY updated_at DESC, id DESC LIMIT 1`))
	if err != nil {
		return d, fmt.Errorf("newest dead job: %w", err)
	}
	return d, nil
}

// OpenReadOnly opens an existing database for reading only: nothing is
// migrated and InTx fails. kith doctor uses it, so looking at a database
// never changes it.
func OpenReadOnly(ctx context.Context, path string) (*DB, error) {
	read, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)&_pragma=query_only(1)")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	var version int
	if err := read.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&version); err != nil {
		read.Close()
		return nil, classifyOpenError(path, err)
	}
	if version > SchemaVersion() {
		read.Close()
		return nil, fmt.Errorf("%s: %w: its schema version is %d, this kith knows up to %d", path, ErrTooNew, version, SchemaVersion())
	}
	read.SetMaxOpenConns(2)
	return &DB{path: path, read: &reader{pool: read, stmts: newStmtCache(read)}, logger: slog.New(slog.DiscardHandler), now: time.Now}, nil
}
