package federation_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"kith/federation"
	"kith/store"
)

// quoteNote is mentionOf with a quote (FEP-044f's key, or an older one
// when key says so) and, when stamp is set, its authorization.
func quoteNote(actor string, k *kith, id, key, quoted, stamp string) map[string]any {
	act := mentionOf(actor, k, id, "quoting")
	obj := act["object"].(map[string]any)
	obj[key] = quoted
	if stamp != "" {
		obj["quoteAuthorization"] = stamp
	}
	return act
}

// stampDoc is a QuoteAuthorization document.
func stampDoc(id, author, quoting, quoted string) map[string]any {
	return map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": "QuoteAuthorization",
		"attributedTo": author, "interactingObject": quoting, "interactionTarget": quoted}
}

// TestQuoteHostile: quotes kith must not show. An authorization for
// another post, a stamp served by another host than the quoted post's
// author's, a quote loop (A quotes B quotes A), and a quote of a post that
// cannot be fetched. None is shown embedded; the loop is dropped.
func TestQuoteHostile(t *testing.T) {
	n, alice, peer := newPeerNetwork(t, nil)
	ctx := context.Background()
	keys := fakeKeys()
	mallory := peer.addActor(t, "http://remote.test/users/mallory", keys[0])
	carol := peer.addActor(t, "http://other.test/users/carol", keys[1])
	inbox := alice.fed.URLs().SharedInbox()

	mine, err := alice.fed.Post(ctx, federation.NewPost{Text: "mine"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := alice.fed.Post(ctx, federation.NewPost{Text: "another of mine"})
	if err != nil {
		t.Fatal(err)
	}
	// carol's posts, each served by her own server.
	carolNote := func(id string) string {
		peer.put(t, id, federation.ActivityJSON, map[string]any{"id": id, "type": "Note", "attributedTo": carol.id,
			"content": "<p>carol says</p>", "to": []string{"https://www.w3.org/ns/activitystreams#Public"}})
		return id
	}
	c1, c2 := carolNote("http://other.test/notes/1"), carolNote("http://other.test/notes/2")

	// mallory asks to quote alice's post with m1 and gets a stamp.
	m1 := mallory.id + "/notes/m1"
	if got := mallory.deliver(t, n, inbox, map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"id": mallory.id + "/requests/1", "type": "QuoteRequest", "actor": mallory.id, "object": mine.URI, "instrument": m1}); got != http.StatusAccepted {
		t.Fatalf("QuoteRequest: %d", got)
	}
	peer.put(t, m1, federation.ActivityJSON, quoteNote(mallory.id, alice, m1, "quote", mine.URI, "")["object"])
	n.settle()
	_, q1 := quoteOn(t, alice, m1)
	if q1 == nil || q1.State != store.QuoteAccepted || q1.AuthorizationURI == "" {
		t.Fatalf("the honest quote = %+v, want accepted with alice's stamp", q1)
	}
	stamp := q1.AuthorizationURI

	// A stamp carol's server serves, for another of her posts.
	peer.put(t, "http://other.test/stamps/1", federation.ActivityJSON, stampDoc("http://other.test/stamps/1", carol.id, mallory.id+"/notes/m4", c2))
	// A stamp mallory's own server serves, in carol's name.
	peer.put(t, "http://remote.test/stamps/1", federation.ActivityJSON, stampDoc("http://remote.test/stamps/1", carol.id, mallory.id+"/notes/m5", c1))
	// m6 quotes m7, which quotes m6.
	m6, m7 := mallory.id+"/notes/m6", mallory.id+"/notes/m7"
	peer.put(t, m7, federation.ActivityJSON, quoteNote(mallory.id, alice, m7, "quoteUrl", m6, "")["object"])

	tests := []struct {
		name      string
		id        string
		key       string
		quoted    string
		stamp     string
		wantState string // "" for no quote at all
	}{
		{"alice's stamp for m1, on a quote of another post", mallory.id + "/notes/m2", "quote", other.URI, stamp, store.QuoteUnauthorized},
		{"alice's stamp for m1, on another quoting post", mallory.id + "/notes/m3", "quote", mine.URI, stamp, store.QuoteUnauthorized},
		{"carol's stamp for another of her posts", mallory.id + "/notes/m4", "quote", c1, "http://other.test/stamps/1", store.QuoteUnauthorized},
		{"a stamp in carol's name from another host", mallory.id + "/notes/m5", "quote", c1, "http://remote.test/stamps/1", store.QuoteUnauthorized},
		{"a stamp from another host, for alice's post", mallory.id + "/notes/m5b", "quote", mine.URI, "http://remote.test/stamps/1", store.QuoteUnauthorized},
		{"an older form, of alice's post nobody may quote", mallory.id + "/notes/m5c", "_misskey_quote", other.URI, "", store.QuoteUnauthorized},
		{"a quote loop", m6, "quoteUrl", m7, "", ""},
		{"a post that cannot be fetched", mallory.id + "/notes/m8", "quoteUri", mallory.id + "/notes/gone", "", store.QuoteDeleted},
	}
	if _, err := alice.fed.SetQuotePolicy(ctx, other.ID, store.QuoteNobody); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mallory.deliver(t, n, inbox, quoteNote(mallory.id, alice, tt.id, tt.key, tt.quoted, tt.stamp)); got != http.StatusAccepted {
				t.Fatalf("delivery: %d", got)
			}
			n.settle()
			_, q := quoteOn(t, alice, tt.id)
			switch {
			case tt.wantState == "" && q != nil:
				t.Errorf("quote = %+v, want none", q)
			case tt.wantState != "" && (q == nil || q.State != tt.wantState):
				t.Errorf("quote = %+v, want state %s", q, tt.wantState)
			case q.Shown():
				t.Errorf("quote %+v is shown", q)
			}
		})
	}
	// Nothing but m1 counts as a quote of alice's posts.
	counts, err := alice.db.QuotesCounts(ctx, []int64{mine.ID, other.ID})
	if err != nil || counts[mine.ID] != 1 || counts[other.ID] != 0 {
		t.Errorf("quotes counts = %v (%v), want 1 of mine, 0 of the other", counts, err)
	}
}

// TestQuoteLegacyForms: each older key alone (Misskey's quoteUrl and
// _misskey_quote, Fedibird's quoteUri and quoteURL) quotes a third
// party's post, shown as sent; a quote URL that is not http(s) is no
// quote at all.
func TestQuoteLegacyForms(t *testing.T) {
	n, alice, peer := newPeerNetwork(t, nil)
	keys := fakeKeys()
	mallory := peer.addActor(t, "http://remote.test/users/mallory", keys[0])
	carol := peer.addActor(t, "http://other.test/users/carol", keys[1])
	quoted := "http://other.test/notes/1"
	peer.put(t, quoted, federation.ActivityJSON, map[string]any{"id": quoted, "type": "Note", "attributedTo": carol.id,
		"content": "<p>carol says</p>", "to": []string{"https://www.w3.org/ns/activitystreams#Public"}})
	for i, key := range []string{"quoteUrl", "_misskey_quote", "quoteUri", "quoteURL"} {
		t.Run(key, func(t *testing.T) {
			id := mallory.id + "/notes/legacy" + strconv.Itoa(i)
			if got := mallory.deliver(t, n, alice.fed.URLs().SharedInbox(), quoteNote(mallory.id, alice, id, key, quoted, "")); got != http.StatusAccepted {
				t.Fatalf("delivery: %d", got)
			}
			n.settle()
			if _, q := quoteOn(t, alice, id); !q.Shown() || q.QuotedURI != quoted {
				t.Errorf("quote = %+v, want carol's post shown", q)
			}
		})
	}
	id := mallory.id + "/notes/script"
	mallory.deliver(t, n, alice.fed.URLs().SharedInbox(), quoteNote(mallory.id, alice, id, "quote", "javascript:alert(1)", "javascript:alert(2)"))
	n.settle()
	if _, q := quoteOn(t, alice, id); q != nil {
		t.Errorf("a javascript: quote was kept: %+v", q)
	}
}
