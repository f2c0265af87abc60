package ap

import (
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// The allow-list for remote HTML, close to Mastodon's Sanitize::Config
// MASTODON_STRICT: text formatting, lists, code, quotes, and links with
// safe schemes only.
//
// kith filters the token stream itself rather than through bluemonday,
// whose packages build their CSS tables and regular expressions on every
// start (a megabyte in five thousand allocations) for the handful of
// rules below. The rules and the output are bluemonday's for the policy
// kith had; sanitize_policy_test.go compares the two.

// allowedElements are the elements kept; every other element's tags go and
// its text stays.
var allowedElements = map[string]bool{
	"p": true, "br": true, "span": true, "a": true, "del": true, "pre": true, "code": true,
	"em": true, "strong": true, "b": true, "i": true, "u": true, "ul": true, "ol": true,
	"li": true, "blockquote": true,
}

// droppedWithContent are the elements whose text goes with their tags.
var droppedWithContent = map[string]bool{
	"frame": true, "frameset": true, "iframe": true, "noembed": true, "noframes": true,
	"noscript": true, "nostyle": true, "object": true, "script": true, "style": true, "title": true,
}

// allowedClasses are the class names kept on links and spans, all of a
// class attribute's or none: the microformats of mentions and Mastodon's
// link-shortening spans. Unlike Mastodon, which drops unknown class names
// one by one, an attribute holding any unknown name is dropped whole.
var allowedClasses = map[string]bool{
	"h-card": true, "u-url": true, "mention": true, "hashtag": true, "ellipsis": true, "invisible": true,
}

// keepAttr reports whether attribute a of element el is kept.
func keepAttr(el string, a html.Attribute) bool {
	switch {
	case a.Key == "href" && el == "a":
		return true // checked by linkHref
	case a.Key == "class" && (el == "a" || el == "span"):
		return classList(a.Val)
	case a.Key == "start" && el == "ol", a.Key == "value" && el == "li":
		return digits(a.Val)
	case a.Key == "reversed" && el == "ol":
		return a.Val == "" || a.Val == "reversed"
	}
	return false
}

// classList reports whether s is one or more allowed class names, each
// after one space.
func classList(s string) bool {
	if s == "" {
		return false
	}
	for name := range strings.SplitSeq(s, " ") {
		if !allowedClasses[name] {
			return false
		}
	}
	return true
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// linkHref returns a link's href as kept, or false when it goes: an
// absolute http, https or mailto URL that parses, without white space.
func linkHref(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if strings.ContainsAny(v, " \t\n") {
		return "", false
	}
	u, err := url.Parse(v)
	if err != nil {
		return "", false
	}
	switch u.Scheme {
	case "http", "https", "mailto":
		return u.String(), true
	}
	return "", false
}

// sanitizeTokens filters remote HTML token by token: allowed elements with
// their allowed attributes are written again, other tags are dropped
// (with their text for droppedWithContent), comments and doctypes go,
// text is escaped. A link without a usable href loses its tags, and every
// link that keeps one gets rel="nofollow noreferrer", and, when it points
// to another host, target="_blank" with rel noopener: a remote post must
// not pass ranking, a referrer or window.opener on.
func sanitizeTokens(s string) string {
	if strings.TrimSpace(s) == "" {
		return s
	}
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	skipping := 0            // depth in droppedWithContent elements
	var droppedEnds []string // end tags to drop: of links whose start tag went
	lastStart := ""          // the last start tag: the text of <script> and <style> is never kept
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return b.String()
		}
		tok := z.Token()
		switch tt {
		case html.TextToken:
			if skipping == 0 && lastStart != "script" && lastStart != "style" {
				b.WriteString(tok.String())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			if tt == html.StartTagToken {
				lastStart = tok.Data
			}
			if tok.Data == "script" || tok.Data == "style" {
				continue
			}
			if !allowedElements[tok.Data] {
				if tt == html.StartTagToken && droppedWithContent[tok.Data] {
					skipping++
				}
				continue
			}
			tok.Attr = cleanAttrs(tok.Data, tok.Attr)
			if tok.Data == "a" && len(tok.Attr) == 0 {
				if tt == html.StartTagToken {
					droppedEnds = append(droppedEnds, "a")
				}
				continue
			}
			if skipping == 0 {
				b.WriteString(tok.String())
			}
		case html.EndTagToken:
			if tok.Data == lastStart {
				lastStart = ""
			}
			if tok.Data == "script" || tok.Data == "style" {
				continue // their start tags did not count in skipping either
			}
			if n := len(droppedEnds); n > 0 && droppedEnds[n-1] == tok.Data {
				droppedEnds = droppedEnds[:n-1]
				continue
			}
			if !allowedElements[tok.Data] {
				if droppedWithContent[tok.Data] && skipping > 0 {
					skipping--
				}
				continue
			}
			if skipping == 0 {
				b.WriteString(tok.String())
			}
		}
	}
}

// cleanAttrs keeps the allowed attributes of element el, in their order,
// and adds what a kept link needs.
func cleanAttrs(el string, attrs []html.Attribute) []html.Attribute {
	var out []html.Attribute
	external, hasHref := false, false
	for _, a := range attrs {
		if !keepAttr(el, a) {
			continue
		}
		if a.Key == "href" {
			v, ok := linkHref(a.Val)
			if !ok {
				continue
			}
			a.Val, hasHref = v, true
			if u, err := url.Parse(v); err == nil && u.Host != "" {
				external = true
			}
		}
		out = append(out, a)
	}
	if !hasHref {
		return out
	}
	rel := "nofollow noreferrer"
	if external {
		rel += " noopener"
	}
	out = append(out, html.Attribute{Key: "rel", Val: rel})
	if external {
		out = append(out, html.Attribute{Key: "target", Val: "_blank"})
	}
	return out
}
