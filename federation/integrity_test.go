package federation_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kith/federation"
	"kith/federation/proof"
	"kith/jobs"
	"kith/store"
)

// proofActor serves an actor on the fake peer with an RSA key and an
// Ed25519 Multikey in assertionMethod, as Fedify publishes them.
func proofActor(t *testing.T, peer *fakePeer, id string, rsaKey int) (fakeActor, ed25519.PrivateKey) {
	t.Helper()
	a := fakeActor{id: id, keyID: id + "#main-key", key: fakeKeys()[rsaKey]}
	seed := make([]byte, ed25519.SeedSize)
	copy(seed, id)
	key := ed25519.NewKeyFromSeed(seed)
	doc := actorDoc(id, a.keyID, &a.key.PublicKey)
	doc["@context"] = []string{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1",
		"https://w3id.org/security/multikey/v1"}
	doc["assertionMethod"] = []map[string]string{{
		"id": id + "#ed25519-key", "type": "Multikey", "controller": id,
		"publicKeyMultibase": proof.Multikey(key.Public().(ed25519.PublicKey)),
	}}
	peer.put(t, id, federation.ActivityJSON, doc)
	return a, key
}

// TestInboxForwardedIntegrityProof: an activity another server delivers
// is its author's when the author's integrity proof verifies, and is
// accepted without fetching it again; a proof that does not verify, or
// none, leaves the forwarded activity refused as before.
func TestInboxForwardedIntegrityProof(t *testing.T) {
	n, alice, peer := newPeerNetwork(t, nil)
	author, authorKey := proofActor(t, peer, "http://remote.test/users/author", 0)
	relay, relayKey := proofActor(t, peer, "http://other.test/users/relay", 1)
	signed := func(t *testing.T, note, text string, key ed25519.PrivateKey, method string) []byte {
		t.Helper()
		b, err := proof.SignIntegrity(mustJSON(t, mentionOf(author.id, alice, note, text)), key, method, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	forward := func(t *testing.T, body []byte) int {
		return signedPost{url: alice.fed.URLs().SharedInbox(), body: body, keyID: relay.keyID, key: relay.key}.send(t, n)
	}

	t.Run("proof verifies", func(t *testing.T) {
		note := author.id + "/notes/forwarded"
		before := peer.requests()
		if got, want := forward(t, signed(t, note, "forwarded hello", authorKey, author.id+"#ed25519-key")), http.StatusAccepted; got != want {
			t.Fatalf("status %d, want %d", got, want)
		}
		n.settle()
		p, ok := postOn(alice, note)
		if !ok || !strings.Contains(p.Content, "forwarded hello") {
			t.Fatalf("forwarded post not stored (%v): %q", ok, p.Content)
		}
		for _, hit := range peer.requestLog(before) {
			if strings.Contains(hit, "/notes/") {
				t.Errorf("the proofed activity was fetched again: %v", peer.requestLog(before))
			}
		}
	})

	refused := []struct {
		name string
		body func(t *testing.T, note string) []byte
	}{
		{"content changed after signing", func(t *testing.T, note string) []byte {
			return bytes.Replace(signed(t, note, "original words", authorKey, author.id+"#ed25519-key"),
				[]byte("original words"), []byte("forged words"), 1)
		}},
		{"signed by the forwarder's key", func(t *testing.T, note string) []byte {
			return signed(t, note, "forged words", relayKey, relay.id+"#ed25519-key")
		}},
		{"forwarder's key under the author's key id", func(t *testing.T, note string) []byte {
			return signed(t, note, "forged words", relayKey, author.id+"#ed25519-key")
		}},
		{"no proof", func(t *testing.T, note string) []byte {
			return mustJSON(t, mentionOf(author.id, alice, note, "forged words"))
		}},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			note := author.id + "/notes/" + strings.ReplaceAll(tt.name, " ", "-")
			queued := inboxJobs(t, alice)
			if got, want := forward(t, tt.body(t, note)), http.StatusUnauthorized; got != want {
				t.Fatalf("status %d, want %d", got, want)
			}
			n.settle()
			if _, ok := postOn(alice, note); ok {
				t.Error("refused activity stored")
			}
			if got := inboxJobs(t, alice); got != queued {
				t.Errorf("inbox jobs %d, want %d", got, queued)
			}
		})
	}
}

// TestOwnerActivitiesCarryIntegrityProofs: the owner's public activities
// carry an eddsa-jcs-2022 proof by the Multikey the actor document lists,
// and another kith believes one forwarded by a third server; activities
// that are not public carry none.
func TestOwnerActivitiesCarryIntegrityProofs(t *testing.T) {
	peer := newFakePeer(t)
	n := newNetworkWithHosts(t, map[string]string{"other.test": peer.addr()}, "alice", "bob")
	alice, bob := n.nodes[0], n.nodes[1]
	ctx := context.Background()
	relay := peer.addActor(t, "http://other.test/users/relay", fakeKeys()[1])
	n.follow(bob, alice)

	doc, err := alice.fed.ActorDocument(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.AssertionMethod) != 1 || doc.AssertionMethod[0].ID != alice.fed.URLs().Actor()+"#ed25519-key" ||
		doc.AssertionMethod[0].Controller != alice.fed.URLs().Actor() {
		t.Fatalf("assertionMethod %+v", doc.AssertionMethod)
	}
	ctxJSON := string(mustJSON(t, doc.Context))
	for _, c := range []string{"https://w3id.org/security/multikey/v1", "https://w3id.org/security/data-integrity/v1"} {
		if !strings.Contains(ctxJSON, c) {
			t.Errorf("actor @context lacks %s: %s", c, ctxJSON)
		}
	}
	pub, err := proof.ParseMultikey(doc.AssertionMethod[0].PublicKeyMultibase)
	if err != nil {
		t.Fatal(err)
	}

	post, err := alice.fed.Post(ctx, federation.NewPost{Text: "signed and forwarded"})
	if err != nil {
		t.Fatal(err)
	}
	act, err := alice.db.ActivityByURI(ctx, alice.fed.URLs().CreateActivity(post.ID))
	if err != nil {
		t.Fatal(err)
	}
	p, err := proof.ParseIntegrity(act.Body)
	if err != nil {
		t.Fatalf("public Create carries no proof: %v\n%s", err, act.Body)
	}
	if err := p.Verify(pub); err != nil || p.Method != doc.AssertionMethod[0].ID {
		t.Fatalf("proof by %s: %v", p.Method, err)
	}

	// A third server passes alice's Create on to bob before alice's own
	// delivery: bob takes it as alice's.
	if got, want := (signedPost{url: bob.fed.URLs().SharedInbox(), body: act.Body, keyID: relay.keyID, key: relay.key}).send(t, n), http.StatusAccepted; got != want {
		t.Fatalf("forwarded to bob: status %d, want %d", got, want)
	}
	n.settleUntil("the forwarded post on bob", func() bool { _, ok := postOn(bob, post.URI); return ok })

	direct, err := alice.fed.Post(ctx, federation.NewPost{Text: "just for bob", Visibility: store.Direct})
	if err != nil {
		t.Fatal(err)
	}
	dact, err := alice.db.ActivityByURI(ctx, alice.fed.URLs().CreateActivity(direct.ID))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := proof.ParseIntegrity(dact.Body); !errors.Is(err, proof.ErrNoProof) {
		t.Errorf("a direct post's Create: %v, want no proof", err)
	}
}

// TestInboxForwardedLDSignature: Mastodon forwards a reply to a thread's
// followers with its author's RsaSignature2017; kith takes it as the
// author's when that signature verifies against the author's key, and
// refuses it when a signed field was changed.
func TestInboxForwardedLDSignature(t *testing.T) {
	n, alice, peer := newPeerNetwork(t, nil)
	author := peer.addActor(t, "http://remote.test/users/carol", fakeKeys()[0])
	relay := peer.addActor(t, "http://other.test/users/relay", fakeKeys()[1])
	signed := func(t *testing.T, note, text string) []byte {
		t.Helper()
		b, err := proof.SignLD(mustJSON(t, mentionOf(author.id, alice, note, text)), author.key, author.keyID, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	forward := func(t *testing.T, body []byte) int {
		return signedPost{url: alice.fed.URLs().SharedInbox(), body: body, keyID: relay.keyID, key: relay.key}.send(t, n)
	}

	note := author.id + "/statuses/1"
	if got, want := forward(t, signed(t, note, "forwarded by Mastodon")), http.StatusAccepted; got != want {
		t.Fatalf("status %d, want %d", got, want)
	}
	n.settle()
	if p, ok := postOn(alice, note); !ok || !strings.Contains(p.Content, "forwarded by Mastodon") {
		t.Fatalf("forwarded post not stored (%v): %q", ok, p.Content)
	}

	forged := author.id + "/statuses/2"
	body := bytes.Replace(signed(t, forged, "original words"), []byte("original words"), []byte("forged words"), 1)
	if got, want := forward(t, body), http.StatusUnauthorized; got != want {
		t.Fatalf("tampered: status %d, want %d", got, want)
	}
	n.settle()
	if _, ok := postOn(alice, forged); ok {
		t.Error("tampered post stored")
	}
}

// TestOwnerEd25519KeyKept: the owner's Ed25519 key is made once and kept
// in the database, so a restart (or a restored backup, which is the
// database) publishes the same Multikey.
func TestOwnerEd25519KeyKept(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "kith.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ownerKey, instanceKey := testKeys()
	err = db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateOwner(ctx, store.Owner{Username: "alice", PrivateKeyPEM: ownerKey[0], PublicKeyPEM: ownerKey[1]}); err != nil {
			return err
		}
		return tx.SetSetting(ctx, "instance_private_key", instanceKey[0])
	})
	if err != nil {
		t.Fatal(err)
	}
	multikey := func() string {
		logger := slog.New(slog.NewTextHandler(io.Discard, nil))
		fed, err := federation.New(ctx, db, jobs.New(db, logger, jobs.Options{}), logger,
			federation.Options{BaseURL: "http://alice.test", Username: "alice", Version: "test"})
		if err != nil {
			t.Fatal(err)
		}
		doc, err := fed.ActorDocument(ctx)
		if err != nil || len(doc.AssertionMethod) != 1 {
			t.Fatalf("assertionMethod %+v, %v", doc.AssertionMethod, err)
		}
		return doc.AssertionMethod[0].PublicKeyMultibase
	}
	first := multikey()
	if _, err := proof.ParseMultikey(first); err != nil {
		t.Fatalf("published key %q: %v", first, err)
	}
	if again := multikey(); again != first {
		t.Errorf("after a restart the key is %s, was %s", again, first)
	}
}
