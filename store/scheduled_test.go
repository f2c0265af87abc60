package store

import (
	"slices"
	"testing"
	"time"
)

func TestScheduledStatuses(t *testing.T) {
	f := newFixture(t)
	base := time.UnixMilli(1_900_000_000_000)
	var a, b int64
	f.tx(func(tx *Tx) (err error) {
		if a, err = tx.CreateScheduledStatus(f.ctx, ScheduledStatus{ScheduledAt: base.Add(time.Hour), Params: []byte(`{"status":"later"}`), MediaIDs: []int64{3, 4}}); err != nil {
			return err
		}
		b, err = tx.CreateScheduledStatus(f.ctx, ScheduledStatus{ScheduledAt: base, Params: []byte(`{"status":"sooner"}`)})
		return err
	})
	s, err := f.db.ScheduledStatusByID(f.ctx, a)
	if err != nil || string(s.Params) != `{"status":"later"}` || !slices.Equal(s.MediaIDs, []int64{3, 4}) || !s.ScheduledAt.Equal(base.Add(time.Hour)) {
		t.Errorf("scheduled status: got %+v, %v", s, err)
	}
	if all, _ := f.db.ScheduledStatuses(f.ctx, Page{}); len(all) != 2 || all[0].ID != b {
		t.Errorf("scheduled statuses: got %+v", all)
	}
	if due, _ := f.db.DueScheduledStatuses(f.ctx, base.Add(time.Minute), 10); len(due) != 1 || due[0].ID != b {
		t.Errorf("due: got %+v", due)
	}
	if n, _ := f.db.CountScheduledBetween(f.ctx, base, base.Add(24*time.Hour)); n != 2 {
		t.Errorf("count: got %d, want 2", n)
	}
	f.tx(func(tx *Tx) error {
		if err := tx.RescheduleStatus(f.ctx, a, base.Add(-time.Hour)); err != nil {
			return err
		}
		return tx.DeleteScheduledStatus(f.ctx, b)
	})
	if due, _ := f.db.DueScheduledStatuses(f.ctx, base, 10); len(due) != 1 || due[0].ID != a {
		t.Errorf("due after changes: got %+v", due)
	}
	if _, err := f.db.ScheduledStatusByID(f.ctx, b); !isNotFound(err) {
		t.Errorf("cancelled: got %v, want ErrNotFound", err)
	}
}

func TestIdempotencyKeys(t *testing.T) {
	f := newFixture(t)
	p := f.post(f.localID, Post{})
	now := time.Now()
	f.tx(func(tx *Tx) error { return tx.PutIdempotencyKey(f.ctx, "k1", p) })
	f.tx(func(tx *Tx) error {
		if id, err := tx.PostForIdempotencyKey(f.ctx, "k1", now.Add(-time.Hour)); err != nil || id != p {
			t.Errorf("known key: got %d, %v; want %d", id, err, p)
		}
		if _, err := tx.PostForIdempotencyKey(f.ctx, "k1", now.Add(time.Hour)); !isNotFound(err) {
			t.Errorf("stale key: got %v, want ErrNotFound", err)
		}
		if _, err := tx.PostForIdempotencyKey(f.ctx, "k2", now.Add(-time.Hour)); !isNotFound(err) {
			t.Errorf("unknown key: got %v, want ErrNotFound", err)
		}
		n, err := tx.DeleteIdempotencyKeysBefore(f.ctx, now.Add(time.Hour))
		if n != 1 {
			t.Errorf("pruned: got %d, want 1", n)
		}
		return err
	})
}

func TestPushSubscriptions(t *testing.T) {
	f := newFixture(t)
	var hash []byte
	f.tx(func(tx *Tx) error {
		app, err := tx.CreateOAuthApp(f.ctx, OAuthApp{Name: "app", ClientID: "cid", ClientSecret: "sec"})
		if err != nil {
			return err
		}
		return tx.CreateOAuthToken(f.ctx, "tok", app, "read push")
	})
	tok, err := f.db.OAuthTokenByToken(f.ctx, "tok")
	if err != nil {
		t.Fatal(err)
	}
	hash = tok.TokenHash
	f.tx(func(tx *Tx) error {
		return tx.PutPushSubscription(f.ctx, PushSubscription{TokenHash: hash, Endpoint: "https://push.example/1", P256dh: "key", Auth: "auth",
			Alerts: map[string]bool{"mention": true, "admin.sign_up": true, "favourite": false}})
	})
	s, err := f.db.PushSubscriptionOf(f.ctx, hash)
	if err != nil || s.Endpoint != "https://push.example/1" || s.Policy != "all" || !s.Alerts["mention"] {
		t.Errorf("subscription: got %+v, %v", s, err)
	}
	bob, carol, dave := f.actor("bob", "b.test"), f.actor("carol", "c.test"), f.actor("dave", "d.test")
	f.follow(bob)                                   // the owner follows bob
	f.followState(carol, f.localID, FollowAccepted) // carol follows the owner
	f.tx(func(tx *Tx) error { return tx.PutMute(f.ctx, dave, true, time.Time{}) })
	// targets notifies typ from actor and counts the subscriptions told.
	targets := func(typ string, actor int64) int {
		t.Helper()
		var id int64
		f.tx(func(tx *Tx) error {
			var err error
			id, err = tx.Notify(f.ctx, typ, actor, 0)
			return err
		})
		subs, err := f.db.PushTargets(f.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return len(subs)
	}
	for _, tc := range []struct {
		policy string
		typ    string
		actor  int64
		want   int
	}{
		{"all", "mention", bob, 1}, {"all", "admin.sign_up", carol, 1}, {"all", "favourite", bob, 0}, {"all", "poll", bob, 0},
		{"all", "mention", dave, 0}, // muted with its notifications
		{"followed", "mention", bob, 1}, {"followed", "mention", carol, 0},
		{"follower", "mention", bob, 0}, {"follower", "mention", carol, 1},
		{"none", "mention", bob, 0},
	} {
		f.tx(func(tx *Tx) error {
			return tx.UpdatePushAlerts(f.ctx, hash, map[string]bool{"mention": true, "admin.sign_up": true}, tc.policy)
		})
		if got := targets(tc.typ, tc.actor); got != tc.want {
			t.Errorf("policy %s, %s from actor %d: got %d targets, want %d", tc.policy, tc.typ, tc.actor, got, tc.want)
		}
	}
	f.tx(func(tx *Tx) error { return tx.RecordPush(f.ctx, hash, "") })
	f.tx(func(tx *Tx) error { return tx.RecordPush(f.ctx, hash, "status 500") })
	if subs, err := f.db.PushSubscriptions(f.ctx); err != nil || len(subs) != 1 || subs[0].AppName != "app" ||
		subs[0].LastSuccessAt.IsZero() || subs[0].LastFailureAt.IsZero() || subs[0].LastError != "status 500" {
		t.Errorf("listed: got %+v, %v", subs, err)
	}
	f.tx(func(tx *Tx) error {
		_, err := tx.RevokeOAuthToken(f.ctx, "tok")
		return err
	})
	if _, err := f.db.PushSubscriptionOf(f.ctx, hash); !isNotFound(err) {
		t.Errorf("subscription of a revoked token: got %v, want ErrNotFound", err)
	}
}
