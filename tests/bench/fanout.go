package bench

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"kith/account"
	"kith/federation"
	"kith/jobs"
	"kith/store"
)

// fanoutBase is the fan-out instance's URL. Nothing ever connects to it:
// the sink checks signatures against the owner's key directly.
const fanoutBase = "http://kith.test"

// FanoutOptions configure one fan-out run.
type FanoutOptions struct {
	Dir         string
	Followers   int // each on its own host with its own shared inbox
	Concurrency int // jobs.concurrency; 0 keeps the default
	VerifyEvery int // the sink verifies every Nth signature
	Timeout     time.Duration
}

// FanoutResult is one fan-out run.
type FanoutResult struct {
	Elapsed   time.Duration // from publishing to the last delivery received
	Delivered int64
	Hosts     int
	Verified  int64
	BadSigs   int64
}

// RunFanout builds kith in this process (store, job runner, federation)
// on a fresh database whose owner has opts.Followers followers, each on a
// host of its own (f1.test, f2.test, …, all mapped to one loopback sink),
// publishes one post and measures until the sink has every delivery.
//
// In-process because kith has no posting API a child process could be
// driven through; the code path from the owner's action to the wire is
// the one kith serve runs.
func RunFanout(ctx context.Context, opts FanoutOptions) (FanoutResult, error) {
	var res FanoutResult
	db, err := store.Open(ctx, filepath.Join(opts.Dir, "kith.db"), nil)
	if err != nil {
		return res, err
	}
	defer db.Close()
	if err := account.CreateOwner(ctx, db, benchUser, "a bench password"); err != nil {
		return res, err
	}
	owner, err := db.Owner(ctx)
	if err != nil {
		return res, err
	}
	urls := federation.NewURLs(fanoutBase, benchUser)
	lookup, err := StaticKey(urls.Key(), urls.Actor(), owner.PublicKeyPEM)
	if err != nil {
		return res, err
	}
	sink, err := NewPeer(PeerOptions{Keys: 1, VerifyEvery: opts.VerifyEvery, Lookup: lookup})
	if err != nil {
		return res, err
	}
	defer sink.Close()

	hosts := make(map[string]string, opts.Followers)
	for i := 1; i <= opts.Followers; i++ {
		hosts[fmt.Sprintf("f%d.test", i)] = sink.Addr
	}
	logger := slog.New(slog.DiscardHandler)
	runner := jobs.New(db, logger, jobs.Options{Concurrency: opts.Concurrency})
	fed, err := federation.New(ctx, db, runner, logger, federation.Options{
		BaseURL: fanoutBase, Username: benchUser, Version: "bench", AllowPrivate: true, Hosts: hosts,
	})
	if err != nil {
		return res, err
	}
	if err := addFollowers(ctx, db, db.OwnerID(), opts.Followers); err != nil {
		return res, err
	}
	if err := runner.Start(ctx); err != nil {
		return res, err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		runner.Shutdown(sctx)
	}()

	start := time.Now()
	if _, err := fed.Post(ctx, federation.NewPost{Text: "One post to every follower."}); err != nil {
		return res, err
	}
	wctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	err = sink.WaitPosts(wctx, int64(opts.Followers))
	res.Elapsed = time.Since(start)
	st := sink.Stats()
	res.Delivered, res.Hosts, res.Verified, res.BadSigs = st.Accepted, st.Hosts, st.Verified, st.BadSigs
	return res, err
}

// addFollowers stores n remote actors, each on its own host, with
// accepted follows of the owner, as if each had followed and been
// accepted.
func addFollowers(ctx context.Context, db *store.DB, ownerID int64, n int) error {
	return db.InTx(ctx, func(tx *store.Tx) error {
		for i := 1; i <= n; i++ {
			host := fmt.Sprintf("f%d.test", i)
			uri := ActorURI(host, 1)
			id, err := tx.UpsertActor(ctx, store.Actor{
				URI: uri, Type: "Person", Username: "u1", Domain: host,
				Inbox: uri + "/inbox", SharedInbox: "http://" + host + "/inbox",
				KeyID: uri + "#main-key", FetchedAt: time.Now(),
			})
			if err != nil {
				return err
			}
			err = tx.PutFollow(ctx, store.Follow{FollowerID: id, FolloweeID: ownerID, State: store.FollowAccepted, ActivityURI: uri + "/follows/1"})
			if err != nil {
				return err
			}
		}
		return nil
	})
}
