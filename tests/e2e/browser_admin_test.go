package e2e

import (
	"context"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"kith/tests/bench"
)

// dashboardView is what the dashboard step reads from /admin.
type dashboardView struct {
	Status int
	Charts []struct {
		ID            string
		Width, Height float64
		Lines         int
		Stroke        string
		Series        []struct {
			Key                string
			Value, Total, Peak float64
		}
	}
	Hosts []string
}

// total is a series' sum over the day, -1 when the page lacks it.
func (v dashboardView) total(key string) float64 {
	for _, c := range v.Charts {
		for _, s := range c.Series {
			if s.Key == key {
				return s.Total
			}
		}
	}
	return -1
}

// TestBrowserAdmin signs in to a real kith in chromium and loads the
// dashboard while signed Creates and Follows from a loopback peer flood
// its inbox: the charts' values move while the load runs, and once the
// queue has drained the inbox charts add up to exactly what was accepted
// and applied, and the Accepts kith sent show as deliveries. Every chart
// is drawn with a visible size and a line. Visitors get 403.
func TestBrowserAdmin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := launchBrowser(t, "")
	peer, err := bench.NewPeer(bench.PeerOptions{Keys: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { peer.Close() })
	in, err := bench.NewInstance(ctx, kithBin, t.TempDir(), bench.InstanceOptions{
		Hosts: map[string]string{bench.RemoteHost: peer.Addr},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		in.Stop()
		if t.Failed() {
			t.Logf("kith serve output:\n%s", in.Output())
		}
	})
	db, err := in.OpenDB()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	resp, err := http.Get(in.URL + "/admin")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a visitor's /admin: status %d, want 403", resp.StatusCode)
	}

	const creates, follows, actors = 1500, 40, 60
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	inbox := in.URL + "/inbox"
	reqs, err := bench.SignAll(creates+follows, func(i int) (bench.Request, error) {
		a := i % actors
		if i < follows {
			return peer.Sign(inbox, bench.RemoteHost, a, bench.Follow(bench.RemoteHost, a, run, in.Owner))
		}
		return peer.Sign(inbox, bench.RemoteHost, a, bench.Create(bench.RemoteHost, a, run+"-"+strconv.Itoa(i), in.Owner))
	})
	if err != nil {
		t.Fatal(err)
	}

	b.waitReady()
	b.must("login", map[string]any{"base": in.URL, "username": "owner", "password": "a bench password"}, nil)
	var before dashboardView
	b.must("dashboard", nil, &before)
	if before.Status != http.StatusOK {
		t.Fatalf("the owner's /admin: status %d", before.Status)
	}
	if got := before.total("inbox-received"); got != 0 {
		t.Errorf("before the load: %v received, want 0", got)
	}

	fired := make(chan bench.FireResult, 1)
	go func() { fired <- bench.Fire(ctx, reqs, 8) }()
	// Reload the dashboard while the load runs until the inbox chart has
	// moved; each load is itself a request the load competes with.
	var during dashboardView
	moved := false
	for tries := 0; tries < 50 && !moved; tries++ {
		b.must("dashboard", nil, &during)
		moved = during.total("inbox-received") > 0
	}
	res := <-fired
	t.Logf("load: %s", res)
	if !moved {
		t.Error("the inbox chart did not move while the load ran")
	}
	if res.Accepted != creates+follows {
		t.Fatalf("%d of %d activities accepted", res.Accepted, creates+follows)
	}
	err = bench.WaitFor(60*time.Second, func() (bool, error) {
		n, err := bench.Count(ctx, db, `SELECT COUNT(*) FROM jobs WHERE kind IN ('inbox', 'deliver') AND state != 'dead'`)
		return n == 0, err
	})
	if err != nil {
		t.Fatalf("the queue did not drain: %v", err)
	}

	var after dashboardView
	b.must("dashboard", nil, &after)
	if got := after.total("inbox-received"); got != float64(res.Accepted) {
		t.Errorf("inbox received over the day: %v, want the %d accepted", got, res.Accepted)
	}
	if got := after.total("inbox-processed"); got != float64(res.Accepted) {
		t.Errorf("inbox processed over the day: %v, want the %d accepted", got, res.Accepted)
	}
	if got := after.total("deliveries-ok"); got < follows {
		t.Errorf("deliveries over the day: %v, want at least the %d Accepts of the follows", got, follows)
	}
	if got := after.total("requests"); got < float64(res.Accepted) {
		t.Errorf("requests over the day: %v, want at least the %d inbox posts", got, res.Accepted)
	}
	if len(after.Charts) < 10 {
		t.Errorf("%d charts, want 10", len(after.Charts))
	}
	for _, c := range after.Charts {
		if c.Width < 100 || c.Height < 50 || c.Lines == 0 || c.Stroke == "" || c.Stroke == "none" {
			t.Errorf("chart %s: drawn %vx%v with %d lines, stroke %q", c.ID, c.Width, c.Height, c.Lines, c.Stroke)
		}
	}
	file, err := filepath.Abs(filepath.Join(screenshotDir, "default", "admin-after-load.png"))
	if err != nil {
		t.Fatal(err)
	}
	b.must("screenshot", map[string]any{"path": "/admin", "file": file}, nil)
}
