package federation

import (
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// sameTabLinks undoes, on links to kith's own origin (base, such as
// https://kith.example), what the sanitizer adds to every absolute link:
// target="_blank" and rel="nofollow noreferrer noopener". A hashtag to the
// owner's tag page or a mention of the owner is a page of this site and
// opens in the same tab, as the rest of the site does; a hashtag keeps
// rel="tag". Links to other sites keep both. h is sanitized, well-formed
// HTML; what is not a link to base is copied as it is.
func sameTabLinks(h, base string) string {
	origin, err := url.Parse(base)
	if err != nil || origin.Host == "" || !strings.Contains(h, "_blank") {
		return h
	}
	var b strings.Builder
	b.Grow(len(h))
	z := html.NewTokenizer(strings.NewReader(h))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return b.String() // io.EOF: a string reader fails no other way
		}
		if tt != html.StartTagToken {
			b.Write(z.Raw())
			continue
		}
		raw := string(z.Raw()) // Token reuses the buffer Raw returns
		tok := z.Token()
		if tok.DataAtom != atom.A || !sameOrigin(attr(tok, "href"), origin) {
			b.WriteString(raw)
			continue
		}
		var kept []html.Attribute
		for _, a := range tok.Attr {
			if a.Key != "target" && a.Key != "rel" {
				kept = append(kept, a)
			}
		}
		if strings.Contains(" "+attr(tok, "class")+" ", " hashtag ") {
			kept = append(kept, html.Attribute{Key: "rel", Val: "tag"})
		}
		tok.Attr = kept
		b.WriteString(tok.String())
	}
}

// attr is the value of a token's attribute key, empty when it has none.
func attr(tok html.Token, key string) string {
	for _, a := range tok.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// sameOrigin reports whether href is an absolute URL with origin's scheme
// and host (port included).
func sameOrigin(href string, origin *url.URL) bool {
	u, err := url.Parse(href)
	return err == nil && strings.EqualFold(u.Scheme, origin.Scheme) && strings.EqualFold(u.Host, origin.Host)
}
