package store

import (
	"errors"
	"testing"
	"time"
)

// A card is stored per URL, shown by the posts that link it, and pruned
// once stale and shown by none; a deleted post takes its link with it.
func TestCardsPerURLAndPrune(t *testing.T) {
	f := newFixture(t)
	bob := f.actor("bob", "a.example")
	p1, p2 := f.post(bob, Post{}), f.post(bob, Post{})
	old := time.UnixMilli(1_700_000_000_000)
	var shown, nothing int64
	f.tx(func(tx *Tx) (err error) {
		if shown, err = tx.PutCard(f.ctx, Card{URL: "https://n.example/a", Found: true, Title: "A", FetchedAt: old}); err != nil {
			return err
		}
		if _, err = tx.PutCard(f.ctx, Card{URL: "https://n.example/b", Found: true, Title: "B", FetchedAt: old}); err != nil {
			return err
		}
		if nothing, err = tx.PutCard(f.ctx, Card{URL: "https://n.example/c", FetchedAt: old}); err != nil {
			return err
		}
		if err := tx.SetPostCard(f.ctx, p1, shown); err != nil {
			return err
		}
		return tx.SetPostCard(f.ctx, p2, nothing)
	})
	cards, err := f.db.PostCards(f.ctx, []int64{p1, p2})
	if err != nil {
		t.Fatal(err)
	}
	if len(cards) != 1 || cards[p1].Title != "A" || cards[p1].ID != shown {
		t.Errorf("PostCards = %+v, want p1's card A only (c has nothing to show)", cards)
	}
	// Fetching the page again updates the row in place.
	f.tx(func(tx *Tx) error {
		id, err := tx.PutCard(f.ctx, Card{URL: "https://n.example/a", Found: true, Title: "A2", FetchedAt: old})
		if err == nil && id != shown {
			t.Errorf("refetched card has id %d, want %d", id, shown)
		}
		return err
	})
	var pruned int64
	f.tx(func(tx *Tx) (err error) {
		pruned, err = tx.PruneCards(f.ctx, old.Add(time.Hour))
		return err
	})
	if pruned != 1 {
		t.Errorf("pruned %d cards, want 1 (b, shown by no post)", pruned)
	}
	if _, err := f.db.CardByURL(f.ctx, "https://n.example/b"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unused card b: %v, want ErrNotFound", err)
	}
	f.tx(func(tx *Tx) error { return tx.DeletePost(f.ctx, p1) })
	f.tx(func(tx *Tx) (err error) {
		pruned, err = tx.PruneCards(f.ctx, old.Add(time.Hour))
		return err
	})
	if pruned != 1 {
		t.Errorf("after deleting its post: pruned %d, want card a", pruned)
	}
}
