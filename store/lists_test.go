package store

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestListsCRUD(t *testing.T) {
	f := newFixture(t)
	bob := f.actor("bob", "a.example")
	carl := f.actor("carl", "a.example")
	var work, fun int64
	f.tx(func(tx *Tx) (err error) {
		if work, err = tx.CreateList(f.ctx, List{Title: "work"}); err != nil {
			return err
		}
		if fun, err = tx.CreateList(f.ctx, List{Title: "Fun", RepliesPolicy: "none", Exclusive: true}); err != nil {
			return err
		}
		if err := tx.AddListAccounts(f.ctx, work, []int64{bob, carl, bob}); err != nil {
			return err
		}
		return tx.AddListAccounts(f.ctx, fun, []int64{bob})
	})
	l, err := f.db.ListByID(f.ctx, work)
	if err != nil || l.Title != "work" || l.RepliesPolicy != "list" || l.Exclusive {
		t.Errorf("ListByID: got %+v, %v", l, err)
	}
	lists, _ := f.db.Lists(f.ctx)
	if len(lists) != 2 || lists[0].Title != "Fun" || !lists[0].Exclusive {
		t.Errorf("Lists: got %+v", lists)
	}
	if with, _ := f.db.ListsWith(f.ctx, carl); len(with) != 1 || with[0].ID != work {
		t.Errorf("ListsWith(carl): got %+v", with)
	}
	members, _ := f.db.ListAccounts(f.ctx, work, Page{})
	if len(members) != 2 || members[0].ID != carl || members[1].ID != bob {
		t.Errorf("members: got %d, want carl then bob", len(members))
	}
	if page, _ := f.db.ListAccounts(f.ctx, work, Page{MaxID: carl, Limit: 1}); len(page) != 1 || page[0].ID != bob {
		t.Errorf("members page: got %+v", page)
	}
	f.tx(func(tx *Tx) error {
		if err := tx.RemoveListAccounts(f.ctx, work, []int64{carl}); err != nil {
			return err
		}
		if err := tx.UpdateList(f.ctx, List{ID: work, Title: "job", RepliesPolicy: "followed"}); err != nil {
			return err
		}
		return tx.DeleteList(f.ctx, fun)
	})
	if l, _ := f.db.ListByID(f.ctx, work); l.Title != "job" || l.RepliesPolicy != "followed" {
		t.Errorf("updated list: got %+v", l)
	}
	if members, _ := f.db.ListAccounts(f.ctx, work, Page{}); len(members) != 1 {
		t.Errorf("members after removal: got %d, want 1", len(members))
	}
	if _, err := f.db.ListByID(f.ctx, fun); !isNotFound(err) {
		t.Errorf("deleted list: got %v, want ErrNotFound", err)
	}
	for name, fn := range map[string]func(tx *Tx) error{
		"update": func(tx *Tx) error { return tx.UpdateList(f.ctx, List{ID: fun, Title: "x"}) },
		"delete": func(tx *Tx) error { return tx.DeleteList(f.ctx, fun) },
		"add to": func(tx *Tx) error { return tx.AddListAccounts(f.ctx, fun, []int64{bob}) },
	} {
		if err := f.db.InTx(f.ctx, fn); !isNotFound(err) {
			t.Errorf("%s a missing list: got %v, want ErrNotFound", name, err)
		}
	}
	if err := f.db.InTx(f.ctx, func(tx *Tx) error {
		_, err := tx.CreateList(f.ctx, List{Title: "bad", RepliesPolicy: "everyone"})
		return err
	}); err == nil {
		t.Error("list with an unknown replies policy: got no error")
	}
}

func TestFilters(t *testing.T) {
	f := newFixture(t)
	p := f.post(f.localID, Post{})
	var id, kw, st int64
	expires := time.UnixMilli(1_900_000_000_000)
	f.tx(func(tx *Tx) (err error) {
		id, err = tx.CreateFilter(f.ctx, Filter{Title: "spoilers", Context: []string{"home", "public"}, Action: "hide",
			ExpiresAt: expires, Keywords: []FilterKeyword{{Keyword: "finale", WholeWord: true}}})
		if err != nil {
			return err
		}
		if kw, err = tx.AddFilterKeyword(f.ctx, id, "ending", false); err != nil {
			return err
		}
		if st, err = tx.AddFilterStatus(f.ctx, id, p); err != nil {
			return err
		}
		again, err := tx.AddFilterStatus(f.ctx, id, p)
		if again != st {
			t.Errorf("adding a post twice: got entry %d, want %d", again, st)
		}
		_, err2 := tx.CreateFilter(f.ctx, Filter{Title: "expired", ExpiresAt: time.UnixMilli(1000)})
		return errors.Join(err, err2)
	})
	got, err := f.db.FilterByID(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "spoilers" || !slices.Equal(got.Context, []string{"home", "public"}) || got.Action != "hide" ||
		!got.ExpiresAt.Equal(expires) || len(got.Keywords) != 2 || got.Keywords[1].ID != kw || got.Keywords[1].WholeWord ||
		len(got.Statuses) != 1 || got.Statuses[0].PostID != p {
		t.Errorf("filter: got %+v", got)
	}
	if all, _ := f.db.Filters(f.ctx); len(all) != 2 {
		t.Errorf("filters: got %d, want 2", len(all))
	}
	if active, _ := f.db.ActiveFilters(f.ctx); len(active) != 1 || active[0].ID != id {
		t.Errorf("active filters: got %+v", active)
	}
	f.tx(func(tx *Tx) error {
		if err := tx.UpdateFilter(f.ctx, Filter{ID: id, Title: "tv", Context: []string{"thread"}}); err != nil {
			return err
		}
		if err := tx.UpdateFilterKeyword(f.ctx, FilterKeyword{ID: kw, Keyword: "end", WholeWord: true}); err != nil {
			return err
		}
		return tx.DeleteFilterStatus(f.ctx, st)
	})
	if k, _ := f.db.FilterKeywordByID(f.ctx, kw); k.Keyword != "end" || !k.WholeWord || k.FilterID != id {
		t.Errorf("keyword: got %+v", k)
	}
	if _, err := f.db.FilterStatusByID(f.ctx, st); !isNotFound(err) {
		t.Errorf("removed filter status: got %v, want ErrNotFound", err)
	}
	if got, _ := f.db.FilterByID(f.ctx, id); got.Title != "tv" || got.Action != "warn" || !got.ExpiresAt.IsZero() {
		t.Errorf("updated filter: got %+v", got)
	}
	f.tx(func(tx *Tx) error { return tx.DeleteFilter(f.ctx, id) })
	if _, err := f.db.FilterByID(f.ctx, id); !isNotFound(err) {
		t.Errorf("deleted filter: got %v, want ErrNotFound", err)
	}
	if _, err := f.db.FilterKeywordByID(f.ctx, kw); !isNotFound(err) {
		t.Errorf("keyword of deleted filter: got %v, want ErrNotFound", err)
	}
}

func TestFollowedTags(t *testing.T) {
	f := newFixture(t)
	f.tx(func(tx *Tx) error {
		for _, tag := range []string{"#Go", "sqlite", "go"} {
			if err := tx.FollowTag(f.ctx, tag); err != nil {
				return err
			}
		}
		return nil
	})
	tags, err := f.db.FollowedTags(f.ctx, Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(tags) != 2 || tags[0].Tag.Name != "sqlite" || tags[1].Tag.Name != "go" || tags[1].Tag.ID == 0 {
		t.Errorf("followed tags: got %+v", tags)
	}
	followed, _ := f.db.TagsFollowed(f.ctx, []string{"GO", "rust"})
	if !followed["go"] || followed["rust"] {
		t.Errorf("TagsFollowed: got %v", followed)
	}
	f.tx(func(tx *Tx) error { return tx.UnfollowTag(f.ctx, "#GO") })
	if tags, _ := f.db.FollowedTags(f.ctx, Page{}); len(tags) != 1 {
		t.Errorf("after unfollow: got %+v", tags)
	}
	now := time.Now().UTC()
	f.post(f.localID, Post{Tags: []string{"go"}, PublishedAt: now})
	f.post(f.actor("bob", "a.example"), Post{Tags: []string{"go"}, PublishedAt: now})
	f.post(f.localID, Post{Tags: []string{"go"}, PublishedAt: now.Add(-24 * time.Hour)})
	hist, err := f.db.TagHistory(f.ctx, "go", 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 7 || hist[0].Uses != 2 || hist[0].Accounts != 2 || hist[1].Uses != 1 || hist[2].Uses != 0 {
		t.Errorf("tag history: got %+v", hist)
	}
}
