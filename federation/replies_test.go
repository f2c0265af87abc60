package federation_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"kith/federation"
	"kith/federation/ap"
	"kith/store"
)

// reply posts text from k in answer to parent, mentioning parent's author
// so that the parent's server gets it, as a reply from Mastodon would.
func reply(t *testing.T, k, author *kith, parent store.Post, text string) store.Post {
	t.Helper()
	if k != author {
		text = author.handle() + " " + text
	}
	p, err := k.fed.Post(context.Background(), federation.NewPost{Text: text, InReplyTo: parent.URI})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRepliesCollectionShape: a Note embeds its replies as Mastodon does
// (a Collection whose first CollectionPage lists the author's first five
// self-replies, with next and partOf), and the collection's pages list
// the rest of the author's replies (inline), then everyone else's (IRIs),
// public and unlisted ones only, paged by min_id.
func TestRepliesCollectionShape(t *testing.T) {
	n := newNetwork(t, "alice", "bob")
	alice, bob := n.nodes[0], n.nodes[1]
	u := alice.fed.URLs()
	ctx := context.Background()
	root, err := alice.fed.Post(ctx, federation.NewPost{Text: "root"})
	if err != nil {
		t.Fatal(err)
	}
	var self, others []store.Post
	for range 6 {
		self = append(self, reply(t, alice, alice, root, "more"))
	}
	// Neither is listed: a followers-only reply of the owner's, a direct
	// one of bob's.
	if _, err := alice.fed.Post(ctx, federation.NewPost{Text: "friends only", InReplyTo: root.URI, Visibility: store.Private}); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.fed.Post(ctx, federation.NewPost{Text: alice.handle() + " psst", InReplyTo: root.URI, Visibility: store.Direct}); err != nil {
		t.Fatal(err)
	}
	for range federation.RepliesPageSize + 1 {
		others = append(others, reply(t, bob, alice, root, "a reply"))
	}
	n.settle()

	// The Note, read as kith reads other servers' Notes.
	_, body := n.getDoc(t, root.URI, federation.ActivityJSON)
	note, err := ap.ParseObject(body)
	if err != nil {
		t.Fatal(err)
	}
	coll, err := ap.ParseCollectionPage(note.Replies.Raw)
	if err != nil || coll.ID != u.Replies(root.ID) || coll.Type != "Collection" || !coll.First.IsEmbedded() {
		t.Fatalf("the Note's replies: %s (%v)", note.Replies.Raw, err)
	}
	first, err := ap.ParseCollectionPage(coll.First.Raw)
	if err != nil {
		t.Fatal(err)
	}
	if first.Type != "CollectionPage" || string(first.PartOf) != coll.ID || first.ID != "" {
		t.Errorf("first page: type %s partOf %s id %q, want an id-less CollectionPage of %s", first.Type, first.PartOf, first.ID, coll.ID)
	}
	if got, want := first.Entries().IDs(), uris(self[:5]); !slices.Equal(got, want) {
		t.Errorf("first page items %v, want the first five self-replies %v", got, want)
	}
	if got, want := string(first.Next), u.RepliesPage(root.ID, false, self[4].ID); got != want {
		t.Errorf("first.next %s, want %s", got, want)
	}

	// The pages, followed by next: the sixth self-reply, inline; then
	// bob's listed replies, twenty and one.
	page := n.getPage(t, string(first.Next), coll.ID)
	if len(page.Entries()) != 1 || !page.Entries()[0].IsEmbedded() || page.Entries()[0].ID != self[5].URI {
		t.Errorf("self page items %+v, want the sixth self-reply inline", page.Entries())
	}
	if got, want := string(page.Next), u.RepliesPage(root.ID, true, 0); got != want {
		t.Errorf("self page next %s, want %s", got, want)
	}
	// Bob's replies reached alice in no set order: the pages hold them
	// all, once, in the order of alice's rows.
	page = n.getPage(t, string(page.Next), coll.ID)
	listed := page.Entries().IDs()
	if len(listed) != federation.RepliesPageSize || page.Entries()[0].IsEmbedded() {
		t.Errorf("others page items %v, want %d of bob's replies as IRIs", listed, federation.RepliesPageSize)
	}
	last, _ := alice.db.PostByURI(ctx, listed[len(listed)-1])
	if got, want := string(page.Next), u.RepliesPage(root.ID, true, last.ID); got != want {
		t.Errorf("others page next %s, want %s", got, want)
	}
	page = n.getPage(t, string(page.Next), coll.ID)
	if page.Next != "" {
		t.Errorf("last page next %q, want none", page.Next)
	}
	listed = append(listed, page.Entries().IDs()...)
	if got, want := slices.Sorted(slices.Values(listed)), slices.Sorted(slices.Values(uris(others))); !slices.Equal(got, want) {
		t.Errorf("others pages list %v, want bob's listed replies %v", got, want)
	}
	var prev int64
	for _, uri := range listed {
		p, _ := alice.db.PostByURI(ctx, uri)
		if p.ID <= prev {
			t.Errorf("others pages are not in row order at %s", uri)
		}
		prev = p.ID
	}

	// The collection itself embeds its first page, with the page's id.
	whole := n.getJSON(t, coll.ID)
	firstPage, _ := whole["first"].(map[string]any)
	if whole["type"] != "Collection" || firstPage["id"] != u.RepliesPage(root.ID, false, 0) || len(firstPage["items"].([]any)) != len(self) {
		t.Errorf("the collection: %v", whole)
	}

	// A followers-only post's replies are not served.
	hidden, err := alice.fed.Post(ctx, federation.NewPost{Text: "friends only", Visibility: store.Private})
	if err != nil {
		t.Fatal(err)
	}
	if resp, _ := n.getDoc(t, u.Replies(hidden.ID), federation.ActivityJSON); resp.StatusCode != http.StatusNotFound {
		t.Errorf("replies of a followers-only post: status %d, want 404", resp.StatusCode)
	}

	t.Run("keys as Mastodon's", func(t *testing.T) {
		// Fedibird (a Mastodon fork) sent this Note; kith's replies must
		// carry the same keys, no more, no fewer.
		raw, err := os.ReadFile(filepath.Join(sharedFixtures(t), "pleroma", "quote_post", "fedibird_quote_post.json"))
		if err != nil {
			t.Fatal(err)
		}
		var theirs, ours struct {
			Replies map[string]json.RawMessage `json:"replies"`
		}
		if err := json.Unmarshal(raw, &theirs); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(body, &ours); err != nil {
			t.Fatal(err)
		}
		if got, want := slices.Sorted(maps.Keys(ours.Replies)), slices.Sorted(maps.Keys(theirs.Replies)); !slices.Equal(got, want) {
			t.Errorf("replies keys %v, Mastodon's %v", got, want)
		}
		var theirFirst, ourFirst map[string]json.RawMessage
		json.Unmarshal(theirs.Replies["first"], &theirFirst)
		json.Unmarshal(ours.Replies["first"], &ourFirst)
		if got, want := slices.Sorted(maps.Keys(ourFirst)), slices.Sorted(maps.Keys(theirFirst)); !slices.Equal(got, want) {
			t.Errorf("first page keys %v, Mastodon's %v", got, want)
		}
	})
}

// getPage fetches a page of a replies collection and checks it names
// itself and its collection.
func (n *network) getPage(t *testing.T, url, partOf string) *ap.Collection {
	t.Helper()
	resp, body := n.getDoc(t, url, federation.ActivityJSON)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", url, resp.StatusCode)
	}
	page, err := ap.ParseCollection(body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	if page.ID != url || page.Type != "CollectionPage" || string(page.PartOf) != partOf {
		t.Errorf("GET %s: id %s type %s partOf %s", url, page.ID, page.Type, page.PartOf)
	}
	return page
}

func uris(posts []store.Post) []string {
	out := make([]string, len(posts))
	for i, p := range posts {
		out[i] = p.URI
	}
	return out
}

// TestRepliesCrawlThread: a thread of 30 replies across three instances,
// nested four deep and spread over pages, reaches a fourth instance
// whole when its owner opens the root: the replies shown at once, the
// rest by the crawl the opening queued.
func TestRepliesCrawlThread(t *testing.T) {
	n := newNetwork(t, "alice", "bob", "carol", "dave")
	alice, bob, carol, dave := n.nodes[0], n.nodes[1], n.nodes[2], n.nodes[3]
	ctx := context.Background()
	root, err := alice.fed.Post(ctx, federation.NewPost{Text: "root of a long thread"})
	if err != nil {
		t.Fatal(err)
	}
	authors := map[string]*kith{root.URI: alice}
	var replies []store.Post
	add := func(k *kith, parent store.Post) store.Post {
		p := reply(t, k, authors[parent.URI], parent, "reply")
		authors[p.URI] = k
		replies = append(replies, p)
		return p
	}
	// 25 direct replies: three of alice's own, then bob's and carol's,
	// more than a page of them.
	for range 3 {
		add(alice, root)
	}
	for i := range 22 {
		add([]*kith{bob, carol}[i%2], root)
	}
	// Five more, each answering the last: carol to bob, bob to carol,
	// alice to bob, carol to alice, bob to carol; only the parent's
	// author hears of each.
	deep := replies[3]
	for _, k := range []*kith{carol, bob, alice, carol, bob} {
		deep = add(k, deep)
	}
	n.settle()
	if len(replies) != 30 {
		t.Fatalf("%d replies", len(replies))
	}

	_, onDave, err := dave.fed.ResolveURL(ctx, root.URI)
	if err != nil {
		t.Fatal(err)
	}
	got, err := dave.fed.FetchReplies(ctx, onDave.ID)
	if err != nil || got != 25 {
		t.Errorf("opening the thread stored %d direct replies (%v), want 25", got, err)
	}
	n.settle()
	for _, r := range replies {
		p, ok := postOn(dave, r.URI)
		if !ok {
			t.Errorf("dave lacks %s by %s", r.URI, authors[r.URI].name)
			continue
		}
		parent, _ := postOn(dave, r.InReplyToURI)
		if p.InReplyToID == 0 || p.InReplyToID != parent.ID {
			t.Errorf("%s is not linked to its parent on dave", r.URI)
		}
	}
	thread, err := dave.db.Descendants(ctx, dave.db.OwnerID(), root.URI, 100)
	if err != nil || len(thread) != len(replies) {
		t.Errorf("dave's thread has %d posts (%v), want %d", len(thread), err, len(replies))
	}
}

// TestRepliesCrawlOnArrival: a reply that arrives without its parent
// brings the parent and, once the top of the thread is reached, the rest
// of the thread, with nobody opening it.
func TestRepliesCrawlOnArrival(t *testing.T) {
	n := newNetwork(t, "alice", "bob", "carol", "dave")
	alice, bob, carol, dave := n.nodes[0], n.nodes[1], n.nodes[2], n.nodes[3]
	ctx := context.Background()
	n.follow(dave, carol)
	root, err := bob.fed.Post(ctx, federation.NewPost{Text: "a root dave does not follow"})
	if err != nil {
		t.Fatal(err)
	}
	self := reply(t, bob, bob, root, "and its author goes on")
	fromAlice := reply(t, alice, bob, root, "alice answers")
	deeper := reply(t, bob, alice, fromAlice, "bob answers alice")
	n.settle()
	for _, p := range []store.Post{root, self, fromAlice, deeper} {
		if _, ok := postOn(dave, p.URI); ok {
			t.Fatalf("dave has %s before carol replies", p.URI)
		}
	}
	fromCarol := reply(t, carol, bob, root, "carol answers, and dave follows carol")
	n.settle()
	for _, p := range []store.Post{root, self, fromAlice, deeper, fromCarol} {
		if _, ok := postOn(dave, p.URI); !ok {
			t.Errorf("dave lacks %s", p.URI)
		}
	}
}
