package card

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"kith/store"
)

var fetched = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestBuildFromTags(t *testing.T) {
	tests := []struct {
		name string
		page string
		want store.Card
	}{
		{"opengraph", `<html><head><title>Ignored title</title>
			<meta property="og:title" content="An &amp; article">
			<meta property="og:description" content="What it says.">
			<meta property="og:site_name" content="The Site">
			<meta property="og:url" content="/canonical">
			<meta property="og:image" content="/img/a.png">
			<meta property="og:image:width" content="1200"><meta property="og:image:height" content="630">
			<meta property="og:image:alt" content="A cat">
			<meta property="article:published_time" content="2026-02-03T04:05:06Z">
			<meta name="author" content="Ann Author">
			</head><body><p>text</p></body></html>`,
			store.Card{Type: "link", Title: "An & article", Description: "What it says.", ProviderName: "The Site",
				CardURL: "https://news.example/canonical", ImageURL: "https://news.example/img/a.png", Width: 1200, Height: 630,
				ImageDescription: "A cat", AuthorName: "Ann Author", PublishedAt: time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC), Found: true}},
		{"twitter card, by name", `<head><meta name="twitter:card" content="summary_large_image">
			<meta name="twitter:title" content="Tweet title"><meta name="twitter:description" content="Tweet text">
			<meta name="twitter:image" content="https://cdn.example/t.jpg"><meta name="twitter:image:alt" content="alt">`,
			store.Card{Type: "link", Title: "Tweet title", Description: "Tweet text", CardURL: "https://news.example/a",
				ImageURL: "https://cdn.example/t.jpg", ImageDescription: "alt", Found: true}},
		{"player makes a video", `<meta property="og:title" content="Clip"><meta name="twitter:player" content="https://video.example/embed/1">
			<meta name="twitter:player:width" content="640"><meta name="twitter:player:height" content="360">`,
			store.Card{Type: "video", Title: "Clip", CardURL: "https://news.example/a", EmbedURL: "https://video.example/embed/1",
				Width: 640, Height: 360, Found: true}},
		{"title and description only", `<title> Just
			a   title </title><meta name="description" content="described">`,
			store.Card{Type: "link", Title: "Just a title", Description: "described", CardURL: "https://news.example/a", Found: true}},
		{"svg title in the body is not the page's", `<body><svg><title>icon</title></svg>`,
			store.Card{Type: "link", CardURL: "https://news.example/a"}},
		{"canonical on another site is ignored", `<meta property="og:title" content="t"><link rel="canonical" href="https://elsewhere.example/x">`,
			store.Card{Type: "link", Title: "t", CardURL: "https://news.example/a", Found: true}},
		{"creator", `<meta property="og:title" content="t"><meta name="fediverse:creator" content="@Ann@Social.Example">`,
			store.Card{Type: "link", Title: "t", CardURL: "https://news.example/a", Creator: "Ann@social.example", Found: true}},
		{"hostile values", `<meta property="og:title" content="<script>alert(1)</script> ` + "\u202eevil\u202c\x01" + `">
			<meta property="og:image" content="javascript:alert(1)"><meta property="og:url" content="javascript:alert(1)">
			<meta property="og:image:width" content="99999999999"><meta name="fediverse:creator" content="<b>@x@y</b>">`,
			store.Card{Type: "link", Title: "<script>alert(1)</script> evil", CardURL: "https://news.example/a", Found: true}},
		{"nothing", `<p>no head at all</p>`, store.Card{Type: "link", CardURL: "https://news.example/a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := ParseHTML([]byte(tt.page), "text/html; charset=utf-8")
			got := Build("https://news.example/a", mustURL(t, "https://news.example/a"), page, nil, fetched)
			tt.want.URL, tt.want.FetchedAt = "https://news.example/a", fetched
			if got != tt.want {
				t.Errorf("Build:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestBuildWithOEmbed(t *testing.T) {
	page := ParseHTML([]byte(`<title>Page</title><meta property="og:image" content="/og.png">
		<link rel="alternate" type="application/json+oembed" href="/oembed?url=x&amp;format=json">`), "text/html")
	base := mustURL(t, "https://video.example/watch/1")
	if got, want := page.OEmbedURL(base), "https://video.example/oembed?url=x&format=json"; got != want {
		t.Errorf("OEmbedURL = %q, want %q", got, want)
	}
	tests := []struct {
		name, doc string
		want      func(*store.Card)
	}{
		{"video with an iframe", `{"type":"video","title":"A video","author_name":"Vid Maker","author_url":"https://video.example/@maker",
			"provider_name":"VideoSite","provider_url":"https://video.example/","html":"<iframe src=\"https://video.example/embed/1\"></iframe>",
			"width":640,"height":"360","thumbnail_url":"https://video.example/thumb.jpg","thumbnail_width":480,"thumbnail_height":270}`,
			func(c *store.Card) {
				c.Type, c.Title, c.AuthorName, c.AuthorURL = "video", "A video", "Vid Maker", "https://video.example/@maker"
				c.ProviderName, c.ProviderURL, c.ImageURL, c.Width, c.Height = "VideoSite", "https://video.example/", "https://video.example/thumb.jpg", 640, 360
			}},
		{"rich with text", `{"type":"rich","html":"<blockquote><p>quoted <script>x()</script><a href=\"https://a.example/\">link</a></p></blockquote><script src=x></script>"}`,
			func(c *store.Card) {
				c.Type = "rich"
				c.HTML = `<blockquote><p>quoted <a href="https://a.example/" rel="nofollow noreferrer noopener" target="_blank">link</a></p></blockquote>`
			}},
		{"photo", `{"type":"photo","url":"https://video.example/p.jpg","width":100,"height":50,"title":"Photo"}`,
			func(c *store.Card) {
				c.Type, c.Title, c.ImageURL, c.EmbedURL, c.Width, c.Height = "photo", "Photo", "https://video.example/p.jpg", "https://video.example/p.jpg", 100, 50
			}},
		{"hostile", `{"type":"photo","url":"javascript:alert(1)","title":["not","text"],"author_name":"\u202eA\u0000","author_url":"data:x"}`,
			func(c *store.Card) { c.Title, c.AuthorName = "not", "A" }}, // a list is read as its first value
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			oe, ok := ParseOEmbed([]byte(tt.doc))
			if !ok {
				t.Fatalf("ParseOEmbed(%s) failed", tt.doc)
			}
			got := Build("https://video.example/watch/1", base, page, &oe, fetched)
			want := store.Card{URL: "https://video.example/watch/1", CardURL: "https://video.example/watch/1", Type: "link",
				Title: "Page", ImageURL: "https://video.example/og.png", FetchedAt: fetched, Found: true}
			tt.want(&want)
			if got.HTML != want.HTML {
				t.Errorf("HTML:\n got %s\nwant %s", got.HTML, want.HTML)
			}
			if got != want {
				t.Errorf("Build:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

// A page in another encoding than UTF-8 is decoded by its declared
// charset.
func TestParseHTMLCharset(t *testing.T) {
	page := ParseHTML([]byte("<meta charset=\"iso-8859-1\"><title>Caf\xe9</title>"), "text/html")
	if page.Title != "Café" {
		t.Errorf("title = %q, want Café", page.Title)
	}
}

// A page cut off in the middle of a tag still gives what came before.
func TestParseHTMLCutOff(t *testing.T) {
	doc := `<head><meta property="og:title" content="Kept"><meta property="og:description" content="cut off in the mid`
	got := Build("https://a.example/", mustURL(t, "https://a.example/"), ParseHTML([]byte(doc), "text/html"), nil, fetched)
	if got.Title != "Kept" || got.Description != "" {
		t.Errorf("title %q, description %q; want Kept and nothing", got.Title, got.Description)
	}
}

func TestLineLimits(t *testing.T) {
	long := strings.Repeat("é", 5000)
	if got := []rune(Line(long, MaxTitleRunes)); len(got) != MaxTitleRunes {
		t.Errorf("Line kept %d runes, want %d", len(got), MaxTitleRunes)
	}
	if got := Line("a\u2066b\u2069\tc\nd", 100); got != "ab c d" {
		t.Errorf("Line = %q, want %q", got, "ab c d")
	}
}

func BenchmarkParseAndBuild(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`<!doctype html><html><head><meta charset="utf-8"><title>A typical news article</title>`)
	for i := range 40 {
		sb.WriteString(`<meta name="other` + string(rune('a'+i%26)) + `" content="something not kept">`)
		sb.WriteString(`<link rel="stylesheet" href="/s.css">`)
	}
	sb.WriteString(`<meta property="og:title" content="Title"><meta property="og:description" content="Description">
		<meta property="og:image" content="/i.png"><link rel="alternate" type="application/json+oembed" href="/o"></head><body>`)
	for sb.Len() < 200<<10 {
		sb.WriteString(`<div class="para"><p>Lorem ipsum dolor sit amet, <a href="/x">consectetur</a> adipiscing elit.</p></div>`)
	}
	sb.WriteString(`</body></html>`)
	doc := []byte(sb.String())
	base := mustURL(b, "https://news.example/a")
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		c := Build("https://news.example/a", base, ParseHTML(doc, "text/html; charset=utf-8"), nil, fetched)
		if !c.Found {
			b.Fatal("no card")
		}
	}
}

func TestCreator(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	for _, c := range []struct{ in, want string }{
		{"@Ann@Social.Example", "Ann@social.example"},
		{" ann@social.example:8443 ", "ann@social.example:8443"},
		{"a.b-c_d@x.example", "a.b-c_d@x.example"},
		{long(64) + "@x.example", long(64) + "@x.example"},
		{long(65) + "@x.example", ""},
		{"ann@" + long(253), "ann@" + long(253)},
		{"ann@" + long(254), ""},
		{"ann@x.example:123456", ""},
		{".ann@x.example", ""},
		{"ann@-x.example", ""},
		{"ann@x.example/path", ""},
		{"ann", ""},
		{"ann@", ""},
		{"ann@x@y", ""},
		{"https://x.example/@ann", ""},
	} {
		if got := Creator(c.in); got != c.want {
			t.Errorf("Creator(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
