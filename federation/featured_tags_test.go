package federation_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"kith/federation"
	"kith/store"
)

// The actor names its featuredTags collection; the collection is a
// Collection of Hashtags as Mastodon serves it; changing it sends an
// Update of the actor to followers.
func TestFeaturedTagsCollection(t *testing.T) {
	n := newNetwork(t, "alice", "bob")
	alice, bob := n.nodes[0], n.nodes[1]
	u := alice.fed.URLs()
	ctx := context.Background()
	n.follow(bob, alice)

	actor := n.getJSON(t, u.Actor())
	if actor["featuredTags"] != u.FeaturedTags() {
		t.Errorf("actor featuredTags = %v, want %s", actor["featuredTags"], u.FeaturedTags())
	}
	terms := map[string]any{}
	for _, c := range actor["@context"].([]any) {
		if m, ok := c.(map[string]any); ok {
			for k, v := range m {
				terms[k] = v
			}
		}
	}
	if term, _ := terms["featuredTags"].(map[string]any); term["@id"] != "toot:featuredTags" || term["@type"] != "@id" {
		t.Errorf("@context featuredTags = %v, want toot:featuredTags of type @id", terms["featuredTags"])
	}

	empty := n.getJSON(t, u.FeaturedTags())
	if empty["id"] != u.FeaturedTags() || empty["type"] != "Collection" || empty["totalItems"] != float64(0) {
		t.Errorf("empty collection: %v", empty)
	}

	// A change bob's server has not heard of yet: the Update that
	// featuring a tag sends carries it.
	a, err := alice.db.LocalActor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a.DisplayName = "Alice Featured"
	if err := alice.db.InTx(ctx, func(tx *store.Tx) error { _, err := tx.UpsertActor(ctx, a); return err }); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"#Go", "cats"} {
		if _, err := alice.fed.FeatureTag(ctx, name); err != nil {
			t.Fatalf("feature %s: %v", name, err)
		}
	}
	n.settle()
	if got := bob.actorOn(t, alice).DisplayName; got != "Alice Featured" {
		t.Errorf("bob's copy of alice after featuring a tag: name %q; the actor's Update did not arrive", got)
	}

	c := n.getJSON(t, u.FeaturedTags())
	if c["id"] != u.FeaturedTags() || c["type"] != "Collection" || c["totalItems"] != float64(2) {
		t.Errorf("id %v type %v totalItems %v, want %s, Collection, 2", c["id"], c["type"], c["totalItems"], u.FeaturedTags())
	}
	var got []string
	items, _ := c["items"].([]any)
	for _, it := range items {
		tag, _ := it.(map[string]any)
		name, _ := tag["name"].(string)
		if tag["type"] != "Hashtag" || tag["href"] != u.Tag(name[1:]) {
			t.Errorf("item %v, want a Hashtag with href %s", tag, u.Tag(name[1:]))
		}
		got = append(got, name)
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"#cats", "#go"}) {
		t.Errorf("featured tags %v, want [#cats #go]", got)
	}

	for _, bad := range []string{"", "#", "2024", "two words", "#go"} {
		if _, err := alice.fed.FeatureTag(ctx, bad); !errors.Is(err, federation.ErrInvalid) {
			t.Errorf("FeatureTag(%q) = %v, want ErrInvalid", bad, err)
		}
	}
	tags, err := alice.db.FeaturedTags(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := alice.fed.UnfeatureTag(ctx, tags[0].ID); err != nil {
		t.Fatal(err)
	}
	if got := n.getJSON(t, u.FeaturedTags())["totalItems"]; got != float64(1) {
		t.Errorf("after unfeaturing: totalItems %v, want 1", got)
	}
	if err := alice.fed.UnfeatureTag(ctx, tags[0].ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unfeaturing again: %v, want ErrNotFound", err)
	}
}
