package card

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"kith/federation/ap"
	"kith/store"
)

// Limits of a card's text fields, in runes.
const (
	MaxTitleRunes       = 300
	MaxDescriptionRunes = 1000
	MaxNameRunes        = 200 // author and provider names, alt text of the image is MaxDescriptionRunes
	maxHTMLBytes        = 16 << 10
)

// OEmbed is an oEmbed document (oembed.com §2.3.4), as read.
type OEmbed struct {
	Type            ap.Str `json:"type"`
	Title           ap.Str `json:"title"`
	AuthorName      ap.Str `json:"author_name"`
	AuthorURL       ap.Str `json:"author_url"`
	ProviderName    ap.Str `json:"provider_name"`
	ProviderURL     ap.Str `json:"provider_url"`
	URL             ap.Str `json:"url"` // the photo, for type photo
	HTML            ap.Str `json:"html"`
	Width           ap.Int `json:"width"`
	Height          ap.Int `json:"height"`
	ThumbnailURL    ap.Str `json:"thumbnail_url"`
	ThumbnailWidth  ap.Int `json:"thumbnail_width"`
	ThumbnailHeight ap.Int `json:"thumbnail_height"`
}

// ParseOEmbed reads an oEmbed JSON document; ok is false when it is not
// a JSON object.
func ParseOEmbed(body []byte) (OEmbed, bool) {
	var oe OEmbed
	if err := json.Unmarshal(body, &oe); err != nil {
		return OEmbed{}, false
	}
	return oe, true
}

// OEmbedURL is where the page's oEmbed document is, absolute and http(s),
// or "" if it names none.
func (p Page) OEmbedURL(pageURL *url.URL) string { return Resolve(pageURL, p.OEmbed) }

// Build makes the card of link from its page (fetched from pageURL, the
// final URL after redirects) and oEmbed document (nil when there is
// none). Every field is normalised. Found is false when there is nothing
// to show: no title and no embed.
func Build(link string, pageURL *url.URL, page Page, oe *OEmbed, fetchedAt time.Time) store.Card {
	m := page.Meta
	c := store.Card{URL: link, FetchedAt: fetchedAt, Type: store.CardLink}
	c.CardURL = link
	if u := sameOrigin(pageURL, Resolve(pageURL, first(page.Canonical, m["og:url"]))); u != "" {
		c.CardURL = u
	}
	c.Title = Line(first(m["og:title"], m["twitter:title"], page.Title), MaxTitleRunes)
	c.Description = Line(first(m["og:description"], m["twitter:description"], page.Description), MaxDescriptionRunes)
	c.ProviderName = Line(m["og:site_name"], MaxNameRunes)
	c.ImageURL = Resolve(pageURL, first(m["og:image"], m["og:image:url"], m["og:image:secure_url"], m["twitter:image"], m["twitter:image:src"]))
	if c.ImageURL != "" {
		c.ImageDescription = Line(first(m["og:image:alt"], m["twitter:image:alt"]), MaxDescriptionRunes)
		c.Width, c.Height = dimension(m["og:image:width"]), dimension(m["og:image:height"])
	}
	if player := Resolve(pageURL, first(m["og:video:secure_url"], m["og:video:url"], m["og:video"], m["twitter:player"])); player != "" {
		c.Type, c.EmbedURL = store.CardVideo, player
		if w, h := dimension(first(m["og:video:width"], m["twitter:player:width"])), dimension(first(m["og:video:height"], m["twitter:player:height"])); w > 0 && h > 0 {
			c.Width, c.Height = w, h
		}
	}
	author := m["author"]
	if u := Resolve(pageURL, m["article:author"]); u != "" && strings.HasPrefix(strings.TrimSpace(m["article:author"]), "http") {
		c.AuthorURL = u
	} else if author == "" {
		author = m["article:author"]
	}
	c.AuthorName = Line(author, MaxNameRunes)
	if t := ap.ParseTime(strings.TrimSpace(m["article:published_time"])); !t.IsZero() && t.Year() > 1900 && t.Year() < 10000 {
		c.PublishedAt = t
	}
	c.Creator = Creator(page.Creator)
	if oe != nil {
		applyOEmbed(&c, pageURL, *oe)
	}
	c.Found = c.Title != "" || c.HTML != ""
	return c
}

// applyOEmbed lets the oEmbed document's values win over the page's, as
// Mastodon does: it was written for embedding.
func applyOEmbed(c *store.Card, pageURL *url.URL, oe OEmbed) {
	if t := Line(string(oe.Title), MaxTitleRunes); t != "" {
		c.Title = t
	}
	if n := Line(string(oe.AuthorName), MaxNameRunes); n != "" {
		c.AuthorName = n
		c.AuthorURL = Resolve(pageURL, string(oe.AuthorURL))
	}
	if n := Line(string(oe.ProviderName), MaxNameRunes); n != "" {
		c.ProviderName = n
	}
	c.ProviderURL = Resolve(pageURL, string(oe.ProviderURL))
	if u := Resolve(pageURL, string(oe.ThumbnailURL)); u != "" {
		c.ImageURL = u
		c.Width, c.Height = bounded(int(oe.ThumbnailWidth)), bounded(int(oe.ThumbnailHeight))
	}
	switch strings.ToLower(strings.TrimSpace(string(oe.Type))) {
	case store.CardPhoto:
		if u := Resolve(pageURL, string(oe.URL)); u != "" {
			c.Type, c.ImageURL, c.EmbedURL = store.CardPhoto, u, u
			c.Width, c.Height = bounded(int(oe.Width)), bounded(int(oe.Height))
		}
	case store.CardVideo, store.CardRich:
		c.Type = strings.ToLower(strings.TrimSpace(string(oe.Type)))
		c.HTML = EmbedHTML(string(oe.HTML))
		if w, h := bounded(int(oe.Width)), bounded(int(oe.Height)); w > 0 && h > 0 {
			c.Width, c.Height = w, h
		}
	}
}

// EmbedHTML is an oEmbed html value as a card may carry it: sanitized
// like a remote post's content, so without iframes, scripts or styles.
// An embed that was only an iframe leaves nothing.
func EmbedHTML(s string) string {
	if len(s) > maxHTMLBytes {
		return "" // cut HTML would be a different embed; none is better
	}
	out := ap.SanitizeHTML(s)
	if strings.TrimSpace(ap.PlainText(out)) == "" {
		return ""
	}
	return out
}

func bounded(n int) int {
	if n <= 0 || n > maxDimension {
		return 0
	}
	return n
}

func first(values ...string) string {
	for _, v := range values {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

// sameOrigin returns u if it is on pageURL's scheme and host, else "":
// a page names its own canonical URL, not another site's.
//
// Note: Mastodon keeps og:url and rel=canonical only from the same origin.
func sameOrigin(pageURL *url.URL, u string) string {
	if u == "" || pageURL == nil {
		return ""
	}
	p, err := url.Parse(u)
	if err != nil || !strings.EqualFold(p.Host, pageURL.Host) || p.Scheme != pageURL.Scheme {
		return ""
	}
	return u
}

func httpURL(s string) string { return ap.HTTPURL(s) }

// Line is a card's text field as kept: ap.Line's rules (control
// characters removed, one line, at most max runes), without the
// characters that reorder text around them (bidi embeddings, overrides
// and isolates), with runs of white space made one space.
func Line(s string, max int) string {
	s = ap.Line(s, maxTextRunes)
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069', r == '\u200e', r == '\u200f', r == '\u061c':
			return -1
		}
		return r
	}, s)
	return ap.Line(strings.Join(strings.Fields(s), " "), max)
}

// maxTextRunes bounds a value before white space is folded.
const maxTextRunes = 4 * MaxDescriptionRunes

// creatorRE is a fediverse:creator value: user@host, the user part as
// Mastodon allows usernames (and a little more, for other servers). The
// lengths (user ≤ 64, host ≤ 253) are checked apart: counted repetitions
// that large compile into a program of thousands of instructions, a third
// of a megabyte held from start.
var creatorRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^([A-Za-z0-9_][A-Za-z0-9_.\-]*)@([A-Za-z0-9][A-Za-z0-9.\-]*)(:[0-9]{1,5})?$`)
})

// Creator returns a fediverse:creator value as user@host (host lower
// case, no leading @), or "" when it is not a handle.
func Creator(s string) string {
	s = strings.TrimPrefix(strings.TrimSpace(s), "@")
	if m := creatorRE().FindStringSubmatch(s); m == nil || len(m[1]) > 64 || len(m[2]) > 253 {
		return ""
	}
	user, host, _ := strings.Cut(s, "@")
	return user + "@" + strings.ToLower(host)
}
