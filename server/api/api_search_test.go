package api_test

import (
	"net/url"
	"testing"

	"kith/server/core"
	"kith/server/servertest"
	"kith/store"
)

func TestSearch(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read write")
	bob := servertest.AddRemoteActor(t, in, "bob", "bob.test")
	servertest.AddRemoteActor(t, in, "bobby", "elsewhere.test")
	cafe := servertest.AddRemotePost(t, in, store.Post{URI: "https://bob.test/p/1", AuthorID: bob.ID,
		Content: `<p>Un café crème à Zürich <a href="https://bob.test/tags/coffee" class="hashtag">#coffee</a></p>`, Tags: []string{"coffee"}})
	servertest.AddRemotePost(t, in, store.Post{URI: "https://bob.test/p/2", AuthorID: bob.ID, Content: "<p>nothing to see</p>", Tags: []string{"coffeehouse"}})
	servertest.AddRemotePost(t, in, store.Post{URI: "https://bob.test/p/3", AuthorID: bob.ID, Content: "<p>café for followers</p>", Visibility: store.Private})

	search := func(c tokenClient, q url.Values) map[string]any {
		t.Helper()
		v := c.mustCall(t, 200, "GET", "/api/v2/search?"+q.Encode(), nil).object(t)
		for _, k := range []string{"accounts", "statuses", "hashtags"} {
			if _, ok := v[k].([]any); !ok {
				t.Fatalf("%s: %s is not a list: %v", q.Encode(), k, v[k])
			}
		}
		return v
	}
	ids := func(v any) []string {
		var out []string
		for _, x := range v.([]any) {
			m := x.(map[string]any)
			if id, ok := m["id"].(string); ok && m["name"] == nil {
				out = append(out, id)
			} else {
				out = append(out, m["name"].(string))
			}
		}
		return out
	}
	tests := []struct {
		q                           url.Values
		accounts, statuses, hashtag []string
	}{
		{url.Values{"q": {"café"}, "type": {"statuses"}}, nil, []string{core.APIID(cafe.ID)}, nil},
		{url.Values{"q": {"cafe creme"}, "type": {"statuses"}}, nil, []string{core.APIID(cafe.ID)}, nil},
		{url.Values{"q": {"ZURICH"}}, nil, []string{core.APIID(cafe.ID)}, nil},
		{url.Values{"q": {"class"}, "type": {"statuses"}}, nil, nil, nil},
		{url.Values{"q": {"bob"}, "type": {"accounts"}}, []string{core.APIID(bob.ID), ""}, nil, nil},
		{url.Values{"q": {"#coffee"}, "type": {"hashtags"}}, nil, nil, []string{"coffee", "coffeehouse"}},
	}
	for _, tt := range tests {
		v := search(c, tt.q)
		if got := ids(v["statuses"]); len(got) != len(tt.statuses) || (len(got) > 0 && got[0] != tt.statuses[0]) {
			t.Errorf("%s: statuses %v, want %v", tt.q.Encode(), got, tt.statuses)
		}
		if got := ids(v["accounts"]); len(got) != len(tt.accounts) || (len(got) > 0 && got[0] != tt.accounts[0]) {
			t.Errorf("%s: accounts %v, want %v", tt.q.Encode(), got, tt.accounts)
		}
		if got := ids(v["hashtags"]); len(got) != len(tt.hashtag) || (len(got) > 0 && got[0] != tt.hashtag[0]) {
			t.Errorf("%s: hashtags %v, want %v", tt.q.Encode(), got, tt.hashtag)
		}
	}
	tag := search(c, url.Values{"q": {"coffee"}, "type": {"hashtags"}})["hashtags"].([]any)[0].(map[string]any)
	checkFields(t, "hashtag", tag, []string{"id", "name", "url", "history", "following"}, []string{"id"}, nil)
	if h := tag["history"].([]any); len(h) != 7 || h[0].(map[string]any)["uses"] != "1" {
		t.Errorf("history = %v", h)
	}

	// Anonymous: no posts, as in Mastodon; v1 answers like v2.
	anon := tokenClient{in: in}
	if v := search(anon, url.Values{"q": {"café"}}); len(v["statuses"].([]any)) != 0 {
		t.Errorf("anonymous search found statuses")
	}
	v1 := anon.mustCall(t, 200, "GET", "/api/v1/search?q=bob", nil).object(t)
	if len(v1["accounts"].([]any)) != 2 {
		t.Errorf("v1 search = %v", v1)
	}
	// A stored post by its URI, with resolve.
	v := search(c, url.Values{"q": {"https://bob.test/p/1"}, "resolve": {"true"}, "type": {"statuses"}})
	if got := ids(v["statuses"]); len(got) != 1 || got[0] != core.APIID(cafe.ID) {
		t.Errorf("resolve by URI: %v", got)
	}
	if res := newTokenClient(t, in, "read:statuses").call(t, "GET", "/api/v2/search?q=x", nil); res.status != 403 {
		t.Errorf("token without read:search: status %d, want 403", res.status)
	}
}

func TestTags(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read write follow")
	tag := c.mustCall(t, 200, "GET", "/api/v1/tags/Kith", nil).object(t)
	if tag["name"] != "kith" || tag["following"] != false {
		t.Errorf("tag = %v", tag)
	}
	if v := c.mustCall(t, 200, "POST", "/api/v1/tags/kith/follow", nil).object(t); v["following"] != true {
		t.Errorf("after follow: %v", v)
	}
	c.mustCall(t, 200, "POST", "/api/v1/tags/cats/follow", nil)
	followed := c.mustCall(t, 200, "GET", "/api/v1/followed_tags", nil).list(t)
	if len(followed) != 2 || followed[0]["name"] != "cats" {
		t.Errorf("followed_tags = %v", followed)
	}
	if v := c.mustCall(t, 200, "POST", "/api/v1/tags/kith/unfollow", nil).object(t); v["following"] != false {
		t.Errorf("after unfollow: %v", v)
	}
	if anon := (tokenClient{in: in}).mustCall(t, 200, "GET", "/api/v1/tags/cats", nil).object(t); anon["following"] != nil {
		t.Errorf("anonymous tag shows following: %v", anon)
	}
	if res := newTokenClient(t, in, "read").call(t, "POST", "/api/v1/tags/x/follow", nil); res.status != 403 {
		t.Errorf("read token follows a tag: status %d", res.status)
	}
}
