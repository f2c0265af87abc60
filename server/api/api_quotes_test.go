package api_test

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"testing"

	"kith/server/core"
	"kith/server/servertest"
	"kith/store"
)

// The Mastodon 4.5 quote API: creating a quote with quoted_status_id and
// quote_approval_policy, status.quote with its state and quoted status,
// quotes_count, the quotes list, and revoking a remote quote.
func TestQuoteAPI(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read write")
	ctx := context.Background()

	orig := c.mustCall(t, 200, "POST", "/api/v1/statuses", url.Values{"status": {"quotable"}, "quote_approval_policy": {"followers"}}).object(t)
	if qa := orig["quote_approval"].(map[string]any); fmt.Sprint(qa["automatic"]) != "[followers]" || qa["current_user"] != "automatic" {
		t.Errorf("quote_approval = %v, want automatic [followers], current_user automatic", qa)
	}
	own := c.mustCall(t, 200, "POST", "/api/v1/statuses", map[string]any{"status": "quoting myself", "quoted_status_id": orig["id"]}).object(t)
	q, _ := own["quote"].(map[string]any)
	if q == nil || q["state"] != "accepted" {
		t.Fatalf("quote = %v, want accepted", own["quote"])
	}
	if inner, _ := q["quoted_status"].(map[string]any); inner == nil || inner["id"] != orig["id"] || inner["content"] != orig["content"] {
		t.Errorf("quoted_status = %v, want status %v", q["quoted_status"], orig["id"])
	}
	checkFields(t, "quoted status", q["quoted_status"].(map[string]any), statusKeys, []string{"id"}, []string{"created_at"})

	// A remote post quoting the owner's, allowed.
	bob := servertest.AddRemoteActor(t, in, "bob", "bob.test")
	origID, _ := strconv.ParseInt(orig["id"].(string), 10, 64)
	remote := servertest.AddRemotePost(t, in, store.Post{URI: "https://bob.test/p/1", AuthorID: bob.ID, Content: "<p>nice one</p>",
		Quote: &store.Quote{QuotedURI: orig["uri"].(string), QuotedID: origID, State: store.QuoteAccepted}})
	got := c.mustCall(t, 200, "GET", "/api/v1/statuses/"+orig["id"].(string), nil).object(t)
	if got["quotes_count"] != 2.0 {
		t.Errorf("quotes_count = %v, want 2", got["quotes_count"])
	}
	list := c.mustCall(t, 200, "GET", "/api/v1/statuses/"+orig["id"].(string)+"/quotes", nil).list(t)
	if len(list) != 2 || list[0]["id"] != core.APIID(remote.ID) || list[1]["id"] != own["id"] {
		t.Errorf("quotes list = %d statuses, want bob's then the owner's", len(list))
	}

	// Revoked: the quote stays, as a link without the quoted status.
	revoked := c.mustCall(t, 200, "POST", fmt.Sprintf("/api/v1/statuses/%s/quotes/%d/revoke", orig["id"], remote.ID), nil).object(t)
	if rq := revoked["quote"].(map[string]any); rq["state"] != "revoked" || rq["quoted_status"] != nil {
		t.Errorf("after revoking: quote = %v, want revoked without quoted_status", rq)
	}
	if got := c.mustCall(t, 200, "GET", "/api/v1/statuses/"+orig["id"].(string), nil).object(t); got["quotes_count"] != 1.0 {
		t.Errorf("quotes_count after revoking = %v, want 1", got["quotes_count"])
	}
	// Only the quoted post's owner revokes, and only quotes of that post.
	c.mustCall(t, 404, "POST", fmt.Sprintf("/api/v1/statuses/%s/quotes/%s/revoke", own["id"], orig["id"]), nil)

	// An unauthorized quote shows no quoted status.
	bad := servertest.AddRemotePost(t, in, store.Post{URI: "https://bob.test/p/2", AuthorID: bob.ID, Content: "<p>sneaky</p>",
		Quote: &store.Quote{QuotedURI: orig["uri"].(string), QuotedID: origID, State: store.QuoteUnauthorized}})
	st := c.mustCall(t, 200, "GET", "/api/v1/statuses/"+core.APIID(bad.ID), nil).object(t)
	if bq := st["quote"].(map[string]any); bq["state"] != "unauthorized" || bq["quoted_status"] != nil {
		t.Errorf("unauthorized quote = %v", bq)
	}

	refused := []struct {
		name string
		body url.Values
		want int
	}{
		{"unknown policy", url.Values{"status": {"x"}, "quote_approval_policy": {"friends"}}, 422},
		{"quote of nothing", url.Values{"status": {"x"}, "quoted_status_id": {"999999"}}, 422},
	}
	for _, tt := range refused {
		if res := c.call(t, "POST", "/api/v1/statuses", tt.body); res.status != tt.want {
			t.Errorf("%s: status %d %s, want %d", tt.name, res.status, res.body, tt.want)
		}
	}

	// Changing who may quote.
	changed := c.mustCall(t, 200, "PUT", "/api/v1/statuses/"+orig["id"].(string)+"/interaction_policy", url.Values{"quote_approval_policy": {"nobody"}}).object(t)
	if qa := changed["quote_approval"].(map[string]any); len(qa["automatic"].([]any)) != 0 {
		t.Errorf("quote_approval after nobody = %v", qa)
	}
	if p, err := in.DB.PostByID(ctx, origID); err != nil || p.QuotePolicy != store.QuoteNobody {
		t.Errorf("stored policy = %q (%v), want nobody", p.QuotePolicy, err)
	}
}

// quote_approval.current_user of remote posts, rendered together on one
// page: a followers-only policy lets the owner quote the posts of accounts
// the owner follows (an accepted follow, not a pending one) and no others.
func TestQuoteApprovalOfRemotePosts(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read")
	ctx := context.Background()
	followed := servertest.AddRemoteActor(t, in, "ann", "ann.test")
	pending := servertest.AddRemoteActor(t, in, "pat", "pat.test")
	stranger := servertest.AddRemoteActor(t, in, "sam", "sam.test")
	err := in.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.PutFollow(ctx, store.Follow{FollowerID: in.DB.OwnerID(), FolloweeID: followed.ID, State: store.FollowAccepted,
			ActivityURI: "https://kith.example/follows/ann"}); err != nil {
			return err
		}
		return tx.PutFollow(ctx, store.Follow{FollowerID: in.DB.OwnerID(), FolloweeID: pending.ID, State: store.FollowPending,
			ActivityURI: "https://kith.example/follows/pat"})
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for i, p := range []struct {
		author store.Actor
		policy string
		want   string
	}{
		{followed, store.QuoteFollowers, "automatic"},
		{pending, store.QuoteFollowers, "denied"},
		{stranger, store.QuoteFollowers, "denied"},
		{followed, store.QuotePublic, "automatic"},
		{stranger, store.QuotePublic, "automatic"},
		{followed, store.QuoteNobody, "denied"},
		{stranger, "", "unknown"},
	} {
		post := servertest.AddRemotePost(t, in, store.Post{URI: fmt.Sprintf("https://%s/p/%d", p.author.Domain, i),
			AuthorID: p.author.ID, Content: "<p>quote me?</p>", QuotePolicy: p.policy})
		want[core.APIID(post.ID)] = p.want
	}
	page := c.mustCall(t, 200, "GET", "/api/v1/timelines/public?limit=40", nil).list(t)
	if len(page) != len(want) {
		t.Fatalf("public timeline: %d statuses, want %d", len(page), len(want))
	}
	for _, st := range page {
		qa, _ := st["quote_approval"].(map[string]any)
		if got := qa["current_user"]; got != want[st["id"].(string)] {
			t.Errorf("status %s by %v: current_user %v, want %s", st["id"], st["account"].(map[string]any)["acct"], got, want[st["id"].(string)])
		}
	}
}
