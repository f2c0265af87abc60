package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"time"

	"kith/tests/bench"
)

// runDir makes a scratch directory for one run; the caller removes it.
func runDir(kind string) (string, func(), error) {
	dir, err := bench.TempDir(kind)
	if err != nil {
		return "", nil, err
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}

func benchInbox(ctx context.Context, c stdio, bin string, runs int, opts bench.InboxOptions, keys int) error {
	over := "plain HTTP"
	if opts.HTTPS {
		over = "HTTPS"
	}
	fmt.Fprintf(c.stdout, "inbox: %d signed Creates mentioning the owner from %d actors over %d %s connections, %d push subscriptions, %d runs\n",
		opts.Requests, opts.Actors, opts.Conns, over, opts.PushSubscriptions, runs)
	peer, err := bench.NewPeer(bench.PeerOptions{Keys: keys})
	if err != nil {
		return err
	}
	defer peer.Close()
	opts.Bin, opts.Peer = bin, peer
	var accepted, processed, cpu, rss, wal, gets, maxGets, pushes []float64
	for i := range runs {
		dir, cleanup, err := runDir("inbox")
		if err != nil {
			return err
		}
		opts.Dir = dir
		r, err := bench.RunInbox(ctx, opts)
		cleanup()
		if err != nil {
			return fmt.Errorf("run %d: %w", i+1, err)
		}
		fmt.Fprintf(c.stdout, "  run %d: %s; processed %d posts in %v (%.0f/s), %d dead jobs; %d notifications, %d pushes received; CPU %v/Create; peak RSS %.1f MB; WAL %.1f MB; %d GETs (at most %d per actor)\n",
			i+1, r.Fire, r.Posts, r.Processed.Round(time.Millisecond), r.ProcessedPerSec, r.DeadJobs, r.Notifications, r.Pushes,
			r.CPUPerCreate.Round(time.Microsecond), r.PeakRSS, r.WAL, r.Gets, r.MaxGetsPerActor)
		if want := int64(r.Notifications * opts.PushSubscriptions); r.Pushes != want {
			return fmt.Errorf("run %d: %d pushes received, want %d (%d notifications × %d subscriptions)",
				i+1, r.Pushes, want, r.Notifications, opts.PushSubscriptions)
		}
		accepted = append(accepted, r.AcceptedPerSec)
		processed = append(processed, r.ProcessedPerSec)
		cpu = append(cpu, float64(r.CPUPerCreate.Microseconds())/1000)
		rss = append(rss, r.PeakRSS)
		wal = append(wal, r.WAL)
		gets = append(gets, float64(r.Gets))
		maxGets = append(maxGets, float64(r.MaxGetsPerActor))
		pushes = append(pushes, float64(r.Pushes))
	}
	fmt.Fprintln(c.stdout, "medians:")
	// A Create that needs nothing but the database is applied before its
	// 202, so accepted and processed go together.
	report(c, "accepted (202)", medianOf(accepted), "/s", "")
	report(c, "processed end to end", medianOf(processed), "/s", "≥ 2500/s")
	report(c, "wall time per Create", 1000/medianOf(processed), "ms", "")
	report(c, "CPU per Create", medianOf(cpu), "ms", "≤ 0.5 ms")
	report(c, "peak RSS under load", medianOf(rss), "MB", "≤ 48 MB")
	report(c, "WAL after run", medianOf(wal), "MB", "≤ 64 MB")
	report(c, "GETs to the actors", medianOf(gets), "", fmt.Sprintf("≤ %d (2 per actor)", 2*opts.Actors))
	report(c, "most GETs for one actor", medianOf(maxGets), "", "≤ 2")
	if opts.PushSubscriptions > 0 {
		report(c, "pushes received", medianOf(pushes), "", "")
	}
	return nil
}

func benchDeletes(ctx context.Context, c stdio, bin string, runs, requests, conns int, https bool) error {
	how := "unsigned Deletes of unknown actors over %d plain HTTP connections"
	if https {
		how = "signed Deletes of unknown actors over %d HTTPS connections"
	}
	fmt.Fprintf(c.stdout, "deletes: %d "+how+", %d runs\n", requests, conns, runs)
	peer, err := bench.NewPeer(bench.PeerOptions{Keys: 1})
	if err != nil {
		return err
	}
	defer peer.Close()
	var rate, before, after, peak, gets, serverCPU, clientCPU []float64
	for i := range runs {
		dir, cleanup, err := runDir("deletes")
		if err != nil {
			return err
		}
		r, err := bench.RunDeletes(ctx, bench.DeletesOptions{Bin: bin, Dir: dir, Peer: peer, Requests: requests, Conns: conns, HTTPS: https})
		cleanup()
		if err != nil {
			return fmt.Errorf("run %d: %w", i+1, err)
		}
		fmt.Fprintf(c.stdout, "  run %d: %s; CPU per Delete %v in kith, %v in the load generator; RSS %.1f MB before, %.1f MB after, peak %.1f MB; %d fetches; %d jobs left\n",
			i+1, r.Fire, r.ServerCPU, r.ClientCPU, r.RSSBefore, r.RSSAfter, r.PeakRSS, r.Gets, r.Jobs)
		serverCPU = append(serverCPU, float64(r.ServerCPU.Microseconds()))
		clientCPU = append(clientCPU, float64(r.ClientCPU.Microseconds()))
		rate = append(rate, r.AcceptedPerSec)
		before = append(before, r.RSSBefore)
		after = append(after, r.RSSAfter)
		peak = append(peak, r.PeakRSS)
		gets = append(gets, float64(r.Gets))
	}
	fmt.Fprintln(c.stdout, "medians:")
	report(c, "Deletes accepted (202)", medianOf(rate), "/s", "≥ 20000/s")
	report(c, "RSS before the flood", medianOf(before), "MB", "")
	report(c, "RSS after the flood", medianOf(after), "MB", "flat")
	report(c, "peak RSS", medianOf(peak), "MB", "")
	report(c, "fetches", medianOf(gets), "", "0")
	report(c, "kith CPU per Delete", medianOf(serverCPU), "µs", "")
	report(c, "load generator CPU per Delete", medianOf(clientCPU), "µs", "")
	return nil
}

func benchFanout(ctx context.Context, c stdio, runs, followers, concurrency int, timeout time.Duration) error {
	fmt.Fprintf(c.stdout, "fanout: one post to %d followers on %d hosts, %d runs\n", followers, followers, runs)
	var secs []float64
	for i := range runs {
		dir, cleanup, err := runDir("fanout")
		if err != nil {
			return err
		}
		r, err := bench.RunFanout(ctx, bench.FanoutOptions{Dir: dir, Followers: followers, Concurrency: concurrency,
			VerifyEvery: 50, Timeout: timeout})
		cleanup()
		if err != nil {
			return fmt.Errorf("run %d: %w", i+1, err)
		}
		if r.BadSigs > 0 || r.Verified == 0 {
			return fmt.Errorf("run %d: %d signatures verified, %d bad", i+1, r.Verified, r.BadSigs)
		}
		fmt.Fprintf(c.stdout, "  run %d: %d deliveries to %d hosts in %v (%d signatures checked, all good)\n",
			i+1, r.Delivered, r.Hosts, r.Elapsed.Round(time.Millisecond), r.Verified)
		secs = append(secs, r.Elapsed.Seconds())
	}
	fmt.Fprintln(c.stdout, "medians:")
	report(c, "fan-out to every inbox", medianOf(secs), "s", "≤ 10 s")
	return nil
}

func benchBackup(ctx context.Context, c stdio, bin string, runs, dbMB int, opts bench.BackupOptions) error {
	if opts.Rate < 1 || opts.Conns < 1 {
		return fmt.Errorf("--rate and --conns must be at least 1")
	}
	dir, cleanup, err := runDir("backup")
	if err != nil {
		return err
	}
	defer cleanup()
	fmt.Fprintf(c.stdout, "backup: a %d MB database while serving %d GETs/s over %d connections, %d runs\n", dbMB, opts.Rate, opts.Conns, runs)
	in, seeded, err := bench.BuildBigInstance(ctx, bin, dir, bench.SeedOptions{SizeMB: dbMB, BodyBytes: 1000, Batch: min(20000, max(500, 20*dbMB))})
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "  built the database once: %d posts, %.0f MB in %v\n", seeded.Posts, seeded.SizeMB, seeded.Elapsed.Round(time.Second))
	opts.Instance, opts.Archive = in, bench.ArchivePath(in)
	var secs, size, p50b, p99b, p50d, p99d, maxd, errs, serveRSS, servePeak, backupPeak []float64
	for i := range runs {
		r, err := bench.RunBackup(ctx, opts)
		if err != nil {
			return fmt.Errorf("run %d: %w", i+1, err)
		}
		fmt.Fprintf(c.stdout, "  run %d: backup %v, archive %.0f MB; before: %v; during: %v; RSS serve %.1f MB, peak %.1f MB, backup peak %.1f MB\n",
			i+1, r.Duration.Round(time.Millisecond), r.ArchiveMB, r.Before, r.During, r.ServeRSS, r.ServePeakRSS, r.BackupPeakRSS)
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		secs, size = append(secs, r.Duration.Seconds()), append(size, r.ArchiveMB)
		p50b, p99b = append(p50b, ms(r.Before.P50)), append(p99b, ms(r.Before.P99))
		p50d, p99d, maxd = append(p50d, ms(r.During.P50)), append(p99d, ms(r.During.P99)), append(maxd, ms(r.During.Max))
		errs = append(errs, float64(r.Before.Errors+r.During.Errors))
		serveRSS, servePeak, backupPeak = append(serveRSS, r.ServeRSS), append(servePeak, r.ServePeakRSS), append(backupPeak, r.BackupPeakRSS)
	}
	fmt.Fprintln(c.stdout, "medians:")
	report(c, "backup duration", medianOf(secs), "s", "")
	report(c, "archive size", medianOf(size), "MB", "")
	report(c, "p50 before the backup", medianOf(p50b), "ms", "")
	report(c, "p99 before the backup", medianOf(p99b), "ms", "")
	report(c, "p50 during the backup", medianOf(p50d), "ms", "")
	report(c, "p99 during the backup", medianOf(p99d), "ms", "")
	report(c, "max during the backup", medianOf(maxd), "ms", "")
	report(c, "errors", medianOf(errs), "", "0")
	report(c, "kith serve RSS before", medianOf(serveRSS), "MB", "")
	report(c, "kith serve peak RSS", medianOf(servePeak), "MB", "")
	report(c, "kith backup peak RSS", medianOf(backupPeak), "MB", "")
	return nil
}

func report(c stdio, what string, v float64, unit, target string) {
	line := fmt.Sprintf("  %-26s %10.2f %s", what, v, unit)
	if target != "" {
		line += fmt.Sprintf("   (target %s)", target)
	}
	fmt.Fprintln(c.stdout, line)
}

func medianOf(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}
