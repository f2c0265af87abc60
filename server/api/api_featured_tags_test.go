package api_test

import (
	"kith/server/servertest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Featured tags through the API, field by field: featuring, the owner's
// account's list, suggestions, errors, deleting.
func TestFeaturedTagsAPI(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read write")
	for _, text := range []string{"about #Go and #cats", "more #go", "only #cats", "#rare one", "a #private one"} {
		vis := "public"
		if strings.Contains(text, "private") {
			vis = "private"
		}
		c.mustCall(t, 200, "POST", "/api/v1/statuses", map[string]any{"status": text, "visibility": vis})
	}
	owner := c.mustCall(t, 200, "GET", "/api/v1/accounts/verify_credentials", nil).object(t)
	ownerID := owner["id"].(string)

	if got := c.mustCall(t, 200, "GET", "/api/v1/featured_tags", nil).body; strings.TrimSpace(got) != "[]" {
		t.Errorf("no featured tags yet: %s, want []", got)
	}
	sugg := c.mustCall(t, 200, "GET", "/api/v1/featured_tags/suggestions", nil).list(t)
	var names []string
	for _, s := range sugg {
		names = append(names, s["name"].(string))
		checkFields(t, "suggestion", s, []string{"name", "url", "history"}, nil, nil)
	}
	// go and cats are used twice, rare and private once; posts made in
	// the same millisecond tie on recency, so each pair may come either way.
	if len(names) != 4 || !pairOf(names[0:2], "go", "cats") || !pairOf(names[2:4], "rare", "private") {
		t.Errorf("suggestions %v, want go and cats first, then rare and private", names)
	}

	ft := c.mustCall(t, 200, "POST", "/api/v1/featured_tags", url.Values{"name": {"#Go"}}).object(t)
	checkFields(t, "featured tag", ft, []string{"id", "name", "url", "statuses_count", "last_status_at"}, []string{"id"}, nil)
	day := in.Now().UTC().Format(time.DateOnly)
	for key, want := range map[string]any{"name": "go", "url": in.Srv.Fed.URLs().Profile() + "/tagged/go",
		"statuses_count": "2", "last_status_at": day} {
		if ft[key] != want {
			t.Errorf("featured tag %s = %#v, want %#v", key, ft[key], want)
		}
	}
	c.mustCall(t, 200, "POST", "/api/v1/featured_tags", map[string]any{"name": "unused"})
	for _, bad := range []string{"go", "", "not a tag", "1234"} {
		if res := c.call(t, "POST", "/api/v1/featured_tags", url.Values{"name": {bad}}); res.status != 422 || !strings.Contains(res.body, `"error"`) {
			t.Errorf("featuring %q: %d %s, want 422 with an error", bad, res.status, res.body)
		}
	}

	for _, path := range []string{"/api/v1/featured_tags", "/api/v1/accounts/" + ownerID + "/featured_tags"} {
		list := c.mustCall(t, 200, "GET", path, nil).list(t)
		if len(list) != 2 || list[0]["name"] != "go" || list[1]["name"] != "unused" {
			t.Fatalf("GET %s: %v, want go then unused", path, list)
		}
		if list[1]["statuses_count"] != "0" || list[1]["last_status_at"] != nil {
			t.Errorf("GET %s: an unused tag %v, want statuses_count \"0\" and last_status_at null", path, list[1])
		}
	}
	// Anyone may read the owner's; a remote account's are not known.
	anon := tokenClient{in: in}
	if list := anon.mustCall(t, 200, "GET", "/api/v1/accounts/"+ownerID+"/featured_tags", nil).list(t); len(list) != 2 {
		t.Errorf("anonymous read: %d featured tags, want 2", len(list))
	}
	bob := servertest.AddRemoteActor(t, in, "bob", "bob.test")
	if got := anon.mustCall(t, 200, "GET", "/api/v1/accounts/"+strconv.FormatInt(bob.ID, 10)+"/featured_tags", nil).body; strings.TrimSpace(got) != "[]" {
		t.Errorf("a remote account's featured tags: %s, want []", got)
	}
	if res := anon.call(t, "GET", "/api/v1/featured_tags", nil); res.status != 401 {
		t.Errorf("GET /api/v1/featured_tags without a token: %d, want 401", res.status)
	}
	if res := newTokenClient(t, in, "read").call(t, "POST", "/api/v1/featured_tags", url.Values{"name": {"x"}}); res.status != 403 {
		t.Errorf("featuring with a read token: %d, want 403", res.status)
	}

	// Suggestions leave out what is featured.
	for _, s := range c.mustCall(t, 200, "GET", "/api/v1/featured_tags/suggestions", nil).list(t) {
		if s["name"] == "go" {
			t.Errorf("suggestions still offer #go, which is featured")
		}
	}

	c.mustCall(t, 200, "DELETE", "/api/v1/featured_tags/"+ft["id"].(string), nil)
	c.mustCall(t, 404, "DELETE", "/api/v1/featured_tags/"+ft["id"].(string), nil)
	if list := c.mustCall(t, 200, "GET", "/api/v1/featured_tags", nil).list(t); len(list) != 1 || list[0]["name"] != "unused" {
		t.Errorf("after deleting #go: %v", list)
	}
}

// pairOf reports whether got holds a and b, in either order.
func pairOf(got []string, a, b string) bool {
	return (got[0] == a && got[1] == b) || (got[0] == b && got[1] == a)
}
