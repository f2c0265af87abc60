package portability

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"kith/store"
)

// seedPosts gives the owner n public posts of a few hundred bytes each.
func seedPosts(b *testing.B, p *testPorter, n int) {
	b.Helper()
	ctx := context.Background()
	text := "<p>" + strings.Repeat("a post of ordinary length, ", 10) + "</p>"
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC) // data: when the seeded posts were written
	const batch = 5000
	for done := 0; done < n; done += batch {
		err := p.db.InTx(ctx, func(tx *store.Tx) error {
			for i := done; i < done+batch && i < n; i++ {
				_, err := tx.InsertPost(ctx, store.Post{URI: fmt.Sprintf("%s/users/alice/statuses/%d", testBaseURL, i+1),
					AuthorID: p.db.OwnerID(), Local: true, Visibility: store.Public, Content: text,
					PublishedAt: start.Add(time.Duration(i) * time.Minute), Tags: []string{"kith"}})
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// benchSizes are the post counts BenchmarkExport100k compares.
var benchSizes = []int{10_000, 100_000}

// countingWriter counts what the export writes and throws it away.
type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// BenchmarkExport100k writes the export archive of 10,000 and of 100,000
// posts. It reports the time per export and the peak heap in use while
// exporting (sampled every 10 ms): with streaming, the peak stays
// about the same at ten times the posts.
//
//	go test ./portability -run '^$' -bench Export100k -benchtime 1x
func BenchmarkExport100k(b *testing.B) {
	for _, n := range benchSizes {
		p := newTestPorter(b, Options{})
		seedPosts(b, p, n)
		b.Run(fmt.Sprintf("posts=%d", n), func(b *testing.B) {
			var peak atomic.Uint64
			stop := make(chan struct{})
			sampled := make(chan struct{})
			runtime.GC()
			go func() {
				defer close(sampled)
				var ms runtime.MemStats
				for {
					runtime.ReadMemStats(&ms)
					if ms.HeapInuse > peak.Load() {
						peak.Store(ms.HeapInuse)
					}
					select {
					case <-stop:
						return
					case <-time.After(10 * time.Millisecond):
					}
				}
			}()
			var w countingWriter
			start := time.Now()
			b.ResetTimer()
			for range b.N {
				if err := p.WriteArchive(context.Background(), &w); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			close(stop)
			<-sampled
			b.ReportMetric(time.Since(start).Seconds()/float64(b.N), "s/export")
			b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(w.n)/float64(b.N)/(1<<20), "archive-MB")
		})
	}
}
