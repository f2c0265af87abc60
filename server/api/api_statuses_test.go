package api_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-mastodon"

	"kith/server/core"
	"kith/server/servertest"
	"kith/store"
)

var statusKeys = []string{"id", "created_at", "in_reply_to_id", "in_reply_to_account_id", "sensitive", "spoiler_text",
	"visibility", "language", "uri", "url", "replies_count", "reblogs_count", "favourites_count", "edited_at",
	"favourited", "reblogged", "muted", "bookmarked", "pinned", "content", "reblog", "application", "account",
	"media_attachments", "mentions", "tags", "emojis", "card", "poll"}

func TestCreateStatus(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read write")
	got := c.mustCall(t, 200, "POST", "/api/v1/statuses", url.Values{"status": {"Hello #kith"}, "spoiler_text": {"cw"}, "language": {"en"}}).object(t)
	checkFields(t, "status", got, statusKeys, []string{"id"}, []string{"created_at"})
	for _, k := range []string{"in_reply_to_id", "in_reply_to_account_id", "edited_at", "reblog", "card", "poll"} {
		if got[k] != nil {
			t.Errorf("%s = %v, want null", k, got[k])
		}
	}
	if got["sensitive"] != true || got["spoiler_text"] != "cw" || got["visibility"] != "public" || got["language"] != "en" {
		t.Errorf("sensitive %v spoiler %v visibility %v language %v", got["sensitive"], got["spoiler_text"], got["visibility"], got["language"])
	}
	if tags := got["tags"].([]any); len(tags) != 1 || tags[0].(map[string]any)["name"] != "kith" {
		t.Errorf("tags = %v", tags)
	}
	checkFields(t, "status account", got["account"].(map[string]any), accountKeys, []string{"id"}, []string{"created_at"})

	// A reply, with a poll, in JSON.
	reply := c.mustCall(t, 200, "POST", "/api/v1/statuses", map[string]any{"status": "which?", "in_reply_to_id": got["id"],
		"visibility": "unlisted", "poll": map[string]any{"options": []string{"this", "that"}, "expires_in": 3600, "multiple": true}}).object(t)
	if reply["in_reply_to_id"] != got["id"] || reply["in_reply_to_account_id"] != got["account"].(map[string]any)["id"] {
		t.Errorf("reply to %v by %v", reply["in_reply_to_id"], reply["in_reply_to_account_id"])
	}
	poll, _ := reply["poll"].(map[string]any)
	if poll == nil || poll["id"] != reply["id"] || poll["multiple"] != true || len(poll["options"].([]any)) != 2 {
		t.Errorf("poll = %v", reply["poll"])
	} else {
		checkFields(t, "poll", poll, []string{"expires_at", "expired", "votes_count", "voters_count", "voted", "own_votes", "emojis"}, []string{"id"}, []string{"expires_at"})
	}

	refused := []struct {
		name string
		body any
		want int
	}{
		{"empty", url.Values{"status": {"  "}}, 422},
		{"too long", url.Values{"status": {strings.Repeat("a", 5001)}}, 422},
		{"bad visibility", url.Values{"status": {"x"}, "visibility": {"friends"}}, 422},
		{"one option", url.Values{"status": {"x"}, "poll[options][]": {"only"}, "poll[expires_in]": {"3600"}}, 422},
		{"poll and media", url.Values{"status": {"x"}, "poll[options][]": {"a", "b"}, "media_ids[]": {"1"}}, 422},
		{"unknown media", url.Values{"status": {"x"}, "media_ids[]": {"12345"}}, 422},
		{"reply to nothing", url.Values{"status": {"x"}, "in_reply_to_id": {"999999"}}, 404},
	}
	for _, tt := range refused {
		if res := c.call(t, "POST", "/api/v1/statuses", tt.body); res.status != tt.want || !strings.HasPrefix(res.body, `{"error":`) {
			t.Errorf("%s: status %d %s, want %d", tt.name, res.status, res.body, tt.want)
		}
	}
	for _, tt := range []struct {
		scopes string
		want   int
	}{{"read", 403}, {"write:media", 403}, {"write:statuses", 200}, {"", 401}} {
		cl := tokenClient{in: in}
		if tt.scopes != "" {
			cl = newTokenClient(t, in, tt.scopes)
		}
		if res := cl.call(t, "POST", "/api/v1/statuses", url.Values{"status": {"scoped"}}); res.status != tt.want {
			t.Errorf("token %q: status %d, want %d", tt.scopes, res.status, tt.want)
		}
	}
}

func TestIdempotencyKey(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read write")
	post := func(key, text string) string {
		res := c.callWith(t, "POST", "/api/v1/statuses", url.Values{"status": {text}}, http.Header{"Idempotency-Key": {key}})
		if res.status != 200 {
			t.Fatalf("status %d: %s", res.status, res.body)
		}
		return res.object(t)["id"].(string)
	}
	first := post("key-1", "once")
	if again := post("key-1", "once"); again != first {
		t.Errorf("same key: status %s, want %s", again, first)
	}
	if other := post("key-2", "once"); other == first {
		t.Errorf("another key returned the same status")
	}
	n, err := in.DB.CountPostsByAuthor(context.Background(), in.DB.OwnerID())
	if err != nil || n != 2 {
		t.Errorf("%d posts, want 2", n)
	}
}

func TestScheduledStatus(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read write")
	at := in.Clock.Now().Add(time.Hour).UTC()
	got := c.mustCall(t, 200, "POST", "/api/v1/statuses", url.Values{"status": {"later"}, "scheduled_at": {at.Format(time.RFC3339)}}).object(t)
	checkFields(t, "scheduled status", got, []string{"params", "media_attachments"}, []string{"id"}, []string{"scheduled_at"})
	params := got["params"].(map[string]any)
	if params["text"] != "later" || params["visibility"] != "public" {
		t.Errorf("params = %v", params)
	}
	if n, _ := in.DB.CountPostsByAuthor(context.Background(), in.DB.OwnerID()); n != 0 {
		t.Errorf("a scheduled status was posted at once")
	}
	res := c.call(t, "POST", "/api/v1/statuses", url.Values{"status": {"soon"}, "scheduled_at": {in.Clock.Now().Add(time.Minute).Format(time.RFC3339)}})
	if res.status != 422 || !strings.Contains(res.body, "at least 5 minutes") {
		t.Errorf("too soon: %d %s", res.status, res.body)
	}
}

func TestDeleteEditHistorySource(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read write")
	id := c.mustCall(t, 200, "POST", "/api/v1/statuses", url.Values{"status": {"first *draft*"}}).object(t)["id"].(string)
	base := "/api/v1/statuses/" + id

	edited := c.mustCall(t, 200, "PUT", base, url.Values{"status": {"second draft"}, "spoiler_text": {"cw"}}).object(t)
	if edited["edited_at"] == nil || !strings.Contains(edited["content"].(string), "second draft") || edited["spoiler_text"] != "cw" {
		t.Errorf("edited: %v", edited)
	}
	c.mustCall(t, 200, "PUT", base, map[string]any{"status": "third draft"})
	history := c.mustCall(t, 200, "GET", base+"/history", nil).list(t)
	wantContent := []string{"first *draft*", "second draft", "third draft"}
	if len(history) != len(wantContent) {
		t.Fatalf("history has %d versions, want %d: %v", len(history), len(wantContent), history)
	}
	for i, v := range history {
		checkFields(t, "edit", v, []string{"content", "spoiler_text", "sensitive", "account", "poll", "media_attachments", "emojis"}, nil, []string{"created_at"})
		if !strings.Contains(v["content"].(string), wantContent[i]) {
			t.Errorf("version %d: content %q, want %q", i, v["content"], wantContent[i])
		}
	}
	if history[1]["spoiler_text"] != "cw" || history[2]["spoiler_text"] != "cw" {
		t.Errorf("the content warning is kept by an edit that does not send it")
	}
	src := c.mustCall(t, 200, "GET", base+"/source", nil).object(t)
	if src["id"] != id || src["text"] != "third draft" || src["spoiler_text"] != "cw" {
		t.Errorf("source = %v", src)
	}

	deleted := c.mustCall(t, 200, "DELETE", base, nil).object(t)
	if deleted["id"] != id || deleted["text"] != "third draft" {
		t.Errorf("delete answered id %v text %v", deleted["id"], deleted["text"])
	}
	for _, m := range []string{"GET", "DELETE", "PUT"} {
		if res := c.call(t, m, base, url.Values{"status": {"x"}}); res.status != 404 {
			t.Errorf("%s after delete: status %d", m, res.status)
		}
	}
	// Another's post cannot be edited or deleted.
	bob := servertest.AddRemoteActor(t, in, "bob", "remote.example")
	theirs := servertest.AddRemotePost(t, in, store.Post{URI: "https://remote.example/notes/1", AuthorID: bob.ID, Content: "<p>mine</p>"})
	for _, m := range []string{"DELETE", "PUT"} {
		if res := c.call(t, m, "/api/v1/statuses/"+core.APIID(theirs.ID), url.Values{"status": {"x"}}); res.status != 404 {
			t.Errorf("%s of another's post: status %d, want 404", m, res.status)
		}
	}
}

func TestStatusVisibilityAndContext(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read write")
	bob := servertest.AddRemoteActor(t, in, "bob", "remote.example")
	ctx := context.Background()
	owner, err := in.DB.LocalActor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	root := servertest.AddRemotePost(t, in, store.Post{URI: "https://remote.example/notes/root", AuthorID: bob.ID, Content: "<p>root</p>"})
	mid := c.mustCall(t, 200, "POST", "/api/v1/statuses", url.Values{"status": {"middle"}, "in_reply_to_id": {core.APIID(root.ID)}}).object(t)
	midPost, _ := in.DB.PostByID(ctx, mustID(t, mid["id"]))
	leaf := servertest.AddRemotePost(t, in, store.Post{URI: "https://remote.example/notes/leaf", AuthorID: bob.ID, Content: "<p>leaf</p>",
		InReplyToURI: midPost.URI, InReplyToID: midPost.ID})
	hidden := servertest.AddRemotePost(t, in, store.Post{URI: "https://remote.example/notes/private", AuthorID: bob.ID, Visibility: store.Private,
		Content: "<p>followers only</p>", InReplyToURI: midPost.URI, InReplyToID: midPost.ID})
	mention := servertest.AddRemotePost(t, in, store.Post{URI: "https://remote.example/notes/dm", AuthorID: bob.ID, Visibility: store.Direct,
		Content: "<p>hi</p>", Mentions: []store.Mention{{ActorURI: owner.URI, Name: "@" + owner.Username}}})

	gotCtx := c.mustCall(t, 200, "GET", "/api/v1/statuses/"+mid["id"].(string)+"/context", nil).object(t)
	ids := func(list any) []string {
		var out []string
		for _, s := range list.([]any) {
			out = append(out, s.(map[string]any)["id"].(string))
		}
		return out
	}
	if got := ids(gotCtx["ancestors"]); len(got) != 1 || got[0] != core.APIID(root.ID) {
		t.Errorf("ancestors %v, want [%d]", got, root.ID)
	}
	if got := ids(gotCtx["descendants"]); len(got) != 1 || got[0] != core.APIID(leaf.ID) {
		t.Errorf("descendants %v, want [%d] (the private reply hidden)", got, leaf.ID)
	}

	tests := []struct {
		name string
		id   int64
		want int
	}{
		{"public", root.ID, 200},
		{"private, not following", hidden.ID, 404},
		{"direct, mentioned", mention.ID, 200},
		{"missing", 999999, 404},
	}
	for _, tt := range tests {
		if res := c.call(t, "GET", "/api/v1/statuses/"+core.APIID(tt.id), nil); res.status != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, res.status, tt.want)
		}
	}
	// Anonymous readers see public posts only.
	if res := (tokenClient{in: in}).call(t, "GET", "/api/v1/statuses/"+core.APIID(mention.ID), nil); res.status != 404 {
		t.Errorf("direct post without a token: status %d", res.status)
	}
	// Following makes the private one visible.
	err = in.DB.InTx(ctx, func(tx *store.Tx) error {
		return tx.PutFollow(ctx, store.Follow{FollowerID: owner.ID, FolloweeID: bob.ID, State: store.FollowAccepted, ActivityURI: "https://x/f"})
	})
	if err != nil {
		t.Fatal(err)
	}
	c.mustCall(t, 200, "GET", "/api/v1/statuses/"+core.APIID(hidden.ID), nil)

	many := c.mustCall(t, 200, "GET", "/api/v1/statuses?id[]="+core.APIID(leaf.ID)+"&id[]=999999&id[]="+core.APIID(root.ID), nil).list(t)
	if len(many) != 2 || many[0]["id"] != core.APIID(leaf.ID) || many[1]["id"] != core.APIID(root.ID) {
		t.Errorf("statuses?id[]: %v", many)
	}
}

func mustID(t *testing.T, v any) int64 {
	t.Helper()
	s, _ := v.(string)
	for _, c := range s {
		if c < '0' || c > '9' {
			t.Fatalf("id %v is not a string of digits", v)
		}
	}
	var n int64
	for _, c := range s {
		n = n*10 + int64(c-'0')
	}
	return n
}

func TestStatusActions(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read write")
	bob := servertest.AddRemoteActor(t, in, "bob", "remote.example")
	theirs := servertest.AddRemotePost(t, in, store.Post{URI: "https://remote.example/notes/1", AuthorID: bob.ID, Content: "<p>boost me</p>"})
	mine := c.mustCall(t, 200, "POST", "/api/v1/statuses", url.Values{"status": {"pin me"}}).object(t)["id"].(string)
	base := "/api/v1/statuses/" + core.APIID(theirs.ID)

	steps := []struct {
		path, key string
		want      any
	}{
		{base + "/favourite", "favourited", true},
		{base + "/bookmark", "bookmarked", true},
		{base + "/mute", "muted", true},
		{base + "/unmute", "muted", false},
		{base + "/unbookmark", "bookmarked", false},
		{"/api/v1/statuses/" + mine + "/pin", "pinned", true},
		{"/api/v1/statuses/" + mine + "/unpin", "pinned", false},
	}
	for _, st := range steps {
		got := c.mustCall(t, 200, "POST", st.path, nil).object(t)
		if got[st.key] != st.want {
			t.Errorf("%s: %s = %v, want %v", st.path, st.key, got[st.key], st.want)
		}
	}
	if got := c.mustCall(t, 200, "GET", base, nil).object(t); got["favourites_count"] != 1.0 {
		t.Errorf("favourites_count %v", got["favourites_count"])
	}
	likers := c.mustCall(t, 200, "GET", base+"/favourited_by", nil).list(t)
	if len(likers) != 1 || likers[0]["id"] != core.APIID(in.DB.OwnerID()) {
		t.Errorf("favourited_by: %v", likers)
	}

	boost := c.mustCall(t, 200, "POST", base+"/reblog", nil).object(t)
	inner, _ := boost["reblog"].(map[string]any)
	if boost["id"] == core.APIID(theirs.ID) || inner == nil || inner["id"] != core.APIID(theirs.ID) || boost["reblogged"] != true || inner["reblogs_count"] != 1.0 {
		t.Errorf("reblog answered %v", boost)
	}
	boosters := c.mustCall(t, 200, "GET", base+"/reblogged_by", nil).list(t)
	if len(boosters) != 1 {
		t.Errorf("reblogged_by: %v", boosters)
	}
	// Acting on the boost acts on the boosted post.
	if got := c.mustCall(t, 200, "POST", "/api/v1/statuses/"+boost["id"].(string)+"/unfavourite", nil).object(t); got["id"] != core.APIID(theirs.ID) || got["favourited"] != false {
		t.Errorf("unfavourite via the boost: %v", got)
	}
	if got := c.mustCall(t, 200, "POST", base+"/unreblog", nil).object(t); got["reblogged"] != false || got["reblogs_count"] != 0.0 {
		t.Errorf("unreblog: reblogged %v count %v", got["reblogged"], got["reblogs_count"])
	}
	if res := c.call(t, "POST", base+"/pin", nil); res.status != 422 {
		t.Errorf("pin another's post: status %d, want 422", res.status)
	}
	if res := newTokenClient(t, in, "read write:statuses").call(t, "POST", base+"/favourite", nil); res.status != 403 {
		t.Errorf("favourite without write:favourites: status %d", res.status)
	}
}

func TestPolls(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read write")
	bob := servertest.AddRemoteActor(t, in, "bob", "remote.example")
	poll := servertest.AddRemotePost(t, in, store.Post{URI: "https://remote.example/notes/poll", AuthorID: bob.ID, Type: "Question",
		Content: "<p>which?</p>", Poll: &store.Poll{ExpiresAt: in.Clock.Now().Add(time.Hour),
			Options: []store.PollOption{{Title: "this", Votes: 2}, {Title: "that"}}}})
	path := "/api/v1/polls/" + core.APIID(poll.ID)
	got := c.mustCall(t, 200, "GET", path, nil).object(t)
	if got["voted"] != false || got["votes_count"] != 2.0 {
		t.Errorf("poll before voting: %v", got)
	}
	for _, bad := range []url.Values{{"choices[]": {"2"}}, {"choices[]": {"0", "1"}}, {}} {
		if res := c.call(t, "POST", path+"/votes", bad); res.status != 422 {
			t.Errorf("vote %v: status %d, want 422", bad, res.status)
		}
	}
	got = c.mustCall(t, 200, "POST", path+"/votes", url.Values{"choices[]": {"1"}}).object(t)
	if got["voted"] != true || len(got["own_votes"].([]any)) != 1 || got["own_votes"].([]any)[0] != 1.0 {
		t.Errorf("poll after voting: %v", got)
	}
	if res := c.call(t, "POST", path+"/votes", url.Values{"choices[]": {"0"}}); res.status != 422 {
		t.Errorf("second vote: status %d, want 422", res.status)
	}
	own := c.mustCall(t, 200, "POST", "/api/v1/statuses", url.Values{"status": {"mine"}, "poll[options][]": {"a", "b"}, "poll[expires_in]": {"600"}}).object(t)
	if res := c.call(t, "POST", "/api/v1/polls/"+own["id"].(string)+"/votes", url.Values{"choices[]": {"0"}}); res.status != 422 {
		t.Errorf("vote in own poll: status %d, want 422", res.status)
	}
	if res := c.call(t, "GET", "/api/v1/polls/"+core.APIID(bob.ID+100000), nil); res.status != 404 {
		t.Errorf("missing poll: status %d", res.status)
	}
}

// TestGoMastodonClient drives kith with github.com/mattn/go-mastodon, a
// real client library.
func TestGoMastodonClient(t *testing.T) {
	in := servertest.New(t, nil)
	tc := newTokenClient(t, in, "read write follow")
	client := mastodon.NewClient(&mastodon.Config{Server: in.HTTP.URL, AccessToken: tc.token})
	ctx := context.Background()

	me, err := client.GetAccountCurrentUser(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if me.Username != in.Srv.Fed.URLs().Username() || me.ID == "" {
		t.Errorf("current user %q id %q", me.Username, me.ID)
	}
	var posted []*mastodon.Status
	for _, text := range []string{"one", "two", "three"} {
		st, err := client.PostStatus(ctx, &mastodon.Toot{Status: text, Visibility: "public"})
		if err != nil {
			t.Fatal(err)
		}
		posted = append(posted, st)
	}
	got, err := client.GetStatus(ctx, posted[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != posted[0].ID || !strings.Contains(got.Content, "one") || got.CreatedAt.IsZero() {
		t.Errorf("GetStatus: %+v", got)
	}
	pg := &mastodon.Pagination{Limit: 2}
	page, err := client.GetAccountStatuses(ctx, me.ID, pg)
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 2 || page[0].ID != posted[2].ID || pg.MaxID != posted[1].ID {
		t.Errorf("first page: %d statuses, next max_id %q", len(page), pg.MaxID)
	}
	page, err = client.GetAccountStatuses(ctx, me.ID, &mastodon.Pagination{MaxID: pg.MaxID, Limit: 2})
	if err != nil || len(page) != 1 || page[0].ID != posted[0].ID {
		t.Errorf("second page: %v %v", page, err)
	}
	fav, err := client.Favourite(ctx, posted[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	if fav.Favourited != true || fav.FavouritesCount != 1 {
		t.Errorf("Favourite: favourited %v count %d", fav.Favourited, fav.FavouritesCount)
	}
	if err := client.DeleteStatus(ctx, posted[1].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := client.GetStatus(ctx, posted[1].ID); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("GetStatus after delete: %v, want 404", err)
	}
}
