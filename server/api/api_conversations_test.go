package api_test

import (
	"net/url"
	"slices"
	"testing"

	"kith/server/core"
	"kith/server/servertest"
	"kith/store"
)

func accountIDs(t *testing.T, v any) []string {
	t.Helper()
	list, ok := v.([]any)
	if !ok {
		t.Fatalf("accounts = %#v, want an array", v)
	}
	var ids []string
	for _, a := range list {
		acc := a.(map[string]any)
		checkFields(t, "conversation account", acc, accountKeys, []string{"id"}, []string{"created_at"})
		ids = append(ids, acc["id"].(string))
	}
	return ids
}

func TestConversationsAPI(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read:statuses write:conversations")
	fx := servertest.SeedConversations(t, in)
	bob, carol, answer, last, bobsID, carolsID := fx.Bob, fx.Carol, fx.Answer, fx.Last, fx.BobsID, fx.CarolsID

	list := c.mustCall(t, 200, "GET", "/api/v1/conversations", nil).list(t)
	if len(list) != 2 {
		t.Fatalf("got %d conversations, want 2: %v", len(list), list)
	}
	tests := []struct {
		id       int64
		unread   bool
		accounts []string
		last     store.Post
	}{
		// Carol's is newest and unread; Bob's was answered by the owner.
		{carolsID, true, []string{core.APIID(bob.ID), core.APIID(carol.ID)}, last},
		{bobsID, false, []string{core.APIID(bob.ID)}, answer},
	}
	for i, want := range tests {
		got := list[i]
		checkFields(t, "conversation", got, []string{"id", "unread", "accounts", "last_status"}, []string{"id"}, nil)
		if got["id"] != core.APIID(want.id) {
			t.Errorf("conversation %d: id %v, want %d", i, got["id"], want.id)
		}
		if got["unread"] != want.unread {
			t.Errorf("conversation %d: unread %v, want %v", i, got["unread"], want.unread)
		}
		if ids := accountIDs(t, got["accounts"]); !slices.Equal(ids, want.accounts) {
			t.Errorf("conversation %d: accounts %v, want %v", i, ids, want.accounts)
		}
		st, ok := got["last_status"].(map[string]any)
		if !ok {
			t.Fatalf("conversation %d: last_status %#v", i, got["last_status"])
		}
		if st["id"] != core.APIID(want.last.ID) || st["visibility"] != "direct" {
			t.Errorf("conversation %d: last_status %v (%v), want %d, direct", i, st["id"], st["visibility"], want.last.ID)
		}
	}

	// Paging: by last status, Link headers as the other lists.
	res := c.mustCall(t, 200, "GET", "/api/v1/conversations?limit=1", nil)
	if got := res.list(t); len(got) != 1 || got[0]["id"] != core.APIID(carolsID) {
		t.Fatalf("first page: %v", got)
	}
	l := links(res.header)
	next, err := url.Parse(l["next"])
	if err != nil || next.Query().Get("max_id") != core.APIID(last.ID) {
		t.Fatalf("next link %q, want max_id=%d", l["next"], last.ID)
	}
	if got := c.mustCall(t, 200, "GET", next.RequestURI(), nil).list(t); len(got) != 1 || got[0]["id"] != core.APIID(bobsID) {
		t.Errorf("second page: %v", got)
	}
	if got := c.mustCall(t, 200, "GET", "/api/v1/conversations?min_id="+core.APIID(answer.ID), nil).list(t); len(got) != 1 || got[0]["id"] != core.APIID(carolsID) {
		t.Errorf("min_id page: %v", got)
	}

	// Read: answers the conversation, now read.
	read := c.mustCall(t, 200, "POST", "/api/v1/conversations/"+core.APIID(carolsID)+"/read", nil).object(t)
	if read["id"] != core.APIID(carolsID) || read["unread"] != false {
		t.Errorf("read answered %v", read)
	}
	if got := c.mustCall(t, 200, "GET", "/api/v1/conversations", nil).list(t); got[0]["unread"] != false {
		t.Errorf("after read: %v", got[0])
	}

	// Delete hides it until a new post arrives in it.
	c.mustCall(t, 200, "DELETE", "/api/v1/conversations/"+core.APIID(carolsID), nil)
	if got := c.mustCall(t, 200, "GET", "/api/v1/conversations", nil).list(t); len(got) != 1 || got[0]["id"] != core.APIID(bobsID) {
		t.Errorf("after delete: %v", got)
	}
	c.mustCall(t, 404, "POST", "/api/v1/conversations/"+core.APIID(carolsID)+"/read", nil)
	c.mustCall(t, 404, "DELETE", "/api/v1/conversations/999999", nil)
	servertest.AddRemotePost(t, in, store.Post{URI: "https://carol.test/p/2", AuthorID: carol.ID, Visibility: store.Direct,
		InReplyToURI: last.URI, InReplyToID: last.ID, Content: "<p>still there?</p>", Mentions: last.Mentions})
	if got := c.mustCall(t, 200, "GET", "/api/v1/conversations", nil).list(t); len(got) != 2 || got[0]["id"] != core.APIID(carolsID) || got[0]["unread"] != true {
		t.Errorf("after a new post: %v", got)
	}
}

func TestConversationScopes(t *testing.T) {
	in := servertest.New(t, nil)
	id := servertest.SeedConversations(t, in).BobsID
	read := "/api/v1/conversations/" + core.APIID(id) + "/read"
	tests := []struct {
		scopes, method, path string
		want                 int
	}{
		{"read:statuses", "GET", "/api/v1/conversations", 200},
		{"read", "GET", "/api/v1/conversations", 200},
		{"read:notifications", "GET", "/api/v1/conversations", 403},
		{"write:statuses", "POST", read, 403},
		{"read:statuses", "DELETE", "/api/v1/conversations/" + core.APIID(id), 403},
		{"write:conversations", "POST", read, 200},
		{"write", "POST", read, 200},
		{"", "GET", "/api/v1/conversations", 401},
	}
	for _, tt := range tests {
		c := tokenClient{in: in}
		if tt.scopes != "" {
			c = newTokenClient(t, in, tt.scopes)
		}
		if res := c.call(t, tt.method, tt.path, nil); res.status != tt.want {
			t.Errorf("%s %s with %q: status %d, want %d: %s", tt.method, tt.path, tt.scopes, res.status, tt.want, res.body)
		}
	}
}
