package card

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzBuild: whatever a page and its oEmbed document hold, the card keeps
// only http(s) URLs, one-line text of bounded length without control or
// bidi-override characters, bounded sizes, and HTML without iframes.
func FuzzBuild(f *testing.F) {
	f.Add([]byte(`<meta property="og:title" content="t"><meta property="og:image" content="/i.png">`), []byte(`{"type":"rich","html":"<p>x</p>"}`))
	f.Add([]byte("<title>\u202ea\x00b</title><link rel=canonical href=javascript:x>"), []byte(`{"type":"photo","url":"data:x","width":-1}`))
	f.Add([]byte(`<meta name="fediverse:creator" content="@a@b.c">`), []byte(`{"type":"video","html":"<iframe src=x></iframe>"}`))
	base := mustURL(f, "https://page.example/a/b")
	f.Fuzz(func(t *testing.T, page, oembed []byte) {
		var oe *OEmbed
		if o, ok := ParseOEmbed(oembed); ok {
			oe = &o
		}
		c := Build("https://page.example/a/b", base, ParseHTML(page, "text/html"), oe, fetched)
		for name, u := range map[string]string{"url": c.CardURL, "image": c.ImageURL, "embed": c.EmbedURL, "author": c.AuthorURL, "provider": c.ProviderURL} {
			if u != "" && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
				t.Errorf("%s URL %q", name, u)
			}
		}
		for name, s := range map[string]string{"title": c.Title, "description": c.Description, "author": c.AuthorName,
			"provider": c.ProviderName, "alt": c.ImageDescription, "creator": c.Creator} {
			if !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxDescriptionRunes || s != strings.TrimSpace(s) ||
				strings.ContainsFunc(s, func(r rune) bool {
					return unicode.IsControl(r) || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069')
				}) {
				t.Errorf("%s %q", name, s)
			}
		}
		if c.Width < 0 || c.Width > maxDimension || c.Height < 0 || c.Height > maxDimension {
			t.Errorf("size %d×%d", c.Width, c.Height)
		}
		if strings.Contains(strings.ToLower(c.HTML), "<iframe") || strings.Contains(strings.ToLower(c.HTML), "<script") {
			t.Errorf("html %q", c.HTML)
		}
	})
}
