package ap

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// SanitizeHTML returns remote HTML reduced to what kith displays, and
// well-formed. Scripts, styles, images, iframes, event handlers, comments
// (WordPress Gutenberg's <!-- wp:... --> among them) and unsafe link
// schemes are removed; then the result is parsed as HTML and written out
// again, so every element it opens is closed inside it and no stray end
// tag is left. A post with an unclosed <b> or <a> can then never change
// the markup around it on a page.
func SanitizeHTML(s string) string {
	clean := sanitizeTokens(s)
	if out, ok := renderedSimply(clean); ok {
		return out
	}
	return wellFormed(clean)
}

// fragmentContext is the element a post's HTML is parsed inside: a <div>
// in a <body>, where kith puts it.
var fragmentContext = &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}

// wellFormed parses an HTML fragment the way a browser would inside a
// <div> and renders the resulting nodes: unclosed elements are closed,
// mis-nested ones repaired and stray end tags dropped.
func wellFormed(s string) string {
	if s == "" {
		return ""
	}
	nodes, err := html.ParseFragment(strings.NewReader(s), fragmentContext)
	if err != nil { // only a failing reader errs; a string reader does not
		return html.EscapeString(s)
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for _, n := range nodes {
		if err := html.Render(&b, n); err != nil {
			return html.EscapeString(s)
		}
	}
	return b.String()
}

// PlainText returns the text of an HTML fragment: paragraphs, line breaks,
// list items and quotes become line breaks, entities are decoded, and
// script and style content is dropped. It is meant for summaries, search
// and notifications, not for display as HTML.
func PlainText(s string) string {
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0 // inside <script> or <style>
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return tidyLines(b.String())
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "br":
				b.WriteByte('\n')
			case "script", "style":
				if tt == html.StartTagToken {
					skip++
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			b.WriteString(blockEnd(string(name)))
			if (string(name) == "script" || string(name) == "style") && skip > 0 {
				skip--
			}
		}
	}
}

// blockEnd is the text that stands for the end of a block element.
func blockEnd(tag string) string {
	switch tag {
	case "p", "blockquote", "pre", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6":
		return "\n\n"
	case "li", "div", "tr":
		return "\n"
	}
	return ""
}

// tidyLines trims trailing spaces from each line, keeps at most one blank
// line in a row and trims the ends.
func tidyLines(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	blank := 0
	for _, line := range lines {
		line = strings.TrimRight(line, " \t\r")
		if line == "" {
			blank++
			if blank > 1 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, line)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}
