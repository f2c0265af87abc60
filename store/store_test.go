package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

func openTestDB(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "kith.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// countTo100M runs long enough (tens of seconds) that it is always
// cancelled mid-flight.
const countTo100M = `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000000) SELECT COUNT(*) FROM c`

// The modernc driver has had bugs where a query interrupted by its context
// left the connection unusable or handed back to the pool mid-statement.
// The write pool has one connection, so the query after the cancel runs on
// the very connection that was interrupted.
func TestCancelQueryMidFlight(t *testing.T) {
	db := openTestDB(t)
	pools := []struct {
		name  string
		pool  func() *sql.DB
		conns int
	}{
		{"read", func() *sql.DB { return db.read.pool }, max(2, runtime.GOMAXPROCS(0))},
		{"write", func() *sql.DB { return db.write }, 1},
	}
	for _, p := range pools {
		t.Run(p.name, func(t *testing.T) {
			pool := p.pool()
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			done := make(chan error, 1)
			go func() {
				var n int64
				done <- pool.QueryRowContext(ctx, countTo100M).Scan(&n)
			}()
			select {
			case err := <-done:
				if err == nil {
					t.Fatal("long query: got no error after cancel")
				}
				t.Logf("long query stopped with: %v", err)
			case <-time.After(30 * time.Second):
				t.Fatal("long query did not stop after cancel")
			}
			// Hold every connection the pool may have at once, so the
			// interrupted one is among them.
			var conns []*sql.Conn
			for i := range p.conns {
				c, err := pool.Conn(context.Background())
				if err != nil {
					t.Fatalf("connection %d after cancel: %v", i, err)
				}
				defer c.Close()
				conns = append(conns, c)
			}
			for i, c := range conns {
				var one int
				if err := c.QueryRowContext(context.Background(), `SELECT 1`).Scan(&one); err != nil || one != 1 {
					t.Fatalf("query on connection %d after cancel: got %d, %v; want 1, nil", i, one, err)
				}
			}
		})
	}

}

// A write transaction cancelled mid-query rolls back and leaves no lock
// behind: the next transaction commits.
func TestCancelTransactionMidFlight(t *testing.T) {
	db := openTestDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.EnqueueJob(ctx, "lost", nil, EnqueueOptions{}); err != nil {
			return err
		}
		var n int64
		return tx.tx.QueryRowContext(ctx, countTo100M).Scan(&n)
	})
	if err == nil {
		t.Fatal("cancelled transaction: got no error")
	}
	err = db.InTx(context.Background(), func(tx *Tx) error {
		_, err := tx.EnqueueJob(context.Background(), "kept", nil, EnqueueOptions{})
		return err
	})
	if err != nil {
		t.Fatalf("transaction after cancel: %v", err)
	}
	counts, err := db.JobCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if counts["lost"][JobQueued] != 0 || counts["kept"][JobQueued] != 1 {
		t.Errorf("job counts: got %v, want only one kept job", counts)
	}
	if _, err := db.JobByID(context.Background(), 99); !errors.Is(err, ErrNotFound) {
		t.Errorf("JobByID(99): got %v, want ErrNotFound", err)
	}
}

// The store learns the owner's actor id when the row is written, keeps it
// through a rolled-back write, and reads it back when the file is opened
// again.
func TestOwnerID(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kith.db")
	db, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := db.OwnerID(); got != 0 {
		t.Errorf("OwnerID before the row: got %d, want 0", got)
	}
	var remote, owner int64
	err = db.InTx(ctx, func(tx *Tx) (err error) {
		if remote, err = tx.UpsertActor(ctx, Actor{URI: "https://b.example/users/bob", Username: "bob", Domain: "b.example"}); err != nil {
			return err
		}
		owner, err = tx.UpsertActor(ctx, Actor{URI: "https://kith.test/users/me", Local: true, Username: "me", Domain: "kith.test"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := db.OwnerID(); got != owner || got == remote {
		t.Errorf("OwnerID after the row: got %d, want %d", got, owner)
	}
	failed := errors.New("rolled back")
	err = db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.UpsertActor(ctx, Actor{URI: "https://kith.test/users/other", Local: true, Username: "other", Domain: "kith.test"}); err != nil {
			return err
		}
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("rolled-back write: got %v, want %v", err, failed)
	}
	if got := db.OwnerID(); got != owner {
		t.Errorf("OwnerID after a rollback: got %d, want %d", got, owner)
	}
	db.Close()
	if db, err = Open(ctx, path, nil); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := db.OwnerID(); got != owner {
		t.Errorf("OwnerID after reopening: got %d, want %d", got, owner)
	}
}
