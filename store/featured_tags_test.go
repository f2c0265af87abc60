package store

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"kith/tests/testclock"
)

func TestFeaturedTags(t *testing.T) {
	f := newFixture(t)
	bob := f.actor("bob", "a.example")
	at := func(days int) time.Time {
		return time.UnixMilli(1_700_000_000_000).Add(time.Duration(days) * 24 * time.Hour)
	}
	f.post(f.localID, Post{Tags: []string{"go", "cats"}, PublishedAt: at(1)})
	f.post(f.localID, Post{Tags: []string{"go"}, PublishedAt: at(3)})
	f.post(f.localID, Post{Tags: []string{"go"}, PublishedAt: at(5), Visibility: Private}) // not counted: not listed
	f.post(bob, Post{Tags: []string{"go", "cats"}, PublishedAt: at(9)})                    // not the owner's

	var goID, catsID int64
	f.tx(func(tx *Tx) (err error) {
		if catsID, err = tx.AddFeaturedTag(f.ctx, "#Cats"); err != nil {
			return err
		}
		if goID, err = tx.AddFeaturedTag(f.ctx, "go"); err != nil {
			return err
		}
		_, err = tx.AddFeaturedTag(f.ctx, "unused")
		return err
	})
	got, err := f.db.FeaturedTags(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []FeaturedTag{
		{ID: goID, Name: "go", StatusesCount: 2, LastStatusAt: at(3)},
		{ID: catsID, Name: "cats", StatusesCount: 1, LastStatusAt: at(1)},
		{Name: "unused"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d featured tags, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if (w.ID != 0 && g.ID != w.ID) || g.Name != w.Name || g.StatusesCount != w.StatusesCount || !g.LastStatusAt.Equal(w.LastStatusAt) {
			t.Errorf("featured tag %d: got %+v, want %+v", i, g, w)
		}
	}
	if one, err := f.db.FeaturedTag(f.ctx, goID); err != nil || one.StatusesCount != 2 {
		t.Errorf("FeaturedTag(%d) = %+v, %v; want go with 2 posts", goID, one, err)
	}

	err = f.db.InTx(f.ctx, func(tx *Tx) error {
		id, err := tx.AddFeaturedTag(f.ctx, "GO")
		if id != goID {
			t.Errorf("featuring go again: id %d, want %d", id, goID)
		}
		return err
	})
	if !errors.Is(err, ErrExists) {
		t.Errorf("featuring go again: %v, want ErrExists", err)
	}
	f.tx(func(tx *Tx) error {
		for i := len(want); i < MaxFeaturedTags; i++ {
			if _, err := tx.AddFeaturedTag(f.ctx, fmt.Sprintf("tag%d", i)); err != nil {
				return err
			}
		}
		return nil
	})
	err = f.db.InTx(f.ctx, func(tx *Tx) error { _, err := tx.AddFeaturedTag(f.ctx, "onetoomany"); return err })
	if !errors.Is(err, ErrTooMany) {
		t.Errorf("featuring tag %d: %v, want ErrTooMany", MaxFeaturedTags+1, err)
	}

	f.tx(func(tx *Tx) error { return tx.DeleteFeaturedTag(f.ctx, catsID) })
	err = f.db.InTx(f.ctx, func(tx *Tx) error { return tx.DeleteFeaturedTag(f.ctx, catsID) })
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("deleting a deleted featured tag: %v, want ErrNotFound", err)
	}
	if _, err := f.db.FeaturedTag(f.ctx, catsID); !errors.Is(err, ErrNotFound) {
		t.Errorf("FeaturedTag(deleted) = %v, want ErrNotFound", err)
	}

	// Suggestions: the owner's tags by use, without the featured ones.
	f.tx(func(tx *Tx) error { return tx.DeleteFeaturedTag(f.ctx, goID) })
	tags, err := f.db.MostUsedTags(f.ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tg := range tags {
		names = append(names, tg.Name)
	}
	if !slices.Equal(names, []string{"go", "cats"}) {
		t.Errorf("MostUsedTags = %v, want [go cats]", names)
	}
}

func TestWeeklyActivity(t *testing.T) {
	f := newFixture(t)
	now := testclock.Base() // a Sunday
	week := WeekStart(now)
	if week.Weekday() != time.Monday || now.Sub(week) >= 7*24*time.Hour || now.Before(week) {
		t.Fatalf("WeekStart(%v) = %v, want the Monday before", now, week)
	}
	f.post(f.localID, Post{PublishedAt: week.Add(time.Hour)})
	f.post(f.localID, Post{PublishedAt: week.Add(-time.Hour)}) // the week before
	f.post(f.localID, Post{PublishedAt: week.Add(-time.Minute)})
	f.post(f.actor("bob", "a.example"), Post{PublishedAt: week.Add(2 * time.Hour)})
	f.db.now = func() time.Time { return week.AddDate(0, 0, -14).Add(time.Hour) } // a sign-in three weeks back
	f.tx(func(tx *Tx) error { return tx.CreateSession(f.ctx, "cookie", Session{ExpiresAt: now}) })

	got, err := f.db.WeeklyActivity(f.ctx, now, 12)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 12 {
		t.Fatalf("got %d weeks, want 12", len(got))
	}
	want := []WeekActivity{{week, 1, true}, {week.AddDate(0, 0, -7), 2, true}, {week.AddDate(0, 0, -14), 0, true}, {week.AddDate(0, 0, -21), 0, false}}
	for i, w := range want {
		if !got[i].Start.Equal(w.Start) || got[i].Statuses != w.Statuses || got[i].SignedIn != w.SignedIn {
			t.Errorf("week %d: got %+v, want %+v", i, got[i], w)
		}
	}
	if last := got[11].Start; !last.Equal(week.AddDate(0, 0, -77)) {
		t.Errorf("oldest week starts %v, want %v", last, week.AddDate(0, 0, -77))
	}
}
