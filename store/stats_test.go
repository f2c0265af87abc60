package store

import (
	"testing"
	"time"
)

func TestPostStats(t *testing.T) {
	f := newFixture(t)
	bob := f.actor("bob", "a.example")
	dave := f.actor("dave", "a.example")
	p := f.post(bob, Post{Conversation: "tag:a.example,2024:conv1"})
	plain := f.post(f.localID, Post{})
	f.post(dave, Post{InReplyToURI: f.uri(p), InReplyToID: p})
	f.post(f.localID, Post{InReplyToURI: f.uri(p)})
	f.post(dave, Post{ReblogOfID: p, Type: "Announce"})
	f.post(f.localID, Post{ReblogOfID: p, Type: "Announce"})
	var filterID int64
	f.tx(func(tx *Tx) (err error) {
		for i, actor := range []int64{f.localID, bob, dave} {
			if _, err := tx.PutLike(f.ctx, actor, p, "", "https://x.test/like/"+string(rune('a'+i))); err != nil {
				return err
			}
		}
		if _, err := tx.PutLike(f.ctx, dave, p, "🔥", "https://x.test/react"); err != nil {
			return err
		}
		if err := tx.PutBookmark(f.ctx, p); err != nil {
			return err
		}
		if err := tx.MuteConversation(f.ctx, p); err != nil {
			return err
		}
		if err := tx.PutPin(f.ctx, f.localID, f.uri(plain)); err != nil {
			return err
		}
		if filterID, err = tx.CreateFilter(f.ctx, Filter{Title: "x", Context: []string{"home"}}); err != nil {
			return err
		}
		_, err = tx.AddFilterStatus(f.ctx, filterID, p)
		return err
	})
	stats, err := f.db.PostStats(f.ctx, []int64{p, plain, 999})
	if err != nil {
		t.Fatal(err)
	}
	got := stats[p]
	if got.Replies != 2 || got.Reblogs != 2 || got.Favourites != 3 || !got.Favourited || !got.Reblogged || !got.Bookmarked ||
		!got.Muted || got.Pinned || len(got.Filtered) != 1 || got.Filtered[0] != filterID {
		t.Errorf("stats of post: got %+v", got)
	}
	if got := stats[plain]; got.Replies != 0 || got.Favourited || got.Bookmarked || got.Muted || !got.Pinned {
		t.Errorf("stats of plain post: got %+v, want only pinned", got)
	}
	if _, ok := stats[999]; ok || len(stats) != 2 {
		t.Errorf("stats: got %d entries, want 2", len(stats))
	}
	f.tx(func(tx *Tx) error { return tx.UnmuteConversation(f.ctx, p) })
	if stats, _ := f.db.PostStats(f.ctx, []int64{p}); stats[p].Muted {
		t.Errorf("unmuted conversation: still muted")
	}
	if empty, err := f.db.PostStats(f.ctx, nil); err != nil || len(empty) != 0 {
		t.Errorf("no ids: got %v, %v", empty, err)
	}
}

func TestAccountStats(t *testing.T) {
	f := newFixture(t)
	bob := f.actor("bob", "a.example")
	dave := f.actor("dave", "a.example")
	f.follow(bob)
	f.followState(dave, bob, FollowAccepted)
	f.followState(bob, f.localID, FollowPending)
	last := time.UnixMilli(1_800_000_000_000)
	f.post(bob, Post{})
	f.post(bob, Post{Visibility: Direct})
	f.post(bob, Post{ReblogOfID: f.post(dave, Post{}), Type: "Announce", PublishedAt: last})
	stats, err := f.db.AccountStats(f.ctx, []int64{bob, f.localID, 999})
	if err != nil {
		t.Fatal(err)
	}
	if got := stats[bob]; got.Statuses != 2 || got.Followers != 2 || got.Following != 0 || !got.LastStatusAt.Equal(last) {
		t.Errorf("bob: got %+v, want 2 statuses, 2 followers, 0 following, last %v", got, last)
	}
	if got := stats[f.localID]; got.Statuses != 0 || got.Followers != 0 || got.Following != 1 || !got.LastStatusAt.IsZero() {
		t.Errorf("owner: got %+v", got)
	}
	if len(stats) != 2 {
		t.Errorf("stats: got %d entries, want 2", len(stats))
	}
}
