package federation_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"kith/federation"
	"kith/federation/httpsig"
	"kith/store"
)

// syncLog records the Collection-Synchronization headers a server got.
type syncLog struct {
	mu      sync.Mutex
	headers []string
}

func (l *syncLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := r.Header.Get(federation.HeaderCollectionSync); v != "" {
			l.mu.Lock()
			l.headers = append(l.headers, v)
			l.mu.Unlock()
		}
		h.ServeHTTP(w, r)
	})
}

func (l *syncLog) last() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.headers) == 0 {
		return ""
	}
	return l.headers[len(l.headers)-1]
}

// xorDigest is the FEP-8fcf digest computed the plain way, to check kith's.
func xorDigest(ids ...string) string {
	var acc [32]byte
	for _, id := range ids {
		s := sha256.Sum256([]byte(id))
		for i := range acc {
			acc[i] ^= s[i]
		}
	}
	return hex.EncodeToString(acc[:])
}

// TestFollowersSyncHeals: each side of a follow loses its row in turn, and
// the next followers-addressed delivery brings both sides back to one
// story.
func TestFollowersSyncHeals(t *testing.T) {
	var bobGot syncLog
	n := &network{t: t, hosts: map[string]string{}, wrap: func(name string, h http.Handler) http.Handler {
		if name == "bob" {
			return bobGot.wrap(h)
		}
		return h
	}}
	n.startAll("alice", "bob")
	alice, bob := n.nodes[0], n.nodes[1]
	ctx := context.Background()
	bobURI := bob.fed.URLs().Actor()

	n.follow(bob, alice)
	if followState(t, alice, bob, alice) != "accepted" || followState(t, bob, bob, alice) != "accepted" {
		t.Fatal("bob does not follow alice on both sides")
	}
	post := func(text, vis, mention string) {
		t.Helper()
		p := federation.NewPost{Text: text, Visibility: vis}
		if mention != "" {
			p.Text = mention + " " + text
		}
		if _, err := alice.fed.Post(ctx, p); err != nil {
			t.Fatal(err)
		}
		n.settle()
	}

	// In step: the header carries the digest of bob alone, and nothing
	// changes.
	post("in step", store.Public, "")
	want := `collectionId="` + alice.fed.URLs().Followers() + `", url="` + alice.fed.URLs().FollowersSync() + `", digest="` + xorDigest(bobURI) + `"`
	if got := bobGot.last(); got != want {
		t.Fatalf("header\n%s\nwant\n%s", got, want)
	}
	if followState(t, alice, bob, alice) != "accepted" || followState(t, bob, bob, alice) != "accepted" {
		t.Fatal("a follow in step was changed")
	}

	// bob's side loses the row: alice still delivers to bob, whose
	// server finds itself listed without a follow and sends Undo Follow.
	deleteFollow(t, bob, bob, alice)
	post("drifted", store.Public, "")
	n.settleUntil("alice to drop bob", func() bool { return followState(t, alice, bob, alice) == "" })
	if got := followState(t, bob, bob, alice); got != "" {
		t.Errorf("bob's side has %q again", got)
	}

	// Follow again, then alice's side loses the row: a followers-only
	// post that mentions bob still reaches him, with the digest of no
	// one; bob's server, not listed, drops its follow.
	n.follow(bob, alice)
	if followState(t, alice, bob, alice) != "accepted" || followState(t, bob, bob, alice) != "accepted" {
		t.Fatal("bob does not follow alice again")
	}
	deleteFollow(t, alice, bob, alice)
	post("for followers", store.Private, bob.handle())
	if got := bobGot.last(); !strings.Contains(got, `digest="`+xorDigest()+`"`) {
		t.Fatalf("header %q, want the digest of no one", got)
	}
	n.settleUntil("bob to drop his follow", func() bool { return followState(t, bob, bob, alice) == "" })
}

// deleteFollow removes follower → followee from on's database only, as a
// lost Undo or a restored backup would.
func deleteFollow(t *testing.T, on, follower, followee *kith) {
	t.Helper()
	ctx := context.Background()
	fr, err := on.db.ActorByURI(ctx, follower.fed.URLs().Actor())
	if err != nil {
		t.Fatal(err)
	}
	fe, err := on.db.ActorByURI(ctx, followee.fed.URLs().Actor())
	if err != nil {
		t.Fatal(err)
	}
	err = on.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.DeleteFollow(ctx, fr.ID, fe.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestFollowersSyncCollection: the partial collection answers signed
// requests only, and lists only the followers on the signer's server.
func TestFollowersSyncCollection(t *testing.T) {
	peer := newFakePeer(t)
	n := newNetworkWithHosts(t, map[string]string{"remote.test": peer.addr()}, "alice", "bob")
	alice, bob := n.nodes[0], n.nodes[1]
	n.follow(bob, alice)
	mallory := peer.addActor(t, "http://remote.test/users/mallory", fakeKeys()[0])
	follow := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": mallory.id + "/follows/1",
		"type": "Follow", "actor": mallory.id, "object": alice.fed.URLs().Actor()}
	if code := mallory.deliver(t, n, alice.fed.URLs().Inbox(), follow); code != http.StatusAccepted {
		t.Fatalf("follow: %d", code)
	}
	n.settleUntil("mallory to follow alice", func() bool {
		a, err := alice.db.ActorByURI(context.Background(), mallory.id)
		if err != nil {
			return false
		}
		f, err := alice.db.FollowBetween(context.Background(), a.ID, alice.db.OwnerID())
		return err == nil && f.State == store.FollowAccepted
	})

	get := func(sign bool) (int, []string) {
		req, _ := http.NewRequest(http.MethodGet, alice.fed.URLs().FollowersSync(), nil)
		req.Header.Set("Accept", federation.ActivityJSON)
		if sign {
			if err := httpsig.SignRequest(req, nil, mallory.keyID, mallory.key, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		resp, err := n.client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		var doc struct {
			ID           string   `json:"id"`
			OrderedItems []string `json:"orderedItems"`
		}
		json.Unmarshal(body, &doc)
		return resp.StatusCode, doc.OrderedItems
	}
	if code, _ := get(false); code != http.StatusUnauthorized {
		t.Errorf("unsigned: %d, want 401", code)
	}
	code, items := get(true)
	if code != http.StatusOK || len(items) != 1 || items[0] != mallory.id {
		t.Errorf("signed by remote.test: %d %v, want only %s (not %s)", code, items, mallory.id, bob.fed.URLs().Actor())
	}
}

// TestCollectionSyncHeaderHostile: a delivery with a hostile header is
// still accepted and stored, and queues no synchronization: a header about
// another actor's collection, a partial collection on another server, a
// bad digest, a broken or oversized header.
func TestCollectionSyncHeaderHostile(t *testing.T) {
	peer := newFakePeer(t)
	n := newNetworkWithHosts(t, map[string]string{"remote.test": peer.addr(), "other.test": peer.addr()}, "alice")
	alice := n.nodes[0]
	eve := peer.addActor(t, "http://remote.test/users/eve", fakeKeys()[2])
	for i, h := range []string{
		`collectionId="http://other.test/users/x/followers", url="http://other.test/sync", digest="` + xorDigest("a") + `"`,
		`collectionId="http://remote.test/users/eve/followers", url="http://other.test/sync", digest="` + xorDigest("a") + `"`,
		`collectionId="http://remote.test/users/eve/followers", url="http://remote.test/sync", digest="zz"`,
		`collectionId="http://remote.test/users/eve/followers", url="http://remote.test/sync`,
		strings.Repeat(`a="b", `, 2000),
	} {
		note := mentionOf(eve.id, alice, eve.id+"/notes/"+string(rune('a'+i)), "hostile header")
		code := signedPost{url: alice.fed.URLs().Inbox(), body: mustJSON(t, note), keyID: eve.keyID, key: eve.key,
			edit: func(r *http.Request) { r.Header.Set(federation.HeaderCollectionSync, h) }}.send(t, n)
		if code != http.StatusAccepted {
			t.Errorf("header %d: status %d", i, code)
		}
	}
	n.settle()
	counts, err := alice.db.JobCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c := counts["followers.sync"]; len(c) > 0 {
		t.Errorf("hostile headers queued synchronizations: %v", c)
	}

	// The control: the same delivery with a well-formed header about
	// eve's own followers, whose digest differs from alice's view (alice
	// does not follow eve), queues one.
	note := mentionOf(eve.id, alice, eve.id+"/notes/control", "good header")
	h := `collectionId="http://remote.test/users/eve/followers", url="http://remote.test/users/eve/followers_synchronization", digest="` + xorDigest(alice.fed.URLs().Actor()) + `"`
	code := signedPost{url: alice.fed.URLs().Inbox(), body: mustJSON(t, note), keyID: eve.keyID, key: eve.key,
		edit: func(r *http.Request) { r.Header.Set(federation.HeaderCollectionSync, h) }}.send(t, n)
	if code != http.StatusAccepted {
		t.Fatalf("control: status %d", code)
	}
	counts, err = alice.db.JobCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(counts["followers.sync"]) == 0 {
		t.Error("a well-formed header with another digest queued nothing")
	}
}
