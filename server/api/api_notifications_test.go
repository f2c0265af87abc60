package api_test

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"

	"kith/server/core"
	"kith/server/servertest"
	"kith/store"
)

// notificationFixture has bob mention the owner in 45 posts, follow,
// favourite one post, and move.
func notificationFixture(t *testing.T, in *servertest.Instance) (store.Actor, []store.Post) {
	t.Helper()
	bob := servertest.AddRemoteActor(t, in, "bob", "bob.test")
	carol := servertest.AddRemoteActor(t, in, "carol", "carol.test")
	var posts []store.Post
	for i := range 45 {
		p := servertest.AddRemotePost(t, in, store.Post{URI: fmt.Sprintf("https://bob.test/p/%d", i), AuthorID: bob.ID, Content: "<p>hi</p>"})
		servertest.Notify(t, in, "mention", bob.ID, p.ID)
		posts = append(posts, p)
	}
	own := servertest.PostStatuses(t, in, 1)[0]
	servertest.Notify(t, in, "favourite", carol.ID, own.ID)
	servertest.Notify(t, in, "follow", carol.ID, 0)
	servertest.Notify(t, in, "move", bob.ID, 0)
	return carol, posts
}

func TestNotifications(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read write")
	carol, _ := notificationFixture(t, in)

	seen := walkPages(t, c, "/api/v1/notifications?limit=20")
	if len(seen) != 47 { // 45 mentions, a favourite, a follow; not the move
		t.Errorf("paged through %d notifications, want 47", len(seen))
	}
	list := c.mustCall(t, 200, "GET", "/api/v1/notifications?limit=3", nil).list(t)
	follow, fav := list[0], list[1]
	checkFields(t, "follow", follow, []string{"id", "type", "created_at", "group_key", "account"}, []string{"id"}, []string{"created_at"})
	if follow["type"] != "follow" || follow["account"].(map[string]any)["id"] != core.APIID(carol.ID) {
		t.Errorf("newest = %v", follow)
	}
	if _, ok := follow["status"]; ok {
		t.Errorf("a follow carries no status: %v", follow["status"])
	}
	if fav["type"] != "favourite" || fav["status"] == nil {
		t.Errorf("favourite = %v", fav)
	}
	checkFields(t, "favourite.status", fav["status"].(map[string]any), []string{"id", "content", "account", "in_reply_to_id"}, []string{"id"}, []string{"created_at"})

	count := func(q string) int {
		return len(c.mustCall(t, 200, "GET", "/api/v1/notifications?limit=40&"+q, nil).list(t))
	}
	tests := []struct {
		query string
		want  int
	}{
		{"types[]=follow", 1},
		{"types[]=follow&types[]=favourite", 2},
		{"exclude_types[]=mention", 2},
		{"exclude_types[]=mention&exclude_types[]=follow", 1},
		{"types[]=move", 1},
		{"types[]=poll", 0},
		{"account_id=" + core.APIID(carol.ID), 2},
	}
	for _, tt := range tests {
		if got := count(tt.query); got != tt.want {
			t.Errorf("%s: %d notifications, want %d", tt.query, got, tt.want)
		}
	}

	id := follow["id"].(string)
	one := c.mustCall(t, 200, "GET", "/api/v1/notifications/"+id, nil).object(t)
	if one["type"] != "follow" {
		t.Errorf("GET one = %v", one)
	}
	if got := c.mustCall(t, 200, "GET", "/api/v1/notifications/unread_count", nil).object(t)["count"]; got != 48.0 {
		t.Errorf("unread before marker = %v, want 48 (the move counts too)", got)
	}
	c.mustCall(t, 200, "POST", "/api/v1/markers", url.Values{"notifications[last_read_id]": {fav["id"].(string)}})
	if got := c.mustCall(t, 200, "GET", "/api/v1/notifications/unread_count", nil).object(t)["count"]; got != 2.0 {
		t.Errorf("unread after marker = %v, want 2", got)
	}
	c.mustCall(t, 200, "POST", "/api/v1/notifications/"+id+"/dismiss", nil)
	if res := c.call(t, "GET", "/api/v1/notifications/"+id, nil); res.status != 404 {
		t.Errorf("dismissed: status %d", res.status)
	}
	c.mustCall(t, 200, "POST", "/api/v1/notifications/clear", nil)
	if got := count(""); got != 0 {
		t.Errorf("after clear: %d notifications", got)
	}
}

func TestNotificationScopes(t *testing.T) {
	in := servertest.New(t, nil)
	statuses := newTokenClient(t, in, "read:statuses write:statuses")
	readOnly := newTokenClient(t, in, "read:notifications")
	for _, tt := range []struct {
		c            tokenClient
		method, path string
		want         int
	}{
		{tokenClient{in: in}, "GET", "/api/v1/notifications", 401},
		{statuses, "GET", "/api/v1/notifications", 403},
		{readOnly, "GET", "/api/v1/notifications", 200},
		{readOnly, "POST", "/api/v1/notifications/clear", 403},
		{readOnly, "GET", "/api/v2/notifications", 200},
		{readOnly, "PATCH", "/api/v2/notifications/policy", 403},
		{readOnly, "GET", "/api/v1/notifications/12345", 404},
	} {
		if res := tt.c.call(t, tt.method, tt.path, nil); res.status != tt.want {
			t.Errorf("%s %s: status %d, want %d", tt.method, tt.path, res.status, tt.want)
		}
	}
}

func TestGroupedNotifications(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read write")
	notificationFixture(t, in)
	res := c.mustCall(t, 200, "GET", "/api/v2/notifications?limit=5", nil)
	v := res.object(t)
	groups := v["notification_groups"].([]any)
	if len(groups) != 5 || len(v["accounts"].([]any)) != 2 || len(v["statuses"].([]any)) != 4 {
		t.Fatalf("groups %d, accounts %d, statuses %d", len(groups), len(v["accounts"].([]any)), len(v["statuses"].([]any)))
	}
	g := groups[1].(map[string]any)
	checkFields(t, "group", g, []string{"group_key", "notifications_count", "type", "most_recent_notification_id", "page_min_id",
		"page_max_id", "latest_page_notification_at", "sample_account_ids", "status_id"},
		[]string{"most_recent_notification_id", "page_min_id", "page_max_id", "status_id"}, []string{"latest_page_notification_at"})
	if g["group_key"] != "ungrouped-"+g["most_recent_notification_id"].(string) || g["notifications_count"] != 1.0 {
		t.Errorf("group = %v", g)
	}
	if links(res.header)["next"] == "" {
		t.Errorf("no next link")
	}
	key := g["group_key"].(string)
	one := c.mustCall(t, 200, "GET", "/api/v2/notifications/"+key, nil).object(t)
	if len(one["notification_groups"].([]any)) != 1 {
		t.Errorf("one group: %v", one)
	}
	if accts := c.mustCall(t, 200, "GET", "/api/v2/notifications/"+key+"/accounts", nil).list(t); len(accts) != 1 {
		t.Errorf("group accounts = %v", accts)
	}
	c.mustCall(t, 200, "POST", "/api/v2/notifications/"+key+"/dismiss", nil)
	if res := c.call(t, "GET", "/api/v2/notifications/"+key, nil); res.status != 404 {
		t.Errorf("after dismiss: %d", res.status)
	}

	policy := c.mustCall(t, 200, "GET", "/api/v2/notifications/policy", nil).object(t)
	var keys []string
	for k := range policy {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if strings.Join(keys, ",") != "for_limited_accounts,for_new_accounts,for_not_followers,for_not_following,for_private_mentions,summary" {
		t.Errorf("policy keys = %v", keys)
	}
	c.mustCall(t, 200, "PATCH", "/api/v2/notifications/policy", map[string]string{"for_not_following": "accept"})
	if res := c.call(t, "PATCH", "/api/v2/notifications/policy", map[string]string{"for_not_following": "drop"}); res.status != 422 {
		t.Errorf("drop policy: status %d, want 422 (kith does not filter)", res.status)
	}
}
