package ap

import (
	"path/filepath"
	"testing"
)

// Each forged fixture parses (it is well-formed), and the parser exposes
// the fact federation needs to refuse it.

func TestSpoofKeyFromAnotherServer(t *testing.T) {
	// The actor on remote.example publishes mastodon.example.org's key id
	// as its own: a signature by the admin's key must not be accepted as
	// this actor, nor this actor's PEM as the admin's key.
	root := fixturesDir(t)
	a := mustActor(t, readFixture(t, filepath.Join(root, "pleroma/tesla_mock/evil@remote.example_with_keyid_from_admin@mastdon.example.org.json")))
	if got, want := string(a.Key().ID), "http://mastodon.example.org/users/admin#main-key"; got != want {
		t.Fatalf("key id: got %q, want %q", got, want)
	}
	if KeyOwnedByActor(a) {
		t.Errorf("KeyOwnedByActor: got true for a key id on %s, actor on %s", Host(string(a.Key().ID)), Host(a.ID))
	}
}

func TestSpoofAuthorOnAnotherHost(t *testing.T) {
	// Served by info.pleroma.site, claiming mastodon.example.org's admin
	// wrote it: the author's server never vouched for it.
	root := fixturesDir(t)
	o := mustObject(t, readFixture(t, filepath.Join(root, "pleroma/tesla_mock/https__info.pleroma.site_activity.json")))
	if got, want := o.Author(), "http://mastodon.example.org/users/admin"; got != want {
		t.Fatalf("author: got %q, want %q", got, want)
	}
	if o.AuthorHostMatches() {
		t.Errorf("AuthorHostMatches: got true for %s attributed to %s", o.ID, o.Author())
	}
}

func TestSpoofInlineObjectInBoost(t *testing.T) {
	// A boost from mastodon.example.org carries a Note claiming to be from
	// mastodon.social: the copy must not be believed; fetch Object.ID.
	root := fixturesDir(t)
	a := mustActivity(t, readFixture(t, filepath.Join(root, "pleroma/bogus-mastodon-announce.json")))
	if !a.Object.IsEmbedded() {
		t.Fatal("object: got a bare IRI, want an embedded Note")
	}
	if got, want := a.Object.ID, "https://mastodon.social/users/emelie/statuses/101849165031453404"; got != want {
		t.Errorf("object id: got %q, want %q", got, want)
	}
	if a.InlineObjectTrusted() {
		t.Error("InlineObjectTrusted: got true for a cross-origin embedded object")
	}
}

func TestSameOriginInlineObjectTrusted(t *testing.T) {
	// Mastodon's own boosts of its own posts embed them; those are fine.
	root := fixturesDir(t)
	a := mustActivity(t, readFixture(t, filepath.Join(root, "pleroma/mastodon-announce-private.json")))
	if !a.InlineObjectTrusted() {
		t.Errorf("InlineObjectTrusted: got false for %s embedding %s", a.ID, a.Object.ID)
	}
}

func TestSpoofActivityIDOnAnotherHost(t *testing.T) {
	// Old Misskey Like: id on misskey.xyz, actor on mastodon.example.org.
	root := fixturesDir(t)
	a := mustActivity(t, readFixture(t, filepath.Join(root, "pleroma/misskey-like.json")))
	if a.ActorHostMatches() {
		t.Errorf("ActorHostMatches: got true for id %s and actor %s", a.ID, a.Actor.ID)
	}
	if got, want := a.Reaction(), "pudding"; got != want {
		t.Errorf("reaction: got %q, want %q", got, want)
	}
}

func TestBridgyBareHostnameKey(t *testing.T) {
	// Bridgy Fed's key id is a bare hostname with no owner: not a URL on
	// the actor's host, so the key cannot be tied to the actor.
	root := fixturesDir(t)
	a := mustActor(t, readFixture(t, filepath.Join(root, "pleroma/bridgy/actor.json")))
	if KeyOwnedByActor(a) {
		t.Errorf("KeyOwnedByActor: got true for key id %q", a.Key().ID)
	}
}

func TestKeyShapesOnTheActorHost(t *testing.T) {
	// Key ids that are not "#main-key" fragments but still live on the
	// actor's host belong to the actor.
	root := fixturesDir(t)
	for _, file := range []string{
		"pleroma/tesla_mock/sjw.json",                                      // Misskey /publickey
		"pleroma/tesla_mock/https___osada.macgirvin.com_channel_mike.json", // Osada /public_key_pem
		"pleroma/tesla_mock/wedistribute-user.json",                        // WordPress #publicKey
		"pleroma/users_mock/takahe_user.json",                              // id with @ and a trailing slash
	} {
		a := mustActor(t, readFixture(t, filepath.Join(root, file)))
		if !KeyOwnedByActor(a) {
			t.Errorf("%s: KeyOwnedByActor: got false for key %q of %q", file, a.Key().ID, a.ID)
		}
	}
}

func TestSameHostAndOrigin(t *testing.T) {
	tests := []struct {
		a, b       string
		host, orig bool
	}{
		{"https://a.example/users/x", "https://a.example/users/x#main-key", true, true},
		{"http://a.example/users/x", "https://a.example/@x", true, false},
		{"https://A.Example./x", "https://a.example/y", true, true},
		{"https://a.example:443/x", "https://a.example/y", true, true},
		{"https://a.example:8443/x", "https://a.example/y", false, false},
		{"https://a.example/x", "https://b.example/x", false, false},
		{"https://a.example/x", "https://a.example.evil.test/x", false, false},
		{"https://a.example@evil.test/x", "https://a.example/x", false, false},
		{"", "", false, false},
		{"a.example", "a.example", false, false},
		{"acct:x@a.example", "https://a.example/x", false, false},
		{"javascript://a.example/x", "https://a.example/x", false, false},
	}
	for _, tt := range tests {
		if got := SameHost(tt.a, tt.b); got != tt.host {
			t.Errorf("SameHost(%q, %q): got %v, want %v", tt.a, tt.b, got, tt.host)
		}
		if got := SameOrigin(tt.a, tt.b); got != tt.orig {
			t.Errorf("SameOrigin(%q, %q): got %v, want %v", tt.a, tt.b, got, tt.orig)
		}
	}
}
