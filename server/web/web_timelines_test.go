package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"kith/federation"
	"kith/server/servertest"
	"kith/server/web"
	"kith/store"
)

func TestWebOwnerPagesNeedLogin(t *testing.T) {
	in := servertest.New(t, nil)
	c := in.Browser(t)
	for _, path := range []string{"/home", "/all", "/bookmarks", "/favourites", "/notifications", "/notifications?type=mention",
		"/compose", "/compose?in_reply_to=1", "/compose?edit=1", "/thread/1"} {
		resp, _ := servertest.Get(t, c, in.HTTP.URL+path)
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?next=") {
			t.Errorf("GET %s by a visitor: status %d to %q, want 303 to /login", path, resp.StatusCode, loc)
		}
	}
	for _, path := range []string{"/compose", "/statuses/1", "/statuses/1/favourite", "/statuses/1/delete", "/statuses/1/vote"} {
		resp, _ := servertest.Post(t, c, in.HTTP.URL+path, url.Values{"status": {"x"}, "action": {"publish"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s by a visitor: status %d, want 403", path, resp.StatusCode)
		}
	}
}

func TestWebOwnerPostsNeedCSRF(t *testing.T) {
	o := newWebOwner(t)
	p := o.ownPost(t, federation.NewPost{Text: "mine"})
	id := strconv.FormatInt(p.ID, 10)
	for _, path := range []string{"/compose", "/statuses/" + id + "/favourite", "/statuses/" + id + "/delete"} {
		for _, token := range []string{"", "wrong"} {
			resp, _ := servertest.Post(t, o.c, o.HTTP.URL+path, url.Values{"csrf_token": {token}, "status": {"forged"}, "action": {"publish"}})
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s with token %q: status %d, want 403", path, token, resp.StatusCode)
			}
		}
	}
	if n := countPosts(t, o.DB); n != 1 {
		t.Errorf("%d posts, want only the first", n)
	}
	if st := o.stats(t, p.ID); st.Favourited {
		t.Errorf("a forged favourite was applied")
	}
}

func (o *webOwner) stats(t *testing.T, id int64) store.PostStat {
	t.Helper()
	st, err := o.DB.PostStats(context.Background(), []int64{id})
	if err != nil {
		t.Fatal(err)
	}
	return st[id]
}

func TestWebStatusActionsChangeState(t *testing.T) {
	o := newWebOwner(t)
	own := o.ownPost(t, federation.NewPost{Text: "mine"})
	remote := o.remotePost(t, "theirs")
	tests := []struct {
		action string
		post   store.Post
		check  func(store.PostStat) bool
	}{
		{"favourite", remote, func(s store.PostStat) bool { return s.Favourited }},
		{"unfavourite", remote, func(s store.PostStat) bool { return !s.Favourited }},
		{"boost", remote, func(s store.PostStat) bool { return s.Reblogged }},
		{"unboost", remote, func(s store.PostStat) bool { return !s.Reblogged }},
		{"bookmark", remote, func(s store.PostStat) bool { return s.Bookmarked }},
		{"unbookmark", remote, func(s store.PostStat) bool { return !s.Bookmarked }},
		{"pin", own, func(s store.PostStat) bool { return s.Pinned }},
		{"unpin", own, func(s store.PostStat) bool { return !s.Pinned }},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			id := strconv.FormatInt(tt.post.ID, 10)
			resp, body := o.post(t, "/statuses/"+id, url.Values{"action": {tt.action}, "return_to": {"/all?max_id=9"}})
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/all?max_id=9#status-"+id {
				t.Fatalf("status %d to %q, want 303 back to /all:\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
			}
			if !tt.check(o.stats(t, tt.post.ID)) {
				t.Errorf("after %s: %+v", tt.action, o.stats(t, tt.post.ID))
			}
		})
	}

	// The favourite and the boost of the remote post, and their undoing,
	// were queued for its author's server.
	counts, err := o.DB.JobCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n := sumCounts(counts["deliver"]); n != 4 {
		t.Errorf("%d deliveries queued, want 4 (like, undo like, announce, undo announce)", n)
	}
}

func sumCounts(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func TestWebStatusActionRefusalsAndReturn(t *testing.T) {
	o := newWebOwner(t)
	own := o.ownPost(t, federation.NewPost{Text: "mine"})
	remote := o.remotePost(t, "theirs")
	ownID, remoteID := strconv.FormatInt(own.ID, 10), strconv.FormatInt(remote.ID, 10)
	tests := []struct {
		name, path, returnTo string
		status               int
		location             string
	}{
		{"unknown action", "/statuses/" + ownID + "/explode", "", http.StatusNotFound, ""},
		{"unknown post", "/statuses/999/favourite", "", http.StatusNotFound, ""},
		{"pin another's post", "/statuses/" + remoteID + "/pin", "", http.StatusForbidden, ""},
		{"delete another's post", "/statuses/" + remoteID + "/delete", "", http.StatusForbidden, ""},
		{"no return_to goes to the thread", "/statuses/" + remoteID + "/bookmark", "", http.StatusSeeOther, "/thread/" + remoteID + "#status-" + remoteID},
		{"another site is refused", "/statuses/" + remoteID + "/bookmark", "https://evil.example/", http.StatusSeeOther, "/thread/" + remoteID + "#status-" + remoteID},
		{"scheme-relative is refused", "/statuses/" + remoteID + "/bookmark", "//evil.example/x", http.StatusSeeOther, "/thread/" + remoteID + "#status-" + remoteID},
		{"delete from its thread goes home", "/statuses/" + ownID + "/delete", "/thread/" + ownID, http.StatusSeeOther, "/home"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := o.post(t, tt.path, url.Values{"return_to": {tt.returnTo}})
			if resp.StatusCode != tt.status || resp.Header.Get("Location") != tt.location {
				t.Errorf("status %d to %q, want %d to %q:\n%.300s", resp.StatusCode, resp.Header.Get("Location"), tt.status, tt.location, body)
			}
		})
	}
	// One form for all of a post's buttons: the action is the button's value.
	resp, _ := o.post(t, "/statuses/"+remoteID, url.Values{"action": {"favourite"}, "return_to": {"/home"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/home#status-"+remoteID || !o.stats(t, remote.ID).Favourited {
		t.Errorf("shared form: status %d to %q, favourited %v; want 303 to /home, favourited", resp.StatusCode, resp.Header.Get("Location"), o.stats(t, remote.ID).Favourited)
	}
	if resp, _ := o.post(t, "/statuses/"+remoteID, url.Values{"action": {"explode"}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("shared form, unknown action: status %d, want 404", resp.StatusCode)
	}
	if _, err := o.DB.PostByID(context.Background(), own.ID); err == nil {
		t.Errorf("the deleted post is still stored")
	}
	if _, err := o.DB.PostByID(context.Background(), remote.ID); err != nil {
		t.Errorf("another's post was deleted: %v", err)
	}
}

func TestWebStatusActionVote(t *testing.T) {
	o := newWebOwner(t)
	poll := o.ownPost(t, federation.NewPost{Text: "tea?", Poll: &federation.NewPoll{Options: []string{"yes", "no"}, Expires: 3600e9}})
	id := strconv.FormatInt(poll.ID, 10)
	_, home := o.get(t, "/home")
	if !strings.Contains(home, `action="/statuses/`+id+`/vote"`) {
		t.Fatalf("no vote form on /home:\n%s", home)
	}
	resp, body := o.post(t, "/statuses/"+id+"/vote", url.Values{"choice": {"1"}, "return_to": {"/home"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("vote: status %d, want 303:\n%s", resp.StatusCode, body)
	}
	p, err := o.DB.PostByID(context.Background(), poll.ID)
	if err != nil || p.Poll.Options[1].Votes != 1 || p.Poll.Options[0].Votes != 0 {
		t.Errorf("votes %+v, want one for no (%v)", p.Poll, err)
	}
	if resp, _ := o.post(t, "/statuses/"+id+"/vote", url.Values{"choice": {"x"}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a choice that is not a number: status %d, want 400", resp.StatusCode)
	}
}

func TestWebTimelinePages(t *testing.T) {
	o := newWebOwner(t)
	for i := range 25 {
		o.ownPost(t, federation.NewPost{Text: fmt.Sprintf("post number %d.", i)})
	}
	o.ownPost(t, federation.NewPost{Text: "for followers.", Visibility: store.Private})
	remote := o.remotePost(t, "from afar")

	resp, home := o.get(t, "/home")
	if resp.StatusCode != http.StatusOK || strings.Count(home, `<article class="status`) != web.WebPageSize {
		t.Fatalf("/home: status %d with %d posts, want 200 with %d", resp.StatusCode, strings.Count(home, `<article class="status`), web.WebPageSize)
	}
	if !strings.Contains(home, "for followers.") || strings.Contains(home, "from afar") {
		t.Errorf("/home should show the owner's followers-only post and not a stranger's")
	}
	next := nextLinkRE.FindStringSubmatch(home)
	if next == nil {
		t.Fatalf("/home has no link to older posts")
	}
	resp, older := o.get(t, strings.ReplaceAll(next[1], "&amp;", "&"))
	if resp.StatusCode != http.StatusOK || !strings.Contains(older, "post number 0.") || strings.Count(older, `<article class="status`) != 6 {
		t.Errorf("older page: status %d, %d posts, want the 6 oldest", resp.StatusCode, strings.Count(older, `<article class="status`))
	}
	if !strings.Contains(older, `rel="prev"`) {
		t.Errorf("the older page has no link back to newer posts")
	}

	_, all := o.get(t, "/all")
	if !strings.Contains(all, "from afar") || strings.Contains(all, "for followers.") {
		t.Errorf("/all should show public posts from anywhere, not followers-only ones")
	}

	for _, action := range []string{"bookmark", "favourite"} {
		o.post(t, "/statuses/"+strconv.FormatInt(remote.ID, 10)+"/"+action, nil)
	}
	for _, path := range []string{"/bookmarks", "/favourites"} {
		resp, page := o.get(t, path)
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, "from afar") || strings.Contains(page, "post number") {
			t.Errorf("%s: status %d, want 200 with just the marked post", path, resp.StatusCode)
		}
	}
}

var nextLinkRE = regexp.MustCompile(`<a href="([^"]+)" rel="next">`)

// TestWebBoostBesideItsPost shows the owner's post and the owner's boost of
// it on one page: each article has its own id, the boost's buttons post
// for the boost and come back to it.
func TestWebBoostBesideItsPost(t *testing.T) {
	o := newWebOwner(t)
	p := o.ownPost(t, federation.NewPost{Text: "worth repeating"})
	id := strconv.FormatInt(p.ID, 10)
	if resp, body := o.post(t, "/statuses/"+id, url.Values{"action": {"boost"}, "return_to": {"/home"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("boost: status %d:\n%.300s", resp.StatusCode, body)
	}
	_, home := o.get(t, "/home")
	checkUniqueIDs(t, "/home", home)
	boost := boostArticleRE.FindStringSubmatch(home)
	if boost == nil || boost[1] == id {
		t.Fatalf("no boost with its own id on /home (post %s):\n%s", id, home)
	}
	if got, want := strings.Count(home, `<form method="post" action="/statuses/`+boost[1]+`">`), 1; got != want {
		t.Errorf("forms for the boost %s: %d, want %d", boost[1], got, want)
	}
	if got, want := strings.Count(home, `<form method="post" action="/statuses/`+id+`">`), 1; got != want {
		t.Errorf("forms for the post %s: %d, want %d", id, got, want)
	}
	resp, _ := o.post(t, "/statuses/"+boost[1], url.Values{"action": {"favourite"}, "return_to": {"/home"}})
	if got, want := resp.Header.Get("Location"), "/home#status-"+boost[1]; got != want {
		t.Errorf("favourite from the boost: back to %q, want %q", got, want)
	}
	if !o.stats(t, p.ID).Favourited {
		t.Errorf("favourite from the boost did not favourite the boosted post")
	}
}

// checkUniqueIDs fails when an element id appears twice on page.
func checkUniqueIDs(t *testing.T, path, page string) {
	t.Helper()
	ids := map[string]int{}
	for _, m := range idAttrRE.FindAllStringSubmatch(page, -1) {
		ids[m[1]]++
	}
	if len(ids) == 0 {
		t.Errorf("no ids on %s", path)
	}
	for v, n := range ids {
		if n > 1 {
			t.Errorf("id %q appears %d times on %s", v, n, path)
		}
	}
}

// TestWebRepeatedPostIDs shows one post twice on a page: pinned and in
// the profile's list, and in two notifications. Each copy has its own id.
func TestWebRepeatedPostIDs(t *testing.T) {
	o := newWebOwner(t)
	ctx := context.Background()
	p := o.ownPost(t, federation.NewPost{Text: "pinned and listed"})
	if resp, body := o.post(t, "/statuses/"+strconv.FormatInt(p.ID, 10), url.Values{"action": {"pin"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("pin: status %d:\n%.300s", resp.StatusCode, body)
	}
	fan := o.remotePost(t, "a fan's post")
	err := o.DB.InTx(ctx, func(tx *store.Tx) error {
		for _, typ := range []string{"favourite", "reblog"} {
			if _, err := tx.Notify(ctx, typ, fan.AuthorID, p.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/@admin", "/notifications"} {
		_, page := o.get(t, path)
		if got := strings.Count(page, "pinned and listed"); got != 2 {
			t.Errorf("%s shows the post %d times, want 2", path, got)
		}
		checkUniqueIDs(t, path, page)
	}
}

var (
	idAttrRE       = regexp.MustCompile(` id="([^"]+)"`)
	boostArticleRE = regexp.MustCompile(`<article class="status" id="status-(\d+)"[^>]*>\s*<p class="boosted-by">`)
)
