package federation_test

import (
	"context"
	"fmt"
	"testing"

	"kith/federation"
	"kith/tests/fedify"
)

// TestFedifyReplies: kith crawls a thread from the replies collections
// Fedify serves (a link to a collection whose pages, two replies each,
// embed the replies), and Fedify reads kith's replies collection and its
// pages with its own parser.
func TestFedifyReplies(t *testing.T) {
	peer := fedify.Start(t, fedify.Options{})
	n := newNetworkWithHosts(t, map[string]string{"peer.test": peer.Addr()}, "alice")
	alice := n.nodes[0]
	ctx := context.Background()
	public := []string{"https://www.w3.org/ns/activitystreams#Public"}

	root := peer.Note(t, fedify.Note{Content: "<p>a thread on Fedify</p>", To: public})
	parents := map[string]string{}
	var direct []string
	for i := range 3 {
		r := peer.Note(t, fedify.Note{Content: fmt.Sprintf("<p>reply %d</p>", i), To: public, InReplyTo: root})
		parents[r] = root
		direct = append(direct, r)
	}
	deep := peer.Note(t, fedify.Note{Content: "<p>a reply to a reply</p>", To: public, InReplyTo: direct[0]})
	parents[deep] = direct[0]

	_, onAlice, err := alice.fed.ResolveURL(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := alice.fed.FetchReplies(ctx, onAlice.ID); err != nil || got != len(direct) {
		t.Errorf("opening the thread stored %d replies (%v), want the %d direct ones", got, err, len(direct))
	}
	n.settle()
	for r, parent := range parents {
		p, ok := postOn(alice, r)
		up, _ := postOn(alice, parent)
		if !ok || p.InReplyToID == 0 || p.InReplyToID != up.ID {
			t.Errorf("%s: on alice %v, linked to its parent %v", r, ok, p.InReplyToID == up.ID)
		}
	}

	post, err := alice.fed.Post(ctx, federation.NewPost{Text: "a thread on kith"})
	if err != nil {
		t.Fatal(err)
	}
	self := reply(t, alice, alice, post, "and more")
	u := alice.fed.URLs()
	for _, url := range []string{u.Replies(post.ID), u.RepliesPage(post.ID, false, 0), u.RepliesPage(post.ID, true, 0)} {
		if doc := peer.Lookup(t, url); doc["id"] != url {
			t.Errorf("Fedify's lookup of %s: %v", url, doc)
		}
	}
	if doc := peer.Lookup(t, u.RepliesPage(post.ID, false, 0)); fmt.Sprint(doc["items"]) == "[]" {
		t.Errorf("Fedify read no items on the page that holds %s: %v", self.URI, doc)
	}
}
