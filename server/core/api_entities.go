package core

import (
	"html"
	"strings"
)

func FirstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// PlainText turns a post's HTML into text for "text" on redraft: tags
// dropped, paragraphs and breaks kept as newlines.
func PlainText(s string) string {
	r := strings.NewReplacer("<br>", "\n", "<br/>", "\n", "<br />", "\n", "</p><p>", "\n\n")
	s = r.Replace(s)
	var b strings.Builder
	in := false
	for _, c := range s {
		switch {
		case c == '<':
			in = true
		case c == '>':
			in = false
		case !in:
			b.WriteRune(c)
		}
	}
	return html.UnescapeString(b.String())
}
