package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// The reads that render a page of posts in one query each: accounts by
// URI, posts' authors, and whom one account follows among others. Each
// leaves out what is not stored (or not accepted), and counts as one query.
func TestBatchReads(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	var ids []int64
	var posts []int64
	err := db.InTx(ctx, func(tx *Tx) error {
		for i := range 3 {
			id, err := tx.UpsertActor(ctx, Actor{URI: fmt.Sprintf("https://b.example/users/u%d", i), Username: fmt.Sprintf("u%d", i), Domain: "b.example"})
			if err != nil {
				return err
			}
			ids = append(ids, id)
			p, err := tx.InsertPost(ctx, Post{URI: fmt.Sprintf("https://b.example/p/%d", i), AuthorID: id, Visibility: Public,
				PublishedAt: time.Date(2025, 1, 1, i, 0, 0, 0, time.UTC)})
			if err != nil {
				return err
			}
			posts = append(posts, p)
		}
		if err := tx.PutFollow(ctx, Follow{FollowerID: ids[0], FolloweeID: ids[1], State: FollowAccepted, ActivityURI: "https://b.example/f/1"}); err != nil {
			return err
		}
		return tx.PutFollow(ctx, Follow{FollowerID: ids[0], FolloweeID: ids[2], State: FollowPending, ActivityURI: "https://b.example/f/2"})
	})
	if err != nil {
		t.Fatal(err)
	}
	before := db.ReadQueries()
	actors, err := db.ActorsByURIs(ctx, []string{"https://b.example/users/u2", "https://b.example/users/u0", "https://b.example/users/none"})
	if err != nil || len(actors) != 2 || actors["https://b.example/users/u2"].ID != ids[2] || actors["https://b.example/users/u0"].ID != ids[0] {
		t.Errorf("ActorsByURIs = %v, %v; want u2 and u0 by URI", actors, err)
	}
	authors, err := db.PostAuthors(ctx, []int64{posts[1], posts[2], posts[2] + 1000})
	if err != nil || len(authors) != 2 || authors[posts[1]] != ids[1] || authors[posts[2]] != ids[2] {
		t.Errorf("PostAuthors = %v, %v; want posts 1 and 2 by their authors", authors, err)
	}
	followed, err := db.FollowedAmong(ctx, ids[0], ids)
	if err != nil || len(followed) != 1 || !followed[ids[1]] {
		t.Errorf("FollowedAmong = %v, %v; want u1 only (u2's follow is pending)", followed, err)
	}
	if got := db.ReadQueries() - before; got != 3 {
		t.Errorf("%d queries, want 3", got)
	}
}
