package federation_test

import (
	"context"
	"testing"

	"kith/federation"
)

// TestRepliesCrawlShapes: the shapes servers give a replies collection,
// each leading the crawl to the post's replies.
func TestRepliesCrawlShapes(t *testing.T) {
	_, alice, peer := newPeerNetwork(t, nil)
	ctx := context.Background()
	mallory := peer.addActor(t, "http://remote.test/users/mallory", fakeKeys()[0]).id
	as := federation.ActivityJSON
	tests := []struct {
		name    string
		replies func(root, reply string) any // the Note's replies; may serve more
	}{
		{"a link to a collection with its items inline", func(root, reply string) any {
			peer.put(t, root+"/replies", as, map[string]any{"id": root + "/replies", "type": "OrderedCollection", "orderedItems": []string{reply}})
			return root + "/replies"
		}},
		{"an embedded collection with an embedded first page (Mastodon, Pleroma)", func(root, reply string) any {
			return map[string]any{"id": root + "/replies", "type": "OrderedCollection",
				"first": map[string]any{"type": "OrderedCollectionPage", "orderedItems": []string{reply}}}
		}},
		{"an embedded collection with a linked first page (GoToSocial)", func(root, reply string) any {
			page := root + "/replies/page1"
			peer.put(t, page, as, map[string]any{"id": page, "type": "OrderedCollectionPage", "partOf": root + "/replies", "orderedItems": reply})
			return map[string]any{"id": root + "/replies", "type": "OrderedCollection", "first": page}
		}},
		{"an empty first page whose next embeds the reply (Mastodon's others)", func(root, reply string) any {
			next := root + "/replies/others"
			peer.put(t, next, as, map[string]any{"id": next, "type": "CollectionPage", "items": []any{hostileNote(reply, mallory, root, "inline", nil)}})
			return map[string]any{"id": root + "/replies", "type": "Collection",
				"first": map[string]any{"type": "CollectionPage", "items": []string{}, "next": next}}
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := "http://remote.test/notes/shape" + string(rune('a'+i))
			reply := root + "/reply"
			peer.put(t, reply, as, hostileNote(reply, mallory, root, "a reply", nil))
			peer.put(t, root, as, hostileNote(root, mallory, "", "root", tt.replies(root, reply)))
			if _, p, err := alice.fed.ResolveURL(ctx, root); err != nil || p == nil {
				t.Fatalf("resolve %s: %v", root, err)
			}
			if got, err := alice.fed.CrawlReplies(ctx, root); err != nil || got != 1 {
				t.Errorf("crawl stored %d (%v), want the reply", got, err)
			}
			if p, ok := postOn(alice, reply); !ok || p.InReplyToURI != root {
				t.Errorf("the reply: stored %v, in reply to %q", ok, p.InReplyToURI)
			}
		})
	}
}
