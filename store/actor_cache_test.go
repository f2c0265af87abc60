package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestActorCacheFollowsWrites: inside a batch, ActorByURI answers from
// its cache, and every way an actor changes shows in the next batch's
// read: an update, a move, a deletion, a write by another connection to
// the file (an operator's command), and inside a batch the batch's own
// uncommitted update. Reads outside batches do not use the cache.
func TestActorCacheFollowsWrites(t *testing.T) {
	f := newFixture(t)
	uri := "https://a.example/users/bob"
	f.actor("bob", "a.example")
	// inBatch runs fn as a unit of a batch of its own, and commits it.
	inBatch := func(fn func(ctx context.Context)) {
		t.Helper()
		b, err := f.db.BeginBatch(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Do(f.ctx, func(ctx context.Context) error { fn(ctx); return nil }); err != nil {
			t.Fatal(err)
		}
		if err := b.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	actor := func(ctx context.Context) (Actor, error) { return f.db.ActorByURI(ctx, uri) }
	name := func() (got string) {
		t.Helper()
		inBatch(func(ctx context.Context) {
			a, err := actor(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got = a.DisplayName
		})
		return got
	}
	cached := func() bool {
		_, ok, _ := f.db.actors.get(uri, time.Now())
		return ok
	}
	rename := func(db *DB, ctx context.Context, to string) error {
		return db.InTx(ctx, func(tx *Tx) error {
			_, err := tx.UpsertActor(ctx, Actor{URI: uri, Username: "bob", Domain: "a.example", DisplayName: to})
			return err
		})
	}

	if _, err := actor(f.ctx); err != nil || cached() {
		t.Fatalf("a read outside a batch: %v, cached %v; want it read and not cached", err, cached())
	}
	if got := name(); got != "bob" || !cached() {
		t.Fatalf("name %q, cached %v; want bob, cached", got, cached())
	}
	if err := rename(f.db, f.ctx, "Bob B."); err != nil {
		t.Fatal(err)
	}
	if got := name(); got != "Bob B." {
		t.Errorf("after an update: name %q, want Bob B.", got)
	}

	inBatch(func(ctx context.Context) {
		if err := rename(f.db, ctx, "Robert"); err != nil {
			t.Fatal(err)
		}
		if a, _ := actor(ctx); a.DisplayName != "Robert" {
			t.Errorf("inside the batch: name %q, want its own update, Robert", a.DisplayName)
		}
	})
	if got := name(); got != "Robert" {
		t.Errorf("after the batch: name %q, want Robert", got)
	}

	other, err := Open(f.ctx, f.db.path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := rename(other, f.ctx, "Rob"); err != nil {
		t.Fatal(err)
	}
	if got := name(); got != "Rob" {
		t.Errorf("after another connection's update: name %q, want Rob", got)
	}

	a, _ := actor(f.ctx)
	f.tx(func(tx *Tx) error { return tx.SetActorMovedTo(f.ctx, a.ID, "https://b.example/users/bob") })
	inBatch(func(ctx context.Context) {
		if a, _ := actor(ctx); a.MovedTo != "https://b.example/users/bob" {
			t.Errorf("after a move: moved_to %q", a.MovedTo)
		}
	})
	f.tx(func(tx *Tx) error { return tx.DeleteActor(f.ctx, uri) })
	inBatch(func(ctx context.Context) {
		if _, err := actor(ctx); !errors.Is(err, ErrNotFound) {
			t.Errorf("after deletion: %v, want ErrNotFound", err)
		}
	})
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
