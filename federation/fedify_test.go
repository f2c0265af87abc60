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
// first, which kith verifies: no request is knocked twice.
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
	// The peer signed with RFC 9421 and kith accepted it the first time.
	checkOneKnock(t, peer, alice.fed.URLs().Host())

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

// checkOneKnock checks that every signed request the peer sent to host
// was RFC 9421 and none was refused with 401 (which would have made
// Fedify knock again with draft-cavage).
func checkOneKnock(t *testing.T, peer *fedify.Peer, host string) {
	t.Helper()
	signed := 0
	for _, r := range peer.Requests(t) {
		if !strings.Contains(r.URL, host) || r.Signature == "" {
			continue
		}
		signed++
		if r.Status == 401 || !strings.Contains(strings.ToLower(r.Signature), "9421") {
			t.Errorf("peer's request %s %s signed %q got %d", r.Method, r.URL, r.Signature, r.Status)
		}
	}
	if signed == 0 {
		t.Errorf("no signed request from the peer to %s: %+v", host, peer.Requests(t))
	}
}
