package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestActorCacheFollowsWrites: ActorByURI answers from its cache, and
// every way the store changes an actor shows in the next read: an update,
// a move, a deletion, and inside a batch the batch's own uncommitted
// update.
func TestActorCacheFollowsWrites(t *testing.T) {
	f := newFixture(t)
	uri := "https://a.example/users/bob"
	f.actor("bob", "a.example")
	name := func(ctx context.Context) string {
		t.Helper()
		a, err := f.db.ActorByURI(ctx, uri)
		if err != nil {
			t.Fatal(err)
		}
		return a.DisplayName
	}
	rename := func(ctx context.Context, to string) error {
		return f.db.InTx(ctx, func(tx *Tx) error {
			_, err := tx.UpsertActor(ctx, Actor{URI: uri, Username: "bob", Domain: "a.example", DisplayName: to})
			return err
		})
	}
	if got := name(f.ctx); got != "bob" {
		t.Fatalf("name %q, want bob", got)
	}
	before := f.db.ReadQueries()
	name(f.ctx)
	if got := f.db.ReadQueries() - before; got != 0 {
		t.Errorf("a second read ran %d queries, want it from the cache", got)
	}

	if err := rename(f.ctx, "Bob B."); err != nil {
		t.Fatal(err)
	}
	if got := name(f.ctx); got != "Bob B." {
		t.Errorf("after an update: name %q, want Bob B.", got)
	}

	b, err := f.db.BeginBatch(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	err = b.Do(f.ctx, func(ctx context.Context) error {
		if err := rename(ctx, "Robert"); err != nil {
			return err
		}
		if got := name(ctx); got != "Robert" {
			t.Errorf("inside the batch: name %q, want its own update, Robert", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := name(f.ctx); got != "Robert" {
		t.Errorf("after the batch: name %q, want Robert", got)
	}

	a, _ := f.db.ActorByURI(f.ctx, uri)
	f.tx(func(tx *Tx) error { return tx.SetActorMovedTo(f.ctx, a.ID, "https://b.example/users/bob") })
	if a, _ := f.db.ActorByURI(f.ctx, uri); a.MovedTo != "https://b.example/users/bob" {
		t.Errorf("after a move: moved_to %q", a.MovedTo)
	}
	f.tx(func(tx *Tx) error { return tx.DeleteActor(f.ctx, uri) })
	if _, err := f.db.ActorByURI(f.ctx, uri); !errors.Is(err, ErrNotFound) {
		t.Errorf("after deletion: %v, want ErrNotFound", err)
	}
}

// TestActorCacheGenerations: a read that began before actors changed does
// not store what it read, and an entry is not served past its age.
func TestActorCacheGenerations(t *testing.T) {
	var c actorCache
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	_, ok, gen := c.get("u", now)
	if ok {
		t.Fatal("empty cache answered")
	}
	c.invalidate() // a commit that changed actors, while the read ran
	c.put(Actor{URI: "u", DisplayName: "old"}, gen, now)
	if _, ok, _ := c.get("u", now); ok {
		t.Error("a read from before the change was cached")
	}
	_, _, gen = c.get("u", now)
	c.put(Actor{URI: "u", DisplayName: "new"}, gen, now)
	if a, ok, _ := c.get("u", now.Add(actorCacheTTL)); !ok || a.DisplayName != "new" {
		t.Errorf("got %+v, %v; want the new entry", a, ok)
	}
	if _, ok, _ := c.get("u", now.Add(actorCacheTTL+time.Second)); ok {
		t.Error("an entry past its age was served")
	}
}
