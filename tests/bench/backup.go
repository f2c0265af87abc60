package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"
)

// BackupOptions configure one backup-under-load run.
type BackupOptions struct {
	Instance *Instance     // made by NewInstance and seeded; not running
	Archive  string        // where kith backup writes; removed afterwards
	Rate     int           // requests per second, spread over Conns
	Conns    int           // concurrent keep-alive connections
	Before   time.Duration // load before the backup starts
	Timeout  time.Duration // bound on the backup
}

// Latency sums up the requests of one phase.
type Latency struct {
	Count         int
	Errors        int // no answer, or not 200
	P50, P99, Max time.Duration
}

// String is a one-line summary.
func (l Latency) String() string {
	return fmt.Sprintf("%d requests, p50 %v, p99 %v, max %v, %d errors", l.Count,
		l.P50.Round(10*time.Microsecond), l.P99.Round(10*time.Microsecond), l.Max.Round(10*time.Microsecond), l.Errors)
}

// BackupResult is one run.
type BackupResult struct {
	Duration      time.Duration // kith backup, start to exit
	ArchiveMB     float64
	Before        Latency // requests scheduled before the backup started
	During        Latency // requests scheduled while it ran
	ServeRSS      float64 // MB, kith serve when the backup started
	ServePeakRSS  float64 // MB, kith serve's high-water mark at the end
	BackupPeakRSS float64 // MB, the kith backup process's high-water mark
}

// loadPaths are what a visitor and an app ask for: the owner's profile
// page, the public timeline and the health check.
var loadPaths = []string{"/@" + benchUser, "/api/v1/timelines/public?limit=20", "/healthz"}

// sample is one request: when it was due, how long until it was answered
// (counted from when it was due, so a stall shows in every request queued
// behind it), and whether it failed.
type sample struct {
	due     time.Time
	latency time.Duration
	failed  bool
}

// RunBackup starts kith serve on the instance, sends a steady stream of
// requests for opts.Before, runs kith backup as its own process while the
// stream goes on, and reports the backup and the latencies before and
// during it.
func RunBackup(ctx context.Context, opts BackupOptions) (BackupResult, error) {
	var res BackupResult
	in := opts.Instance
	if err := in.Start(); err != nil {
		return res, err
	}
	defer in.Stop()
	loadCtx, stopLoad := context.WithCancel(ctx)
	samples := make(chan sample, 1024)
	var collected []sample
	collectDone := make(chan struct{})
	go func() {
		for s := range samples {
			collected = append(collected, s)
		}
		close(collectDone)
	}()
	var wg sync.WaitGroup
	wg.Go(func() { steadyLoad(loadCtx, in.URL, opts.Rate, opts.Conns, samples) })

	select {
	case <-time.After(opts.Before):
	case <-ctx.Done():
	}
	if p, err := in.ReadProc(); err == nil {
		res.ServeRSS = p.RSS
	}
	began := time.Now()
	rss, err := runKithBackup(ctx, in, opts.Archive, opts.Timeout)
	ended := time.Now()
	stopLoad()
	wg.Wait()
	close(samples)
	<-collectDone
	if err != nil {
		return res, err
	}
	res.Duration = ended.Sub(began)
	res.BackupPeakRSS = rss
	if info, err := os.Stat(opts.Archive); err == nil {
		res.ArchiveMB = float64(info.Size()) / (1 << 20)
	}
	os.Remove(opts.Archive)
	if p, err := in.ReadProc(); err == nil {
		res.ServePeakRSS = p.PeakRSS
	}
	var before, during []sample
	for _, s := range collected {
		switch {
		case s.due.Before(began):
			before = append(before, s)
		case s.due.Before(ended):
			during = append(during, s)
		}
	}
	res.Before, res.During = summarize(before), summarize(during)
	return res, nil
}

// runKithBackup runs kith backup to archive and returns its peak RSS in
// MB.
func runKithBackup(ctx context.Context, in *Instance, archive string, timeout time.Duration) (float64, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	os.Remove(archive)
	cmd := exec.CommandContext(ctx, in.Bin, "backup", "--config", in.Config, archive)
	cmd.Dir = in.Dir
	cmd.Env = append(os.Environ(), "KITH_CONFIG=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("kith backup: %v\n%s", err, out)
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, nil
	}
	return float64(ru.Maxrss) / 1024, nil // Linux reports kB
}

// steadyLoad sends rate requests a second, cycling through loadPaths, over
// at most conns connections, until ctx ends. Each request is due at its
// tick; when every connection is busy the next ones wait their turn and
// their wait counts in their latency.
func steadyLoad(ctx context.Context, base string, rate, conns int, out chan<- sample) {
	client := &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns},
	}
	defer client.CloseIdleConnections()
	due := make(chan time.Time, 10*rate)
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			n := 0
			for at := range due {
				n++
				out <- sample{due: at, failed: !get(ctx, client, base+loadPaths[n%len(loadPaths)]), latency: time.Since(at)}
			}
		})
	}
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			close(due)
			wg.Wait()
			return
		case at := <-tick.C:
			select {
			case due <- at:
			default: // a backlog of ten seconds: the server is not answering
				out <- sample{due: at, failed: true}
			}
		}
	}
}

// get reports whether a GET was answered 200. A request cut off because
// the run ended is not a failure of kith's.
func get(ctx context.Context, client *http.Client, url string) bool {
	req, err := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return err == nil && resp.StatusCode == http.StatusOK
}

func summarize(ss []sample) Latency {
	l := Latency{Count: len(ss)}
	if len(ss) == 0 {
		return l
	}
	ds := make([]time.Duration, 0, len(ss))
	for _, s := range ss {
		if s.failed {
			l.Errors++
		}
		ds = append(ds, s.latency)
	}
	slices.Sort(ds)
	l.P50 = ds[len(ds)/2]
	l.P99 = ds[min(len(ds)-1, len(ds)*99/100)]
	l.Max = ds[len(ds)-1]
	return l
}

// BuildBigInstance runs kith init in dir and seeds its database to
// about sizeMB of posts.
func BuildBigInstance(ctx context.Context, bin, dir string, seed SeedOptions) (*Instance, SeedResult, error) {
	in, err := NewInstance(ctx, bin, dir, InstanceOptions{})
	if err != nil {
		return nil, SeedResult{}, err
	}
	// kith serve writes the owner's actor row on its first start.
	if err := in.Start(); err != nil {
		return nil, SeedResult{}, err
	}
	if err := in.Stop(); err != nil {
		return nil, SeedResult{}, err
	}
	r, err := SeedPosts(ctx, in.Database, seed)
	return in, r, err
}

// ArchivePath is where a run's archive goes: beside the instance, on the
// same disk, as an operator's would.
func ArchivePath(in *Instance) string { return filepath.Join(in.Dir, "backup.tar.gz") }
