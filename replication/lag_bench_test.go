package replication

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/benbjohnson/litestream"

	"kith/store"
	s3test "kith/tests/s3"
)

// lagRate is the commit rate of BenchmarkReplicationLag: 200 posts a
// second unless -lag-rate says otherwise (a lower rate shows what an S3
// replica costs on a quieter instance).
var lagRate = flag.Int("lag-rate", 200, "BenchmarkReplicationLag: posts a second")

// BenchmarkReplicationLag measures how long a committed post takes to be
// restorable from the replica while posts are written at 200 a second,
// with the default sync interval (1 s). Each iteration is one post, each in
// its own transaction, paced to the rate (-benchtime 2000x is 10 s). A
// Litestream follower (restore in follow mode, polling every 20 ms)
// rebuilds the database from the replica as it grows, and a reader polls
// it every 5 ms for the newest post: a post's lag is from its commit to
// its first sighting there, so it includes the follower's polling (at
// most 25 ms more than the replica's own lag). Reported: p50, p99 and max
// in milliseconds, for a file:// replica and for the S3 server; for S3
// also the PUTs a minute kith's process sent (the follower's reads go
// through the same counting proxy, so GETs are mostly its own). Startup
// (a snapshot, the first compactions) weighs on a short run: -benchtime
// 12000x (a minute) gives the steady rate.
//
//	go test ./replication -run '^$' -bench ReplicationLag -benchtime 2000x -count 3
func BenchmarkReplicationLag(b *testing.B) {
	b.Run("file", func(b *testing.B) { benchLag(b, Options{URL: "file://" + b.TempDir(), SyncInterval: time.Second}) })
	b.Run("s3", func(b *testing.B) {
		s := s3test.Start(b, "kith-replica")
		// Requests go through a counting proxy, for the cost of a
		// replica in requests.
		target, _ := url.Parse(s.Endpoint())
		var mu sync.Mutex
		counts := map[string]int{}
		proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			counts[r.Method]++
			if r.Method == "PUT" {
				parts := strings.Split(r.URL.Path, "/")
				if len(parts) > 2 {
					counts["PUT "+strings.Join(parts[len(parts)-3:len(parts)-1], "/")]++
				}
			}
			mu.Unlock()
			httputil.NewSingleHostReverseProxy(target).ServeHTTP(w, r)
		}))
		defer proxy.Close()
		start := time.Now()
		benchLag(b, Options{URL: "s3://kith-replica/lag", SyncInterval: time.Second, Endpoint: proxy.URL, Region: s3test.Region,
			AccessKey: s3test.AccessKey, SecretKey: s3test.SecretKey, PathStyle: true})
		mu.Lock()
		defer mu.Unlock()
		minutes := time.Since(start).Minutes()
		b.ReportMetric(float64(counts["PUT"])/minutes, "PUTs/min")
		b.ReportMetric(float64(counts["GET"]+counts["HEAD"])/minutes, "GETs/min")
		b.Logf("requests in %.1f minutes: %v", minutes, counts)
	})
}

func benchLag(b *testing.B, opts Options) {
	ctx := context.Background()
	dbPath := filepath.Join(b.TempDir(), "kith.db")
	db, err := store.OpenWith(ctx, dbPath, nil, store.Options{ExternalCheckpoints: true})
	if err != nil {
		b.Fatal(err)
	}
	var author int64
	err = db.InTx(ctx, func(tx *store.Tx) (err error) {
		author, err = tx.UpsertActor(ctx, store.Actor{URI: "https://remote.example/users/a", Username: "a", Domain: "remote.example",
			Inbox: "https://remote.example/users/a/inbox", Type: "Person"})
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	repl, err := Start(ctx, dbPath, opts, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { db.Close(); repl.Close(ctx) }()
	insert := func(i int) {
		err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.InsertPost(ctx, store.Post{URI: fmt.Sprintf("https://remote.example/notes/%d", i), AuthorID: author,
				Type: "Note", Visibility: store.Public, Content: "<p>" + strings.Repeat("a post of some length ", 20) + "</p>", PublishedAt: time.Now()})
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	insert(0)
	if err := repl.Sync(ctx); err != nil {
		b.Fatal(err)
	}
	follow := startFollower(b, opts, filepath.Join(b.TempDir(), "follower.db"))
	defer follow.stop()
	follow.waitFor(b, 0, time.Now().Add(30*time.Second))

	committed := make([]time.Time, b.N+1)
	b.ResetTimer()
	start := time.Now()
	for i := 1; i <= b.N; i++ {
		if d := time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(*lagRate))); d > 0 {
			time.Sleep(d)
		}
		insert(i)
		committed[i] = time.Now()
		follow.committed(i)
	}
	follow.waitFor(b, b.N, time.Now().Add(30*time.Second))
	b.StopTimer()
	lags := follow.lags(committed[1:], 1)
	slices.Sort(lags)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(lags[len(lags)/2]), "p50-ms")
	b.ReportMetric(ms(lags[len(lags)*99/100]), "p99-ms")
	b.ReportMetric(ms(lags[len(lags)-1]), "max-ms")
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "posts/s")
}

// follower is a Litestream restore in follow mode and a reader of it.
type follower struct {
	cancel context.CancelFunc
	done   chan error
	mu     sync.Mutex
	seen   map[int]time.Time // post number → first seen in the follower
	last   int               // the newest post committed so far
	polled chan struct{}
}

func startFollower(b *testing.B, opts Options, path string) *follower {
	client, err := opts.client(discardLogger())
	if err != nil {
		b.Fatal(err)
	}
	if err := client.Init(context.Background()); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := &follower{cancel: cancel, done: make(chan error, 2), seen: map[int]time.Time{}, polled: make(chan struct{}, 1)}
	replica := litestream.NewReplicaWithClient(nil, client)
	ro := litestream.NewRestoreOptions()
	ro.OutputPath = path
	ro.Follow = true
	ro.FollowInterval = 20 * time.Millisecond
	go func() { f.done <- replica.Restore(ctx, ro) }()
	go f.read(ctx, path)
	return f
}

// read polls the follower's database for the newest post every 5 ms,
// with a fresh connection each time: the follower writes pages into the
// file behind SQLite's back, which a connection kept open (its page cache
// and WAL index) would not notice. A read may fail or see a torn state
// while pages are written; it is tried again at the next poll.
func (f *follower) read(ctx context.Context, path string) {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			n, ok := newestPost(ctx, path)
			if !ok {
				continue
			}
			f.mu.Lock()
			for i := n; i >= 0; i-- {
				if _, ok := f.seen[i]; ok {
					break
				}
				f.seen[i] = now
			}
			f.mu.Unlock()
			select {
			case f.polled <- struct{}{}:
			default:
			}
		}
	}
}

// newestPost reads the number of the newest post in the database at path.
func newestPost(ctx context.Context, path string) (int, bool) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&immutable=1")
	if err != nil {
		return 0, false
	}
	defer db.Close()
	var uri string
	if err := db.QueryRowContext(ctx, `SELECT uri FROM posts ORDER BY id DESC LIMIT 1`).Scan(&uri); err != nil {
		return 0, false
	}
	var n int
	if _, err := fmt.Sscanf(uri, "https://remote.example/notes/%d", &n); err != nil {
		return 0, false
	}
	return n, true
}

func (f *follower) committed(i int) {
	f.mu.Lock()
	f.last = i
	f.mu.Unlock()
}

// waitFor waits until post n was seen.
func (f *follower) waitFor(b *testing.B, n int, deadline time.Time) {
	for {
		f.mu.Lock()
		_, ok := f.seen[n]
		f.mu.Unlock()
		if ok {
			return
		}
		select {
		case err := <-f.done:
			b.Fatalf("the follower stopped: %v", err)
		case <-f.polled:
		case <-time.After(time.Until(deadline)):
			b.Fatalf("post %d did not reach the follower", n)
		}
	}
}

// lags is each post's time from commit to sighting; posts are numbered
// from first.
func (f *follower) lags(committed []time.Time, first int) []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]time.Duration, len(committed))
	for i, c := range committed {
		out[i] = f.seen[first+i].Sub(c)
	}
	return out
}

func (f *follower) stop() {
	f.cancel()
	select {
	case err := <-f.done:
		if err != nil && !errors.Is(err, context.Canceled) {
			fmt.Println("follower:", err)
		}
	case <-time.After(5 * time.Second):
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
