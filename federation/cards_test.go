package federation_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"kith/federation"
	"kith/store"
)

// pageSite is the web in these tests: one HTTP server answering for
// several host names, each path a handler, every request logged.
type pageSite struct {
	srv  *httptest.Server
	mu   sync.Mutex
	hits []string
	mux  *http.ServeMux
}

func newPageSite(t testing.TB) *pageSite {
	t.Helper()
	s := &pageSite{mux: http.NewServeMux()}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits = append(s.hits, r.Host+r.URL.RequestURI())
		s.mu.Unlock()
		s.mux.ServeHTTP(w, r)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// page serves body as HTML at pattern ("host/path").
func (s *pageSite) page(pattern, contentType, body string) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Write([]byte(body))
	})
}

func (s *pageSite) requests(prefix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, h := range s.hits {
		if strings.HasPrefix(h, prefix) {
			n++
		}
	}
	return n
}

// newCardNetwork starts alice with news.test and video.test served by
// site; edit adjusts alice's options.
func newCardNetwork(t *testing.T, site *pageSite, edit func(*federation.Options)) (*network, *kith) {
	t.Helper()
	n := &network{t: t, hosts: map[string]string{
		"news.test": site.srv.Listener.Addr().String(), "video.test": site.srv.Listener.Addr().String(),
	}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n.hosts["alice.test"] = ln.Addr().String()
	n.nodes = append(n.nodes, n.start("alice", ln, edit))
	return n, n.nodes[0]
}

// postCard posts text as alice, runs the queue and returns the post's
// card, if it got one.
func postCard(t *testing.T, n *network, k *kith, text string) (store.Card, bool) {
	t.Helper()
	p, err := k.fed.Post(context.Background(), federation.NewPost{Text: text})
	if err != nil {
		t.Fatal(err)
	}
	n.settle()
	return cardOf(t, k, p.ID)
}

func cardOf(t *testing.T, k *kith, postID int64) (store.Card, bool) {
	t.Helper()
	cards, err := k.db.PostCards(context.Background(), []int64{postID})
	if err != nil {
		t.Fatal(err)
	}
	c, ok := cards[postID]
	return c, ok
}

const ogPage = `<!doctype html><html><head><title>fallback</title>
<meta property="og:title" content="News of the day">
<meta property="og:description" content="Everything that happened.">
<meta property="og:site_name" content="News Test">
<meta property="og:image" content="/img/lead.jpg">
<meta property="og:image:alt" content="A crowd">
<meta name="twitter:card" content="summary_large_image">
<meta name="fediverse:creator" content="@bob@news.test">
</head><body><p>The article.</p></body></html>`

func TestCardFromOpenGraph(t *testing.T) {
	site := newPageSite(t)
	site.page("news.test/a", "text/html; charset=utf-8", ogPage)
	site.page("news.test/img/lead.jpg", "image/png", string(testImage(t, 60, 40)))
	n, alice := newCardNetwork(t, site, nil)

	c, ok := postCard(t, n, alice, "read this: http://news.test/a")
	if !ok {
		t.Fatalf("no card for a post linking an OpenGraph page")
	}
	want := store.Card{Title: "News of the day", Description: "Everything that happened.", ProviderName: "News Test",
		ImageURL: "http://news.test/img/lead.jpg", ImageDescription: "A crowd", Creator: "bob@news.test", Type: "link",
		URL: "http://news.test/a", CardURL: "http://news.test/a", Width: 60, Height: 40}
	got := c
	got.ID, got.FetchedAt, got.Found = 0, time.Time{}, false
	if got != want {
		t.Errorf("card:\n got %+v\nwant %+v", got, want)
	}

	// A second post linking the page uses the stored card: one fetch.
	if _, ok := postCard(t, n, alice, "again http://news.test/a"); !ok {
		t.Errorf("the second post linking the page has no card")
	}
	if got := site.requests("news.test/a"); got != 1 {
		t.Errorf("page fetched %d times, want 1", got)
	}

	// After a week the card is fetched again for the next post.
	stale := c
	stale.FetchedAt = time.Now().Add(-8 * 24 * time.Hour)
	if err := alice.db.InTx(context.Background(), func(tx *store.Tx) error { _, err := tx.PutCard(context.Background(), stale); return err }); err != nil {
		t.Fatal(err)
	}
	postCard(t, n, alice, "once more http://news.test/a")
	if got := site.requests("news.test/a"); got != 2 {
		t.Errorf("page fetched %d times after its card went stale, want 2", got)
	}
}

func TestCardFromTwitterTagsAndOEmbed(t *testing.T) {
	site := newPageSite(t)
	site.page("news.test/tw", "text/html", `<head><meta name="twitter:title" content="Only Twitter tags">
		<meta name="twitter:description" content="tw description"><meta name="twitter:image" content="http://news.test/tw.png">`)
	site.page("video.test/watch", "text/html", `<head><title>Video page</title>
		<link rel="alternate" type="application/json+oembed" href="http://video.test/oembed?url=http%3A%2F%2Fvideo.test%2Fwatch">`)
	site.page("video.test/oembed", "application/json", `{"version":"1.0","type":"video","title":"The video",
		"author_name":"Maker","author_url":"http://video.test/@maker","provider_name":"VideoTest","provider_url":"http://video.test/",
		"html":"<iframe src=\"http://video.test/embed\" width=\"640\" height=\"360\"></iframe>","width":640,"height":360,
		"thumbnail_url":"http://video.test/thumb.jpg","thumbnail_width":320,"thumbnail_height":180}`)
	n, alice := newCardNetwork(t, site, nil)

	c, ok := postCard(t, n, alice, "http://news.test/tw")
	if !ok || c.Title != "Only Twitter tags" || c.Description != "tw description" || c.ImageURL != "http://news.test/tw.png" {
		t.Errorf("twitter card: %+v (found %v)", c, ok)
	}

	c, ok = postCard(t, n, alice, "watch http://video.test/watch")
	if !ok {
		t.Fatalf("no card from the oEmbed page")
	}
	if c.Type != "video" || c.Title != "The video" || c.AuthorName != "Maker" || c.AuthorURL != "http://video.test/@maker" ||
		c.ProviderName != "VideoTest" || c.ImageURL != "http://video.test/thumb.jpg" || c.Width != 640 || c.Height != 360 {
		t.Errorf("oEmbed card: %+v", c)
	}
	if c.HTML != "" {
		t.Errorf("oEmbed html %q kept; an iframe-only embed must leave none", c.HTML)
	}
}

// Links that are mentions, hashtags or the post's own media, or to names
// reserved for examples and tests (unless federation.hosts maps them), get
// no card; the first other link does. A remote post behind a content warning gets
// none.
func TestCardLinkChoice(t *testing.T) {
	site := newPageSite(t)
	site.page("news.test/a", "text/html", ogPage)
	site.page("news.test/tags/x", "text/html", `<meta property="og:title" content="a tag page">`)
	peer := newFakePeer(t)
	n := &network{t: t, hosts: map[string]string{"news.test": site.srv.Listener.Addr().String(), "remote.test": peer.addr()}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n.hosts["alice.test"] = ln.Addr().String()
	alice := n.start("alice", ln, nil)
	n.nodes = append(n.nodes, alice)
	bob := peer.addActor(t, "http://remote.test/users/bob", fakeKeys()[0])

	deliver := func(id, content, summary string) (store.Card, bool) {
		t.Helper()
		act := mentionOf(bob.id, alice, id, "")
		obj := act["object"].(map[string]any)
		obj["content"] = content
		if summary != "" {
			obj["summary"] = summary
		}
		if got := bob.deliver(t, n, alice.fed.URLs().SharedInbox(), act); got != http.StatusAccepted {
			t.Fatalf("delivery: status %d", got)
		}
		n.settle()
		p, ok := postOn(alice, id)
		if !ok {
			t.Fatalf("post %s not stored", id)
		}
		return cardOf(t, alice, p.ID)
	}
	c, ok := deliver(bob.id+"/1", `<p><span class="h-card"><a href="http://news.test/@x" class="u-url mention">@<span>x</span></a></span> `+
		`<a href="http://news.test/tags/x" class="mention hashtag" rel="tag">#<span>x</span></a> `+
		`<a href="http://news.test/tags/x">#x</a>, <a href="https://example.com/x">an example</a>, <a href="http://nowhere.test/">a test name</a> `+
		`and <a href="http://news.test/a">the news</a></p>`, "")
	if !ok || c.URL != "http://news.test/a" {
		t.Errorf("card %+v (found %v), want the card of http://news.test/a", c, ok)
	}
	if got := site.requests("news.test/tags"); got != 0 {
		t.Errorf("hashtag links fetched %d times", got)
	}
	if _, ok := deliver(bob.id+"/2", `<p>spoilers: <a href="http://news.test/a">the news</a></p>`, "spoilers"); ok {
		t.Errorf("a remote post behind a content warning got a card")
	}
}

// A page that redirects to a private address is refused at the second
// hop, before any connection: no card, and the private server hears
// nothing. Loopback stands in for the network here (tests must stay on
// it), so 127.0.0.2 plays the private address: alice refuses it, as a
// production server refuses every private address.
func TestCardRedirectToPrivateAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	}
	var internalHits sync.Map
	internal := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		internalHits.Store(r.URL.Path, true)
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<meta property="og:title" content="secret metadata">`))
	}))
	internal.Listener.Close()
	internal.Listener = ln
	internal.Start()
	t.Cleanup(internal.Close)

	site := newPageSite(t)
	site.mux.Handle("news.test/r", http.RedirectHandler(internal.URL+"/latest/meta-data", http.StatusFound))
	n, alice := newCardNetwork(t, site, func(o *federation.Options) {
		o.Refuse = []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}
	})
	p, err := alice.fed.Post(context.Background(), federation.NewPost{Text: "http://news.test/r"})
	if err != nil {
		t.Fatal(err)
	}
	n.settle()
	if c, ok := cardOf(t, alice, p.ID); ok {
		t.Errorf("card %+v from a redirect to a private address", c)
	}
	internalHits.Range(func(k, _ any) bool {
		t.Errorf("the private server was asked for %v", k)
		return true
	})
	stored, err := alice.db.CardByURL(context.Background(), "http://news.test/r")
	if err != nil || stored.Found {
		t.Errorf("refused page: stored %+v, %v; want it remembered as no card", stored, err)
	}
}

// A 10 MB page is read to 1 MiB: tags in its head make a card, tags
// past the cut do not, and the whole page is never downloaded.
func TestCardHugePage(t *testing.T) {
	site := newPageSite(t)
	filler := bytes.Repeat([]byte("<p>filler filler filler filler filler filler filler filler</p>\n"), 10<<20/64)
	var sent sync.Map
	serve := func(path string, head, tail string) {
		site.mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			n := 0
			for _, part := range [][]byte{[]byte(head), filler, []byte(tail)} {
				m, err := w.Write(part)
				n += m
				if err != nil {
					break
				}
			}
			sent.Store(path, n)
		})
	}
	serve("news.test/big-head", `<head><meta property="og:title" content="Big but headed"></head><body>`, `</body>`)
	serve("news.test/big-tail", `<head></head><body>`, `<meta property="og:title" content="too far down">`)
	n, alice := newCardNetwork(t, site, nil)

	if c, ok := postCard(t, n, alice, "http://news.test/big-head"); !ok || c.Title != "Big but headed" {
		t.Errorf("big page with tags in its head: card %+v (found %v)", c, ok)
	}
	if c, ok := postCard(t, n, alice, "http://news.test/big-tail"); ok {
		t.Errorf("card %+v from tags 10 MB down the page", c)
	}
	total := len(filler) + 100
	sent.Range(func(k, v any) bool {
		if v.(int) >= total {
			t.Errorf("%v: the server wrote all %d bytes; the reader should have stopped at 1 MiB", k, v)
		}
		return true
	})
}

// Hostile text is normalised when the page is read: control and bidi
// characters go, lengths are capped, URLs other than http(s) are dropped.
// Escaping on pages and in the API is the server's tests' business.
func TestCardHostilePage(t *testing.T) {
	site := newPageSite(t)
	long := strings.Repeat("long ", 2000)
	site.page("news.test/evil", "text/html", `<head>
		<meta property="og:title" content="&lt;script&gt;alert(1)&lt;/script&gt;`+"\u202e\x07"+`<b>">
		<meta property="og:description" content="`+long+`">
		<meta property="og:image" content="javascript:alert(1)">
		<meta property="og:url" content="data:text/html,x">
		<meta property="og:site_name" content="<img src=x onerror=alert(1)>">`)
	n, alice := newCardNetwork(t, site, nil)
	c, ok := postCard(t, n, alice, "http://news.test/evil")
	if !ok {
		t.Fatal("no card")
	}
	if c.Title != "<script>alert(1)</script><b>" {
		t.Errorf("title %q", c.Title)
	}
	if r := []rune(c.Description); len(r) > 1000 {
		t.Errorf("description of %d runes kept", len(r))
	}
	if c.ImageURL != "" || c.CardURL != "http://news.test/evil" {
		t.Errorf("image %q, url %q: non-http URLs kept", c.ImageURL, c.CardURL)
	}
	if c.ProviderName != "<img src=x onerror=alert(1)>" {
		t.Errorf("provider name %q; want the text as sent (escaped on output)", c.ProviderName)
	}
}

// With preview cards off nothing is fetched, and a job queued before the
// switch does nothing either.
func TestCardSwitchOff(t *testing.T) {
	site := newPageSite(t)
	site.page("news.test/a", "text/html", ogPage)
	n, alice := newCardNetwork(t, site, nil)
	alice.fed.SetPreviewCards(false)
	if _, ok := postCard(t, n, alice, "http://news.test/a"); ok {
		t.Errorf("card made with preview cards off")
	}
	alice.fed.SetPreviewCards(true)
	p, err := alice.fed.Post(context.Background(), federation.NewPost{Text: "http://news.test/a"})
	if err != nil {
		t.Fatal(err)
	}
	alice.fed.SetPreviewCards(false)
	n.settle()
	if _, ok := cardOf(t, alice, p.ID); ok {
		t.Errorf("a job queued before the switch made a card")
	}
	if got := site.requests("news.test/"); got != 0 {
		t.Errorf("%d page requests with preview cards off", got)
	}
}

// testImage is a w×h PNG with a gradient, for a card's image.
func testImage(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(4 * x), uint8(6 * y), 120, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
