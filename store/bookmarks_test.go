package store

import (
	"slices"
	"testing"
)

// Bookmarks and favourites page in the order they were made, not by post.
func TestBookmarksAndFavouritesOrder(t *testing.T) {
	f := newFixture(t)
	bob := f.actor("bob", "a.example")
	var posts []int64
	for range 5 {
		posts = append(posts, f.post(bob, Post{}))
	}
	order := []int64{posts[3], posts[0], posts[4], posts[1]}
	for i, id := range order {
		f.tx(func(tx *Tx) error {
			if err := tx.PutBookmark(f.ctx, id); err != nil {
				return err
			}
			_, err := tx.PutLike(f.ctx, f.localID, id, "", "https://kith.test/like/"+string(rune('a'+i)))
			return err
		})
	}
	f.tx(func(tx *Tx) error {
		if err := tx.PutBookmark(f.ctx, posts[3]); err != nil { // again: keeps its place
			return err
		}
		_, err := tx.PutLike(f.ctx, bob, posts[2], "", "https://a.example/like/1") // not the owner's
		return err
	})
	want := []int64{posts[1], posts[4], posts[0], posts[3]}
	for name, page := range map[string]func(Page) ([]Post, []int64, error){
		"bookmarks":  func(pg Page) ([]Post, []int64, error) { return f.db.BookmarksPage(f.ctx, pg) },
		"favourites": func(pg Page) ([]Post, []int64, error) { return f.db.FavouritesPage(f.ctx, pg) },
	} {
		got, cursors, err := page(Page{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(got), want) {
			t.Errorf("%s: got %v, want %v", name, ids(got), want)
		}
		if !slices.Equal(cursors, []int64{4, 3, 2, 1}) {
			t.Errorf("%s cursors: got %v, want [4 3 2 1]", name, cursors)
		}
		got, _, _ = page(Page{MaxID: cursors[1], Limit: 1})
		if !slices.Equal(ids(got), want[2:3]) {
			t.Errorf("%s after cursor %d: got %v, want %v", name, cursors[1], ids(got), want[2:3])
		}
		got, _, _ = page(Page{MinID: 1, Limit: 2})
		if !slices.Equal(ids(got), want[1:3]) {
			t.Errorf("%s min_id 1: got %v, want %v", name, ids(got), want[1:3])
		}
	}
	f.tx(func(tx *Tx) error {
		if err := tx.DeleteBookmark(f.ctx, posts[4]); err != nil {
			return err
		}
		if err := tx.DeleteBookmark(f.ctx, posts[2]); err != nil { // not bookmarked: fine
			return err
		}
		return tx.DeleteLike(f.ctx, f.localID, posts[4])
	})
	want = []int64{posts[1], posts[0], posts[3]}
	if got, _, _ := f.db.BookmarksPage(f.ctx, Page{}); !slices.Equal(ids(got), want) {
		t.Errorf("bookmarks after removal: got %v, want %v", ids(got), want)
	}
	if got, _, _ := f.db.FavouritesPage(f.ctx, Page{}); !slices.Equal(ids(got), want) {
		t.Errorf("favourites after unlike: got %v, want %v", ids(got), want)
	}
	f.tx(func(tx *Tx) error { return tx.DeletePost(f.ctx, posts[0]) })
	want = []int64{posts[1], posts[3]}
	if got, _, _ := f.db.BookmarksPage(f.ctx, Page{}); !slices.Equal(ids(got), want) {
		t.Errorf("bookmarks after post deletion: got %v, want %v", ids(got), want)
	}
}
