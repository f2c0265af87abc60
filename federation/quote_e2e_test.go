package federation_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"kith/federation"
	"kith/store"
)

// quoteOn returns k's copy of a post and its quote, failing when the post
// is not there.
func quoteOn(t *testing.T, k *kith, uri string) (store.Post, *store.Quote) {
	t.Helper()
	p, ok := postOn(k, uri)
	if !ok {
		t.Fatalf("%s does not have %s", k.name, uri)
	}
	return p, p.Quote
}

// stampStatus fetches a QuoteAuthorization from k as any server would
// and returns the status.
func stampStatus(t *testing.T, k *kith, uri string) int {
	t.Helper()
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+k.ln.Addr().String()+u.Path, nil)
	req.Host = u.Host
	req.Header.Set("Accept", "application/activity+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK && !strings.Contains(string(body), `"QuoteAuthorization"`) {
		t.Errorf("stamp %s: %s", uri, body)
	}
	return resp.StatusCode
}

// Quotes between two kith instances under each of bob's quote policies:
// alice follows bob and quotes his posts.
func TestQuotePolicies(t *testing.T) {
	n := newNetwork(t, "alice", "bob")
	alice, bob := n.nodes[0], n.nodes[1]
	ctx := context.Background()
	n.follow(alice, bob)

	post := func(policy string) store.Post {
		t.Helper()
		p, err := bob.fed.Post(ctx, federation.NewPost{Text: "quote me? (" + policy + ")", QuotePolicy: policy})
		if err != nil {
			t.Fatal(err)
		}
		n.settle()
		onAlice, _ := quoteOn(t, alice, p.URI)
		if onAlice.QuotePolicy != policy {
			t.Errorf("alice reads bob's policy as %q, want %q", onAlice.QuotePolicy, policy)
		}
		return p
	}
	quote := func(p store.Post) (store.Post, error) {
		t.Helper()
		q, err := alice.fed.Post(ctx, federation.NewPost{Text: "look at this", Quote: p.URI})
		n.settle()
		return q, err
	}

	t.Run("public", func(t *testing.T) {
		p := post(store.QuotePublic)
		q, err := quote(p)
		if err != nil {
			t.Fatal(err)
		}
		_, mine := quoteOn(t, alice, q.URI)
		if mine == nil || mine.State != store.QuoteAccepted || mine.AuthorizationURI == "" {
			t.Fatalf("alice's quote = %+v, want accepted with a stamp", mine)
		}
		_, theirs := quoteOn(t, bob, q.URI)
		if theirs == nil || theirs.State != store.QuoteAccepted || theirs.QuotedID != p.ID || theirs.AuthorizationURI != mine.AuthorizationURI {
			t.Fatalf("bob's copy of the quote = %+v, want accepted, of %d, stamp %s", theirs, p.ID, mine.AuthorizationURI)
		}
		if got := stampStatus(t, bob, mine.AuthorizationURI); got != http.StatusOK {
			t.Errorf("GET stamp = %d, want 200", got)
		}
		wantNotes(t, bob, "follow", "quote")
		// bob edits the post alice quoted: she hears of it.
		if _, err := bob.fed.Edit(ctx, p.ID, federation.NewPost{Text: "quote me? (edited)"}); err != nil {
			t.Fatal(err)
		}
		n.settle()
		wantNotes(t, alice, "quoted_update")
	})

	t.Run("followers", func(t *testing.T) {
		p := post(store.QuoteFollowers)
		q, err := quote(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, mine := quoteOn(t, alice, q.URI); mine == nil || mine.State != store.QuoteAccepted {
			t.Fatalf("a follower's quote = %+v, want accepted", mine)
		}
	})

	t.Run("nobody", func(t *testing.T) {
		p := post(store.QuoteNobody)
		if _, err := quote(p); !errors.Is(err, federation.ErrQuoteNotAllowed) {
			t.Fatalf("quoting a post nobody may quote: %v, want ErrQuoteNotAllowed", err)
		}
		// The policy tightened after alice's server read it: bob's
		// server answers the request with a Reject.
		p = post(store.QuotePublic)
		q, err := alice.fed.Post(ctx, federation.NewPost{Text: "quoting in a hurry", Quote: p.URI})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bob.fed.SetQuotePolicy(ctx, p.ID, store.QuoteNobody); err != nil {
			t.Fatal(err)
		}
		n.settle()
		if _, mine := quoteOn(t, alice, q.URI); mine == nil || mine.State != store.QuoteRejected {
			t.Fatalf("alice's refused quote = %+v, want rejected", mine)
		}
		if _, theirs := quoteOn(t, bob, q.URI); theirs == nil || theirs.State == store.QuoteAccepted {
			t.Fatalf("bob shows a quote he refused: %+v", theirs)
		}
	})

	t.Run("revoked", func(t *testing.T) {
		p := post(store.QuotePublic)
		q, err := quote(p)
		if err != nil {
			t.Fatal(err)
		}
		onBob, theirs := quoteOn(t, bob, q.URI)
		if theirs == nil || theirs.State != store.QuoteAccepted {
			t.Fatalf("bob's copy = %+v, want accepted", theirs)
		}
		if _, err := bob.fed.RevokeQuote(ctx, p.ID, onBob.ID); err != nil {
			t.Fatal(err)
		}
		n.settle()
		if _, theirs = quoteOn(t, bob, q.URI); theirs.State != store.QuoteRevoked {
			t.Errorf("on bob after revoking: %q, want revoked", theirs.State)
		}
		if _, mine := quoteOn(t, alice, q.URI); mine.State != store.QuoteRevoked {
			t.Errorf("on alice after bob revoked: %q, want revoked", mine.State)
		}
		if got := stampStatus(t, bob, theirs.AuthorizationURI); got != http.StatusNotFound {
			t.Errorf("GET revoked stamp = %d, want 404", got)
		}
		counts, err := bob.db.QuotesCounts(ctx, []int64{p.ID})
		if err != nil || counts[p.ID] != 0 {
			t.Errorf("quotes of the revoked post = %v (%v), want 0", counts[p.ID], err)
		}
	})
}

// Bob quotes his own post: no request, accepted on both sides.
func TestQuoteOwnPost(t *testing.T) {
	n := newNetwork(t, "alice", "bob")
	alice, bob := n.nodes[0], n.nodes[1]
	ctx := context.Background()
	n.follow(alice, bob)
	p, err := bob.fed.Post(ctx, federation.NewPost{Text: "first"})
	if err != nil {
		t.Fatal(err)
	}
	q, err := bob.fed.Post(ctx, federation.NewPost{Text: "second, quoting the first", Quote: p.URI})
	if err != nil {
		t.Fatal(err)
	}
	n.settle()
	for _, k := range []*kith{alice, bob} {
		if _, got := quoteOn(t, k, q.URI); got == nil || got.State != store.QuoteAccepted {
			t.Errorf("on %s: self-quote %+v, want accepted", k.name, got)
		}
	}
	// The quoted post is deleted: the quote stays, saying so.
	if _, err := bob.fed.Delete(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	n.settle()
	for _, k := range []*kith{alice, bob} {
		if _, got := quoteOn(t, k, q.URI); got == nil || got.State != store.QuoteDeleted || got.Shown() {
			t.Errorf("on %s after the quoted post was deleted: %+v, want deleted", k.name, got)
		}
	}
}
