package api_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"kith/server/core"
	"kith/server/servertest"
	"kith/store"
)

// walkPages follows rel="next" links from path and returns every id seen,
// checking each page's ids are strings and that a prev link is given.
func walkPages(t *testing.T, c tokenClient, path string) []string {
	t.Helper()
	var seen []string
	for page := 0; path != ""; page++ {
		if page > 10 {
			t.Fatalf("more than 10 pages")
		}
		res := c.mustCall(t, 200, "GET", path, nil)
		list := res.list(t)
		for _, v := range list {
			id, ok := v["id"].(string)
			if !ok {
				t.Fatalf("id %v is not a string", v["id"])
			}
			seen = append(seen, id)
		}
		l := links(res.header)
		if len(list) > 0 && l["prev"] == "" {
			t.Errorf("%s: no prev link", path)
		}
		path = ""
		if next := l["next"]; next != "" {
			u, err := url.Parse(next)
			if err != nil {
				t.Fatal(err)
			}
			path = u.RequestURI()
		}
	}
	return seen
}

func TestTimelinesPaging(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read")
	posts := servertest.PostStatuses(t, in, 45)
	ctx := context.Background()
	err := in.DB.InTx(ctx, func(tx *store.Tx) error {
		for _, p := range posts {
			if err := tx.PutBookmark(ctx, p.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range posts {
		if err := in.Srv.Fed.Like(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	for _, path := range []string{"/api/v1/timelines/home?limit=20", "/api/v1/timelines/public?limit=20",
		"/api/v1/timelines/public?local=true&limit=20", "/api/v1/bookmarks?limit=20", "/api/v1/favourites?limit=20"} {
		t.Run(path, func(t *testing.T) {
			seen := walkPages(t, c, path)
			if len(seen) != 45 {
				t.Fatalf("saw %d statuses over the pages, want 45", len(seen))
			}
			if seen[0] != core.APIID(posts[44].ID) || seen[44] != core.APIID(posts[0].ID) {
				t.Errorf("order: first %s last %s", seen[0], seen[44])
			}
			dup := map[string]bool{}
			for _, id := range seen {
				if dup[id] {
					t.Errorf("status %s on two pages", id)
				}
				dup[id] = true
			}
		})
	}
	// min_id pages forward from a point, oldest first of the rest but
	// newest first within the page, as Mastodon does.
	list := c.mustCall(t, 200, "GET", fmt.Sprintf("/api/v1/timelines/home?min_id=%d&limit=5", posts[9].ID), nil).list(t)
	if len(list) != 5 || list[0]["id"] != core.APIID(posts[14].ID) || list[4]["id"] != core.APIID(posts[10].ID) {
		t.Errorf("min_id page: %d items, first %v", len(list), list[0]["id"])
	}
	if res := c.call(t, "GET", "/api/v1/timelines/public?remote=true", nil); res.status != 200 || len(res.list(t)) != 0 {
		t.Errorf("remote only: %d %s", res.status, res.body)
	}
}

func TestTimelineScopes(t *testing.T) {
	in := servertest.New(t, nil)
	servertest.PostStatuses(t, in, 1)
	anon := tokenClient{in: in}
	notes := newTokenClient(t, in, "read:notifications")
	statuses := newTokenClient(t, in, "read:statuses")
	tests := []struct {
		c    tokenClient
		path string
		want int
	}{
		{anon, "/api/v1/timelines/home", 401},
		{notes, "/api/v1/timelines/home", 403},
		{statuses, "/api/v1/timelines/home", 200},
		{anon, "/api/v1/timelines/public", 200},
		{anon, "/api/v1/timelines/tag/kith", 200},
		{tokenClient{in: in, token: "no-such-token"}, "/api/v1/timelines/public", 401},
		{notes, "/api/v1/timelines/public", 403},
		{anon, "/api/v1/favourites", 401},
		{statuses, "/api/v1/favourites", 403},
		{statuses, "/api/v1/bookmarks", 403},
		{newTokenClient(t, in, "read:bookmarks"), "/api/v1/bookmarks", 200},
		{statuses, "/api/v1/timelines/list/1", 403},
		{newTokenClient(t, in, "read:lists"), "/api/v1/timelines/list/999", 404},
		{anon, "/api/v1/endorsements", 401},
	}
	for _, tt := range tests {
		if res := tt.c.call(t, "GET", tt.path, nil); res.status != tt.want {
			t.Errorf("GET %s with %q: status %d, want %d: %s", tt.path, tt.c.token, res.status, tt.want, res.body)
		}
	}
}

func TestTagTimeline(t *testing.T) {
	in := servertest.New(t, nil)
	bob := servertest.AddRemoteActor(t, in, "bob", "bob.test")
	mk := func(n int, tags ...string) store.Post {
		return servertest.AddRemotePost(t, in, store.Post{URI: fmt.Sprintf("https://bob.test/p/%d", n), AuthorID: bob.ID,
			Content: fmt.Sprintf("<p>post %d</p>", n), Tags: tags})
	}
	a := mk(1, "cats")
	b := mk(2, "cats", "dogs")
	c := mk(3, "dogs")
	d := mk(4, "cats", "nsfw")
	anon := tokenClient{in: in}
	tests := []struct {
		path string
		want []store.Post
	}{
		{"/api/v1/timelines/tag/cats", []store.Post{d, b, a}},
		{"/api/v1/timelines/tag/CATS", []store.Post{d, b, a}},
		{"/api/v1/timelines/tag/cats?any[]=dogs", []store.Post{d, c, b, a}},
		{"/api/v1/timelines/tag/cats?all[]=dogs", []store.Post{b}},
		{"/api/v1/timelines/tag/cats?none[]=nsfw", []store.Post{b, a}},
		{"/api/v1/timelines/tag/cats?local=true", nil},
		{"/api/v1/timelines/tag/cats?remote=true&none[]=dogs", []store.Post{d, a}},
	}
	for _, tt := range tests {
		list := anon.mustCall(t, 200, "GET", tt.path, nil).list(t)
		var got, want []string
		for _, s := range list {
			got = append(got, s["id"].(string))
		}
		for _, p := range tt.want {
			want = append(want, core.APIID(p.ID))
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: got %v, want %v", tt.path, got, want)
		}
	}
}
