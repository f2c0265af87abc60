package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"kith/tests/bench"
)

// benchInboxReplica runs the inbox benchmark in pairs, without and with
// replication to a file:// replica on the same disk, one right after the
// other, so both see the same load from the machine's other work; it
// reports the medians of kith's CPU per Create and of the throughput.
func benchInboxReplica(ctx context.Context, c stdio, bin string, runs int, opts bench.InboxOptions, keys int) error {
	fmt.Fprintf(c.stdout, "inbox with and without replication: %d signed Creates from %d actors over %d connections, %d pairs of runs\n",
		opts.Requests, opts.Actors, opts.Conns, runs)
	peer, err := bench.NewPeer(bench.PeerOptions{Keys: keys})
	if err != nil {
		return err
	}
	defer peer.Close()
	opts.Bin, opts.Peer = bin, peer
	var cpu, processed [2][]float64
	for i := range runs {
		for variant, name := range []string{"without", "with"} {
			dir, cleanup, err := runDir("inbox")
			if err != nil {
				return err
			}
			o := opts
			o.Dir = dir
			if variant == 1 {
				replica := filepath.Join(dir, "replica")
				if err := os.MkdirAll(replica, 0o700); err != nil {
					cleanup()
					return err
				}
				o.Config = fmt.Sprintf("\n[replication]\nurl = \"file://%s\"\n", replica)
			}
			r, err := bench.RunInbox(ctx, o)
			cleanup()
			if err != nil {
				return fmt.Errorf("run %d %s replication: %w", i+1, name, err)
			}
			fmt.Fprintf(c.stdout, "  run %d %s replication: processed %d posts in %v (%.0f/s); CPU %v/Create\n",
				i+1, name, r.Posts, r.Processed.Round(time.Millisecond), r.ProcessedPerSec, r.CPUPerCreate.Round(time.Microsecond))
			cpu[variant] = append(cpu[variant], float64(r.CPUPerCreate.Microseconds())/1000)
			processed[variant] = append(processed[variant], r.ProcessedPerSec)
		}
	}
	fmt.Fprintln(c.stdout, "medians:")
	report(c, "CPU per Create without replication", medianOf(cpu[0]), "ms", "")
	report(c, "CPU per Create with replication", medianOf(cpu[1]), "ms", "")
	report(c, "CPU replication adds", 100*(medianOf(cpu[1])/medianOf(cpu[0])-1), "%", "≤ 10%")
	report(c, "processed without replication", medianOf(processed[0]), "/s", "")
	report(c, "processed with replication", medianOf(processed[1]), "/s", "")
	return nil
}
