// Package card reads link previews: what a web page says about itself in
// its OpenGraph and Twitter card tags, its oEmbed document and its
// fediverse:creator tag. A page is as hostile as anything another server
// sends, so every value is normalised here, once, when it is read: text
// fields are one line of at most a few hundred characters without control
// or bidi-override characters, URLs are absolute http(s) or dropped, HTML
// is sanitized and never holds an iframe, numbers are bounded.
package card

import (
	"bytes"
	"io"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
)

// Page is what a page's head says about the page, as read: values are
// raw here and normalised by Build.
type Page struct {
	Title       string // <title>
	Meta        map[string]string
	Canonical   string // <link rel="canonical">
	OEmbed      string // <link rel="alternate" type="application/json+oembed">
	Creator     string // the first <meta name="fediverse:creator">
	Description string // <meta name="description">
}

// metaKeys are the meta properties and names kept; a page's other meta
// tags are skipped. The first value of each wins, as in Mastodon.
var metaKeys = map[string]bool{
	"og:title": true, "og:description": true, "og:type": true, "og:url": true, "og:site_name": true,
	"og:image": true, "og:image:url": true, "og:image:secure_url": true, "og:image:width": true,
	"og:image:height": true, "og:image:alt": true,
	"og:video": true, "og:video:url": true, "og:video:secure_url": true, "og:video:width": true, "og:video:height": true,
	"article:published_time": true, "article:author": true, "author": true,
	"twitter:card": true, "twitter:title": true, "twitter:description": true, "twitter:image": true,
	"twitter:image:src": true, "twitter:image:alt": true, "twitter:player": true,
	"twitter:player:width": true, "twitter:player:height": true, "twitter:creator": true,
}

// maxTitleBytes bounds how much of a <title> is collected before cutting.
const maxTitleBytes = 4096

// ParseHTML reads the tags of an HTML page (which may be cut off) that
// make a card. contentType is the response's Content-Type, for its
// charset; pages in other encodings than UTF-8 are decoded.
func ParseHTML(body []byte, contentType string) Page {
	p := Page{Meta: map[string]string{}}
	var r io.Reader = bytes.NewReader(body)
	if enc, name, _ := charset.DetermineEncoding(body, contentType); name != "utf-8" {
		r = enc.NewDecoder().Reader(r)
	}
	z := html.NewTokenizer(r)
	inTitle, inBody := false, false
	var title strings.Builder
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			p.Title = title.String()
			return p
		case html.TextToken:
			if inTitle && title.Len() < maxTitleBytes {
				title.Write(z.Text())
			}
		case html.EndTagToken:
			if name, _ := z.TagName(); atom.Lookup(name) == atom.Title {
				inTitle = false
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch atom.Lookup(name) {
			case atom.Title:
				// Only the head's title: an SVG's <title> in the body
				// is not the page's.
				inTitle = !inBody && title.Len() == 0 && tt == html.StartTagToken
			case atom.Body:
				inBody = true
			case atom.Meta:
				if hasAttr {
					p.meta(attrs(z))
				}
			case atom.Link:
				if hasAttr {
					p.link(attrs(z))
				}
			}
		}
	}
}

// attrs reads the current tag's attributes, keys lower-cased.
func attrs(z *html.Tokenizer) map[string]string {
	out := map[string]string{}
	for {
		k, v, more := z.TagAttr()
		key := string(k)
		if _, ok := out[key]; !ok {
			out[key] = string(v)
		}
		if !more {
			return out
		}
	}
}

func (p *Page) meta(a map[string]string) {
	content, ok := a["content"]
	if !ok {
		return
	}
	// Note: pages mix property= (the OpenGraph way) and name= (the
	// Twitter way) for both families; Mastodon reads either.
	for _, k := range []string{a["property"], a["name"]} {
		k = strings.ToLower(strings.TrimSpace(k))
		switch {
		case k == "":
			continue
		case k == "fediverse:creator":
			if p.Creator == "" {
				p.Creator = content
			}
		case k == "description":
			if p.Description == "" {
				p.Description = content
			}
		case metaKeys[k]:
			if _, seen := p.Meta[k]; !seen {
				p.Meta[k] = content
			}
		}
		return
	}
}

func (p *Page) link(a map[string]string) {
	rels := strings.Fields(strings.ToLower(a["rel"]))
	typ := strings.ToLower(strings.TrimSpace(a["type"]))
	for _, rel := range rels {
		switch {
		case rel == "canonical" && p.Canonical == "":
			p.Canonical = a["href"]
		case rel == "alternate" && typ == "application/json+oembed" && p.OEmbed == "":
			p.OEmbed = a["href"]
		}
	}
}

// Resolve returns ref made absolute against base, and kept only if it is
// an http(s) URL; "" otherwise.
func Resolve(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	return httpURL(u.String())
}

// dimension reads a width or height: a whole number of pixels up to
// maxDimension, or 0.
func dimension(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n <= 0 || n > maxDimension {
		return 0
	}
	return n
}

// maxDimension is the largest width or height believed.
const maxDimension = 10000
