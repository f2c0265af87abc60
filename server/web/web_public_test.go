package web_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"kith/config"
	"kith/federation"
	"kith/server/servertest"
	"kith/server/web"
	"kith/store"
)

// webPublicPost has the owner post text with a visibility.
func webPublicPost(t *testing.T, in *servertest.Instance, text, visibility string) store.Post {
	t.Helper()
	p, err := in.Srv.Fed.Post(context.Background(), federation.NewPost{Text: text, Visibility: visibility})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestWebPublicProfileVisibility(t *testing.T) {
	in := servertest.New(t, nil)
	webPublicPost(t, in, "a public hello", store.Public)
	webPublicPost(t, in, "an unlisted hello", store.Unlisted)
	webPublicPost(t, in, "a followers-only secret", store.Private)
	webPublicPost(t, in, "a direct secret", store.Direct)
	visitor := in.Browser(t)
	for _, path := range []string{"/", "/@admin", "/@ADMIN"} {
		resp, body := servertest.Get(t, visitor, in.HTTP.URL+path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d, want 200", path, resp.StatusCode)
		}
		for _, want := range []string{"a public hello", "an unlisted hello", `<section class="profile"`,
			`<link rel="alternate" type="application/activity+json" href="http://localhost:8080/users/admin">`,
			`<meta property="og:title" content="admin (@admin@localhost:8080)">`, `<meta property="og:url" content="http://localhost:8080/@admin">`,
			`href="/remote_follow"`, `<a class="skip-link" href="#main">`} {
			if !strings.Contains(body, want) {
				t.Errorf("GET %s misses %s", path, want)
			}
		}
		for _, hidden := range []string{"secret", "csrf_token", `action="/statuses/`} {
			if strings.Contains(body, hidden) {
				t.Errorf("GET %s shows %q to a visitor", path, hidden)
			}
		}
	}
	if resp, _ := servertest.Get(t, visitor, in.HTTP.URL+"/@someone"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /@someone: status %d, want 404", resp.StatusCode)
	}

	owner := in.Browser(t)
	in.SignIn(t, owner)
	resp, _ := servertest.Get(t, owner, in.HTTP.URL+"/")
	if got := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || got != "/home" {
		t.Errorf("owner GET /: %d to %q, want 303 to /home", resp.StatusCode, got)
	}
	_, body := servertest.Get(t, owner, in.HTTP.URL+"/@admin")
	if !strings.Contains(body, "a followers-only secret") || !strings.Contains(body, `action="/statuses/`) {
		t.Errorf("the owner's own profile misses followers-only posts or the post buttons")
	}
}

func TestWebPublicProfilePinnedAndPaging(t *testing.T) {
	in := servertest.New(t, nil)
	posts := servertest.PostStatuses(t, in, web.ProfilePageSize+5)
	if err := in.Srv.Fed.Pin(context.Background(), posts[0].ID); err != nil {
		t.Fatal(err)
	}
	visitor := in.Browser(t)
	_, body := servertest.Get(t, visitor, in.HTTP.URL+"/@admin")
	pinned := strings.Index(body, `id="pinned-heading"`)
	first := strings.Index(body, fmt.Sprintf(`id="status-%d"`, posts[0].ID))
	newest := strings.Index(body, fmt.Sprintf(`id="status-%d"`, posts[len(posts)-1].ID))
	if pinned < 0 || first < pinned || newest < first {
		t.Errorf("pinned post not first: pinned section at %d, pinned post at %d, newest post at %d", pinned, first, newest)
	}
	if strings.Contains(body, fmt.Sprintf(`id="status-%d"`, posts[1].ID)) {
		t.Errorf("the first page shows post %d, which is on the second page", posts[1].ID)
	}
	oldestShown := posts[len(posts)-web.ProfilePageSize].ID
	next := fmt.Sprintf(`href="/@admin?max_id=%d" rel="next"`, oldestShown)
	if !strings.Contains(body, next) {
		t.Fatalf("no link to older posts %s", next)
	}
	resp, body := servertest.Get(t, visitor, in.HTTP.URL+"/@admin?max_id="+strconv.FormatInt(oldestShown, 10))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, fmt.Sprintf(`id="status-%d"`, posts[1].ID)) {
		t.Errorf("second page: status %d, or post %d missing", resp.StatusCode, posts[1].ID)
	}
	if strings.Contains(body, `id="pinned-heading"`) || strings.Contains(body, `rel="next"`) || !strings.Contains(body, `rel="prev"`) {
		t.Errorf("second page: pinned posts shown, or a next link, or no prev link")
	}
}

func TestWebPublicProfileFieldsBoostsAndMove(t *testing.T) {
	in := servertest.New(t, nil)
	ctx := context.Background()
	err := in.Srv.Fed.UpdateProfile(ctx, federation.Profile{DisplayName: "Ada", Summary: "I write *code*.",
		Fields: []store.Field{{Name: "Site", Value: "https://ada.example/me"}, {Name: "Pronouns", Value: "she/her"}, {Name: "Trick", Value: `javascript:alert(1)`}}})
	if err != nil {
		t.Fatal(err)
	}
	bob := servertest.AddRemoteActor(t, in, "bob", "bob.test")
	public := servertest.AddRemotePost(t, in, store.Post{URI: "https://bob.test/p/1", AuthorID: bob.ID, Content: "<p>bob says hi</p>"})
	private := servertest.AddRemotePost(t, in, store.Post{URI: "https://bob.test/p/2", AuthorID: bob.ID, Content: "<p>bob's secret</p>", Visibility: store.Private})
	for _, p := range []store.Post{public, private} {
		servertest.AddRemotePost(t, in, store.Post{URI: p.URI + "/boost", AuthorID: in.DB.OwnerID(), Local: true, ReblogOfID: p.ID})
	}
	_, body := servertest.Get(t, in.Browser(t), in.HTTP.URL+"/@admin")
	for _, want := range []string{`<a href="https://ada.example/me" rel="me nofollow noopener noreferrer">https://ada.example/me</a>`,
		"<dd>she/her</dd>", "<em>code</em>", `<h1 class="display-name" id="profile-name">Ada</h1>`,
		`<p class="boosted-by"><a href="/@admin">Ada</a> boosted</p>`, "bob says hi"} {
		if !strings.Contains(body, want) {
			t.Errorf("profile misses %s", want)
		}
	}
	if strings.Contains(body, `href="javascript:`) || strings.Contains(body, "bob&#39;s secret") || strings.Contains(body, "bob's secret") {
		t.Errorf("profile links a javascript: field or shows a boosted followers-only post")
	}
	if strings.Contains(body, "banner-moved") {
		t.Errorf("a moved banner on an account that has not moved")
	}
	err = in.DB.InTx(ctx, func(tx *store.Tx) error { return tx.SetActorMovedTo(ctx, in.DB.OwnerID(), bob.URI) })
	if err != nil {
		t.Fatal(err)
	}
	_, body = servertest.Get(t, in.Browser(t), in.HTTP.URL+"/@admin")
	if want := `This account has moved to <a href="https://bob.test/@bob">BOB (@bob@bob.test)</a>`; !strings.Contains(body, want) {
		t.Errorf("moved profile misses %s", want)
	}
}

func TestWebPublicActivityJSON(t *testing.T) {
	in := servertest.New(t, nil)
	p := webPublicPost(t, in, "hello peers", store.Public)
	cases := []struct {
		path, accept, wantType string
	}{
		{"/@admin", "application/activity+json", "Person"},
		{"/@admin", `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`, "Person"},
		{"/@admin/" + strconv.FormatInt(p.ID, 10), "application/activity+json", "Note"},
	}
	for _, c := range cases {
		resp, body := servertest.GetAccept(t, in.HTTP.URL+c.path, c.accept)
		var doc struct{ Type string }
		if err := json.Unmarshal([]byte(body), &doc); err != nil || doc.Type != c.wantType {
			t.Errorf("GET %s (%s): type %q (%v), want %s", c.path, c.accept, doc.Type, err, c.wantType)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/activity+json") {
			t.Errorf("GET %s: content type %q", c.path, ct)
		}
	}
	if resp, _ := servertest.GetAccept(t, in.HTTP.URL+"/@admin", "text/html"); !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("GET /@admin as a browser: content type %q, want HTML", resp.Header.Get("Content-Type"))
	}
}

func TestWebPublicPermalink(t *testing.T) {
	in := servertest.New(t, nil)
	public := webPublicPost(t, in, "root post", store.Public)
	unlisted := webPublicPost(t, in, "unlisted post", store.Unlisted)
	private := webPublicPost(t, in, "followers post", store.Private)
	direct := webPublicPost(t, in, "direct post", store.Direct)
	bob := servertest.AddRemoteActor(t, in, "bob", "bob.test")
	reply := servertest.AddRemotePost(t, in, store.Post{URI: "https://bob.test/p/1", AuthorID: bob.ID, Content: "<p>a public reply</p>",
		InReplyToURI: public.URI, InReplyToID: public.ID})
	servertest.AddRemotePost(t, in, store.Post{URI: "https://bob.test/p/2", AuthorID: bob.ID, Content: "<p>a hidden reply</p>",
		InReplyToURI: public.URI, InReplyToID: public.ID, Visibility: store.Private})
	boost := servertest.AddRemotePost(t, in, store.Post{URI: public.URI + "/boost", AuthorID: in.DB.OwnerID(), Local: true, ReblogOfID: reply.ID})
	id := func(p store.Post) string { return strconv.FormatInt(p.ID, 10) }
	cases := []struct {
		path string
		want int
	}{
		{"/@admin/" + id(public), 200},
		{"/@admin/" + id(unlisted), 200},
		{"/@admin/" + id(private), 404},
		{"/@admin/" + id(direct), 404},
		{"/@admin/" + id(reply), 404}, // another server's post
		{"/@admin/" + id(boost), 404},
		{"/@admin/999999", 404},
		{"/@admin/abc", 404},
		{"/@bob/" + id(public), 404},
	}
	visitor := in.Browser(t)
	for _, c := range cases {
		resp, body := servertest.Get(t, visitor, in.HTTP.URL+c.path)
		if resp.StatusCode != c.want {
			t.Errorf("GET %s: status %d, want %d", c.path, resp.StatusCode, c.want)
		}
		if c.want == 404 && (strings.Contains(body, "followers post") || strings.Contains(body, "direct post")) {
			t.Errorf("GET %s: the 404 page shows the post", c.path)
		}
	}
	_, body := servertest.Get(t, visitor, in.HTTP.URL+"/@admin/"+id(public))
	for _, want := range []string{`class="status focus"`, `class="status descendant"`, "a public reply",
		`<meta property="og:type" content="article">`, `<meta property="og:description" content="root post">`,
		`<link rel="alternate" type="application/activity+json" href="` + public.URI + `">`} {
		if !strings.Contains(body, want) {
			t.Errorf("permalink misses %s", want)
		}
	}
	if strings.Contains(body, "a hidden reply") {
		t.Errorf("permalink shows a followers-only reply to a visitor")
	}
	owner := in.Browser(t)
	in.SignIn(t, owner)
	if resp, _ := servertest.Get(t, owner, in.HTTP.URL+"/@admin/"+id(private)); resp.StatusCode != 200 {
		t.Errorf("owner GET of their followers-only post: status %d, want 200", resp.StatusCode)
	}
}

func TestWebPublicFollowsHidden(t *testing.T) {
	in := servertest.New(t, nil)
	ctx := context.Background()
	bob := servertest.AddRemoteActor(t, in, "bob", "bob.test")
	carol := servertest.AddRemoteActor(t, in, "carol", "carol.test")
	me := in.DB.OwnerID()
	servertest.PutFollow(t, in, bob.ID, me, store.FollowAccepted)
	servertest.PutFollow(t, in, me, carol.ID, store.FollowAccepted)
	visitor := in.Browser(t)
	check := func(path, want string, shown bool) {
		t.Helper()
		resp, body := servertest.Get(t, visitor, in.HTTP.URL+path)
		if resp.StatusCode != 200 || strings.Contains(body, want) != shown {
			t.Errorf("GET %s: status %d, shows %s: %v, want %v", path, resp.StatusCode, want, !shown, shown)
		}
	}
	check("/@admin/followers", "@bob@bob.test", true)
	check("/@admin/following", "@carol@carol.test", true)
	check("/@admin", "<strong>1</strong> followers", true)
	if err := in.DB.InTx(ctx, func(tx *store.Tx) error { return tx.SetSetting(ctx, "hide_network", "true") }); err != nil {
		t.Fatal(err)
	}
	check("/@admin/followers", "@bob@bob.test", false)
	check("/@admin/following", "@carol@carol.test", false)
	check("/@admin", "followers</a>", false)
	owner := in.Browser(t)
	in.SignIn(t, owner)
	if _, body := servertest.Get(t, owner, in.HTTP.URL+"/@admin/followers"); !strings.Contains(body, "@bob@bob.test") {
		t.Errorf("the owner does not see their own followers when the network is hidden")
	}
	if resp, _ := servertest.Get(t, visitor, in.HTTP.URL+"/@bob/followers"); resp.StatusCode != 404 {
		t.Errorf("GET /@bob/followers: status %d, want 404", resp.StatusCode)
	}
}

func TestWebPublicTagPage(t *testing.T) {
	in := servertest.New(t, nil)
	webPublicPost(t, in, "bread is good #Baking", store.Public)
	webPublicPost(t, in, "secret bread #baking", store.Private)
	bob := servertest.AddRemoteActor(t, in, "bob", "bob.test")
	servertest.AddRemotePost(t, in, store.Post{URI: "https://bob.test/p/1", AuthorID: bob.ID, Content: "<p>remote #baking</p>", Tags: []string{"baking"}})
	visitor := in.Browser(t)
	resp, body := servertest.Get(t, visitor, in.HTTP.URL+"/tags/baking")
	if resp.StatusCode != 200 || !strings.Contains(body, "bread is good") {
		t.Fatalf("GET /tags/baking: status %d, or the public post missing", resp.StatusCode)
	}
	if strings.Contains(body, "secret bread") || strings.Contains(body, "remote #baking") {
		t.Errorf("tag page shows a visitor a followers-only post or another server's post")
	}
	if !strings.Contains(body, `<link rel="alternate" type="application/rss+xml"`) {
		t.Errorf("tag page has no feed link")
	}
	if resp, _ := servertest.Get(t, visitor, in.HTTP.URL+"/tags/bad%20tag"); resp.StatusCode != 404 {
		t.Errorf("GET /tags/bad tag: status %d, want 404", resp.StatusCode)
	}
}

func TestWebPublicFeeds(t *testing.T) {
	in := servertest.New(t, nil)
	webPublicPost(t, in, "feed me #bread & butter", store.Public)
	webPublicPost(t, in, "unlisted words", store.Unlisted)
	webPublicPost(t, in, "private words", store.Private)
	cases := []struct {
		path, contentType string
		items             func(body []byte) ([]string, error)
	}{
		{"/@admin.rss", "application/rss+xml; charset=utf-8", rssDescriptions},
		{"/@admin.atom", "application/atom+xml; charset=utf-8", atomContents},
		{"/tags/bread.rss", "application/rss+xml; charset=utf-8", rssDescriptions},
		{"/tags/bread.atom", "application/atom+xml; charset=utf-8", atomContents},
	}
	for _, c := range cases {
		resp, body := servertest.Get(t, http.DefaultClient, in.HTTP.URL+c.path)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != c.contentType {
			t.Errorf("GET %s: %d %q, want 200 %q", c.path, resp.StatusCode, resp.Header.Get("Content-Type"), c.contentType)
			continue
		}
		items, err := c.items([]byte(body))
		if err != nil {
			t.Errorf("GET %s: not valid XML: %v", c.path, err)
			continue
		}
		if len(items) != 1 || !strings.Contains(items[0], "feed me") || !strings.Contains(items[0], "&amp; butter") {
			t.Errorf("GET %s: items %q, want only the public post", c.path, items)
		}
	}
	if resp, _ := servertest.Get(t, http.DefaultClient, in.HTTP.URL+"/@bob.rss"); resp.StatusCode != 404 {
		t.Errorf("GET /@bob.rss: status %d, want 404", resp.StatusCode)
	}
}

func rssDescriptions(body []byte) ([]string, error) {
	var doc struct {
		Channel struct {
			Title string `xml:"title"`
			Items []struct {
				Description string `xml:"description"`
			} `xml:"item"`
		} `xml:"channel"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		return nil, err
	}
	if doc.Channel.Title == "" {
		return nil, fmt.Errorf("no channel title")
	}
	var out []string
	for _, it := range doc.Channel.Items {
		out = append(out, it.Description)
	}
	return out, nil
}

func atomContents(body []byte) ([]string, error) {
	var doc struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		Updated string   `xml:"updated"`
		Entries []struct {
			ID      string `xml:"id"`
			Content string `xml:"content"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		return nil, err
	}
	if doc.Updated == "" {
		return nil, fmt.Errorf("no updated")
	}
	var out []string
	for _, e := range doc.Entries {
		if e.ID == "" {
			return nil, fmt.Errorf("an entry without id")
		}
		out = append(out, e.Content)
	}
	return out, nil
}

// TestWebPublicRemoteFollow has a visitor of alice's server follow her
// from bob's: alice's server asks bob's WebFinger for its subscribe
// template and sends the visitor there.
func TestWebPublicRemoteFollow(t *testing.T) {
	bob := servertest.New(t, func(c *config.Config) { c.Server.URL, c.Owner.Username = "http://bob.test", "bob" })
	// A server whose subscribe template would run script in the visitor's
	// browser.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/jrd+json")
		fmt.Fprint(w, `{"subject":"acct:mallory@evil.test","links":[{"rel":"http://ostatus.org/schema/1.0/subscribe","template":"javascript:alert(1)//{uri}"}]}`)
	}))
	t.Cleanup(evil.Close)
	alice := servertest.New(t, func(c *config.Config) {
		c.Federation.AllowPrivateAddresses = true
		c.Federation.Hosts = map[string]string{"bob.test": strings.TrimPrefix(bob.HTTP.URL, "http://"),
			"evil.test": strings.TrimPrefix(evil.URL, "http://")}
	})
	p := webPublicPost(t, alice, "interact with me", store.Public)
	private := webPublicPost(t, alice, "not for you", store.Private)
	visitor := alice.Browser(t)
	actor := alice.Srv.Fed.URLs().Actor()
	cases := []struct {
		path     string
		status   int
		location string
	}{
		{"/remote_follow", 200, ""},
		{"/remote_follow?acct=" + url.QueryEscape("@bob@bob.test"), 303, "http://bob.test/authorize_interaction?uri=" + url.QueryEscape(actor)},
		{"/remote_follow?acct=bob@bob.test", 303, "http://bob.test/authorize_interaction?uri=" + url.QueryEscape(actor)},
		{"/interact/" + strconv.FormatInt(p.ID, 10) + "?type=favourite", 200, ""},
		{"/interact/" + strconv.FormatInt(p.ID, 10) + "?type=reblog&acct=bob@bob.test", 303, "http://bob.test/authorize_interaction?uri=" + url.QueryEscape(p.URI)},
		{"/interact/" + strconv.FormatInt(private.ID, 10) + "?acct=bob@bob.test", 404, ""},
		{"/interact/999999", 404, ""},
		{"/remote_follow?acct=not-a-handle", 422, ""},
		{"/remote_follow?acct=nobody@unknown.invalid", 422, ""},
		{"/remote_follow?acct=mallory@evil.test", 422, ""},
	}
	for _, c := range cases {
		resp, body := servertest.Get(t, visitor, alice.HTTP.URL+c.path)
		if resp.StatusCode != c.status || resp.Header.Get("Location") != c.location {
			t.Errorf("GET %s: %d to %q, want %d to %q", c.path, resp.StatusCode, resp.Header.Get("Location"), c.status, c.location)
		}
		if c.status == 422 && !strings.Contains(body, `role="alert"`) {
			t.Errorf("GET %s: no error message on the form", c.path)
		}
		if c.status == 404 && strings.Contains(body, "not for you") {
			t.Errorf("GET %s: the 404 page shows the followers-only post", c.path)
		}
	}
	_, body := servertest.Get(t, visitor, alice.HTTP.URL+"/interact/"+strconv.FormatInt(p.ID, 10)+"?type=favourite")
	if !strings.Contains(body, "To favourite this post") || !strings.Contains(body, "interact with me") || !strings.Contains(body, `name="type" value="favourite"`) {
		t.Errorf("interaction page misses the post, the verb or the type field")
	}
}

func TestWebLayoutNav(t *testing.T) {
	in := servertest.New(t, nil)
	bob := servertest.AddRemoteActor(t, in, "bob", "bob.test")
	carol := servertest.AddRemoteActor(t, in, "carol", "carol.test")
	servertest.Notify(t, in, "follow", bob.ID, 0)
	servertest.Notify(t, in, "mention", bob.ID, 0)
	servertest.PutFollow(t, in, carol.ID, in.DB.OwnerID(), store.FollowPending)
	navOf := func(page string) string {
		start, end := strings.Index(page, `<nav class="site-nav"`), strings.Index(page, "</nav>")
		if start < 0 || end < start {
			t.Fatalf("no site nav in page")
		}
		return page[start:end]
	}
	_, body := servertest.Get(t, in.Browser(t), in.HTTP.URL+"/@admin")
	visitorNav := navOf(body)
	for _, want := range []string{`<a href="/@admin" aria-current="page">Profile</a>`, `<a href="/login">Sign in</a>`} {
		if !strings.Contains(visitorNav, want) {
			t.Errorf("visitor nav misses %s:\n%s", want, visitorNav)
		}
	}
	if strings.Contains(visitorNav, "/home") || strings.Contains(visitorNav, "badge") {
		t.Errorf("visitor nav shows owner links or counts:\n%s", visitorNav)
	}
	owner := in.Browser(t)
	in.SignIn(t, owner)
	_, body = servertest.Get(t, owner, in.HTTP.URL+"/@admin")
	ownerNav := navOf(body)
	for _, want := range []string{`href="/home">Home</a>`, `href="/notifications">Notifications <span class="badge">2<span class="visually-hidden"> unread</span></span></a>`,
		`href="/all">All</a>`, `href="/compose">Compose</a>`, `<a href="/@admin" aria-current="page">Profile</a>`,
		`href="/relationships">Follows <span class="badge">1<span class="visually-hidden"> follow requests</span></span></a>`,
		`href="/blocks">Blocks &amp; mutes</a>`, `href="/settings">Settings</a>`, `action="/logout"`, "Sign out"} {
		if !strings.Contains(ownerNav, want) {
			t.Errorf("owner nav misses %s:\n%s", want, ownerNav)
		}
	}
}
