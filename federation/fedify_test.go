package federation_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"kith/federation"
	"kith/store"
	"kith/tests/fedify"
)

// TestFedifyInterop federates kith with Fedify, a third-party ActivityPub
// implementation that verifies signatures for real and signs with RFC 9421
// first (kith answers 401, Fedify retries with draft-cavage).
func TestFedifyInterop(t *testing.T) {
	peer := fedify.Start(t, fedify.Options{})
	n := newNetworkWithHosts(t, map[string]string{"peer.test": peer.Addr()}, "alice")
	alice := n.nodes[0]
	ctx := context.Background()
	aliceURI := alice.fed.URLs().Actor()

	// The peer follows alice and gets an Accept.
	peer.Follow(t, aliceURI)
	n.settle()
	peer.WaitFor(t, func(a fedify.Activity) bool { return a.Type == "Accept" && a.Actor == aliceURI }, 20*time.Second)
	peerActor, err := alice.db.ActorByURI(ctx, peer.ActorURL())
	if err != nil {
		t.Fatalf("alice did not store the peer: %v", err)
	}
	if f, err := alice.db.FollowBetween(ctx, peerActor.ID, alice.db.OwnerID()); err != nil || f.State != store.FollowAccepted {
		t.Fatalf("peer → alice on alice: %+v %v", f, err)
	}
	// The first knock was RFC 9421, refused with 401; the retry was
	// draft-cavage and accepted.
	checkDoubleKnock(t, peer, alice.fed.URLs().Host())

	// alice follows the peer; the peer accepts.
	if _, err := alice.fed.Follow(ctx, peer.ActorURL()); err != nil {
		t.Fatal(err)
	}
	n.settleUntil("the peer to accept alice", func() bool {
		f, err := alice.db.FollowBetween(ctx, alice.db.OwnerID(), peerActor.ID)
		return err == nil && f.State == store.FollowAccepted
	})

	// alice's post reaches the peer, signature verified there.
	post, err := alice.fed.Post(ctx, federation.NewPost{Text: "hello from kith"})
	if err != nil {
		t.Fatal(err)
	}
	n.settle()
	got := peer.WaitFor(t, func(a fedify.Activity) bool { return a.Type == "Create" && a.Object == post.URI }, 20*time.Second)
	if !strings.Contains(string(got.Raw), "hello from kith") {
		t.Errorf("peer got %s", got.Raw)
	}
	if len(peer.Rejected(t)) != 0 {
		t.Errorf("the peer rejected activities: %+v", peer.Rejected(t))
	}

	// The peer's Create, Like, Announce and Undo reach alice, verified.
	noteID := peer.Note(t, fedify.Note{Content: "<p>hi alice</p>", To: []string{aliceURI}})
	n.settleUntil("the peer's note", func() bool { _, ok := postOn(alice, noteID); return ok })
	like := peer.Like(t, post.URI, aliceURI)
	n.settleUntil("the peer's like", func() bool { c, _ := alice.db.CountLikes(ctx, post.ID); return c == 1 })
	peer.Announce(t, post.URI, aliceURI)
	n.settleUntil("the peer's boost", func() bool {
		notes, _ := alice.db.Notifications(ctx, 10)
		for _, nt := range notes {
			if nt.Type == "reblog" {
				return true
			}
		}
		return false
	})
	peer.Undo(t, like)
	n.settleUntil("the peer's undo", func() bool { c, _ := alice.db.CountLikes(ctx, post.ID); return c == 0 })

	// The peer can read alice's actor and post with its own parser.
	doc := peer.Lookup(t, post.URI)
	if doc["id"] != post.URI {
		t.Errorf("peer's lookup of the post: %v", doc)
	}
}

// checkDoubleKnock finds, among the peer's requests to host, an RFC 9421
// attempt answered 401 followed by a draft-cavage attempt that succeeded.
func checkDoubleKnock(t *testing.T, peer *fedify.Peer, host string) {
	t.Helper()
	var saw401, sawCavage bool
	for _, r := range peer.Requests(t) {
		if !strings.Contains(r.URL, host) {
			continue
		}
		if strings.Contains(strings.ToLower(r.Signature), "9421") && r.Status == 401 {
			saw401 = true
		}
		if saw401 && strings.Contains(strings.ToLower(r.Signature), "cavage") && r.Status >= 200 && r.Status < 300 {
			sawCavage = true
		}
	}
	if !saw401 || !sawCavage {
		t.Errorf("no RFC 9421 401 followed by an accepted draft-cavage request: %+v", peer.Requests(t))
	}
}
