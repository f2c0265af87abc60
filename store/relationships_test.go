package store

import (
	"slices"
	"testing"
	"time"
)

func TestMutesAndRelationships(t *testing.T) {
	f := newFixture(t)
	bob := f.actor("bob", "a.example")
	carl := f.actor("carl", "bad.example")
	dave := f.actor("dave", "a.example")
	f.follow(bob)
	f.followState(f.localID, dave, FollowPending)
	f.followState(dave, f.localID, FollowAccepted)
	f.followState(carl, f.localID, FollowPending)
	f.tx(func(tx *Tx) error {
		for _, err := range []error{
			tx.PutMute(f.ctx, bob, false, time.Time{}),
			tx.PutMute(f.ctx, carl, true, time.Now().Add(-time.Minute)), // expired
			tx.PutMute(f.ctx, dave, true, time.Now().Add(time.Hour)),
			tx.SetFollowOptions(f.ctx, bob, FollowOptions{ShowReblogs: false, Notify: true, Languages: []string{"en"}}),
			tx.SetAccountNote(f.ctx, bob, "met at a conference"),
			tx.PutEndorsement(f.ctx, bob),
		} {
			if err != nil {
				return err
			}
		}
		if _, err := tx.PutBlock(f.ctx, carl, f.localID, "https://bad.example/block"); err != nil {
			return err
		}
		_, err := tx.PutDomainBlock(f.ctx, "bad.example")
		return err
	})
	rels, err := f.db.Relationships(f.ctx, []int64{bob, carl, dave, 999})
	if err != nil {
		t.Fatal(err)
	}
	if len(rels) != 3 {
		t.Errorf("relationships: got %d, want 3", len(rels))
	}
	b := rels[bob]
	if !b.Following || b.FollowedBy || !b.Muting || b.MutingNotifications || b.ShowReblogs || !b.Notify ||
		!slices.Equal(b.Languages, []string{"en"}) || b.Note != "met at a conference" || !b.Endorsed {
		t.Errorf("bob: got %+v", b)
	}
	if c := rels[carl]; c.Muting || !c.BlockedBy || !c.DomainBlocking || !c.RequestedBy || c.Following {
		t.Errorf("carl: got %+v", c)
	}
	if d := rels[dave]; !d.Requested || !d.FollowedBy || !d.Muting || !d.MutingNotifications || !d.ShowReblogs {
		t.Errorf("dave: got %+v", d)
	}
	mutes, err := f.db.Mutes(f.ctx, Page{})
	if err != nil {
		t.Fatal(err)
	}
	var muted []int64
	for _, m := range mutes {
		muted = append(muted, m.ActorID)
	}
	if want := []int64{dave, bob}; !slices.Equal(muted, want) {
		t.Errorf("mutes: got %v, want %v (expired left out)", muted, want)
	}
	if _, err := f.db.MuteOf(f.ctx, carl); !isNotFound(err) {
		t.Errorf("expired mute: got %v, want ErrNotFound", err)
	}
	f.tx(func(tx *Tx) error {
		n, err := tx.DeleteExpiredMutes(f.ctx)
		if n != 1 {
			t.Errorf("expired mutes deleted: got %d, want 1", n)
		}
		if err != nil {
			return err
		}
		if err := tx.DeleteMute(f.ctx, bob); err != nil {
			return err
		}
		if err := tx.SetAccountNote(f.ctx, bob, ""); err != nil {
			return err
		}
		return tx.DeleteEndorsement(f.ctx, bob)
	})
	rels, _ = f.db.Relationships(f.ctx, []int64{bob})
	if b := rels[bob]; b.Muting || b.Note != "" || b.Endorsed {
		t.Errorf("bob after undoing: got %+v", b)
	}
	if e, _ := f.db.Endorsements(f.ctx); len(e) != 0 {
		t.Errorf("endorsements: got %d, want 0", len(e))
	}
}
