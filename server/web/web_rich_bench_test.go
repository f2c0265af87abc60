package web_test

import (
	"context"
	"strings"
	"testing"

	"kith/server/servertest"
	"kith/server/web"
	"kith/store"
)

// BenchmarkWebHomePageRich is BenchmarkWebHomePage over posts as real
// ones are (servertest.FillRichHome): preview cards with images, quotes,
// remote custom emoji in texts and names, the owner's emoji. Issue 12's
// target is p50 ≤ 4 ms with 100k posts stored. The first render is checked
// to show every card, quote and emoji the store has for its posts. Run it
// with go test -run '^$' -bench WebHomePageRich -count 6 ./server/web
func BenchmarkWebHomePageRich(b *testing.B) {
	in := servertest.NewBenchInstance(b)
	servertest.FillRichHome(b, in, *servertest.HomePosts)
	serve := ownerPage(b, in, "/home")
	page := serve()
	checkRichHome(b, in, page)
	servertest.Measure(b, in.DB, func() { serve() })
	b.ReportMetric(float64(len(page))/1024, "html-KB")
}

// checkRichHome checks that the home page shows its 20 posts with every
// card, quoted post and custom emoji the store has for them, all images
// from kith (its media cache for remote ones).
func checkRichHome(b *testing.B, in *servertest.StreamInstance, page string) {
	b.Helper()
	ctx := context.Background()
	base := in.Srv.Config().Server.URL
	if n := strings.Count(page, `<article class="status"`); n != web.WebPageSize {
		b.Fatalf("home page shows %d posts, want %d", n, web.WebPageSize)
	}
	posts, err := in.DB.HomeTimeline(ctx, store.Page{Limit: web.WebPageSize})
	if err != nil {
		b.Fatal(err)
	}
	shown := shownPosts(b, in.DB, posts)
	var ids []int64
	var wantEmoji, wantOwnEmoji int
	for _, p := range shown {
		ids = append(ids, p.ID)
		for _, e := range p.Emojis {
			if strings.HasPrefix(e.URL, base+"/") {
				wantOwnEmoji++
			} else {
				wantEmoji++
			}
		}
	}
	cards, err := in.DB.PostCards(ctx, ids)
	if err != nil {
		b.Fatal(err)
	}
	wantCards, wantQuotes := 0, 0
	for _, p := range shown {
		if _, ok := cards[p.ID]; ok && len(p.Attachments) == 0 {
			wantCards++
		}
		if p.Quote.Shown() {
			wantQuotes++
		}
	}
	counts := []struct {
		what      string
		substring string
		atLeast   int
	}{
		{"cards with an image from the media cache", `<a class="status-card has-image"`, wantCards},
		{"card images from the media cache", `<img class="status-card-image" src="` + base + `/media/remote/`, wantCards},
		{"remote emoji in posts (from the media cache)", `alt=":` + servertest.RichRemoteEmoji + `:"`, 1},
		{"remote emoji images from the media cache", `<img class="emoji" src="` + base + `/media/remote/`, wantEmoji},
		{"the owner's emoji in posts", `<img class="emoji" src="` + base + `/media/emoji/kith_`, wantOwnEmoji},
		{"the owner's emoji in the owner's name", `alt=":` + servertest.RichOwnerEmoji + `:"`, 1},
		{"emoji in remote authors' names", `alt=":verified_`, 1},
		{"quoted posts embedded", `<blockquote class="status-quote" aria-label="Quoted post">`, wantQuotes},
		{"quoted posts' articles", `<article class="status quoted"`, wantQuotes},
	}
	for _, c := range counts {
		if n := strings.Count(page, c.substring); n < c.atLeast || n == 0 {
			b.Errorf("home page shows %d %s, want at least %d (and some)", n, c.what, c.atLeast)
		}
	}
	if wantCards < web.WebPageSize/2 || wantQuotes < web.WebPageSize/5 {
		b.Errorf("only %d of the page's posts have a card and %d a quote", wantCards, wantQuotes)
	}
	for _, hotlink := range []string{`src="https://news`, `src="https://blog.`, `src="https://social`} {
		if strings.Contains(page, hotlink) {
			b.Errorf("home page hot-links an image: %s", hotlink)
		}
	}
	if b.Failed() {
		b.FailNow()
	}
}

// shownPosts are the posts a page of posts shows: boosts as the post they
// boost.
func shownPosts(b *testing.B, db *store.DB, posts []store.Post) []store.Post {
	b.Helper()
	out := make([]store.Post, 0, len(posts))
	for _, p := range posts {
		if p.ReblogOfID != 0 {
			t, err := db.PostByID(context.Background(), p.ReblogOfID)
			if err != nil {
				b.Fatal(err)
			}
			p = t
		}
		out = append(out, p)
	}
	return out
}
