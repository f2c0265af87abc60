package api_test

import (
	"net/url"
	"testing"

	"kith/server/core"
	"kith/server/servertest"
	"kith/store"
)

func TestListsCRUD(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read write")
	owner := in.DB.OwnerID()
	bob := servertest.AddRemoteActor(t, in, "bob", "bob.test")
	carol := servertest.AddRemoteActor(t, in, "carol", "carol.test")
	dave := servertest.AddRemoteActor(t, in, "dave", "dave.test")
	servertest.PutFollow(t, in, owner, bob.ID, store.FollowAccepted)
	servertest.PutFollow(t, in, owner, carol.ID, store.FollowAccepted)

	created := c.mustCall(t, 200, "POST", "/api/v1/lists", url.Values{"title": {"Friends"}}).object(t)
	checkFields(t, "list", created, []string{"id", "title", "replies_policy", "exclusive"}, []string{"id"}, nil)
	if created["title"] != "Friends" || created["replies_policy"] != "list" || created["exclusive"] != false {
		t.Errorf("created = %v", created)
	}
	id := created["id"].(string)
	c.mustCall(t, 200, "POST", "/api/v1/lists", map[string]any{"title": "Art", "replies_policy": "none", "exclusive": true})
	all := c.mustCall(t, 200, "GET", "/api/v1/lists", nil).list(t)
	if len(all) != 2 || all[0]["title"] != "Art" || all[0]["exclusive"] != true || all[0]["replies_policy"] != "none" {
		t.Errorf("lists = %v", all)
	}
	upd := c.mustCall(t, 200, "PUT", "/api/v1/lists/"+id, url.Values{"title": {"Close friends"}, "replies_policy": {"followed"}}).object(t)
	if upd["title"] != "Close friends" || upd["replies_policy"] != "followed" {
		t.Errorf("updated = %v", upd)
	}
	if got := c.mustCall(t, 200, "GET", "/api/v1/lists/"+id, nil).object(t); got["title"] != "Close friends" {
		t.Errorf("GET list = %v", got)
	}

	for _, tt := range []struct {
		method, path string
		body         any
		want         int
	}{
		{"POST", "/api/v1/lists", url.Values{"title": {" "}}, 422},
		{"PUT", "/api/v1/lists/" + id, url.Values{"replies_policy": {"everyone"}}, 422},
		{"GET", "/api/v1/lists/99999", nil, 404},
		{"GET", "/api/v1/lists/abc", nil, 404},
		{"POST", "/api/v1/lists/" + id + "/accounts", url.Values{"account_ids[]": {core.APIID(dave.ID)}}, 422}, // not followed
		{"POST", "/api/v1/lists/" + id + "/accounts", url.Values{"account_ids[]": {"99999"}}, 404},
		{"POST", "/api/v1/lists/" + id + "/accounts", url.Values{}, 422},
	} {
		if res := c.call(t, tt.method, tt.path, tt.body); res.status != tt.want {
			t.Errorf("%s %s %v: status %d, want %d: %s", tt.method, tt.path, tt.body, res.status, tt.want, res.body)
		}
	}

	c.mustCall(t, 200, "POST", "/api/v1/lists/"+id+"/accounts", map[string]any{"account_ids": []string{core.APIID(bob.ID), core.APIID(carol.ID)}})
	members := c.mustCall(t, 200, "GET", "/api/v1/lists/"+id+"/accounts", nil).list(t)
	if len(members) != 2 {
		t.Fatalf("members = %v", members)
	}
	checkFields(t, "member", members[0], accountKeys, []string{"id"}, []string{"created_at"})
	if lists := c.mustCall(t, 200, "GET", "/api/v1/accounts/"+core.APIID(bob.ID)+"/lists", nil).list(t); len(lists) != 1 {
		t.Errorf("bob's lists = %v", lists)
	}

	post := servertest.AddRemotePost(t, in, store.Post{URI: "https://bob.test/p/1", AuthorID: bob.ID, Content: "<p>in the list</p>"})
	servertest.AddRemotePost(t, in, store.Post{URI: "https://dave.test/p/1", AuthorID: dave.ID, Content: "<p>not in it</p>"})
	tl := c.mustCall(t, 200, "GET", "/api/v1/timelines/list/"+id, nil).list(t)
	if len(tl) != 1 || tl[0]["id"] != core.APIID(post.ID) {
		t.Errorf("list timeline = %v", tl)
	}

	c.mustCall(t, 200, "DELETE", "/api/v1/lists/"+id+"/accounts?account_ids[]="+core.APIID(bob.ID), nil)
	if members := c.mustCall(t, 200, "GET", "/api/v1/lists/"+id+"/accounts?limit=0", nil).list(t); len(members) != 1 {
		t.Errorf("after removing bob: %d members", len(members))
	}
	c.mustCall(t, 200, "DELETE", "/api/v1/lists/"+id, nil)
	if res := c.call(t, "GET", "/api/v1/lists/"+id, nil); res.status != 404 {
		t.Errorf("deleted list: status %d", res.status)
	}
	if res := newTokenClient(t, in, "read").call(t, "POST", "/api/v1/lists", url.Values{"title": {"x"}}); res.status != 403 {
		t.Errorf("read token creates a list: status %d", res.status)
	}
}
