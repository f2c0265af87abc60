package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"kith/federation"
	"kith/media"
	"kith/server/api"
	"kith/server/core"
	"kith/server/servertest"
	"kith/store"
)

// tokenClient calls the API of a test instance with an access token made
// the way the settings page makes one (an app and its token in the store).
type tokenClient struct {
	in    *servertest.Instance
	token string
}

func newTokenClient(t *testing.T, in *servertest.Instance, scopes string) tokenClient {
	t.Helper()
	ctx := context.Background()
	token := "token-" + strings.ReplaceAll(scopes, " ", "-") + "-" + media.NewName()
	err := in.DB.InTx(ctx, func(tx *store.Tx) error {
		id, err := tx.CreateOAuthApp(ctx, store.OAuthApp{Name: "test app", Scopes: scopes, ClientID: "cid-" + token, ClientSecret: "secret"})
		if err != nil {
			return err
		}
		return tx.CreateOAuthToken(ctx, token, id, scopes)
	})
	if err != nil {
		t.Fatal(err)
	}
	return tokenClient{in: in, token: token}
}

// apiResult is one API answer.
type apiResult struct {
	status int
	header http.Header
	body   string
}

func (r apiResult) object(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatalf("answer is not a JSON object (status %d): %s", r.status, r.body)
	}
	return v
}

func (r apiResult) list(t *testing.T) []map[string]any {
	t.Helper()
	var v []map[string]any
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatalf("answer is not a JSON array (status %d): %s", r.status, r.body)
	}
	return v
}

// multipartBody is a multipart form with files.
type multipartBody struct {
	fields map[string]string
	files  map[string][]byte // form name → content
}

// call sends a request; body is nil, url.Values (a form), multipartBody,
// or anything else (sent as JSON).
func (c tokenClient) call(t *testing.T, method, path string, body any) apiResult {
	t.Helper()
	return c.callWith(t, method, path, body, nil)
}

func (c tokenClient) callWith(t *testing.T, method, path string, body any, header http.Header) apiResult {
	t.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case url.Values:
		rd, ctype = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	case multipartBody:
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for k, v := range b.fields {
			mw.WriteField(k, v)
		}
		for k, v := range b.files {
			fw, _ := mw.CreateFormFile(k, k+".bin")
			fw.Write(v)
		}
		mw.Close()
		rd, ctype = &buf, mw.FormDataContentType()
	default:
		js, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd, ctype = bytes.NewReader(js), "application/json"
	}
	req, err := http.NewRequest(method, c.in.HTTP.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return apiResult{status: resp.StatusCode, header: resp.Header, body: servertest.ReadBody(t, resp)}
}

// mustCall is call that fails the test unless the status is want.
func (c tokenClient) mustCall(t *testing.T, want int, method, path string, body any) apiResult {
	t.Helper()
	res := c.call(t, method, path, body)
	if res.status != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, res.status, want, res.body)
	}
	return res
}

var (
	apiTimeRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
	apiIDRE   = regexp.MustCompile(`^\d+$`)
)

// checkFields checks that an entity has every key (null ones present),
// that ids are strings of digits and times in Mastodon's format.
func checkFields(t *testing.T, what string, v map[string]any, keys, idKeys, timeKeys []string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := v[k]; !ok {
			t.Errorf("%s: key %q missing", what, k)
		}
	}
	for _, k := range idKeys {
		if s, ok := v[k].(string); !ok || !apiIDRE.MatchString(s) {
			t.Errorf("%s: %s = %#v, want a string id", what, k, v[k])
		}
	}
	for _, k := range timeKeys {
		if s, ok := v[k].(string); !ok || !apiTimeRE.MatchString(s) {
			t.Errorf("%s: %s = %#v, want 2006-01-02T15:04:05.000Z", what, k, v[k])
		}
	}
}

var accountKeys = []string{"id", "username", "acct", "display_name", "locked", "bot", "discoverable", "group", "created_at",
	"note", "url", "uri", "avatar", "avatar_static", "header", "header_static", "followers_count", "following_count",
	"statuses_count", "last_status_at", "emojis", "fields"}

func TestVerifyCredentials(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read write")
	got := c.mustCall(t, 200, "GET", "/api/v1/accounts/verify_credentials", nil).object(t)
	checkFields(t, "account", got, append(accountKeys, "source", "role"), []string{"id"}, []string{"created_at"})
	if got["last_status_at"] != nil {
		t.Errorf("last_status_at = %v, want null before any post", got["last_status_at"])
	}
	src, _ := got["source"].(map[string]any)
	for k, want := range map[string]any{"privacy": "public", "sensitive": false, "language": "", "note": "", "follow_requests_count": 0.0} {
		if src[k] != want {
			t.Errorf("source.%s = %#v, want %#v", k, src[k], want)
		}
	}
	// A profile-only token may read it too; an app token may not.
	if res := newTokenClient(t, in, "profile").call(t, "GET", "/api/v1/accounts/verify_credentials", nil); res.status != 200 {
		t.Errorf("profile token: status %d", res.status)
	}
	if res := (tokenClient{in: in}).call(t, "GET", "/api/v1/accounts/verify_credentials", nil); res.status != 401 {
		t.Errorf("no token: status %d, want 401", res.status)
	}
}

func TestUpdateCredentials(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read write")
	tests := []struct {
		name string
		body any
	}{
		{"form", url.Values{"display_name": {"Alice A."}, "note": {"Hello *world*"}, "locked": {"true"},
			"fields_attributes[0][name]": {"Site"}, "fields_attributes[0][value]": {"https://a.example"},
			"fields_attributes[1][name]": {"Pronouns"}, "fields_attributes[1][value]": {"she/her"},
			"source[privacy]": {"unlisted"}, "source[sensitive]": {"true"}, "source[language]": {"de"}}},
		{"json", map[string]any{"display_name": "Alice A.", "note": "Hello *world*", "locked": true,
			"fields_attributes": []map[string]string{{"name": "Site", "value": "https://a.example"}, {"name": "Pronouns", "value": "she/her"}},
			"source":            map[string]any{"privacy": "unlisted", "sensitive": true, "language": "de"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.mustCall(t, 200, "PATCH", "/api/v1/accounts/update_credentials", tt.body).object(t)
			if got["display_name"] != "Alice A." || got["locked"] != true {
				t.Errorf("display_name %v locked %v", got["display_name"], got["locked"])
			}
			if note, _ := got["note"].(string); note != "<p>Hello *world*</p>" {
				t.Errorf("note = %q, want the plain text as written", note)
			}
			src := got["source"].(map[string]any)
			if src["note"] != "Hello *world*" || src["privacy"] != "unlisted" || src["sensitive"] != true || src["language"] != "de" {
				t.Errorf("source = %v", src)
			}
			fields := got["fields"].([]any)
			if len(fields) != 2 || fields[1].(map[string]any)["name"] != "Pronouns" {
				t.Errorf("fields = %v", fields)
			}
			// The default visibility applies to the next post.
			st := c.mustCall(t, 200, "POST", "/api/v1/statuses", url.Values{"status": {"defaults"}}).object(t)
			if st["visibility"] != "unlisted" || st["language"] != "de" {
				t.Errorf("new post visibility %v language %v, want unlisted de", st["visibility"], st["language"])
			}
		})
	}
	// A partial update keeps the rest.
	got := c.mustCall(t, 200, "PATCH", "/api/v1/accounts/update_credentials", url.Values{"bot": {"true"}}).object(t)
	if got["display_name"] != "Alice A." || got["bot"] != true || len(got["fields"].([]any)) != 2 {
		t.Errorf("after partial update: %v", got)
	}
	for _, bad := range []url.Values{{"source[privacy]": {"friends"}}, {"display_name": {strings.Repeat("x", 31)}}} {
		if res := c.call(t, "PATCH", "/api/v1/accounts/update_credentials", bad); res.status != 422 {
			t.Errorf("%v: status %d, want 422", bad, res.status)
		}
	}
	if res := newTokenClient(t, in, "read").call(t, "PATCH", "/api/v1/accounts/update_credentials", url.Values{"bot": {"false"}}); res.status != 403 {
		t.Errorf("read token: status %d, want 403", res.status)
	}
}

func TestAvatarUpload(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read write")
	pic := servertest.PNG(t, 64, 48)
	got := c.mustCall(t, 200, "PATCH", "/api/v1/accounts/update_credentials",
		multipartBody{fields: map[string]string{"display_name": "Pic"}, files: map[string][]byte{"avatar": pic, "header": pic}}).object(t)
	avatar, _ := got["avatar"].(string)
	prefix := in.Srv.Config().Server.URL + "/media/"
	if !strings.HasPrefix(avatar, prefix) || !strings.HasSuffix(avatar, ".png") || got["header"] == avatar {
		t.Fatalf("avatar %q header %v", avatar, got["header"])
	}
	resp, body := servertest.Get(t, http.DefaultClient, in.HTTP.URL+"/media/"+strings.TrimPrefix(avatar, prefix))
	if resp.StatusCode != 200 {
		t.Fatalf("GET avatar: status %d", resp.StatusCode)
	}
	if cfg, err := png.DecodeConfig(strings.NewReader(body)); err != nil || cfg.Width != 64 || cfg.Height != 48 {
		t.Errorf("served avatar: %v %v, want a 64×48 PNG", cfg, err)
	}
	if ct, cc := resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"); ct != "image/png" || !strings.Contains(cc, "immutable") {
		t.Errorf("Content-Type %q Cache-Control %q", ct, cc)
	}

	for _, path := range []string{"/media/", "/media/../kith.db", "/media/%2e%2e/kith.db", "/media/..%2fkith.db", "/media/nothing.png"} {
		if resp, _ := servertest.Get(t, http.DefaultClient, in.HTTP.URL+path); resp.StatusCode != 404 {
			t.Errorf("GET %s: status %d, want 404", path, resp.StatusCode)
		}
	}

	refused := map[string][]byte{
		"text":      []byte("this is not an image at all"),
		"truncated": pic[:20],
		"svg":       []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`),
	}
	for name, data := range refused {
		res := c.call(t, "PATCH", "/api/v1/accounts/update_credentials", multipartBody{files: map[string][]byte{"avatar": data}})
		if res.status != 422 || !strings.Contains(res.body, "JPEG, PNG, GIF or WebP") {
			t.Errorf("%s: status %d %s, want 422", name, res.status, res.body)
		}
	}
	after := c.mustCall(t, 200, "GET", "/api/v1/accounts/verify_credentials", nil).object(t)
	if after["avatar"] != avatar {
		t.Errorf("a refused upload changed the avatar to %v", after["avatar"])
	}
}

func TestAvatarTooLarge(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "write:accounts")
	big := append(servertest.PNG(t, 8, 8), make([]byte, api.ProfileImageMax)...)
	res := c.call(t, "PATCH", "/api/v1/accounts/update_credentials", multipartBody{files: map[string][]byte{"avatar": big}})
	if res.status != 422 || !strings.Contains(res.body, "larger than 8 MB") {
		t.Errorf("status %d %s, want 422", res.status, res.body)
	}
}

func TestAvatarWebP(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read write:accounts")
	// A 1×1 lossless WebP (the one Modernizr detects support with).
	webp, err := base64.StdEncoding.DecodeString("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
	if err != nil {
		t.Fatal(err)
	}
	got := c.mustCall(t, 200, "PATCH", "/api/v1/accounts/update_credentials", multipartBody{files: map[string][]byte{"header": webp}}).object(t)
	header, _ := got["header"].(string)
	if !strings.Contains(header, "/media/") || strings.HasSuffix(header, ".webp") {
		t.Errorf("header %q, want a re-encoded file under /media/", header)
	}
}

func TestAccountReads(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read write follow")
	bob := servertest.AddRemoteActor(t, in, "bob", "remote.example")
	owner := c.mustCall(t, 200, "GET", "/api/v1/accounts/verify_credentials", nil).object(t)
	ownerID := owner["id"].(string)

	got := c.mustCall(t, 200, "GET", "/api/v1/accounts/"+core.APIID(bob.ID), nil).object(t)
	checkFields(t, "remote account", got, accountKeys, []string{"id"}, []string{"created_at"})
	if got["acct"] != "bob@remote.example" || got["source"] != nil {
		t.Errorf("acct %v source %v", got["acct"], got["source"])
	}
	// Public reads need no token.
	anon := tokenClient{in: in}
	anon.mustCall(t, 200, "GET", "/api/v1/accounts/"+ownerID, nil)
	if res := (tokenClient{in: in, token: "nope"}).call(t, "GET", "/api/v1/accounts/"+ownerID, nil); res.status != 401 {
		t.Errorf("bad token on a public read: status %d, want 401", res.status)
	}

	lookups := []struct {
		acct string
		want int
		id   string
	}{
		{"bob@remote.example", 200, core.APIID(bob.ID)},
		{"@Bob@remote.example", 200, core.APIID(bob.ID)},
		{in.Srv.Fed.URLs().Username(), 200, ownerID},
		{in.Srv.Fed.URLs().Username() + "@" + in.Srv.Fed.URLs().Host(), 200, ownerID},
		{"carol@remote.example", 404, ""},
		{"", 422, ""},
	}
	for _, tt := range lookups {
		res := c.call(t, "GET", "/api/v1/accounts/lookup?acct="+url.QueryEscape(tt.acct), nil)
		if res.status != tt.want {
			t.Errorf("lookup %q: status %d, want %d", tt.acct, res.status, tt.want)
			continue
		}
		if tt.want == 200 && res.object(t)["id"] != tt.id {
			t.Errorf("lookup %q: id %v, want %s", tt.acct, res.object(t)["id"], tt.id)
		}
	}
	for _, id := range []string{"999999", "abc"} {
		res := c.call(t, "GET", "/api/v1/accounts/"+id, nil)
		if res.status != 404 || res.body != "{\"error\":\"Record not found\"}\n" {
			t.Errorf("account %s: %d %s", id, res.status, res.body)
		}
	}

	search := c.mustCall(t, 200, "GET", "/api/v1/accounts/search?q=bo", nil).list(t)
	if len(search) != 1 || search[0]["id"] != core.APIID(bob.ID) {
		t.Errorf("search bo: %v", search)
	}
	if got := c.mustCall(t, 200, "GET", "/api/v1/accounts/search?q=bo&following=true", nil).list(t); len(got) != 0 {
		t.Errorf("search following: %v", got)
	}
	for _, path := range []string{"/featured_tags", "/lists", "/followers", "/following"} {
		if got := c.mustCall(t, 200, "GET", "/api/v1/accounts/"+core.APIID(bob.ID)+path, nil).list(t); len(got) != 0 {
			t.Errorf("%s: %v, want []", path, got)
		}
	}
	fam := c.mustCall(t, 200, "GET", "/api/v1/accounts/familiar_followers?id[]="+core.APIID(bob.ID), nil).list(t)
	if len(fam) != 1 || fam[0]["id"] != core.APIID(bob.ID) || len(fam[0]["accounts"].([]any)) != 0 {
		t.Errorf("familiar_followers: %v", fam)
	}
}

func TestRelationshipsAfterActions(t *testing.T) {
	in := servertest.New(t, nil)
	// Mute expiry is set by the server's clock and read by the store's.
	in.Clock.Add(time.Since(in.Clock.Now()))
	c := newTokenClient(t, in, "read write follow")
	bob := servertest.AddRemoteActor(t, in, "bob", "remote.example")
	id := core.APIID(bob.ID)
	base := "/api/v1/accounts/" + id

	steps := []struct {
		action string
		body   url.Values
		want   map[string]any
	}{
		{"follow", url.Values{"reblogs": {"false"}, "notify": {"true"}, "languages[]": {"en", "de"}},
			map[string]any{"requested": true, "following": false, "showing_reblogs": false, "notifying": true}},
		{"block", nil, map[string]any{"blocking": true, "requested": false, "following": false}},
		{"unblock", nil, map[string]any{"blocking": false}},
		{"mute", url.Values{"notifications": {"false"}, "duration": {"3600"}}, map[string]any{"muting": true, "muting_notifications": false}},
		{"unmute", nil, map[string]any{"muting": false}},
		{"note", url.Values{"comment": {"met at a conference"}}, map[string]any{"note": "met at a conference"}},
		{"pin", nil, map[string]any{"endorsed": true}},
		{"unpin", nil, map[string]any{"endorsed": false}},
		{"follow", nil, map[string]any{"requested": true, "showing_reblogs": true}},
		{"unfollow", nil, map[string]any{"requested": false, "following": false}},
		{"remove_from_followers", nil, map[string]any{"followed_by": false}},
	}
	for _, st := range steps {
		got := c.mustCall(t, 200, "POST", base+"/"+st.action, st.body).object(t)
		if got["id"] != id {
			t.Errorf("%s: id %v", st.action, got["id"])
		}
		for k, want := range st.want {
			if got[k] != want {
				t.Errorf("after %s: %s = %#v, want %#v", st.action, k, got[k], want)
			}
		}
		again := c.mustCall(t, 200, "GET", "/api/v1/accounts/relationships?id[]="+id+"&id[]=424242", nil).list(t)
		if len(again) != 1 || fmt.Sprint(again[0]) != fmt.Sprint(got) {
			t.Errorf("after %s: relationships %v, want %v", st.action, again, got)
		}
	}
	// A follow the other side accepted shows as following, and lists.
	ctx := context.Background()
	localID := in.DB.OwnerID()
	err := in.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.PutFollow(ctx, store.Follow{FollowerID: localID, FolloweeID: bob.ID, State: store.FollowAccepted, ActivityURI: "https://x/1"}); err != nil {
			return err
		}
		return tx.PutFollow(ctx, store.Follow{FollowerID: bob.ID, FolloweeID: localID, State: store.FollowAccepted, ActivityURI: "https://x/2"})
	})
	if err != nil {
		t.Fatal(err)
	}
	rel := c.mustCall(t, 200, "GET", "/api/v1/accounts/relationships?id[]="+id, nil).list(t)[0]
	if rel["following"] != true || rel["followed_by"] != true {
		t.Errorf("accepted follows: %v", rel)
	}
	ownerID := core.APIID(localID)
	for _, path := range []string{"/followers", "/following"} {
		got := c.mustCall(t, 200, "GET", "/api/v1/accounts/"+ownerID+path, nil).list(t)
		if len(got) != 1 || got[0]["id"] != id {
			t.Errorf("owner%s: %v", path, got)
		}
	}
	if got := c.mustCall(t, 200, "GET", "/api/v1/accounts/search?q=bob&following=true", nil).list(t); len(got) != 1 {
		t.Errorf("search following after accept: %d results", len(got))
	}

	tests := []struct {
		scopes, method, path string
		want                 int
	}{
		{"read", "POST", base + "/follow", 403},
		{"write:blocks", "POST", base + "/follow", 403},
		{"write:follows", "POST", base + "/block", 403},
		{"follow", "POST", base + "/block", 200},
		{"read", "GET", "/api/v1/accounts/relationships?id[]=" + id, 200},
		{"write", "GET", "/api/v1/accounts/relationships?id[]=" + id, 403},
		{"write", "POST", "/api/v1/accounts/" + ownerID + "/follow", 403},
		{"write", "POST", "/api/v1/accounts/424242/follow", 404},
	}
	for _, tt := range tests {
		if res := newTokenClient(t, in, tt.scopes).call(t, tt.method, tt.path, nil); res.status != tt.want {
			t.Errorf("%s %s with %q: status %d, want %d: %s", tt.method, tt.path, tt.scopes, res.status, tt.want, res.body)
		}
	}
}

var linkRE = regexp.MustCompile(`<([^>]+)>; rel="(next|prev)"`)

func links(h http.Header) map[string]string {
	out := map[string]string{}
	for _, m := range linkRE.FindAllStringSubmatch(h.Get("Link"), -1) {
		out[m[2]] = m[1]
	}
	return out
}

func TestAccountStatusesPaging(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read")
	posts := servertest.PostStatuses(t, in, 45)
	ownerID := core.APIID(in.DB.OwnerID())

	var seen []string
	path := "/api/v1/accounts/" + ownerID + "/statuses?limit=20"
	var firstPrev string
	for page := 0; path != ""; page++ {
		res := c.mustCall(t, 200, "GET", path, nil)
		list := res.list(t)
		for _, s := range list {
			seen = append(seen, s["id"].(string))
		}
		l := links(res.header)
		if page == 0 {
			firstPrev = l["prev"]
		}
		if l["prev"] == "" && len(list) > 0 {
			t.Errorf("page %d: no prev link", page)
		}
		path = ""
		if next := l["next"]; next != "" {
			u, err := url.Parse(next)
			if err != nil || u.Query().Get("limit") != "20" || u.Query().Get("max_id") == "" {
				t.Fatalf("next link %q", next)
			}
			path = u.RequestURI()
		}
		if page > 5 {
			t.Fatal("paging does not end")
		}
	}
	if len(seen) != 45 {
		t.Fatalf("paged through %d statuses, want 45", len(seen))
	}
	for i, id := range seen {
		if want := core.APIID(posts[44-i].ID); id != want {
			t.Fatalf("status %d is %s, want %s (newest first)", i, id, want)
		}
	}
	// prev from the first page is empty until something newer is posted.
	u, _ := url.Parse(firstPrev)
	if got := c.mustCall(t, 200, "GET", u.RequestURI(), nil).list(t); len(got) != 0 {
		t.Errorf("prev of the newest page: %d statuses", len(got))
	}
	servertest.PostStatuses(t, in, 2)
	if got := c.mustCall(t, 200, "GET", u.RequestURI(), nil).list(t); len(got) != 2 {
		t.Errorf("prev after two new posts: %d statuses, want 2", len(got))
	}

	// Filters.
	reply, err := in.Srv.Fed.Post(context.Background(), federation.NewPost{Text: "a reply", InReplyTo: "https://remote.example/notes/1"})
	if err != nil {
		t.Fatal(err)
	}
	filters := []struct {
		query string
		has   bool
	}{
		{"", true},
		{"exclude_replies=true", false},
		{"pinned=true", false},
		{"only_media=true", false},
	}
	for _, f := range filters {
		list := c.mustCall(t, 200, "GET", "/api/v1/accounts/"+ownerID+"/statuses?"+f.query, nil).list(t)
		has := false
		for _, s := range list {
			has = has || s["id"] == core.APIID(reply.ID)
		}
		if has != f.has {
			t.Errorf("%q: reply listed %v, want %v", f.query, has, f.has)
		}
	}
}
