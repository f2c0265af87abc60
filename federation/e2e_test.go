package federation_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"kith/federation"
	"kith/store"
)

func TestFollowAccept(t *testing.T) {
	n := newNetwork(t, "alice", "bob")
	alice, bob := n.nodes[0], n.nodes[1]
	n.follow(alice, bob)
	if got := followState(t, alice, alice, bob); got != store.FollowAccepted {
		t.Errorf("on alice: alice → bob is %q, want accepted", got)
	}
	if got := followState(t, bob, alice, bob); got != store.FollowAccepted {
		t.Errorf("on bob: alice → bob is %q, want accepted", got)
	}
	notes, _ := bob.db.Notifications(context.Background(), 10)
	if len(notes) != 1 || notes[0].Type != "follow" {
		t.Errorf("bob's notifications = %+v, want one follow", notes)
	}

	// Unfollow directly, no dance.
	if err := alice.fed.Unfollow(context.Background(), alice.actorOn(t, bob).ID); err != nil {
		t.Fatal(err)
	}
	n.settle()
	if got := followState(t, bob, alice, bob); got != "" {
		t.Errorf("on bob after unfollow: %q, want no follow", got)
	}
}

func TestLockedAccountApproveAndReject(t *testing.T) {
	n := newNetwork(t, "alice", "bob", "carol")
	alice, bob, carol := n.nodes[0], n.nodes[1], n.nodes[2]
	setLocked(t, bob)

	n.follow(alice, bob)
	n.follow(carol, bob)
	for _, k := range []*kith{alice, carol} {
		if got := followState(t, bob, k, bob); got != store.FollowPending {
			t.Fatalf("on bob: %s → bob is %q, want pending", k.name, got)
		}
		if got := followState(t, k, k, bob); got != store.FollowPending {
			t.Fatalf("on %s: %s → bob is %q, want pending", k.name, k.name, got)
		}
	}
	ctx := context.Background()
	if err := bob.fed.AcceptFollower(ctx, bob.actorOn(t, alice).ID); err != nil {
		t.Fatal(err)
	}
	if err := bob.fed.RejectFollower(ctx, bob.actorOn(t, carol).ID); err != nil {
		t.Fatal(err)
	}
	n.settle()
	if got := followState(t, alice, alice, bob); got != store.FollowAccepted {
		t.Errorf("on alice after approval: %q, want accepted", got)
	}
	if got := followState(t, carol, carol, bob); got != "" {
		t.Errorf("on carol after rejection: %q, want no follow", got)
	}
	if got := followState(t, bob, carol, bob); got != "" {
		t.Errorf("on bob after rejection: %q, want no follow", got)
	}
}

func setLocked(t *testing.T, k *kith) {
	t.Helper()
	ctx := context.Background()
	a, err := k.db.LocalActor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a.Locked = true
	if err := k.db.InTx(ctx, func(tx *store.Tx) error { _, err := tx.UpsertActor(ctx, a); return err }); err != nil {
		t.Fatal(err)
	}
}

// Each visibility reaches exactly the right servers: alice and carol
// follow bob, dave does not; bob mentions dave in some posts.
func TestVisibilityReachesTheRightInboxes(t *testing.T) {
	n := newNetwork(t, "alice", "bob", "carol", "dave")
	alice, bob, carol, dave := n.nodes[0], n.nodes[1], n.nodes[2], n.nodes[3]
	n.follow(alice, bob)
	n.follow(carol, bob)
	ctx := context.Background()
	tests := []struct {
		visibility string
		mention    bool
		want       map[string]bool // who stores the post
	}{
		{store.Public, false, map[string]bool{"alice": true, "carol": true, "dave": false}},
		{store.Unlisted, false, map[string]bool{"alice": true, "carol": true, "dave": false}},
		{store.Private, false, map[string]bool{"alice": true, "carol": true, "dave": false}},
		{store.Direct, false, map[string]bool{"alice": false, "carol": false, "dave": false}},
		{store.Direct, true, map[string]bool{"alice": false, "carol": false, "dave": true}},
		{store.Private, true, map[string]bool{"alice": true, "carol": true, "dave": true}},
	}
	for _, tt := range tests {
		text := "a " + tt.visibility + " post"
		if tt.mention {
			text += " for " + dave.handle()
		}
		p, err := bob.fed.Post(ctx, federation.NewPost{Text: text, Visibility: tt.visibility})
		if err != nil {
			t.Fatal(err)
		}
		n.settle()
		for _, k := range []*kith{alice, carol, dave} {
			got, ok := postOn(k, p.URI)
			if ok != tt.want[k.name] {
				t.Errorf("%s post (mention %v): stored on %s = %v, want %v", tt.visibility, tt.mention, k.name, ok, tt.want[k.name])
			}
			if ok && got.Visibility != tt.visibility {
				t.Errorf("%s post on %s has visibility %s", tt.visibility, k.name, got.Visibility)
			}
		}
	}
	// A mention notifies; the HTML links the mention.
	notes, _ := dave.db.Notifications(ctx, 10)
	if len(notes) != 2 || notes[0].Type != "mention" {
		t.Errorf("dave's notifications = %+v, want two mentions", notes)
	}
}

func TestReplyBoostLikeEditDelete(t *testing.T) {
	n := newNetwork(t, "alice", "bob")
	alice, bob := n.nodes[0], n.nodes[1]
	ctx := context.Background()
	n.follow(alice, bob)
	n.follow(bob, alice)

	orig, err := bob.fed.Post(ctx, federation.NewPost{Text: "hello #fediverse from **bob**"})
	if err != nil {
		t.Fatal(err)
	}
	n.settle()
	onAlice, ok := postOn(alice, orig.URI)
	if !ok {
		t.Fatal("alice did not receive bob's post")
	}
	if !strings.Contains(onAlice.Content, "<strong>bob</strong>") || len(onAlice.Tags) != 1 || onAlice.Tags[0] != "fediverse" {
		t.Errorf("alice's copy: content %q tags %v", onAlice.Content, onAlice.Tags)
	}

	reply, err := alice.fed.Post(ctx, federation.NewPost{Text: "hi " + bob.handle(), InReplyTo: orig.URI})
	if err != nil {
		t.Fatal(err)
	}
	if err := alice.fed.Like(ctx, onAlice.ID); err != nil {
		t.Fatal(err)
	}
	if err := alice.fed.Boost(ctx, onAlice.ID); err != nil {
		t.Fatal(err)
	}
	n.settle()
	replyOnBob, ok := postOn(bob, reply.URI)
	if !ok || replyOnBob.InReplyToID != orig.ID {
		t.Errorf("reply on bob: stored %v, in_reply_to_id %d want %d", ok, replyOnBob.InReplyToID, orig.ID)
	}
	if likes, _ := bob.db.CountLikes(ctx, orig.ID); likes != 1 {
		t.Errorf("likes on bob = %d, want 1", likes)
	}
	wantNotes(t, bob, "follow", "mention", "favourite", "reblog")

	// Edit: bob changes the post; alice keeps the history and, since she
	// boosted it, is told.
	if _, err := bob.fed.Edit(ctx, orig.ID, federation.NewPost{Text: "hello #fediverse, edited"}); err != nil {
		t.Fatal(err)
	}
	n.settle()
	onAlice, _ = postOn(alice, orig.URI)
	if !strings.Contains(onAlice.Content, "edited") || onAlice.EditedAt.IsZero() {
		t.Errorf("alice's copy after the edit: %q (edited at %v)", onAlice.Content, onAlice.EditedAt)
	}
	if hist, _ := alice.db.PostEdits(ctx, onAlice.ID); len(hist) != 1 || strings.Contains(hist[0].Content, "edited") {
		t.Errorf("edit history on alice = %+v, want the original version", hist)
	}
	wantNotes(t, alice, "follow", "update")

	// Undo the like and the boost, then delete.
	if err := alice.fed.Unlike(ctx, onAlice.ID); err != nil {
		t.Fatal(err)
	}
	if err := alice.fed.Unboost(ctx, onAlice.ID); err != nil {
		t.Fatal(err)
	}
	n.settle()
	if likes, _ := bob.db.CountLikes(ctx, orig.ID); likes != 0 {
		t.Errorf("likes on bob after Undo = %d, want 0", likes)
	}
	if _, err := bob.fed.Delete(ctx, orig.ID); err != nil {
		t.Fatal(err)
	}
	n.settle()
	if _, ok := postOn(alice, orig.URI); ok {
		t.Errorf("alice still has the deleted post")
	}
}

func wantNotes(t *testing.T, k *kith, want ...string) {
	t.Helper()
	notes, err := k.db.Notifications(context.Background(), 50)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range notes {
		got = append(got, n.Type)
	}
	// The order depends on which job ran first; compare as sets.
	slices.Sort(got)
	want = slices.Sorted(slices.Values(want))
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%s's notifications = %v, want %v", k.name, got, want)
	}
}

func TestBlockSeversAndDrops(t *testing.T) {
	n := newNetwork(t, "alice", "bob")
	alice, bob := n.nodes[0], n.nodes[1]
	ctx := context.Background()
	n.follow(alice, bob)
	n.follow(bob, alice)
	if err := bob.fed.Block(ctx, bob.actorOn(t, alice).ID); err != nil {
		t.Fatal(err)
	}
	n.settle()
	for _, k := range []*kith{alice, bob} {
		if followState(t, k, alice, bob) != "" || followState(t, k, bob, alice) != "" {
			t.Errorf("on %s: follows survive the block", k.name)
		}
	}
	if blocked, _ := alice.db.Blocked(ctx, alice.actorOn(t, bob).ID, alice.db.OwnerID()); !blocked {
		t.Errorf("alice does not know bob blocks her")
	}
	// alice's later activities are dropped by bob.
	n.follow(alice, bob)
	if got := followState(t, bob, alice, bob); got != "" {
		t.Errorf("bob accepted a follow from a blocked account: %q", got)
	}
	p, _ := alice.fed.Post(ctx, federation.NewPost{Text: "hey " + bob.handle(), Visibility: store.Direct})
	n.settle()
	if _, ok := postOn(bob, p.URI); ok {
		t.Errorf("bob stored a post from a blocked account")
	}
	// Unblock: follows work again.
	if err := bob.fed.Unblock(ctx, bob.actorOn(t, alice).ID); err != nil {
		t.Fatal(err)
	}
	n.settle()
	n.follow(alice, bob)
	if got := followState(t, bob, alice, bob); got != store.FollowAccepted {
		t.Errorf("after unblock: %q, want accepted", got)
	}
}

func TestPollAndVote(t *testing.T) {
	n := newNetwork(t, "alice", "bob")
	alice, bob := n.nodes[0], n.nodes[1]
	ctx := context.Background()
	n.follow(alice, bob)
	poll, err := bob.fed.Post(ctx, federation.NewPost{Text: "tea or coffee?",
		Poll: &federation.NewPoll{Options: []string{"tea", "coffee"}, Expires: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	n.settle()
	onAlice, ok := postOn(alice, poll.URI)
	if !ok || onAlice.Poll == nil || len(onAlice.Poll.Options) != 2 || onAlice.Poll.Options[1].Title != "coffee" {
		t.Fatalf("alice's copy of the poll: %+v", onAlice.Poll)
	}
	if err := alice.fed.Vote(ctx, onAlice.ID, []int{1}); err != nil {
		t.Fatal(err)
	}
	n.settle()
	onBob, _ := bob.db.PostByID(ctx, poll.ID)
	if onBob.Poll.Options[1].Votes != 1 || onBob.Poll.Options[0].Votes != 0 || onBob.Poll.VotersCount != 1 {
		t.Errorf("bob's poll after the vote: %+v", onBob.Poll)
	}
	// A vote is not a post: bob stores no reply.
	if replies, _ := bob.db.Replies(ctx, poll.URI, 10); len(replies) != 0 {
		t.Errorf("the vote was stored as %d replies", len(replies))
	}
}

func TestProfileUpdate(t *testing.T) {
	n := newNetwork(t, "alice", "bob")
	alice, bob := n.nodes[0], n.nodes[1]
	ctx := context.Background()
	n.follow(bob, alice)

	if err := alice.fed.UpdateProfile(ctx, federation.Profile{DisplayName: "Alice A.", Summary: "I *moved* soon"}); err != nil {
		t.Fatal(err)
	}
	n.settle()
	if got := bob.actorOn(t, alice); got.DisplayName != "Alice A." || !strings.Contains(got.Summary, "<em>moved</em>") {
		t.Errorf("bob's copy of alice: name %q summary %q", got.DisplayName, got.Summary)
	}
}

// A reply's missing parent is fetched; opening a thread fetches replies
// the instance was never sent.
func TestThreadFetching(t *testing.T) {
	n := newNetwork(t, "alice", "bob", "carol", "dave")
	alice, bob, carol, dave := n.nodes[0], n.nodes[1], n.nodes[2], n.nodes[3]
	ctx := context.Background()
	n.follow(alice, bob)
	n.follow(dave, carol)

	root, err := bob.fed.Post(ctx, federation.NewPost{Text: "root post"})
	if err != nil {
		t.Fatal(err)
	}
	reply, err := carol.fed.Post(ctx, federation.NewPost{Text: bob.handle() + " a reply", InReplyTo: root.URI})
	if err != nil {
		t.Fatal(err)
	}
	n.settle()
	// dave follows only carol: he got the reply, and kith fetched its parent.
	if _, ok := postOn(dave, reply.URI); !ok {
		t.Fatal("dave did not get carol's reply")
	}
	rootOnDave, ok := postOn(dave, root.URI)
	if !ok {
		t.Fatal("dave's kith did not fetch the missing parent")
	}
	if replyOnDave, _ := postOn(dave, reply.URI); replyOnDave.InReplyToID != rootOnDave.ID {
		t.Errorf("the reply is not linked to its fetched parent")
	}
	// alice follows only bob: she has the root but not carol's reply,
	// until she opens the thread.
	rootOnAlice, ok := postOn(alice, root.URI)
	if !ok {
		t.Fatal("alice did not get bob's post")
	}
	if _, ok := postOn(alice, reply.URI); ok {
		t.Fatal("alice got carol's reply without asking")
	}
	got, err := alice.fed.FetchReplies(ctx, rootOnAlice.ID)
	if err != nil || got != 1 {
		t.Fatalf("FetchReplies = %d, %v; want 1", got, err)
	}
	if _, ok := postOn(alice, reply.URI); !ok {
		t.Errorf("alice does not have the fetched reply")
	}
}

func TestPollResultNotifies(t *testing.T) {
	n := newNetwork(t, "alice", "bob")
	alice, bob := n.nodes[0], n.nodes[1]
	ctx := context.Background()
	n.follow(alice, bob)
	poll, err := bob.fed.Post(ctx, federation.NewPost{Text: "quick poll",
		Poll: &federation.NewPoll{Options: []string{"yes", "no"}, Expires: 5 * time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	n.settle()
	onAlice, _ := postOn(alice, poll.URI)
	if err := alice.fed.Vote(ctx, onAlice.ID, []int{0}); err != nil {
		t.Fatal(err)
	}
	n.settle()
	// Close the polls as the periodic job does: nothing ends now, both
	// end six minutes later.
	for _, k := range []*kith{alice, bob} {
		if err := closePollsAt(ctx, k, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	wantNotes(t, bob, "follow")
	later := time.Now().Add(6 * time.Minute)
	for _, k := range []*kith{alice, bob} {
		if err := closePollsAt(ctx, k, later); err != nil {
			t.Fatal(err)
		}
	}
	wantNotes(t, bob, "follow", "poll")
	wantNotes(t, alice, "poll")
}

func closePollsAt(ctx context.Context, k *kith, at time.Time) error {
	return k.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.CloseExpiredPolls(ctx, at)
		return err
	})
}

// Search resolves a remote post or account by URL, fetching what it lacks.
func TestResolveURL(t *testing.T) {
	n := newNetwork(t, "alice", "bob")
	alice, bob := n.nodes[0], n.nodes[1]
	ctx := context.Background()
	p, err := bob.fed.Post(ctx, federation.NewPost{Text: "find me"})
	if err != nil {
		t.Fatal(err)
	}
	a, got, err := alice.fed.ResolveURL(ctx, p.URI)
	if err != nil || a != nil || got == nil || !strings.Contains(got.Content, "find me") {
		t.Fatalf("ResolveURL(post) = %v, %+v, %v", a, got, err)
	}
	a, got, err = alice.fed.ResolveURL(ctx, bob.fed.URLs().Actor())
	if err != nil || got != nil || a == nil || a.Username != "bob" {
		t.Fatalf("ResolveURL(actor) = %+v, %v, %v", a, got, err)
	}
	if _, _, err := alice.fed.ResolveURL(ctx, bob.fed.URLs().Base()+"/nothing"); err == nil {
		t.Errorf("ResolveURL of a missing page succeeded")
	}
}
