package federation_test

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"kith/federation"
	"kith/store"
)

const asPublic = "https://www.w3.org/ns/activitystreams#Public"

// getJSON GETs an ActivityPub document and decodes it; it fails the test
// unless the answer is 200 activity+json with Vary: Accept.
func (n *network) getJSON(t *testing.T, u string) map[string]any {
	t.Helper()
	resp, body := n.getDoc(t, u, federation.ActivityJSON)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", u, resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); !hasMediaType(ct, federation.ActivityJSON) {
		t.Errorf("GET %s: Content-Type %q, want %s", u, ct, federation.ActivityJSON)
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("GET %s: %v: %s", u, err, body)
	}
	return doc
}

func hasMediaType(ct, want string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == want
}

func TestActorContentNegotiation(t *testing.T) {
	n := newNetwork(t, "alice")
	u := n.nodes[0].fed.URLs()
	tests := []struct {
		name, url, accept string
		want              int
		location          string
	}{
		{"activity+json", u.Actor(), federation.ActivityJSON, http.StatusOK, ""},
		{"ld+json with profile", u.Actor(), federation.LDJSON, http.StatusOK, ""},
		{"Mastodon's Accept", u.Actor(), federation.ActivityJSON + ", " + federation.LDJSON, http.StatusOK, ""},
		{"html", u.Actor(), "text/html", http.StatusFound, u.Profile()},
		{"browser", u.Actor(), "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", http.StatusFound, u.Profile()},
		{"no Accept", u.Actor(), "", http.StatusFound, u.Profile()},
		{"someone else", u.Base() + "/users/bob", federation.ActivityJSON, http.StatusNotFound, ""},
		{"someone else's outbox", u.Base() + "/users/bob/outbox", federation.ActivityJSON, http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := n.getDoc(t, tt.url, tt.accept)
			if got := resp.StatusCode; got != tt.want {
				t.Fatalf("status %d, want %d: %s", got, tt.want, body)
			}
			if got := resp.Header.Get("Location"); got != tt.location {
				t.Errorf("Location %q, want %q", got, tt.location)
			}
			if tt.want != http.StatusOK {
				return
			}
			if ct := resp.Header.Get("Content-Type"); !hasMediaType(ct, federation.ActivityJSON) {
				t.Errorf("Content-Type %q, want %s", ct, federation.ActivityJSON)
			}
			if got := resp.Header.Get("Vary"); got != "Accept" {
				t.Errorf("Vary %q, want Accept", got)
			}
			var doc map[string]any
			if err := json.Unmarshal(body, &doc); err != nil || doc["id"] != u.Actor() {
				t.Errorf("body %s (%v), want the actor", body, err)
			}
		})
	}
}

func TestActorDocument(t *testing.T) {
	n := newNetwork(t, "alice")
	alice := n.nodes[0]
	u := alice.fed.URLs()
	doc := n.getJSON(t, u.Actor())

	for key, want := range map[string]any{
		"id": u.Actor(), "type": "Person", "preferredUsername": "alice", "url": u.Profile(),
		"inbox": u.Inbox(), "outbox": u.Outbox(), "followers": u.Followers(), "following": u.Following(),
		"featured": u.Featured(), "manuallyApprovesFollowers": false,
	} {
		if got := doc[key]; got != want {
			t.Errorf("%s = %v, want %v", key, got, want)
		}
	}
	if ep, _ := doc["endpoints"].(map[string]any); ep["sharedInbox"] != u.SharedInbox() {
		t.Errorf("endpoints %v, want sharedInbox %s", doc["endpoints"], u.SharedInbox())
	}
	key, _ := doc["publicKey"].(map[string]any)
	if key["id"] != u.Actor()+"#main-key" || key["owner"] != u.Actor() {
		t.Errorf("publicKey id %v owner %v, want %s#main-key owned by it", key["id"], key["owner"], u.Actor())
	}
	pemText, _ := key["publicKeyPem"].(string)
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		t.Fatalf("publicKeyPem %q is not PEM", pemText)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatalf("publicKeyPem: %v", err)
	}
	if rk, ok := pub.(*rsa.PublicKey); !ok || rk.N.BitLen() != 2048 {
		t.Errorf("public key %T, want RSA-2048", pub)
	}

	ctxList, _ := doc["@context"].([]any)
	for _, want := range []string{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"} {
		if !slices.Contains(ctxList, any(want)) {
			t.Errorf("@context %v lacks %s", ctxList, want)
		}
	}
	terms := map[string]any{}
	for _, c := range ctxList {
		if m, ok := c.(map[string]any); ok {
			for k, v := range m {
				terms[k] = v
			}
		}
	}
	if terms["toot"] != "http://joinmastodon.org/ns#" {
		t.Errorf("@context terms %v lack toot", terms)
	}
	for _, term := range []string{"featured", "discoverable", "manuallyApprovesFollowers", "PropertyValue", "value", "alsoKnownAs", "movedTo"} {
		if _, ok := terms[term]; !ok {
			t.Errorf("@context has no inline term %s", term)
		}
	}

	setLocked(t, alice)
	if got := n.getJSON(t, u.Actor())["manuallyApprovesFollowers"]; got != true {
		t.Errorf("locked account: manuallyApprovesFollowers = %v, want true", got)
	}

	inst := n.getJSON(t, u.InstanceActor())
	ik, _ := inst["publicKey"].(map[string]any)
	if inst["id"] != u.InstanceActor() || ik["id"] != u.InstanceKey() || ik["owner"] != u.InstanceActor() {
		t.Errorf("instance actor %v, key %v", inst["id"], ik)
	}
}

// TestPostDocument: public and unlisted posts are served as Notes,
// addressed by visibility; followers-only and direct ones are not served to
// anonymous fetches; a browser is sent to the post page.
func TestPostDocument(t *testing.T) {
	n := newNetwork(t, "alice", "bob")
	alice, bob := n.nodes[0], n.nodes[1]
	u := alice.fed.URLs()
	ctx := context.Background()
	tests := []struct {
		visibility string
		to, cc     []string
	}{
		{store.Public, []string{asPublic}, []string{u.Followers(), bob.fed.URLs().Actor()}},
		{store.Unlisted, []string{u.Followers()}, []string{asPublic, bob.fed.URLs().Actor()}},
		{store.Private, nil, nil},
		{store.Direct, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.visibility, func(t *testing.T) {
			p, err := alice.fed.Post(ctx, federation.NewPost{Text: "hello " + bob.handle(), Visibility: tt.visibility})
			if err != nil {
				t.Fatal(err)
			}
			n.settle()
			if p.URI != u.Post(p.ID) {
				t.Fatalf("post URI %s, want %s", p.URI, u.Post(p.ID))
			}
			resp, _ := n.getDoc(t, p.URI, "text/html")
			if got, want := resp.Header.Get("Location"), u.PostPage(p.ID); resp.StatusCode != http.StatusFound || got != want {
				t.Errorf("as HTML: %d to %q, want 302 to %s", resp.StatusCode, got, want)
			}
			if tt.to == nil {
				for _, accept := range []string{federation.ActivityJSON, federation.LDJSON} {
					if resp, _ := n.getDoc(t, p.URI, accept); resp.StatusCode != http.StatusNotFound {
						t.Errorf("%s as %s: status %d, want 404", tt.visibility, accept, resp.StatusCode)
					}
				}
				if resp, _ := n.getDoc(t, u.CreateActivity(p.ID), federation.ActivityJSON); resp.StatusCode != http.StatusNotFound {
					t.Errorf("its Create: status %d, want 404", resp.StatusCode)
				}
				return
			}
			doc := n.getJSON(t, p.URI)
			if doc["id"] != p.URI || doc["type"] != "Note" || doc["attributedTo"] != u.Actor() || doc["url"] != u.PostPage(p.ID) {
				t.Errorf("id %v type %v attributedTo %v url %v", doc["id"], doc["type"], doc["attributedTo"], doc["url"])
			}
			if doc["@context"] == nil {
				t.Errorf("no @context")
			}
			if content, _ := doc["content"].(string); !strings.Contains(content, "hello") || !strings.Contains(content, bob.fed.URLs().Profile()) {
				t.Errorf("content %q, want the text with a link to the mention", content)
			}
			tags, _ := doc["tag"].([]any)
			if len(tags) != 1 || tags[0].(map[string]any)["type"] != "Mention" || tags[0].(map[string]any)["href"] != bob.fed.URLs().Actor() {
				t.Errorf("tag %v, want one Mention of %s", doc["tag"], bob.fed.URLs().Actor())
			}
			if got := stringsOf(doc["to"]); !slices.Equal(got, tt.to) {
				t.Errorf("to %v, want %v", got, tt.to)
			}
			if got := stringsOf(doc["cc"]); !slices.Equal(got, tt.cc) {
				t.Errorf("cc %v, want %v", got, tt.cc)
			}
			act := n.getJSON(t, u.CreateActivity(p.ID))
			if act["type"] != "Create" || act["actor"] != u.Actor() {
				t.Errorf("its Create: type %v actor %v", act["type"], act["actor"])
			}
		})
	}
	if resp, _ := n.getDoc(t, u.Post(9999), federation.ActivityJSON); resp.StatusCode != http.StatusNotFound {
		t.Errorf("missing post: status %d, want 404", resp.StatusCode)
	}
	if resp, _ := n.getDoc(t, u.Actor()+"/statuses/x", federation.ActivityJSON); resp.StatusCode != http.StatusNotFound {
		t.Errorf("non-numeric id: status %d, want 404", resp.StatusCode)
	}
}

// stringsOf turns a JSON array of strings into a slice.
func stringsOf(v any) []string {
	arr, _ := v.([]any)
	var out []string
	for _, x := range arr {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// TestOutbox: the outbox counts and pages the Creates of public and
// unlisted posts, newest first, 20 to a page.
func TestOutbox(t *testing.T) {
	n := newNetwork(t, "alice")
	alice := n.nodes[0]
	u := alice.fed.URLs()
	ctx := context.Background()
	var listed []string
	for i := range 25 {
		vis := store.Public
		if i%5 == 0 {
			vis = store.Unlisted
		}
		p, err := alice.fed.Post(ctx, federation.NewPost{Text: fmt.Sprintf("post %d", i), Visibility: vis})
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, u.CreateActivity(p.ID))
		if i == 10 {
			for _, vis := range []string{store.Private, store.Direct} {
				if _, err := alice.fed.Post(ctx, federation.NewPost{Text: "hidden " + vis, Visibility: vis}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	slices.Reverse(listed)

	outbox := n.getJSON(t, u.Outbox())
	if outbox["type"] != "OrderedCollection" || outbox["id"] != u.Outbox() {
		t.Errorf("type %v id %v", outbox["type"], outbox["id"])
	}
	if got, want := outbox["totalItems"], float64(25); got != want {
		t.Errorf("totalItems %v, want %v", got, want)
	}
	// A last page, when offered, holds the oldest activities.
	if last, ok := outbox["last"].(string); ok {
		items, _ := n.getJSON(t, last)["orderedItems"].([]any)
		if len(items) == 0 || items[len(items)-1].(map[string]any)["id"] != listed[len(listed)-1] {
			t.Errorf("last page %s does not end with the oldest activity %s", last, listed[len(listed)-1])
		}
	}
	next, _ := outbox["first"].(string)
	var got []string
	pages := 0
	for next != "" && pages < 5 {
		pages++
		page := n.getJSON(t, next)
		if page["type"] != "OrderedCollectionPage" || page["partOf"] != u.Outbox() {
			t.Errorf("page %d: type %v partOf %v", pages, page["type"], page["partOf"])
		}
		items, _ := page["orderedItems"].([]any)
		if len(items) > 20 {
			t.Errorf("page %d has %d items, want at most 20", pages, len(items))
		}
		for _, it := range items {
			act, _ := it.(map[string]any)
			if act["type"] != "Create" {
				t.Errorf("item type %v, want Create", act["type"])
			}
			if _, ok := act["@context"]; ok {
				t.Errorf("item %v has its own @context", act["id"])
			}
			if obj, _ := act["object"].(map[string]any); obj["type"] != "Note" {
				t.Errorf("item %v: object %v, want an embedded Note", act["id"], act["object"])
			}
			id, _ := act["id"].(string)
			got = append(got, id)
		}
		next, _ = page["next"].(string)
		if next != "" {
			nu, err := url.Parse(next)
			if err != nil || nu.Query().Get("max_id") == "" || nu.Query().Get("page") != "true" {
				t.Errorf("next %q, want max_id and page=true", next)
			}
		}
	}
	if pages != 2 {
		t.Errorf("%d pages, want 2", pages)
	}
	if !slices.Equal(got, listed) {
		t.Errorf("outbox items (%d):\n%v\nwant (%d):\n%v", len(got), got, len(listed), listed)
	}
}

// TestFollowCollections: followers and following count accepted follows
// and page through them 20 at a time, unless the owner hides them.
func TestFollowCollections(t *testing.T) {
	n := newNetwork(t, "alice", "bob", "carol")
	alice, bob, carol := n.nodes[0], n.nodes[1], n.nodes[2]
	n.follow(bob, alice)
	n.follow(carol, alice)
	n.follow(alice, bob)
	ctx := context.Background()
	u := alice.fed.URLs()

	// 21 more followers, all at once, plus one still pending.
	want := []string{bob.fed.URLs().Actor(), carol.fed.URLs().Actor()}
	err := alice.db.InTx(ctx, func(tx *store.Tx) error {
		for i := range 22 {
			uri := "http://follower" + strconv.Itoa(i) + ".test/users/f"
			id, err := tx.UpsertActor(ctx, store.Actor{URI: uri, Type: "Person", Username: "f", Domain: "follower" + strconv.Itoa(i) + ".test", Inbox: uri + "/inbox"})
			if err != nil {
				return err
			}
			state := store.FollowAccepted
			if i == 21 {
				state = store.FollowPending
			} else {
				want = append(want, uri)
			}
			if err := tx.PutFollow(ctx, store.Follow{FollowerID: id, FolloweeID: alice.db.OwnerID(), State: state, ActivityURI: uri + "#follow"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, url string
		items     []string
	}{
		{"followers", u.Followers(), want},
		{"following", u.Following(), []string{bob.fed.URLs().Actor()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := n.getJSON(t, tt.url)
			if c["type"] != "OrderedCollection" || c["totalItems"] != float64(len(tt.items)) {
				t.Errorf("type %v totalItems %v, want OrderedCollection of %d", c["type"], c["totalItems"], len(tt.items))
			}
			var got []string
			next, _ := c["first"].(string)
			for pages := 0; next != "" && pages < 5; pages++ {
				page := n.getJSON(t, next)
				items := stringsOf(page["orderedItems"])
				if len(items) > 20 {
					t.Errorf("%d items on a page, want at most 20", len(items))
				}
				got = append(got, items...)
				next, _ = page["next"].(string)
			}
			slices.Sort(got)
			wantSorted := slices.Sorted(slices.Values(tt.items))
			if !slices.Equal(got, wantSorted) {
				t.Errorf("items %v, want %v", got, wantSorted)
			}
		})
	}

	t.Run("hidden", func(t *testing.T) {
		if err := alice.db.InTx(ctx, func(tx *store.Tx) error { return tx.SetSetting(ctx, "hide_network", "true") }); err != nil {
			t.Fatal(err)
		}
		for _, target := range []string{u.Followers(), u.Followers() + "?page=1", u.Following(), u.Following() + "?page=1"} {
			c := n.getJSON(t, target)
			if _, ok := c["totalItems"]; !ok {
				t.Errorf("%s: no totalItems", target)
			}
			for _, key := range []string{"first", "orderedItems", "next"} {
				if _, ok := c[key]; ok {
					t.Errorf("%s: %s served while the network is hidden", target, key)
				}
			}
		}
	})
}

// TestFeatured: pinned posts are served in the featured collection, only
// public and unlisted ones.
func TestFeatured(t *testing.T) {
	n := newNetwork(t, "alice")
	alice := n.nodes[0]
	u := alice.fed.URLs()
	ctx := context.Background()
	post := func(vis string) store.Post {
		p, err := alice.fed.Post(ctx, federation.NewPost{Text: "a " + vis + " post", Visibility: vis})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	public, unlisted, private := post(store.Public), post(store.Unlisted), post(store.Private)
	post(store.Public) // never pinned
	for _, p := range []store.Post{public, unlisted} {
		if err := alice.fed.Pin(ctx, p.ID); err != nil {
			t.Fatalf("pin %s: %v", p.Visibility, err)
		}
	}
	if err := alice.fed.Pin(ctx, private.ID); err == nil {
		t.Errorf("a followers-only post could be pinned")
	}
	// Pinned behind the action's back: still not served.
	if err := alice.db.InTx(ctx, func(tx *store.Tx) error { return tx.PutPin(ctx, alice.db.OwnerID(), private.URI) }); err != nil {
		t.Fatal(err)
	}

	c := n.getJSON(t, u.Featured())
	if c["id"] != u.Featured() || c["type"] != "OrderedCollection" || c["totalItems"] != float64(2) {
		t.Errorf("id %v type %v totalItems %v, want %s, OrderedCollection, 2", c["id"], c["type"], c["totalItems"], u.Featured())
	}
	var got []string
	items, _ := c["orderedItems"].([]any)
	for _, it := range items {
		note, _ := it.(map[string]any)
		if note["type"] != "Note" {
			t.Errorf("item type %v, want Note", note["type"])
		}
		id, _ := note["id"].(string)
		got = append(got, id)
	}
	slices.Sort(got)
	want := []string{public.URI, unlisted.URI}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("featured %v, want %v", got, want)
	}

	if err := alice.fed.Unpin(ctx, public.ID); err != nil {
		t.Fatal(err)
	}
	if got := n.getJSON(t, u.Featured())["totalItems"]; got != float64(1) {
		t.Errorf("after unpinning: totalItems %v, want 1", got)
	}
}
