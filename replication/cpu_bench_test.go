package replication

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"kith/store"
)

// BenchmarkReplicationCPU commits b.N posts, one transaction each, as fast
// as one writer goes, without and with replication to a file:// replica,
// and reports the process's CPU per commit (user and system, including
// Litestream's goroutines). It isolates what replication costs a write
// from everything else kith does with an inbound activity:
//
//	go test ./replication -run '^$' -bench ReplicationCPU -benchtime 5000x -count 3
func BenchmarkReplicationCPU(b *testing.B) {
	for _, replicate := range []bool{false, true} {
		b.Run(fmt.Sprintf("replica=%v", replicate), func(b *testing.B) {
			ctx := context.Background()
			dbPath := filepath.Join(b.TempDir(), "kith.db")
			db, err := store.OpenWith(ctx, dbPath, nil, store.Options{ExternalCheckpoints: replicate})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			var author int64
			db.InTx(ctx, func(tx *store.Tx) (err error) {
				author, err = tx.UpsertActor(ctx, store.Actor{URI: "https://remote.example/users/a", Username: "a", Domain: "remote.example",
					Inbox: "https://remote.example/users/a/inbox", Type: "Person"})
				return err
			})
			if replicate {
				repl, err := Start(ctx, dbPath, Options{URL: "file://" + b.TempDir(), SyncInterval: time.Second}, nil)
				if err != nil {
					b.Fatal(err)
				}
				defer repl.Close(ctx)
			}
			before := processCPU()
			b.ResetTimer()
			for i := range b.N {
				err := db.InTx(ctx, func(tx *store.Tx) error {
					_, err := tx.InsertPost(ctx, store.Post{URI: fmt.Sprintf("https://remote.example/notes/%d", i), AuthorID: author,
						Type: "Note", Visibility: store.Public, Content: "<p>" + strings.Repeat("a post of some length ", 20) + "</p>", PublishedAt: time.Now()})
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64((processCPU()-before).Microseconds())/float64(b.N), "cpu-µs/op")
		})
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
