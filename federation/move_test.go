package federation_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"kith/federation"
	"kith/store"
)

// TestMoveAcrossInstances moves alice (the old account) to carol (the new
// one, which lists alice as an alias): bob, who followed alice, follows
// carol instead; dave, who blocks alice, is sent the Move too; sending the
// Move again changes nothing anywhere.
func TestMoveAcrossInstances(t *testing.T) {
	n := newNetwork(t, "alice", "bob", "carol", "dave")
	alice, bob, carol, dave := n.nodes[0], n.nodes[1], n.nodes[2], n.nodes[3]
	ctx := context.Background()
	n.follow(bob, alice)
	aliceOnDave, err := dave.fed.Resolve(ctx, alice.handle())
	if err != nil {
		t.Fatal(err)
	}
	if err := dave.fed.Block(ctx, aliceOnDave.ID); err != nil {
		t.Fatal(err)
	}
	n.settle()

	// Without the alias the move is refused, and nothing is sent.
	if _, err := alice.fed.MoveTo(ctx, carol.handle()); !errors.Is(err, federation.ErrForbidden) || !strings.Contains(err.Error(), "alias") {
		t.Fatalf("move before the alias: %v, want forbidden naming the alias", err)
	}
	if got := alice.actorOn(t, alice).MovedTo; got != "" {
		t.Errorf("a refused move set movedTo %q", got)
	}

	if _, err := carol.fed.AddAlias(ctx, alice.handle()); err != nil {
		t.Fatal(err)
	}
	if got := carol.actorOn(t, carol).AlsoKnownAs; !slices.Equal(got, []string{alice.fed.URLs().Actor()}) {
		t.Errorf("carol's alsoKnownAs = %v", got)
	}
	if _, err := alice.fed.MoveTo(ctx, carol.fed.URLs().Actor()); err != nil {
		t.Fatal(err)
	}
	moves := moveDeliveries(t, alice)
	for _, k := range []*kith{bob, dave} {
		if !slices.ContainsFunc(moves, func(inbox string) bool { return strings.Contains(inbox, k.fed.URLs().Host()) }) {
			t.Errorf("the Move goes to %v, not to %s", moves, k.name)
		}
	}
	n.settle()
	if got := followState(t, carol, bob, carol); got != store.FollowAccepted {
		t.Errorf("on carol: bob → carol is %q, want accepted", got)
	}
	if got := followState(t, bob, bob, alice); got != "" {
		t.Errorf("on bob: bob → alice is %q, want none after the move", got)
	}
	if got := bob.actorOn(t, alice).MovedTo; got != carol.fed.URLs().Actor() {
		t.Errorf("bob's copy of alice has movedTo %q", got)
	}
	if got := alice.actorOn(t, alice).MovedTo; got != carol.fed.URLs().Actor() {
		t.Errorf("alice's own movedTo is %q", got)
	}
	wantNotes(t, bob, "move")
	wantNotes(t, dave)

	// Re-sending is harmless: one follow, one notification, no job left
	// to retry and none dead on any instance.
	if _, err := alice.fed.ResendMove(ctx); err != nil {
		t.Fatal(err)
	}
	if len(moveDeliveries(t, alice)) == 0 {
		t.Fatalf("ResendMove sent nothing")
	}
	n.settle()
	if got := followState(t, carol, bob, carol); got != store.FollowAccepted {
		t.Errorf("after the re-sent Move: bob → carol is %q", got)
	}
	wantNotes(t, bob, "move")
	for _, k := range n.nodes {
		jobs, err := k.db.Jobs(ctx, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range jobs {
			if !strings.HasPrefix(j.UniqueKey, "periodic:") {
				t.Errorf("%s: job %s left %s: %s", k.name, j.Kind, j.State, j.LastError)
			}
		}
	}
}

// moveDeliveries returns the inboxes of the Move deliveries k has queued.
func moveDeliveries(t *testing.T, k *kith) []string {
	t.Helper()
	ctx := context.Background()
	jobs, err := k.db.Jobs(ctx, store.JobQueued, 100)
	if err != nil {
		t.Fatal(err)
	}
	var inboxes []string
	for _, j := range jobs {
		var d struct {
			Activity int64
			Inbox    string
		}
		if j.Kind != "deliver" || json.Unmarshal(j.Payload, &d) != nil {
			continue
		}
		if act, err := k.db.ActivityByID(ctx, d.Activity); err == nil && act.Type == "Move" {
			inboxes = append(inboxes, d.Inbox)
		}
	}
	return inboxes
}

// TestRotateKeys: after the owner's key changes, followers still accept
// the owner's posts (they refetch the actor when the old key fails).
func TestRotateKeys(t *testing.T) {
	n := newNetwork(t, "alice", "bob")
	alice, bob := n.nodes[0], n.nodes[1]
	ctx := context.Background()
	n.follow(bob, alice)
	old := bob.actorOn(t, alice).PublicKeyPEM

	if err := alice.fed.RotateKeys(ctx); err != nil {
		t.Fatal(err)
	}
	owner, err := alice.db.Owner(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if owner.PublicKeyPEM == old || alice.actorOn(t, alice).PublicKeyPEM != owner.PublicKeyPEM {
		t.Fatalf("the owner's key did not change, or the actor does not carry the new one")
	}
	n.settle()
	if got := bob.actorOn(t, alice).PublicKeyPEM; got != owner.PublicKeyPEM {
		t.Errorf("bob's copy of alice's key is not the new one")
	}
	p, err := alice.fed.Post(ctx, federation.NewPost{Text: "signed with the new key", Visibility: store.Public})
	if err != nil {
		t.Fatal(err)
	}
	n.settle()
	if _, ok := postOn(bob, p.URI); !ok {
		t.Errorf("bob did not take alice's post signed with the new key")
	}
}
