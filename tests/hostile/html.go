package hostile

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// allowedElements are the elements remote HTML may keep: Mastodon's strict
// set.
var allowedElements = map[string]bool{"p": true, "br": true, "span": true, "a": true, "del": true,
	"pre": true, "code": true, "em": true, "strong": true, "b": true, "i": true, "u": true,
	"ul": true, "ol": true, "li": true, "blockquote": true}

// allowedAttrs are the attributes kept on them; class and href are
// checked further.
var allowedAttrs = map[string]bool{"href": true, "class": true, "rel": true, "target": true,
	"start": true, "reversed": true, "value": true, "translate": true, "lang": true}

var allowedClass = regexp.MustCompile(`^(mention|hashtag|h-card|u-url|ellipsis|invisible)$`)

// HTML checks a sanitized HTML field (a status's content, an account's
// note, a field's value): only the allowed elements and attributes, links
// with http, https or mailto only, known classes, no comments, and
// well-formed: parsing it inside a <div> and writing it out again gives the
// same elements in the same order, so it opens nothing it does not close and
// closes nothing it did not open.
func HTML(where, s string) []string {
	var out []string
	bad := func(format string, args ...any) {
		out = append(out, fmt.Sprintf("%s: ", where)+fmt.Sprintf(format, args...)+fmt.Sprintf(" in %q", s))
	}
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		tok := z.Token()
		switch tt {
		case html.CommentToken, html.DoctypeToken:
			bad("a %s", strings.ToLower(tt.String()))
		case html.StartTagToken, html.SelfClosingTagToken:
			if !allowedElements[tok.Data] {
				bad("element <%s>", tok.Data)
			}
			for _, a := range tok.Attr {
				switch {
				case !allowedAttrs[a.Key] || a.Namespace != "":
					bad("attribute %s=%q on <%s>", a.Key, a.Val, tok.Data)
				case a.Key == "href" && (tok.Data != "a" || !(IsHTTP(a.Val) || strings.HasPrefix(a.Val, "mailto:"))):
					bad("href %q on <%s>", a.Val, tok.Data)
				case a.Key == "class":
					for _, c := range strings.Fields(a.Val) {
						if !allowedClass.MatchString(c) {
							bad("class %q on <%s>", c, tok.Data)
						}
					}
				}
			}
		}
	}
	if got, want := structure(s), structure(reparse(s)); !slices.Equal(got, want) {
		bad("not well-formed: elements %q, parsed as %q", got, want)
	}
	return out
}

// structure is the sequence of start and end tags of s, void elements as
// their start tag alone.
func structure(s string) []string {
	var out []string
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch tt := z.Next(); tt {
		case html.ErrorToken:
			return out
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			out = append(out, "<"+string(name))
		case html.EndTagToken:
			name, _ := z.TagName()
			if !voidElements[string(name)] {
				out = append(out, "</"+string(name))
			} else {
				out = append(out, "</"+string(name)+" (void)")
			}
		}
	}
}

var voidElements = map[string]bool{"area": true, "base": true, "br": true, "col": true, "embed": true,
	"hr": true, "img": true, "input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true}

// reparse parses s as a browser would inside a <div> in a <body> and
// writes the result out again.
func reparse(s string) string {
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(s), ctx)
	if err != nil {
		return ""
	}
	var b strings.Builder
	for _, n := range nodes {
		html.Render(&b, n)
	}
	return b.String()
}

// Text is the text of an HTML fragment or page, entities decoded, with
// every tag counting as a space, so words in separate elements stay apart.
func Text(s string) string {
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			b.Write(z.Text())
		default:
			b.WriteByte(' ')
		}
	}
}

// dangerousElements are what remote data must never bring into a page.
var dangerousElements = map[string]bool{"script": true, "iframe": true, "object": true, "embed": true,
	"meta": true, "base": true, "form": true, "style": true, "link": true, "input": true,
	"button": true, "svg": true, "math": true, "template": true, "frame": true, "frameset": true}

// urlAttrs are the attributes a browser follows or loads.
var urlAttrs = map[string]bool{"href": true, "src": true, "action": true, "formaction": true,
	"srcset": true, "poster": true, "data": true, "background": true, "cite": true, "xlink:href": true,
	"ping": true, "manifest": true, "icon": true, "codebase": true}

// Page parses a whole page and lists what looks like remote markup that
// escaped: an event handler attribute or a script-scheme URL anywhere (kith's
// own templates have neither), a dangerous element inside a post (an
// <article>), a custom emoji image not served by kith (hot-linked), and a
// dangerous element elsewhere that the clean page of the
// same kind (baseline, "" for none) does not have.
func Page(where, page, baseline string) []string {
	var out []string
	own := map[string]int{}
	if baseline != "" {
		for _, sig := range pageElements(baseline, nil) {
			own[sig]++
		}
	}
	for _, sig := range pageElements(page, &out) {
		if own[sig] > 0 {
			own[sig]--
			continue
		}
		out = append(out, fmt.Sprintf("%s: %s, which a clean page does not have", where, sig))
	}
	for i := range out {
		if !strings.HasPrefix(out[i], where+": ") {
			out[i] = where + ": " + out[i]
		}
	}
	return out
}

// pageElements returns a signature of each dangerous element outside the
// posts, and adds to problems (when not nil) everything else Page forbids.
func pageElements(page string, problems *[]string) []string {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		if problems != nil {
			*problems = append(*problems, err.Error())
		}
		return nil
	}
	report := func(format string, args ...any) {
		if problems != nil {
			*problems = append(*problems, fmt.Sprintf(format, args...))
		}
	}
	var sigs []string
	var walk func(n *html.Node, inPost bool)
	walk = func(n *html.Node, inPost bool) {
		if n.Type == html.ElementNode {
			name := n.Data
			if n.Namespace != "" {
				name = n.Namespace + ":" + n.Data
			}
			for _, a := range n.Attr {
				key := a.Key
				if a.Namespace != "" {
					key = a.Namespace + ":" + a.Key
				}
				val := strings.TrimSpace(a.Val)
				switch {
				case strings.HasPrefix(strings.ToLower(a.Key), "on"):
					report("event handler %s=%q on <%s>", key, a.Val, name)
				case (urlAttrs[key] || urlAttrs[a.Key]) && scriptScheme.MatchString(val),
					(urlAttrs[key] || urlAttrs[a.Key]) && strings.HasPrefix(strings.ToLower(val), "data:"):
					report("%s=%q on <%s>", key, a.Val, name)
				case a.Key == "content" && scriptScheme.MatchString(val):
					report("content=%q on <%s>", a.Val, name)
				case a.Key == "http-equiv" && strings.EqualFold(val, "refresh"):
					report("<%s http-equiv=refresh content=%q>", name, attr(n, "content"))
				case a.Key == "style" && inPost:
					report("style=%q on <%s> in a post", a.Val, name)
				}
			}
			if dangerousElements[n.Data] || n.Namespace == "svg" || n.Namespace == "math" {
				if inPost {
					report("<%s> in a post", name)
				} else {
					sigs = append(sigs, signature(n))
				}
			}
			if n.Data == "img" && attr(n, "class") == "emoji" && !strings.Contains(attr(n, "src"), "/media/") {
				report("emoji <img src=%q>, not through kith's media cache", attr(n, "src"))
			}
			if n.Data == "article" {
				inPost = true
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inPost)
		}
	}
	walk(doc, false)
	return sigs
}

// signature names an element by its tag and its attributes' names and
// fixed values: what differs from page to page (content, values, URLs)
// is left out.
func signature(n *html.Node) string {
	var attrs []string
	for _, a := range n.Attr {
		switch a.Key {
		case "content", "value", "href", "src", "action", "title":
			attrs = append(attrs, a.Key)
		default:
			attrs = append(attrs, a.Key+"="+a.Val)
		}
	}
	slices.Sort(attrs)
	return "<" + n.Data + " " + strings.Join(attrs, " ") + ">"
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
