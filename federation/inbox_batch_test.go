package federation_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"kith/events"
	"kith/federation"
	"kith/store"
)

// TestInboxBatch: received activities are applied in the commit that
// stores them, each in a savepoint of its own: a mention, a poisoned
// mention (a trigger the test adds makes its notification fail, after its
// post was written), a reply to the first without a mention (kept because
// its parent is stored), and a mention from an actor alice never saw (her
// actor is fetched to check the signature, so it applies as received
// too). The poisoned one alone is rolled back and queued instead, and the
// queue's run fails it again and leaves it to retry; the others are
// stored, and the live streams hear only of what was committed. Without
// the trigger, the retry stores it.
func TestInboxBatch(t *testing.T) {
	ctx := context.Background()
	hub := events.NewHub(64)
	n, alice, peer := newPeerNetwork(t, func(o *federation.Options) { o.Events = hub })
	keys := fakeKeys()
	mallory := peer.addActor(t, "http://remote.test/users/mallory", keys[0])
	inbox := alice.fed.URLs().SharedInbox()
	// Mallory's first contact (a fetch of her actor) happens before.
	if got := mallory.deliver(t, n, inbox, mentionOf(mallory.id, alice, mallory.id+"/notes/0", "hello")); got != 202 {
		t.Fatalf("status %d", got)
	}
	n.settle()

	sub, err := hub.Subscribe(events.Filter{Stream: events.Public}, events.Filter{Stream: events.UserNotification})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Cancel()
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(alice.cfg.Server.DataDir, "kith.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	_, err = raw.Exec(`CREATE TRIGGER poison BEFORE INSERT ON notifications
		WHEN (SELECT content FROM posts WHERE id = NEW.post_id) LIKE '%poison%'
		BEGIN SELECT RAISE(ABORT, 'poisoned notification'); END`)
	if err != nil {
		t.Fatal(err)
	}

	trent := peer.addActor(t, "http://other.test/users/trent", keys[1])
	note := func(i string) string { return mallory.id + "/notes/" + i }
	reply := mentionOf(mallory.id, alice, note("3"), "a reply to my own note")
	obj := reply["object"].(map[string]any)
	obj["inReplyTo"] = note("1")
	obj["tag"], obj["cc"], reply["cc"] = []any{}, []any{}, []any{}
	for _, d := range []struct {
		from fakeActor
		act  map[string]any
	}{
		{mallory, mentionOf(mallory.id, alice, note("1"), "one")},
		{mallory, mentionOf(mallory.id, alice, note("2"), "poison")},
		{mallory, reply},
		{trent, mentionOf(trent.id, alice, trent.id+"/notes/4", "four")},
	} {
		if got := d.from.deliver(t, n, inbox, d.act); got != 202 {
			t.Fatalf("status %d", got)
		}
	}
	if _, err := alice.runner.RunDue(ctx); err != nil {
		t.Fatal(err)
	}

	first, ok := postOn(alice, note("1"))
	if !ok {
		t.Fatal("the first mention was not stored")
	}
	if p, ok := postOn(alice, note("3")); !ok || p.InReplyToID != first.ID {
		t.Errorf("the reply: stored %v, in reply to %d; want stored, in reply to %d", ok, p.InReplyToID, first.ID)
	}
	if _, ok := postOn(alice, trent.id+"/notes/4"); !ok {
		t.Error("the new actor's mention (run alone) was not stored")
	}
	if _, ok := postOn(alice, note("2")); ok {
		t.Error("the poisoned mention's post was stored; want it rolled back with its notification")
	}
	wantNotes(t, alice, "mention", "mention", "mention")
	left, err := alice.db.Jobs(ctx, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	var inboxLeft []store.Job
	for _, j := range left {
		if j.Kind == "inbox" {
			inboxLeft = append(inboxLeft, j)
		}
	}
	if len(inboxLeft) != 1 || inboxLeft[0].State != "queued" || !strings.Contains(inboxLeft[0].LastError, "poisoned notification") {
		t.Fatalf("inbox jobs left %+v, want the poisoned one, queued for a retry", inboxLeft)
	}

	// Every event names what was committed, and the poisoned post is in
	// none: its announcement went with its rollback.
	var updates, notices int
	for len(sub.Events()) > 0 {
		e := <-sub.Events()
		switch e.Kind {
		case events.Update:
			updates++
		case events.Notification:
			notices++
		}
		if p, err := alice.db.PostByID(ctx, e.PostID); err != nil || strings.Contains(p.Content, "poison") {
			t.Errorf("event %+v for post %q, %v", e, p.Content, err)
		}
	}
	if updates != 3 || notices != 2 {
		t.Errorf("%d public post events, %d notification events; want 3 and 2", updates, notices)
	}

	if _, err := raw.Exec(`DROP TRIGGER poison`); err != nil {
		t.Fatal(err)
	}
	if err := alice.db.InTx(ctx, func(tx *store.Tx) error { return tx.MakeJobsDue(ctx, "inbox") }); err != nil {
		t.Fatal(err)
	}
	n.settle()
	if _, ok := postOn(alice, note("2")); !ok {
		t.Error("the retried mention was not stored")
	}
	wantNotes(t, alice, "mention", "mention", "mention", "mention")
}

// TestInboxAppliesOrQueues sends a burst of deliveries at once, so that
// they share group commits: mentions from a known actor, which are applied
// before their 202 is sent, and a boost of a post alice has not stored,
// which would need a fetch and so is queued instead; the queue then
// fetches the post and applies the boost.
func TestInboxAppliesOrQueues(t *testing.T) {
	n, alice, peer := newPeerNetwork(t, nil)
	mallory := peer.addActor(t, "http://remote.test/users/mallory", fakeKeys()[0])
	inbox := alice.fed.URLs().SharedInbox()
	if got := mallory.deliver(t, n, inbox, mentionOf(mallory.id, alice, mallory.id+"/notes/first", "first contact")); got != 202 {
		t.Fatalf("status %d", got)
	}
	// Alice follows mallory, so mallory's boosts matter to her.
	ctx := context.Background()
	who, err := alice.db.ActorByURI(ctx, mallory.id)
	if err != nil {
		t.Fatal(err)
	}
	err = alice.db.InTx(ctx, func(tx *store.Tx) error {
		return tx.PutFollow(ctx, store.Follow{FollowerID: alice.db.OwnerID(), FolloweeID: who.ID, State: store.FollowAccepted,
			ActivityURI: alice.fed.URLs().Actor() + "#follows/mallory"})
	})
	if err != nil {
		t.Fatal(err)
	}
	elsewhere := mallory.id + "/notes/elsewhere"
	peer.put(t, elsewhere, federation.ActivityJSON, map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"id": elsewhere, "type": "Note", "attributedTo": mallory.id, "content": "<p>boosted later</p>",
		"to": []string{"https://www.w3.org/ns/activitystreams#Public"}, "published": "2026-01-02T03:04:05Z"})
	boost := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": mallory.id + "/boosts/1",
		"type": "Announce", "actor": mallory.id, "object": elsewhere,
		"to": []string{"https://www.w3.org/ns/activitystreams#Public"}, "published": "2026-01-02T03:04:06Z"}

	const mentions = 12
	var wg sync.WaitGroup
	statuses := make([]int, mentions+1)
	for i := range mentions {
		wg.Go(func() {
			statuses[i] = mallory.deliver(t, n, inbox, mentionOf(mallory.id, alice, fmt.Sprintf("%s/notes/%d", mallory.id, i), "burst"))
		})
	}
	wg.Go(func() { statuses[mentions] = mallory.deliver(t, n, inbox, boost) })
	wg.Wait()
	for i, st := range statuses {
		if st != 202 {
			t.Fatalf("delivery %d: status %d, want 202", i, st)
		}
	}
	for i := range mentions {
		if _, ok := postOn(alice, fmt.Sprintf("%s/notes/%d", mallory.id, i)); !ok {
			t.Errorf("mention %d not stored when its 202 was sent", i)
		}
	}
	if _, ok := postOn(alice, elsewhere); ok {
		t.Error("the boosted post was fetched inside a request")
	}
	if got := inboxJobs(t, alice); got != 1 {
		t.Errorf("%d activities queued, want 1 (the boost)", got)
	}
	n.settle()
	if _, ok := postOn(alice, elsewhere); !ok {
		t.Error("the queue did not fetch the boosted post")
	}
	if _, ok := postOn(alice, boost["id"].(string)); !ok {
		t.Error("the queued boost was not applied")
	}
	if got := inboxJobs(t, alice); got != 0 {
		t.Errorf("%d activities left in the queue", got)
	}
}
