package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// RemoteHost is the host name of the fake remote actors.
const RemoteHost = "remote.test"

// InboxOptions configure one inbox run.
type InboxOptions struct {
	Bin         string // the kith binary
	Dir         string // an empty directory for the instance
	Peer        *Peer  // serves the fake actors
	Actors      int
	Requests    int
	Conns       int
	Concurrency int           // kith's [jobs] concurrency; 0 keeps the default
	Timeout     time.Duration // bound on waiting for the queue to drain
	Env         []string      // extra environment for kith serve
	CPUProfile  string        // kith serve writes its CPU profile here as it stops
	// PushSubscriptions is how many Web Push subscriptions to make before
	// the run, through the API, to a loopback receiver; each mention then
	// queues its push job, which sends to every subscription.
	PushSubscriptions int
	// Config is extra TOML for the instance's config (a [replication]
	// table, for one).
	Config string
	// HTTPS serves kith over TLS (InstanceOptions.TLS); the Creates are
	// signed either way.
	HTTPS bool
}

// InboxResult is one inbox run.
type InboxResult struct {
	Fire            FireResult
	AcceptedPerSec  float64
	Processed       time.Duration // first request to last activity applied
	ProcessedPerSec float64
	Posts           int
	DeadJobs        int
	CPUPerCreate    time.Duration
	PeakRSS         float64 // MB, kith's peak RSS under the load (start-up's is not counted)
	WAL             float64 // MB, after the run
	Gets            int64   // GETs kith made to the fake actors
	MaxGetsPerActor int
	Notifications   int   // notifications the run made
	Pushes          int64 // pushes the receiver took
}

// RunInbox starts a fresh kith, fires signed Creates that mention its
// owner from opts.Actors actors, and measures until every one is stored
// and, with push subscriptions, every push is sent: processing, CPU and
// throughput then include the push jobs.
func RunInbox(ctx context.Context, opts InboxOptions) (InboxResult, error) {
	var res InboxResult
	in, err := NewInstance(ctx, opts.Bin, opts.Dir, InstanceOptions{
		Hosts:       map[string]string{RemoteHost: opts.Peer.Addr},
		Concurrency: opts.Concurrency,
		Config:      opts.Config,
		TLS:         opts.HTTPS,
		ServeArgs:   profileArgs(opts.CPUProfile),
	})
	if err != nil {
		return res, err
	}
	if err := in.Start(opts.Env...); err != nil {
		return res, err
	}
	defer in.Stop()
	db, err := in.OpenDB()
	if err != nil {
		return res, err
	}
	defer db.Close()
	opts.Peer.Reset()
	var recv *PushReceiver
	if opts.PushSubscriptions > 0 {
		if recv, err = NewPushReceiver(); err != nil {
			return res, err
		}
		defer recv.Close()
		if err := SubscribePush(ctx, in, recv, opts.PushSubscriptions); err != nil {
			return res, err
		}
	}

	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	inbox := in.URL + "/inbox"
	reqs, err := SignAll(opts.Requests, func(i int) (Request, error) {
		a := i % opts.Actors
		return opts.Peer.Sign(inbox, RemoteHost, a, Create(RemoteHost, a, run+"-"+strconv.Itoa(i), in.Owner))
	})
	if err != nil {
		return res, err
	}

	if err := in.ResetPeakRSS(); err != nil {
		return res, err
	}
	before, err := in.ReadProc()
	if err != nil {
		return res, err
	}
	start := time.Now()
	res.Fire = FireTLS(ctx, reqs, opts.Conns, in.TLS)
	res.AcceptedPerSec = float64(res.Fire.Accepted) / res.Fire.Elapsed.Seconds()
	err = WaitFor(opts.Timeout, func() (bool, error) {
		n, err := Count(ctx, db, `SELECT COUNT(*) FROM jobs WHERE kind IN ('inbox', 'push', 'push.retry') AND state != 'dead'`)
		return n == 0, err
	})
	res.Processed = time.Since(start)
	if err != nil {
		return res, fmt.Errorf("inbox and push queues: %w", err)
	}
	after, err := in.ReadProc()
	if err != nil {
		return res, err
	}
	if res.Posts, err = Count(ctx, db, `SELECT COUNT(*) FROM posts WHERE local = 0`); err != nil {
		return res, err
	}
	if res.DeadJobs, err = Count(ctx, db, `SELECT COUNT(*) FROM jobs WHERE state = 'dead'`); err != nil {
		return res, err
	}
	if res.Notifications, err = Count(ctx, db, `SELECT COUNT(*) FROM notifications`); err != nil {
		return res, err
	}
	if recv != nil {
		res.Pushes = recv.Pushes()
	}
	res.ProcessedPerSec = float64(res.Posts) / res.Processed.Seconds()
	res.CPUPerCreate = (after.CPU - before.CPU) / time.Duration(max(1, opts.Requests))
	res.PeakRSS = after.PeakRSS
	res.WAL = in.WALSize()
	ps := opts.Peer.Stats()
	res.Gets, res.MaxGetsPerActor = ps.Gets, ps.MaxGetsPerActor
	return res, nil
}

// DeletesOptions configure one Delete flood.
type DeletesOptions struct {
	Bin      string
	Dir      string
	Peer     *Peer // counts any fetch kith makes (there must be none)
	Requests int
	Conns    int
	// HTTPS serves kith over TLS and signs every Delete with its actor's
	// key, as a real server sends them (kith must answer without checking
	// the signature of a stranger's Delete, or fetching its key).
	HTTPS bool
}

// DeletesResult is one Delete flood.
type DeletesResult struct {
	Fire           FireResult
	AcceptedPerSec float64
	RSSBefore      float64 // MB, idle before the flood
	RSSAfter       float64 // MB, right after it
	PeakRSS        float64 // MB
	Gets           int64
	Jobs           int           // jobs the flood left (there must be none)
	ServerCPU      time.Duration // kith's CPU time per Delete
	ClientCPU      time.Duration // this process's CPU time per Delete: the load generator
}

// GoneHost is the host of the actors whose Deletes flood kith.
const GoneHost = "gone.test"

// RunDeletes starts a fresh kith and floods its shared inbox with Deletes
// of accounts it never saw, as a server that removes accounts sends to
// everyone it knows: unsigned over plain HTTP, or signed over HTTPS
// (DeletesOptions.HTTPS).
func RunDeletes(ctx context.Context, opts DeletesOptions) (DeletesResult, error) {
	var res DeletesResult
	in, err := NewInstance(ctx, opts.Bin, opts.Dir, InstanceOptions{Hosts: map[string]string{GoneHost: opts.Peer.Addr}, TLS: opts.HTTPS})
	if err != nil {
		return res, err
	}
	if err := in.Start(); err != nil {
		return res, err
	}
	defer in.Stop()
	opts.Peer.Reset()
	inbox := in.URL + "/inbox"
	signer := (*Peer)(nil) // unsigned
	if opts.HTTPS {
		signer = opts.Peer
	}
	reqs, err := SignAll(opts.Requests, func(i int) (Request, error) {
		return signer.Sign(inbox, GoneHost, i, Delete(GoneHost, i))
	})
	if err != nil {
		return res, err
	}
	before, err := in.ReadProc()
	if err != nil {
		return res, err
	}
	res.RSSBefore = before.RSS
	selfBefore := selfCPU()
	res.Fire = FireTLS(ctx, reqs, opts.Conns, in.TLS)
	res.AcceptedPerSec = float64(res.Fire.Accepted) / res.Fire.Elapsed.Seconds()
	res.ClientCPU = (selfCPU() - selfBefore) / time.Duration(max(1, opts.Requests))
	after, err := in.ReadProc()
	if err != nil {
		return res, err
	}
	res.ServerCPU = (after.CPU - before.CPU) / time.Duration(max(1, opts.Requests))
	res.RSSAfter, res.PeakRSS = after.RSS, after.PeakRSS
	res.Gets = opts.Peer.Stats().Gets
	db, err := in.OpenDB()
	if err != nil {
		return res, err
	}
	defer db.Close()
	res.Jobs, err = Count(ctx, db, `SELECT COUNT(*) FROM jobs WHERE kind = 'inbox'`)
	return res, err
}

// TempDir makes a directory for one run under the system's temp dir.
func TempDir(name string) (string, error) {
	return os.MkdirTemp("", "kith-bench-"+filepath.Base(name)+"-")
}

// profileArgs are kith serve's arguments for a CPU profile to file, if any.
func profileArgs(file string) []string {
	if file == "" {
		return nil
	}
	return []string{"--cpuprofile", file}
}
