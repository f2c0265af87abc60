package federation_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"kith/federation"
	"kith/store"
	"kith/tests/fedify"
)

// TestFedifyQuotes: quotes both ways with Fedify 2.x, whose vocabulary
// has FEP-044f's quote, quoteAuthorization and QuoteRequest, and writes a
// quoteUrl as quoteUrl, _misskey_quote and quoteUri together (the older
// forms Misskey, Akkoma and Hollo send).
func TestFedifyQuotes(t *testing.T) {
	peer := fedify.Start(t, fedify.Options{})
	n := newNetworkWithHosts(t, map[string]string{"peer.test": peer.Addr()}, "alice")
	alice := n.nodes[0]
	ctx := context.Background()
	aliceURI := alice.fed.URLs().Actor()
	if _, err := alice.fed.Follow(ctx, peer.ActorURL()); err != nil {
		t.Fatal(err)
	}
	n.settleUntil("the peer to accept alice", func() bool {
		a, err := alice.db.ActorByURI(ctx, peer.ActorURL())
		if err != nil {
			return false
		}
		f, err := alice.db.FollowBetween(ctx, alice.db.OwnerID(), a.ID)
		return err == nil && f.State == store.FollowAccepted
	})
	mine, err := alice.fed.Post(ctx, federation.NewPost{Text: "quote me, peer"})
	if err != nil {
		t.Fatal(err)
	}
	send := func(props map[string]any) string {
		t.Helper()
		id, _, err := peer.Object(props, []string{"https://www.w3.org/ns/activitystreams#Public"}, []string{aliceURI})
		if err != nil {
			t.Fatalf("peer refused %v: %v", props, err)
		}
		n.settleUntil("alice to store "+id, func() bool { _, ok := postOn(alice, id); return ok })
		return id
	}

	// The older forms, as Fedify writes them, of a peer's own post: shown.
	first := send(map[string]any{"content": "<p>the peer's first</p>"})
	legacy := send(map[string]any{"content": "<p>RE: first</p>", "quoteUrl": first})
	if _, q := quoteOn(t, alice, legacy); q == nil || q.State != store.QuoteAccepted {
		t.Errorf("legacy quote from Fedify = %+v, want accepted", q)
	}
	// FEP-044f, quoting itself: shown without a stamp.
	self := send(map[string]any{"content": "<p>again</p>", "quote": first})
	if _, q := quoteOn(t, alice, self); q == nil || q.State != store.QuoteAccepted {
		t.Errorf("FEP-044f self-quote from Fedify = %+v, want accepted", q)
	}

	// FEP-044f, quoting alice: pending until the peer asks, then accepted
	// with a stamp Fedify can read.
	quote := send(map[string]any{"content": "<p>quoting alice</p>", "quote": mine.URI})
	if _, q := quoteOn(t, alice, quote); q == nil || q.State != store.QuotePending {
		t.Fatalf("an unasked quote of alice's post = %+v, want pending", q)
	}
	request := peer.QuoteRequest(t, mine.URI, quote, aliceURI)
	n.settleUntil("alice to accept the quote", func() bool {
		_, q := quoteOn(t, alice, quote)
		return q != nil && q.State == store.QuoteAccepted
	})
	n.settle()
	accept := peer.WaitFor(t, func(a fedify.Activity) bool { return a.Type == "Accept" && a.Object == request }, 20*time.Second)
	var answer struct{ Result string }
	json.Unmarshal(accept.Raw, &answer)
	_, q := quoteOn(t, alice, quote)
	if answer.Result == "" || answer.Result != q.AuthorizationURI {
		t.Errorf("Accept result %q, want alice's stamp %q", answer.Result, q.AuthorizationURI)
	}
	stamp := peer.Lookup(t, answer.Result)
	if stamp["type"] != "QuoteAuthorization" {
		t.Errorf("Fedify reads alice's stamp as %v: %s", stamp["type"], stamp["raw"])
	}
	if notes, err := alice.db.Notifications(ctx, 50); err != nil || !slices.ContainsFunc(notes, func(n store.Notification) bool { return n.Type == "quote" }) {
		t.Errorf("alice's notifications = %+v (%v), want a quote", notes, err)
	}

	// alice quotes the peer: the Create carries quote and quoteUrl, and a
	// QuoteRequest follows; the peer's vocabulary reads both.
	ours, err := alice.fed.Post(ctx, federation.NewPost{Text: "quoting the peer", Quote: first})
	if err != nil {
		t.Fatal(err)
	}
	n.settle()
	create := peer.WaitFor(t, func(a fedify.Activity) bool { return a.Type == "Create" && a.Object == ours.URI }, 20*time.Second)
	var note struct {
		Object struct {
			Quote, QuoteURL   string
			InteractionPolicy map[string]any
		}
	}
	json.Unmarshal(create.Raw, &note)
	if note.Object.Quote != first || note.Object.QuoteURL != first || note.Object.InteractionPolicy == nil {
		t.Errorf("alice's Create as the peer got it: %s", create.Raw)
	}
	peer.WaitFor(t, func(a fedify.Activity) bool { return a.Type == "QuoteRequest" && a.Object == first }, 20*time.Second)
}
