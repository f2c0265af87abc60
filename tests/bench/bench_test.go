package bench

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"kith/account"
	"kith/config"
	"kith/federation"
	"kith/jobs"
	"kith/server"
	"kith/store"
)

// inProcess is kith's serve wiring (store, jobs, federation, server) in
// the test process, so a CPU profile of a benchmark covers kith's side.
type inProcess struct {
	url, owner string
	db         *store.DB
}

func startInProcess(tb testing.TB, hosts map[string]string) *inProcess {
	tb.Helper()
	ctx := context.Background()
	dir := tb.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	text := fmt.Sprintf("[server]\nurl = %q\nlisten = %q\ndata_dir = %q\n[owner]\nusername = %q\n[federation]\nallow_private_addresses = true\n[federation.hosts]\n",
		"http://"+addr, addr, dir, benchUser)
	for h, a := range hosts {
		text += fmt.Sprintf("%q = %q\n", h, a)
	}
	cfg, err := config.Parse(filepath.Join(dir, "kith.toml"), []byte(text))
	if err != nil {
		tb.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	db, err := store.Open(ctx, cfg.DatabasePath(), logger)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := account.CreateOwner(ctx, db, benchUser, "a bench password"); err != nil {
		tb.Fatal(err)
	}
	runner := jobs.New(db, logger, jobs.Options{Concurrency: cfg.Jobs.Concurrency})
	fed, err := federation.New(ctx, db, runner, logger, federation.Options{BaseURL: cfg.Server.URL, Username: benchUser,
		Version: "bench", AllowPrivate: true, Hosts: cfg.Federation.Hosts})
	if err != nil {
		tb.Fatal(err)
	}
	srv, err := server.New(cfg, db, fed, logger, server.Options{Version: "bench"})
	if err != nil {
		tb.Fatal(err)
	}
	ls, err := srv.Listen()
	if err != nil {
		tb.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	if err := runner.Start(ctx); err != nil {
		tb.Fatal(err)
	}
	served := make(chan struct{})
	go func() {
		srv.Serve(sctx, ls, time.Second)
		close(served)
	}()
	tb.Cleanup(func() {
		stop()
		<-served
		c, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		runner.Shutdown(c)
	})
	return &inProcess{url: cfg.Server.URL, owner: fed.URLs().Actor(), db: db}
}

// BenchmarkInboxInProcess fires b.N pre-signed Creates at an in-process
// kith and waits until the inbox queue has applied them all. For
// profiling kith's side of `kith-bench inbox`:
//
//	go test -run '^$' -bench InboxInProcess -benchtime 5000x -cpuprofile cpu.out ./tests/bench
func BenchmarkInboxInProcess(b *testing.B) {
	peer, err := NewPeer(PeerOptions{Keys: 4})
	if err != nil {
		b.Fatal(err)
	}
	defer peer.Close()
	k := startInProcess(b, map[string]string{RemoteHost: peer.Addr})
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	reqs, err := SignAll(b.N, func(i int) (Request, error) {
		return peer.Sign(k.url+"/inbox", RemoteHost, i%200, Create(RemoteHost, i%200, run+"-"+strconv.Itoa(i), k.owner))
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	cpu := selfCPU()
	b.ResetTimer()
	res := Fire(ctx, reqs, 32)
	accepted := res.Elapsed
	err = WaitFor(2*time.Minute, func() (bool, error) {
		counts, err := k.db.JobCounts(ctx)
		return counts["inbox"]["queued"]+counts["inbox"]["running"] == 0, err
	})
	if err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	// The process's CPU time covers the generator too, which costs a few
	// µs a request with the requests signed beforehand.
	cpu = selfCPU() - cpu
	if res.Accepted != b.N {
		b.Fatalf("accepted %d of %d: %v", res.Accepted, b.N, res)
	}
	b.ReportMetric(float64(b.N)/accepted.Seconds(), "accepted/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/op")
}

// BenchmarkFanout publishes one post to 1,000 followers on their own
// hosts per iteration. For profiling `kith-bench fanout`:
//
//	go test -run '^$' -bench Fanout -benchtime 1x -cpuprofile cpu.out ./tests/bench
func BenchmarkFanout(b *testing.B) {
	for b.Loop() {
		r, err := RunFanout(context.Background(), FanoutOptions{Dir: b.TempDir(), Followers: 1000, VerifyEvery: 100, Timeout: time.Minute})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(r.Elapsed.Seconds(), "s/fanout")
	}
}
