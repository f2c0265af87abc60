package federation_test

import (
	"context"
	"testing"

	"kith/federation"
	"kith/store"
	"kith/tests/fedify"
)

// TestFedifyReadsOwnEmoji: Fedify, a third-party ActivityPub library, reads
// the owner's post with its Emoji tag, and the tag's id as an Emoji of its
// own vocabulary.
func TestFedifyReadsOwnEmoji(t *testing.T) {
	peer := fedify.Start(t, fedify.Options{})
	n := newNetworkWithHosts(t, map[string]string{"peer.test": peer.Addr()}, "alice")
	alice := n.nodes[0]
	ctx := context.Background()
	err := alice.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.PutCustomEmoji(ctx, store.CustomEmoji{Shortcode: "blobcat", Path: "emoji/blobcat-1.png", ContentType: "image/png", VisibleInPicker: true})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	post, err := alice.fed.Post(ctx, federation.NewPost{Text: "hello :blobcat:"})
	if err != nil {
		t.Fatal(err)
	}
	typ, doc := peer.LookupTyped(t, post.URI)
	if typ != "Note" {
		t.Fatalf("Fedify read the post as %q: %v", typ, doc)
	}
	var emojiID string
	tags, _ := doc["tag"].([]any)
	for _, tag := range tags {
		if m, _ := tag.(map[string]any); m["type"] == "Emoji" && m["name"] == ":blobcat:" {
			emojiID, _ = m["id"].(string)
		}
	}
	if emojiID == "" {
		t.Fatalf("the post Fedify fetched has no Emoji tag: %v", doc["tag"])
	}
	typ, doc = peer.LookupTyped(t, emojiID)
	if typ != "Emoji" || doc["name"] != ":blobcat:" {
		t.Errorf("Fedify read %s as %q: %v", emojiID, typ, doc)
	}
}
