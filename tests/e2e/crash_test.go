package e2e

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"testing"
	"time"

	"kith/tests/bench"
)

// TestCrashUnderLoad kills kith with SIGKILL while it receives signed
// Creates and Follows, delivers the Accepts of those Follows and pushes
// the mentions to a Web Push subscription, restarts it on the same data,
// and checks that nothing was lost: every activity answered 202 is
// applied, every Accept kith recorded reached the follower's inbox, and
// every mention notification reached the push receiver (at least once;
// duplicates are counted, not failed).
func TestCrashUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	const (
		creates   = 2000
		followers = 50
		actors    = 200
	)
	ctx := context.Background()
	peer, err := bench.NewPeer(bench.PeerOptions{Keys: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	in, err := bench.NewInstance(ctx, kithBin, t.TempDir(), bench.InstanceOptions{
		Hosts: map[string]string{bench.RemoteHost: peer.Addr},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Kill() })
	pushes := subscribeReceiver(t, in)

	// One Follow in every 41 requests, from actors u0…u49, so outbound
	// Accepts are queued throughout the inbound load.
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	inbox := in.URL + "/inbox"
	reqs, err := bench.SignAll(creates+followers, func(i int) (bench.Request, error) {
		if i%41 == 0 && i/41 < followers {
			a := i / 41
			return peer.Sign(inbox, bench.RemoteHost, a, bench.Follow(bench.RemoteHost, a, run, in.Owner))
		}
		a := i % actors
		return peer.Sign(inbox, bench.RemoteHost, a, bench.Create(bench.RemoteHost, a, run+"-"+strconv.Itoa(i), in.Owner))
	})
	if err != nil {
		t.Fatal(err)
	}

	db, err := in.OpenDB()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fired := make(chan bench.FireResult, 1)
	go func() { fired <- bench.Fire(ctx, reqs, 16) }()
	// Kill once kith has applied some of what it accepted: the inbox queue
	// is then mid-way and Accepts are being delivered.
	err = bench.WaitFor(30*time.Second, func() (bool, error) {
		n, err := bench.Count(ctx, db, `SELECT COUNT(*) FROM posts WHERE local = 0`)
		return n >= creates/5, err
	})
	if err != nil {
		t.Fatalf("kith applied too little before the kill: %v\n%s", err, in.Output())
	}
	pending, _ := bench.Count(ctx, db, `SELECT COUNT(*) FROM jobs WHERE state != 'dead'`)
	if err := in.Kill(); err != nil {
		t.Fatal(err)
	}
	res := <-fired
	pushesPending, _ := bench.Count(ctx, db, `SELECT COUNT(*) FROM jobs WHERE kind = 'push' AND state != 'dead'`)
	t.Logf("before the kill: %s; %d jobs pending at the kill, %d of them pushes", res, pending, pushesPending)
	if res.Accepted == 0 || res.Accepted == len(reqs) {
		t.Fatalf("the kill did not land mid-load: %d of %d accepted", res.Accepted, len(reqs))
	}

	if err := in.Start(); err != nil {
		t.Fatal(err)
	}
	err = bench.WaitFor(40*time.Second, func() (bool, error) {
		n, err := bench.Count(ctx, db, `SELECT COUNT(*) FROM jobs WHERE kind IN ('inbox', 'deliver', 'push') AND state != 'dead'`)
		return n == 0, err
	})
	if err != nil {
		t.Fatalf("queue did not drain after restart: %v\n%s", err, in.Output())
	}
	if n, _ := bench.Count(ctx, db, `SELECT COUNT(*) FROM jobs WHERE state = 'dead'`); n != 0 {
		t.Errorf("dead jobs after restart: got %d, want 0\n%s", n, in.Output())
	}

	checkApplied(t, ctx, db, reqs, res)
	checkDelivered(t, ctx, db, peer)
	checkPushed(t, ctx, db, pushes)
}

// checkApplied checks that every activity answered 202 was applied.
func checkApplied(t *testing.T, ctx context.Context, db *sql.DB, reqs []bench.Request, res bench.FireResult) {
	t.Helper()
	var lost, follows int
	for i, o := range res.Outcomes {
		if o.Status != http.StatusAccepted {
			continue
		}
		r := reqs[i]
		var n int
		var err error
		switch r.Kind {
		case "Create":
			n, err = bench.Count(ctx, db, `SELECT COUNT(*) FROM posts WHERE uri = ?`, r.ObjectID)
		case "Follow":
			follows++
			n, err = bench.Count(ctx, db, `SELECT COUNT(*) FROM follows WHERE activity_uri = ? AND state = 'accepted'`, r.ActivityID)
		}
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			lost++
			if lost <= 5 {
				t.Errorf("%s %s was answered 202 but is not stored", r.Kind, r.ActivityID)
			}
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d accepted activities lost", lost, res.Accepted)
	}
	if follows == 0 {
		t.Error("no Follow was accepted before the kill; the test made no outbound load")
	}
}

// checkDelivered checks that every Accept kith recorded reached the sink.
func checkDelivered(t *testing.T, ctx context.Context, db *sql.DB, peer *bench.Peer) {
	t.Helper()
	rows, err := db.QueryContext(ctx, `SELECT uri FROM activities WHERE type = 'Accept'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	received := peer.Received()
	var accepts, missing, dups int
	for rows.Next() {
		var uri string
		if err := rows.Scan(&uri); err != nil {
			t.Fatal(err)
		}
		accepts++
		switch n := received[uri]; {
		case n == 0:
			missing++
			if missing <= 5 {
				t.Errorf("Accept %s recorded but never delivered", uri)
			}
		case n > 1:
			dups += n - 1
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if accepts == 0 {
		t.Fatal("kith recorded no Accept")
	}
	if missing > 0 {
		t.Errorf("%d of %d recorded Accepts never delivered", missing, accepts)
	}
	t.Logf("%d Accepts recorded, all delivered; %d duplicate deliveries (at-least-once)", accepts, dups)
}
