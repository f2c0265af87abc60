package store

import (
	"slices"
	"testing"
	"time"
)

func TestThreads(t *testing.T) {
	f := newFixture(t)
	bob := f.actor("bob", "a.example")
	dave := f.actor("dave", "a.example")
	reply := func(author, parent int64, p Post) int64 {
		p.InReplyToURI, p.InReplyToID = f.uri(parent), parent
		return f.post(author, p)
	}
	// root
	// ├── a
	// │   ├── a1
	// │   │   └── a1x
	// │   └── a2 (followers-only by dave, whom the owner does not follow)
	// │       └── a2x (hidden with its parent)
	// └── b
	root := f.post(bob, Post{})
	a := reply(f.localID, root, Post{})
	b := reply(bob, root, Post{})
	a1 := reply(bob, a, Post{})
	a2 := reply(dave, a, Post{Visibility: Private})
	a1x := reply(f.localID, a1, Post{})
	reply(bob, a2, Post{})

	got, err := f.db.Descendants(f.ctx, f.localID, f.uri(root), 100)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{a, a1, a1x, b}; !slices.Equal(ids(got), want) {
		t.Errorf("descendants: got %v, want %v (depth first)", ids(got), want)
	}
	got, _ = f.db.Descendants(f.ctx, f.localID, f.uri(root), 2)
	if want := []int64{a, a1}; !slices.Equal(ids(got), want) {
		t.Errorf("descendants, max 2: got %v, want %v", ids(got), want)
	}
	got, _ = f.db.Ancestors(f.ctx, f.localID, a1x, 100)
	if want := []int64{root, a, a1}; !slices.Equal(ids(got), want) {
		t.Errorf("ancestors: got %v, want %v (root first)", ids(got), want)
	}
	got, _ = f.db.Ancestors(f.ctx, f.localID, a1x, 2)
	if want := []int64{a, a1}; !slices.Equal(ids(got), want) {
		t.Errorf("ancestors, max 2: got %v, want %v (the nearest)", ids(got), want)
	}
	if got, _ = f.db.Ancestors(f.ctx, f.localID, root, 100); len(got) != 0 {
		t.Errorf("ancestors of the root: got %v, want none", ids(got))
	}

	// A post answering itself must not loop.
	loop := f.post(bob, Post{URI: "https://a.example/loop", InReplyToURI: "https://a.example/loop"})
	done := make(chan struct{})
	go func() {
		defer close(done)
		if got, err := f.db.Descendants(f.ctx, f.localID, "https://a.example/loop", 10); err != nil || len(got) != 0 {
			t.Errorf("descendants of a self-reply: got %v, %v; want none", ids(got), err)
		}
		if _, err := f.db.Ancestors(f.ctx, f.localID, loop, 10); err != nil {
			t.Errorf("ancestors of a self-reply: %v", err)
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("thread walk of a self-reply did not finish")
	}
}
