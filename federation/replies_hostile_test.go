package federation_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"kith/federation"
)

// hostileNote is a Note on a fake peer, with replies as given (nil: none).
func hostileNote(id, author, inReplyTo, content string, replies any) map[string]any {
	n := map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": "Note",
		"attributedTo": author, "content": content, "published": "2026-01-02T03:04:05Z",
		"to": []string{"https://www.w3.org/ns/activitystreams#Public"},
	}
	if inReplyTo != "" {
		n["inReplyTo"] = inReplyTo
	}
	if replies != nil {
		n["replies"] = replies
	}
	return n
}

// hits counts the peer's requests since the first from for exactly
// "GET host/path".
func hits(p *fakePeer, from int, hostPath string) int {
	c := 0
	for _, h := range p.requestLog(from) {
		if h == "GET "+hostPath {
			c++
		}
	}
	return c
}

// TestRepliesCrawlHostile: replies collections built to hurt are read
// within bounds: a loop of next links ends, a page of 10,000 items is read
// only so far, and posts of other servers are stored only as their own
// server serves them and only when they really answer the post.
func TestRepliesCrawlHostile(t *testing.T) {
	_, alice, peer := newPeerNetwork(t, nil)
	ctx := context.Background()
	keys := fakeKeys()
	mallory := peer.addActor(t, "http://remote.test/users/mallory", keys[0]).id
	trudy := peer.addActor(t, "http://other.test/users/trudy", keys[1]).id
	as := federation.ActivityJSON
	resolve := func(t *testing.T, uri string) {
		t.Helper()
		if _, p, err := alice.fed.ResolveURL(ctx, uri); err != nil || p == nil {
			t.Fatalf("resolve %s: %v", uri, err)
		}
	}
	stored := func(uri string) bool { _, ok := postOn(alice, uri); return ok }

	t.Run("a loop of next", func(t *testing.T) {
		root := "http://remote.test/notes/loop"
		coll, p1, p2 := root+"/replies", root+"/replies/p1", root+"/replies/p2"
		peer.put(t, root, as, hostileNote(root, mallory, "", "loop", coll))
		peer.put(t, coll, as, map[string]any{"id": coll, "type": "OrderedCollection", "first": p1})
		peer.put(t, p1, as, map[string]any{"id": p1, "type": "OrderedCollectionPage", "partOf": coll, "next": p2, "orderedItems": []string{root + "/1"}})
		peer.put(t, p2, as, map[string]any{"id": p2, "type": "OrderedCollectionPage", "partOf": coll, "next": p1, "orderedItems": []string{root + "/2"}})
		for _, r := range []string{root + "/1", root + "/2"} {
			peer.put(t, r, as, hostileNote(r, mallory, root, "in the loop", nil))
		}
		resolve(t, root)
		mark := peer.requests()
		got, err := alice.fed.CrawlReplies(ctx, root)
		if err != nil || got != 2 {
			t.Errorf("crawl stored %d (%v), want 2", got, err)
		}
		for _, page := range []string{p1, p2} {
			if n := hits(peer, mark, strings.TrimPrefix(page, "http://")); n != 1 {
				t.Errorf("%s fetched %d times, want once: %v", page, n, peer.requestLog(mark))
			}
		}
	})

	t.Run("a page of 10,000 items", func(t *testing.T) {
		root := "http://remote.test/notes/big"
		items := make([]string, 10000)
		for i := range items {
			items[i] = fmt.Sprintf("%s/r%d", root, i)
			peer.put(t, items[i], as, hostileNote(items[i], mallory, root, "one of many", nil))
		}
		peer.put(t, root, as, hostileNote(root, mallory, "", "big", map[string]any{
			"id": root + "/replies", "type": "Collection",
			"first": map[string]any{"type": "CollectionPage", "partOf": root + "/replies", "items": items}}))
		resolve(t, root)
		mark := peer.requests()
		got, err := alice.fed.CrawlReplies(ctx, root)
		if err != nil || got != federation.CrawlMaxItems {
			t.Errorf("crawl stored %d (%v), want the first %d items", got, err, federation.CrawlMaxItems)
		}
		if !stored(items[0]) || stored(items[federation.CrawlMaxItems]) {
			t.Errorf("stored the first item %v, the one past the bound %v", stored(items[0]), stored(items[federation.CrawlMaxItems]))
		}
		if n := peer.requests() - mark; n > federation.CrawlMaxItems+2 {
			t.Errorf("the crawl made %d requests for one page, want at most %d", n, federation.CrawlMaxItems+2)
		}
	})

	t.Run("items from another host", func(t *testing.T) {
		root := "http://remote.test/notes/forged"
		elsewhere := "http://other.test/notes/elsewhere"
		notReply := "http://other.test/notes/not-a-reply" // served, but answers another post
		spoof := "http://remote.test/notes/spoof"         // on the collection's host, claims trudy wrote it
		missing := "http://other.test/notes/missing"      // 404
		real := "http://other.test/notes/real"            // a real reply, listed by IRI
		realInline := "http://other.test/notes/real-inline"
		peer.put(t, notReply, as, hostileNote(notReply, trudy, elsewhere, "about something else", nil))
		peer.put(t, real, as, hostileNote(real, trudy, root, "a real reply", nil))
		peer.put(t, realInline, as, hostileNote(realInline, trudy, root, "as its server serves it", nil))
		peer.put(t, root, as, hostileNote(root, mallory, "", "forged replies", map[string]any{
			"id": root + "/replies", "type": "Collection",
			"first": map[string]any{"type": "CollectionPage", "partOf": root + "/replies", "items": []any{
				hostileNote(notReply, trudy, root, "claims to answer", nil),
				hostileNote(spoof, trudy, root, "claims to be trudy's", nil),
				missing,
				real,
				hostileNote(realInline, trudy, root, "an inline copy, rewritten", nil),
			}}}))
		resolve(t, root)
		mark := peer.requests()
		if got, err := alice.fed.CrawlReplies(ctx, root); err != nil || got != 2 {
			t.Errorf("crawl stored %d (%v), want the two real replies", got, err)
		}
		for _, uri := range []string{notReply, spoof, missing} {
			if stored(uri) {
				t.Errorf("%s was stored as a reply", uri)
			}
		}
		for _, uri := range []string{notReply, realInline} {
			if hits(peer, mark, strings.TrimPrefix(uri, "http://")) != 1 {
				t.Errorf("%s, inline from another host, was not fetched from its own", uri)
			}
		}
		if p, ok := postOn(alice, realInline); !ok || !strings.Contains(p.Content, "as its server serves it") {
			t.Errorf("the inline reply from another host was stored as %q, want its server's copy", p.Content)
		}
		if p, ok := postOn(alice, real); !ok || p.InReplyToURI != root {
			t.Errorf("the real reply: stored %v, in reply to %q", ok, p.InReplyToURI)
		}
	})

	t.Run("collections and pages on another host", func(t *testing.T) {
		root := "http://remote.test/notes/away"
		away := "http://other.test/collections/away"
		peer.put(t, root, as, hostileNote(root, mallory, "", "replies elsewhere", away))
		peer.put(t, away, as, map[string]any{"id": away, "type": "OrderedCollection", "orderedItems": []string{"http://other.test/notes/real"}})
		root2 := "http://remote.test/notes/away2"
		page := "http://other.test/pages/away2"
		peer.put(t, root2, as, hostileNote(root2, mallory, "", "next page elsewhere", map[string]any{
			"id": root2 + "/replies", "type": "Collection",
			"first": map[string]any{"type": "CollectionPage", "partOf": root2 + "/replies", "items": []string{}, "next": page}}))
		peer.put(t, page, as, map[string]any{"id": page, "type": "CollectionPage", "items": []string{"http://other.test/notes/real"}})
		for _, r := range []string{root, root2} {
			resolve(t, r)
			mark := peer.requests()
			if got, _ := alice.fed.CrawlReplies(ctx, r); got != 0 {
				t.Errorf("%s: crawl stored %d, want none", r, got)
			}
			for _, h := range peer.requestLog(mark) {
				if strings.Contains(h, "other.test") {
					t.Errorf("%s: the crawl asked another host: %s", r, h)
				}
			}
		}
	})
}
