package store

import (
	"context"
	"path/filepath"
	"testing"
)

// With ExternalCheckpoints every connection of kith's (the writer and the
// readers) leaves checkpoints to the replicator; without, SQLite's default
// of a checkpoint every 1000 pages stays.
func TestExternalCheckpoints(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		opts Options
		want int
	}{{Options{}, 1000}, {Options{ExternalCheckpoints: true}, 0}} {
		db, err := OpenWith(ctx, filepath.Join(t.TempDir(), "kith.db"), nil, tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		var w, r int
		if err := db.write.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&w); err != nil {
			t.Fatal(err)
		}
		if err := db.read.pool.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&r); err != nil {
			t.Fatal(err)
		}
		if w != tc.want || r != tc.want {
			t.Errorf("%+v: wal_autocheckpoint = %d (writer), %d (reader), want %d", tc.opts, w, r, tc.want)
		}
		db.Close()
	}
}
