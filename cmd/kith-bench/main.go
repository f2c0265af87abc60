// Command kith-bench measures kith under load, entirely on loopback, with
// fake remote peers (package bench). It is a tool for kith's developers
// and stays out of the kith binary:
//
//	go run ./cmd/kith-bench inbox|deletes|fanout|backup [flags]
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"kith/tests/bench"
)

const usage = `kith-bench inbox|deletes|fanout|backup [--kith FILE] [flags]

Measures kith under load, entirely on loopback, and prints the median of
--runs runs. inbox, deletes and backup run the kith binary (--kith, else
one built from this module with go build) as an operator does: kith init,
then kith serve as a child process, a fresh one for each run. fanout runs
kith's store, job runner and federation in this process. Every run is
bounded in count and time and stops by itself.

  inbox    signed Create{Note}s mentioning the owner from --actors fake
           remote actors: accepted/s, processed/s end to end, CPU per Create,
           peak RSS, WAL size, and GETs kith made to the actors; with
           --push-subscriptions N, N Web Push subscriptions (made through
           the API) to a loopback push service each get a push per mention,
           and the run lasts until every push is sent; with --https, kith
           serves HTTPS; with --replica, each run twice, without and with
           [replication] to a file:// replica, interleaved, for the CPU
           replication adds
  deletes  a flood of Deletes from actors kith never saw: accepted/s, memory
           and fetches (there must be none); unsigned over plain HTTP, or
           with --https signed, to kith serving HTTPS
  fanout   one post to --followers followers, each on its own host with its
           own shared inbox: seconds until a loopback sink has every delivery
  backup   kith backup of a database of --db-mb of posts (built once per
           invocation, about 1 KB of text each) while kith serve answers a
           steady --rate of GETs (profile page, public timeline, healthz):
           backup time, archive size, latency before and during the backup,
           errors, and the peak RSS of both processes`

// errUsage marks a mistake in the command line; it exits 2, not 1.
var errUsage = errors.New("usage")

// stdio carries the process's output streams, so tests can run the
// command in-process.
type stdio struct {
	stdout io.Writer
	stderr io.Writer
}

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// run runs one benchmark and returns the process's exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	err := runBench(ctx, stdio{stdout: stdout, stderr: stderr}, args)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		fmt.Fprintf(stderr, "kith-bench: %v\n", err)
		return 1
	}
}

// runBench parses the flags of the benchmark args[0] names, builds kith
// when that benchmark runs the binary and none was given, and runs it.
func runBench(ctx context.Context, c stdio, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintf(c.stderr, "Usage: %s\n", usage)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	kind, args := args[0], args[1:]
	fs := flag.NewFlagSet("kith-bench "+kind, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintf(c.stderr, "Usage: %s\n\n", usage)
		fs.PrintDefaults()
	}
	kith := fs.String("kith", "", "the kith binary to measure (default: build one from this module)")
	runs := fs.Int("runs", 3, "runs; the median is reported")
	requests := fs.Int("requests", 0, "activities to send (default 5000 for inbox, 20000 for deletes)")
	actors := fs.Int("actors", 200, "inbox: fake remote actors")
	keys := fs.Int("keys", 8, "inbox: RSA keys shared round robin by the actors")
	pushSubs := fs.Int("push-subscriptions", 0, "inbox: Web Push subscriptions to a loopback push service, each pushed every mention")
	conns := fs.Int("conns", 32, "concurrent keep-alive connections to kith (backup: 4)")
	followers := fs.Int("followers", 5000, "fanout: followers, each on its own host")
	concurrency := fs.Int("concurrency", 0, "kith's jobs.concurrency (default: kith's default)")
	timeout := fs.Duration("timeout", 2*time.Minute, "bound on waiting for one run's work to finish (backup: 10m)")
	dbMB := fs.Int("db-mb", 1024, "backup: size of the database to back up, in MB")
	rate := fs.Int("rate", 100, "backup: requests per second while measuring")
	before := fs.Duration("before", 5*time.Second, "backup: load before the backup starts")
	https := fs.Bool("https", false, "inbox, deletes: kith serves HTTPS (a self-signed certificate); deletes: every Delete is signed")
	replica := fs.Bool("replica", false, "inbox: each run twice, interleaved, without and with replication to a file:// replica; CPU per Create of both")
	cpuProfile := fs.String("cpuprofile", "", "inbox: kith serve writes a CPU profile of the last run to `FILE` (go tool pprof reads it)")
	replicaSync := fs.Duration("replica-sync", time.Second, "inbox --replica: the replica's sync_interval")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(c.stderr, "unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	if *runs < 1 {
		return fmt.Errorf("--runs must be at least 1")
	}
	if *pushSubs < 0 || *pushSubs > 100 {
		return fmt.Errorf("--push-subscriptions must be between 0 and 100")
	}
	if kind != "inbox" && kind != "deletes" && kind != "fanout" && kind != "backup" {
		fmt.Fprintf(c.stderr, "kith-bench: unknown benchmark %q (inbox, deletes, fanout or backup)\n", kind)
		return errUsage
	}
	bin := *kith
	if bin == "" && kind != "fanout" {
		built, cleanup, err := buildKith(ctx)
		if err != nil {
			return err
		}
		defer cleanup()
		bin = built
	}
	switch kind {
	case "inbox":
		opts := bench.InboxOptions{Requests: cmp.Or(*requests, 5000), Actors: *actors,
			Conns: *conns, Concurrency: *concurrency, Timeout: *timeout, PushSubscriptions: *pushSubs, HTTPS: *https}
		if *cpuProfile != "" {
			abs, err := filepath.Abs(*cpuProfile)
			if err != nil {
				return err
			}
			opts.CPUProfile = abs
		}
		if *replica {
			return benchInboxReplica(ctx, c, bin, *runs, opts, *keys, *replicaSync)
		}
		return benchInbox(ctx, c, bin, *runs, opts, *keys)
	case "deletes":
		return benchDeletes(ctx, c, bin, *runs, cmp.Or(*requests, 20000), *conns, *https)
	case "fanout":
		return benchFanout(ctx, c, *runs, *followers, *concurrency, *timeout)
	case "backup":
		if !flagSet(fs, "timeout") {
			*timeout = 10 * time.Minute
		}
		opts := bench.BackupOptions{Rate: *rate, Conns: *conns, Before: *before, Timeout: *timeout}
		if !flagSet(fs, "conns") {
			opts.Conns = 4
		}
		return benchBackup(ctx, c, bin, *runs, *dbMB, opts)
	}
	return nil
}

// flagSet reports whether a flag was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// buildKith builds the kith binary of this module into a temporary
// directory, which the returned function removes.
func buildKith(ctx context.Context) (string, func(), error) {
	dir, err := os.MkdirTemp("", "kith-bench-bin-")
	if err != nil {
		return "", nil, err
	}
	bin := filepath.Join(dir, "kith")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "kith")
	if out, err := build.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("build kith (run kith-bench inside kith's module, or give --kith): %v\n%s", err, out)
	}
	return bin, func() { os.RemoveAll(dir) }, nil
}
