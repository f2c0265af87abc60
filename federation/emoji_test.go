package federation_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"kith/federation"
	"kith/federation/ap"
	"kith/store"
)

// TestOwnEmojiTags: the owner's :shortcode: becomes an Emoji tag on the
// Note (id, icon, updated), only for emoji the owner has, and the id
// answers with the same emoji.
func TestOwnEmojiTags(t *testing.T) {
	_, alice, _ := newPeerNetwork(t, nil)
	ctx := context.Background()
	err := alice.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.PutCustomEmoji(ctx, store.CustomEmoji{Shortcode: "blobcat", Path: "emoji/blobcat-1.png", ContentType: "image/png", VisibleInPicker: true})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	p, err := alice.fed.Post(ctx, federation.NewPost{Text: "hi :blobcat: and :nobody:", Summary: "cw :blobcat:"})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Emojis) != 1 || p.Emojis[0].Shortcode != "blobcat" {
		t.Fatalf("post emojis %+v, want blobcat alone", p.Emojis)
	}
	note, err := alice.fed.PostDocument(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	var tags []ap.OutTag
	for _, tag := range note.Tag {
		if tag.Type == "Emoji" {
			tags = append(tags, tag)
		}
	}
	base := alice.fed.URLs().Base()
	if len(tags) != 1 || tags[0].Name != ":blobcat:" || tags[0].ID != base+"/emojis/blobcat" || tags[0].Updated == "" ||
		tags[0].Icon == nil || tags[0].Icon.URL != base+"/media/emoji/blobcat-1.png" || tags[0].Icon.MediaType != "image/png" {
		t.Fatalf("Emoji tags %+v", tags)
	}
	doc, err := alice.fed.EmojiDocument(ctx, "blobcat")
	if err != nil || doc.ID != tags[0].ID || doc.Icon.URL != tags[0].Icon.URL || doc.Context == nil {
		t.Errorf("emoji document %+v, %v; want the tag with a context", doc, err)
	}
	if _, err := alice.fed.EmojiDocument(ctx, "nobody"); err == nil {
		t.Errorf("emoji document of an unknown shortcode: no error")
	}
}

// TestRemoteEmojiTrustBoundary: a remote actor's Emoji tags are kept
// only with a shortcode name and an http(s) icon, the first of each name;
// a custom emoji reaction keeps its image under the same rules.
func TestRemoteEmojiTrustBoundary(t *testing.T) {
	n, alice, peer := newPeerNetwork(t, nil)
	ctx := context.Background()
	key := fakeKeys()[0]
	id := "http://remote.test/users/mallory"
	m := fakeActor{id: id, keyID: id + "#main-key", key: key}
	doc := actorDoc(id, m.keyID, &key.PublicKey)
	doc["name"] = "Mallory :blob_ok: :blob_js:"
	doc["tag"] = []map[string]any{
		{"type": "Emoji", "name": ":blob_ok:", "icon": map[string]any{"type": "Image", "url": "https://remote.test/ok.png"}},
		{"type": "Emoji", "name": ":blob_ok:", "icon": map[string]any{"type": "Image", "url": "https://remote.test/second.png"}},
		{"type": "Emoji", "name": ":blob_js:", "icon": map[string]any{"type": "Image", "url": "javascript:alert(1)"}},
		{"type": "Emoji", "name": ":a\"b:", "icon": map[string]any{"type": "Image", "url": "https://remote.test/q.png"}},
		{"type": "Emoji", "name": ":blob_data:", "icon": "data:image/png;base64,AAAA"},
		{"type": "Emoji", "name": ":blob_bare:", "icon": "https://remote.test/bare.png"},
	}
	peer.put(t, id, federation.ActivityJSON, doc)

	post, err := alice.fed.Post(ctx, federation.NewPost{Text: "react to me"})
	if err != nil {
		t.Fatal(err)
	}
	react := func(n int, content string, icon any) map[string]any {
		return map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id + "#reactions/" + string(rune('a'+n)),
			"type": "EmojiReact", "actor": id, "object": post.URI, "content": content,
			"tag": []map[string]any{{"type": "Emoji", "name": content, "icon": map[string]any{"type": "Image", "url": icon}}}}
	}
	inbox := alice.fed.URLs().SharedInbox()
	if got := m.deliver(t, n, inbox, react(0, ":blob_ok:", "https://remote.test/ok.png")); got != http.StatusAccepted {
		t.Fatalf("reaction: status %d, want 202", got)
	}
	n.settle()
	a, err := alice.db.ActorByURI(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Emoji{{Shortcode: "blob_ok", URL: "https://remote.test/ok.png"}, {Shortcode: "blob_bare", URL: "https://remote.test/bare.png"}}
	if !slices.Equal(a.Emojis, want) {
		t.Errorf("actor emojis %+v, want %+v", a.Emojis, want)
	}
	r, err := alice.db.ReactionOf(ctx, a.ID, post.ID)
	if err != nil || r.Emoji != ":blob_ok:" || r.EmojiURL != "https://remote.test/ok.png" {
		t.Errorf("reaction %+v, %v; want :blob_ok: with its image", r, err)
	}

	// A reaction whose image is a script URL keeps its name, not the URL.
	bad := react(1, ":blob_js:", "javascript:alert(1)")
	if got := m.deliver(t, n, inbox, map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id + "#undo",
		"type": "Undo", "actor": id, "object": react(0, ":blob_ok:", "")}); got != http.StatusAccepted {
		t.Fatalf("undo: status %d", got)
	}
	n.settle()
	if got := m.deliver(t, n, inbox, bad); got != http.StatusAccepted {
		t.Fatalf("bad reaction: status %d", got)
	}
	n.settle()
	r, err = alice.db.ReactionOf(ctx, a.ID, post.ID)
	if err != nil || r.Emoji != ":blob_js:" || r.EmojiURL != "" {
		t.Errorf("reaction %+v, %v; want :blob_js: without an image", r, err)
	}
}

// TestEmojiRoundTrip: bob follows alice; her name and a post use her
// :blobcat:, and bob's instance stores both with the image; an emoji
// added after the bio used it reaches bob with a fresh Update.
func TestEmojiRoundTrip(t *testing.T) {
	n := newNetwork(t, "alice", "bob")
	alice, bob := n.nodes[0], n.nodes[1]
	ctx := context.Background()
	n.follow(bob, alice)
	putEmoji := func(code string) {
		t.Helper()
		err := alice.db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.PutCustomEmoji(ctx, store.CustomEmoji{Shortcode: code, Path: "emoji/" + code + "-1.png", ContentType: "image/png", VisibleInPicker: true})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	putEmoji("blobcat")
	if err := alice.fed.UpdateProfile(ctx, federation.Profile{DisplayName: "Alice :blobcat:", Summary: "waves :blob_wave:"}); err != nil {
		t.Fatal(err)
	}
	p, err := alice.fed.Post(ctx, federation.NewPost{Text: "hello :blobcat:"})
	if err != nil {
		t.Fatal(err)
	}
	n.settle()
	image := alice.fed.URLs().Base() + "/media/emoji/blobcat-1.png"
	onBob, ok := postOn(bob, p.URI)
	if !ok || !slices.Equal(onBob.Emojis, []store.Emoji{{Shortcode: "blobcat", URL: image}}) {
		t.Errorf("bob's copy of the post: %v %+v", ok, onBob.Emojis)
	}
	if got := bob.actorOn(t, alice); !slices.Equal(got.Emojis, []store.Emoji{{Shortcode: "blobcat", URL: image}}) {
		t.Errorf("bob's copy of alice: emojis %+v, want blobcat", got.Emojis)
	}

	// An emoji the profile does not use sends nothing; one it uses sends
	// the actor again.
	jobs := func() int {
		t.Helper()
		counts, err := alice.db.JobCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, byState := range counts {
			for _, c := range byState {
				total += c
			}
		}
		return total
	}
	before := jobs()
	if err := alice.fed.EmojiChanged(ctx, "unused"); err != nil {
		t.Fatal(err)
	}
	if after := jobs(); after != before {
		t.Errorf("an emoji the profile does not use queued %d jobs", after-before)
	}
	putEmoji("blob_wave")
	if err := alice.fed.EmojiChanged(ctx, "blob_wave"); err != nil {
		t.Fatal(err)
	}
	n.settle()
	got := bob.actorOn(t, alice)
	var codes []string
	for _, e := range got.Emojis {
		codes = append(codes, e.Shortcode)
	}
	slices.Sort(codes)
	if !slices.Equal(codes, []string{"blob_wave", "blobcat"}) {
		t.Errorf("bob's copy of alice after the new emoji: %q, want blob_wave and blobcat", codes)
	}
}
