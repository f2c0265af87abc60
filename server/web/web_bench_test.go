package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"kith/account"
	"kith/config"
	"kith/server/servertest"
	"kith/server/web"
	"kith/server/web/themes"
	"kith/store"
)

// homeWeightLimit is the most the home page may weigh, HTML and CSS.
const homeWeightLimit = 60 << 10

// ownerCookie stores a session for the owner, alive for an hour from now
// on the server's clock, and returns its cookie.
func ownerCookie(tb testing.TB, db *store.DB, now time.Time) *http.Cookie {
	tb.Helper()
	token := account.NewToken(32)
	err := db.InTx(context.Background(), func(tx *store.Tx) error {
		return tx.CreateSession(context.Background(), token, store.Session{CSRFToken: account.NewToken(32), ExpiresAt: now.Add(time.Hour)})
	})
	if err != nil {
		tb.Fatal(err)
	}
	return &http.Cookie{Name: "kith_session", Value: token}
}

// cssBytes is the size of the stylesheet every page loads: the default
// theme as the server compiles it.
func cssBytes(tb testing.TB) int {
	tb.Helper()
	css, err := themes.Compile(themes.OptionsFor(config.Default()))
	if err != nil {
		tb.Fatal(err)
	}
	return len(css)
}

func getHome(tb testing.TB, client *http.Client, req *http.Request) []byte {
	tb.Helper()
	resp, err := client.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET /home: status %d, %v: %.300s", resp.StatusCode, err, body)
	}
	return body
}

// BenchmarkWebHomePage renders the owner's first home page (20 posts),
// signed in, with -home-posts (100k) stored, calling the server's handler
// directly so that only server time is measured: p50/p90/p99 of wall
// time, and CPU time per page (which other load on the machine does not
// inflate). Run it with go test -run '^$' -bench WebHomePage ./server/web
func BenchmarkWebHomePage(b *testing.B) {
	in := servertest.NewBenchInstance(b)
	servertest.FillHome(b, in, *servertest.HomePosts)
	serve := ownerPage(b, in, "/home")
	page := serve()
	if n := strings.Count(page, `<article class="status`); n != web.WebPageSize {
		b.Fatalf("home page shows %d posts, want %d", n, web.WebPageSize)
	}
	servertest.Measure(b, nil, func() { serve() })
	b.ReportMetric(float64(len(page)), "html-bytes")
	b.ReportMetric(float64(len(page)+cssBytes(b))/1024, "weight-KB")
}

// ownerPage returns a function that renders path for the signed-in
// owner, calling the server's handler directly so that only server time
// is measured, and fails the benchmark on any status but 200.
func ownerPage(b *testing.B, in *servertest.StreamInstance, path string) func() string {
	h := in.HTTP.Config.Handler
	cookie := ownerCookie(b, in.DB, time.Now())
	return func() string {
		req := httptest.NewRequest("GET", path, nil)
		req.AddCookie(cookie)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s: status %d: %.300s", path, rec.Code, rec.Body.String())
		}
		return rec.Body.String()
	}
}

// TestWebHomePageWeight checks a full home page of varied posts (long
// text, content warnings, images with alt text, polls, boosts, replies)
// against the weight target.
func TestWebHomePageWeight(t *testing.T) {
	o := newWebOwner(t)
	seedVariedHome(t, o)
	req, _ := http.NewRequest("GET", o.HTTP.URL+"/home", nil)
	page := getHome(t, o.c, req)
	if n := strings.Count(string(page), `<article class="status`); n != web.WebPageSize {
		t.Fatalf("home page shows %d posts, want %d", n, web.WebPageSize)
	}
	html, css := len(page), cssBytes(t)

	t.Logf("home page: %d bytes of HTML + %d of CSS = %.1f KB", html, css, float64(html+css)/1024)
	if html+css > homeWeightLimit {
		t.Errorf("home page weighs %d bytes (HTML %d + CSS %d), more than %d", html+css, html, css, homeWeightLimit)
	}
}

// seedVariedHome stores posts by the owner and boosts of a remote
// account's posts, with the features that make a page heavy.
func seedVariedHome(t *testing.T, o *webOwner) {
	t.Helper()
	ctx := context.Background()
	owner := o.DB.OwnerID()
	text := strings.Repeat("The morning train was late again, so I baked a loaf and watched the sparrows on the fence. ", 4)
	err := o.DB.InTx(ctx, func(tx *store.Tx) error {
		friend, err := tx.UpsertActor(ctx, store.Actor{URI: "https://social.example/users/friend", Type: "Person", Username: "friend",
			Domain: "social.example", DisplayName: "A Friend With A Long Display Name", Inbox: "https://social.example/inbox",
			URL: "https://social.example/@friend", AvatarURL: "https://social.example/avatars/friend.png"})
		if err != nil {
			return err
		}
		var last int64
		for i := range 2 * web.WebPageSize {
			p := store.Post{URI: fmt.Sprintf("https://social.example/notes/%d", i), AuthorID: friend, Visibility: store.Public,
				Type: "Note", Language: "en", PublishedAt: o.Clock.Now().Add(time.Duration(i) * time.Minute),
				Content: fmt.Sprintf(`<p>%s<a href="https://social.example/tags/bread" class="mention hashtag" rel="tag">#<span>bread</span></a> %d</p>`, text, i)}
			if i%2 == 0 {
				p.URI, p.AuthorID, p.Local = fmt.Sprintf("https://kith.example/own/%d", i), owner, true
			}
			if i%5 == 0 {
				p.Summary, p.Sensitive = "food, long", true
			}
			if i%3 == 0 {
				p.Attachments = []store.Attachment{{URL: fmt.Sprintf("https://social.example/media/%d.jpg", i), MediaType: "image/jpeg",
					Width: 1200, Height: 800, Description: "A loaf of sourdough on a wooden board, steam rising, sparrows outside the window."}}
			}
			if i%7 == 0 {
				p.Type, p.Poll = "Question", &store.Poll{ExpiresAt: p.PublishedAt.Add(24 * time.Hour), VotersCount: 12,
					Options: []store.PollOption{{Title: "rye", Votes: 5}, {Title: "wheat", Votes: 4}, {Title: "spelt", Votes: 3}}}
			}
			if i%4 == 1 && last != 0 {
				p.InReplyToID, p.InReplyToURI = last, fmt.Sprintf("https://social.example/notes/%d", i-1)
			}
			id, err := tx.InsertPost(ctx, p)
			if err != nil {
				return err
			}
			last = id
			if i%4 == 3 {
				if _, err := tx.InsertPost(ctx, store.Post{URI: fmt.Sprintf("https://kith.example/boosts/%d", i), AuthorID: owner, Local: true,
					Type: "Announce", Visibility: store.Public, ReblogOfID: id, PublishedAt: p.PublishedAt}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestWebHomePageOnTheWire reports what the home page of varied posts
// and its stylesheet cost on the wire in each content coding, and checks
// that a client taking gzip or zstd gets less than half the bytes.
func TestWebHomePageOnTheWire(t *testing.T) {
	o := newWebOwner(t)
	seedVariedHome(t, o)
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Jar: o.c.Jar}
	css := regexp.MustCompile(`href="(/static/theme-[0-9a-f]+\.css)"`)
	wire := func(path, accept string) int {
		req, _ := http.NewRequest("GET", o.HTTP.URL+path, nil)
		req.Header.Set("Accept-Encoding", accept)
		return len(getHome(t, c, req))
	}
	req, _ := http.NewRequest("GET", o.HTTP.URL+"/home", nil)
	page := getHome(t, o.c, req)
	m := css.FindSubmatch(page)
	if m == nil {
		t.Fatal("the home page links no stylesheet")
	}
	for _, path := range []string{"/home", string(m[1])} {
		plain := wire(path, "identity")
		gz, zst := wire(path, "gzip"), wire(path, "zstd")
		t.Logf("%s on the wire: %d bytes uncompressed, %d gzip (%.0f%%), %d zstd (%.0f%%)",
			path, plain, gz, 100*float64(gz)/float64(plain), zst, 100*float64(zst)/float64(plain))
		if 2*gz > plain || 2*zst > plain {
			t.Errorf("%s: gzip %d and zstd %d bytes, want under half of %d", path, gz, zst, plain)
		}
	}
}
