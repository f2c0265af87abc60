package e2e

import (
	"net/http"
	"sort"
	"testing"
	"time"
)

// BenchmarkStartup measures `kith serve` on an existing data directory
// (keys already made) from exec to the first 200 from /healthz, and the
// resident memory once it is idle. Run:
//
//	go test -run '^$' -bench Startup -benchtime 20x ./tests/e2e
func BenchmarkStartup(b *testing.B) {
	dir, _, base := initInstance(b)
	var starts, rsses []float64
	for b.Loop() {
		begin := time.Now()
		p := startServe(b, dir)
		for {
			resp, err := http.Get(base + "/healthz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			if time.Since(begin) > 10*time.Second {
				b.Fatalf("not healthy after 10s:\n%s", p.output())
			}
			time.Sleep(500 * time.Microsecond)
		}
		starts = append(starts, float64(time.Since(begin).Microseconds())/1000)
		b.StopTimer()
		time.Sleep(300 * time.Millisecond) // let start-up garbage settle before reading RSS
		mb, err := rss(p.cmd.Process.Pid)
		if err != nil {
			b.Fatal(err)
		}
		rsses = append(rsses, mb)
		terminate(b, p)
		b.StartTimer()
	}
	b.ReportMetric(median(starts), "ms-to-healthz")
	b.ReportMetric(median(rsses), "idle-RSS-MB")
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}
