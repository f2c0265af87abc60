package federation_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"kith/jobs"
	"kith/store"
)

// TestPushFanOut: a notification is one push job however many subscribe;
// a subscription whose service fails gets a retry job of its own, and one
// whose service has forgotten it ends, while the others are recorded as
// sent.
func TestPushFanOut(t *testing.T) {
	p := newPushService(t)
	n := newNetwork(t, "alice", "bob")
	alice, bob := n.nodes[0], n.nodes[1]
	ctx := context.Background()
	ok := subscribe(t, alice, p, "ok", true, "all")
	failing := subscribe(t, alice, p, "failing", false, "all")
	gone := subscribe(t, alice, p, "gone", true, "all")
	p.refuse = map[string]int{"failing": http.StatusServiceUnavailable, "gone": http.StatusGone}

	n.follow(bob, alice)
	counts, err := alice.db.JobCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := counts["push.retry"]["queued"]; got != 1 {
		t.Errorf("retry jobs: got %d, want 1 (%v)", got, counts)
	}
	for _, s := range []subscriber{ok, failing, gone} {
		if got := len(p.take(s.name)); got != 1 {
			t.Errorf("%s: %d pushes, want 1", s.name, got)
		}
	}
	if sub, err := alice.db.PushSubscriptionOf(ctx, ok.hash); err != nil || sub.LastSuccessAt.IsZero() {
		t.Errorf("ok: %+v, %v", sub, err)
	}
	if sub, err := alice.db.PushSubscriptionOf(ctx, failing.hash); err != nil || !strings.Contains(sub.LastError, "503") {
		t.Errorf("failing: %+v, %v", sub, err)
	}
	if _, err := alice.db.PushSubscriptionOf(ctx, gone.hash); err == nil {
		t.Error("the subscription outlived a 410")
	}
	// The retry reaches the failing subscription only.
	delete(p.refuse, "failing")
	retryNow(t, alice)
	if got := len(p.take("failing")) + len(p.take("ok")); got != 1 {
		t.Errorf("the retry sent %d pushes, want 1", got)
	}
}

// TestPushOldJob: a push job queued by an older kith names one
// subscription; it still runs.
func TestPushOldJob(t *testing.T) {
	p := newPushService(t)
	n := newNetwork(t, "alice", "bob")
	alice, bob := n.nodes[0], n.nodes[1]
	ctx := context.Background()
	n.follow(bob, alice) // a notification from before anyone subscribed
	s := subscribe(t, alice, p, "app", true, "all")
	notes, err := alice.db.NotificationsPage(ctx, store.Page{Limit: 1}, store.NotificationFilter{})
	if err != nil || len(notes) != 1 {
		t.Fatalf("notifications: %v, %v", notes, err)
	}
	payload := fmt.Sprintf(`{"notification_id":%d,"token_hash":%q}`, notes[0].ID, base64.StdEncoding.EncodeToString(s.hash))
	err = alice.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := jobs.Enqueue(ctx, tx, "push", []byte(payload), store.EnqueueOptions{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	n.settle()
	got := s.open(t, alice, p.take("app"), p.srv.URL)
	if len(got) != 1 || got[0].NotificationType != "follow" || got[0].NotificationID != notes[0].ID {
		t.Errorf("pushes %+v, want bob's follow", got)
	}
}
