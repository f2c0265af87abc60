package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"kith/config"
	"kith/events"
	"kith/federation"
	"kith/jobs"
	"kith/server"
	"kith/server/core"
	"kith/server/servertest"
	"kith/store"
	"kith/tests/testclock"
)

// webPeer is a kith instance that federates with the others of its test
// on loopback, known to them as http://NAME.test:PORT.
type webPeer struct {
	*servertest.Instance
	runner *jobs.Runner
}

// startWebPeers starts one instance per name, each mapping every other
// name.test to its port.
func startWebPeers(t *testing.T, names ...string) []*webPeer {
	t.Helper()
	hosts, lns := map[string]string{}, map[string]net.Listener{}
	for _, name := range names {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns[name], hosts[name+".test"] = ln, ln.Addr().String()
	}
	var peers []*webPeer
	for _, name := range names {
		peers = append(peers, startWebPeer(t, name, lns[name], hosts))
	}
	return peers
}

func startWebPeer(t *testing.T, name string, ln net.Listener, hosts map[string]string) *webPeer {
	t.Helper()
	ctx := context.Background()
	cfg := config.Default()
	cfg.Server.URL = fmt.Sprintf("http://%s.test:%d", name, ln.Addr().(*net.TCPAddr).Port)
	cfg.Server.DataDir = t.TempDir()
	cfg.Federation.AllowPrivateAddresses, cfg.Federation.Hosts = true, hosts
	db, err := store.Open(ctx, filepath.Join(cfg.Server.DataDir, "kith.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	servertest.CreateOwner(t, db, cfg.Owner.Username)
	// Store, job runner, federation and server share one clock: jobs are
	// due, signatures fresh and sessions alive by the same time.
	clock := testclock.New()
	db.SetClock(clock.Now)
	logger := slog.New(slog.DiscardHandler)
	runner := jobs.New(db, logger, jobs.Options{Now: clock.Now})
	hub := events.NewHub(0)
	fed, err := federation.New(ctx, db, runner, logger, federation.Options{BaseURL: cfg.Server.URL, Username: cfg.Owner.Username,
		Version: "test", AllowPrivate: true, Hosts: hosts, Events: hub, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(cfg, db, fed, logger, core.Options{Version: "test", Now: clock.Now, Events: hub})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(srv.Handler())
	hs.Listener.Close()
	hs.Listener = ln
	hs.Start()
	t.Cleanup(hs.Close)
	return &webPeer{Instance: &servertest.Instance{Srv: srv, DB: db, HTTP: hs, Clock: clock}, runner: runner}
}

// settleWebPeers runs every peer's due jobs (deliveries, inbox
// processing) until none has any left.
func settleWebPeers(t *testing.T, peers ...*webPeer) {
	t.Helper()
	for range 50 {
		ran := 0
		for _, p := range peers {
			n, err := p.runner.RunDue(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			ran += n
		}
		if ran == 0 {
			return
		}
	}
	t.Fatal("jobs still running after 50 rounds")
}

// followOn is the state of follower → followee as on's store has it, ""
// when there is no follow.
func followOn(t *testing.T, on *webPeer, follower, followee *webPeer) string {
	t.Helper()
	ctx := context.Background()
	fr, err1 := on.DB.ActorByURI(ctx, follower.Srv.Fed.URLs().Actor())
	fe, err2 := on.DB.ActorByURI(ctx, followee.Srv.Fed.URLs().Actor())
	if err1 != nil || err2 != nil {
		return ""
	}
	f, err := on.DB.FollowBetween(ctx, fr.ID, fe.ID)
	if err != nil {
		return ""
	}
	return f.State
}

// The owner of alice.test follows bob.test's owner by handle from the
// web form; bob's server records the follower, and the unfollow button on
// alice's Follows page ends it on both sides.
func TestWebFollowByHandleAcrossInstances(t *testing.T) {
	peers := startWebPeers(t, "alice", "bob")
	alice, bob := peers[0], peers[1]
	c, token := accOwner(t, alice.Instance)
	handle := "@admin@" + bob.Srv.Fed.URLs().Host()

	resp, body := servertest.Post(t, c, alice.HTTP.URL+"/follow", url.Values{"csrf_token": {token}, "acct": {handle}})
	accWantStatus(t, "follow "+handle, resp, body, http.StatusSeeOther)
	bobOnAlice, err := alice.DB.ActorByURI(context.Background(), bob.Srv.Fed.URLs().Actor())
	if err != nil {
		t.Fatalf("alice does not know bob after the follow: %v", err)
	}
	if loc, want := resp.Header.Get("Location"), fmt.Sprintf("/accounts/%d", bobOnAlice.ID); loc != want {
		t.Errorf("after the follow: Location %q, want %q", loc, want)
	}
	settleWebPeers(t, alice, bob)
	if got := followOn(t, bob, alice, bob); got != store.FollowAccepted {
		t.Errorf("bob's server: alice's follow is %q, want accepted", got)
	}
	if got := followOn(t, alice, alice, bob); got != store.FollowAccepted {
		t.Errorf("alice's server: the follow is %q, want accepted", got)
	}

	_, page := servertest.Get(t, c, alice.HTTP.URL+"/relationships?type=following")
	unfollow := fmt.Sprintf(`action="/accounts/%d/unfollow"`, bobOnAlice.ID)
	if !strings.Contains(page, unfollow) {
		t.Fatalf("the Follows page has no unfollow button for bob:\n%s", page)
	}
	resp, body = servertest.Post(t, c, fmt.Sprintf("%s/accounts/%d/unfollow", alice.HTTP.URL, bobOnAlice.ID),
		url.Values{"csrf_token": {token}, "return_to": {"/relationships?type=following"}})
	accWantStatus(t, "unfollow", resp, body, http.StatusSeeOther)
	settleWebPeers(t, alice, bob)
	if got := followOn(t, bob, alice, bob); got != "" {
		t.Errorf("bob's server after the unfollow: follow is %q, want none", got)
	}
	if _, page = servertest.Get(t, c, alice.HTTP.URL+"/relationships?type=following"); strings.Contains(page, unfollow) {
		t.Error("bob is still listed as followed after the unfollow")
	}
}
