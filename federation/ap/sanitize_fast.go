package ap

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Parsing the policy's output as HTML and rendering it again (wellFormed)
// is about half of sanitizing a post, and for nearly every post it
// changes nothing but the order of some attributes: Mastodon's and most
// servers' HTML is paragraphs, links, spans and line breaks, nested
// properly. renderedSimply recognises such HTML and writes it as
// wellFormed would, without building a tree; anything it is not sure of
// takes the full path. FuzzSanitizeHTML and TestRenderedSimplyAsParsed
// hold the two to the same output.

// maxSimpleDepth bounds the nesting renderedSimply follows.
const maxSimpleDepth = 32

// Elements the policy keeps, by what may contain them.
var (
	// phrasing elements hold text, line breaks and other phrasing.
	phrasing = map[string]bool{"a": true, "span": true, "del": true, "code": true, "em": true, "strong": true,
		"b": true, "i": true, "u": true}
	// blocks are the others.
	blocks = map[string]bool{"p": true, "pre": true, "ul": true, "ol": true, "blockquote": true, "li": true}
	// formatting elements get their attributes sorted by the HTML
	// parser (golang.org/x/net/html keeps its list of active formatting
	// elements that way), so they are written sorted.
	formatting = map[string]bool{"a": true, "b": true, "code": true, "em": true, "i": true, "strong": true, "u": true}
)

// mayContain reports whether the HTML parser keeps child (an element
// name, or "" for text and <br/>) where it is written, inside parent ("",
// the <div> a post is parsed in, at the top).
func mayContain(parent, child string) bool {
	block := blocks[child] && child != "li"
	switch {
	case child == "li":
		return parent == "ul" || parent == "ol"
	case parent == "ul" || parent == "ol":
		return child == "" // text between items stays where it is
	case parent == "p" || parent == "pre" || phrasing[parent]:
		return child == "" || phrasing[child]
	case parent == "" || parent == "blockquote" || parent == "li":
		return child == "" || block || phrasing[child]
	}
	return false
}

// renderedSimply returns s as wellFormed would write it, and true, when s
// is the filter's output in the simple form described above: only the
// policy's elements, each closed in order and where the parser keeps it
// (no <a> in an <a>, no block in a paragraph or a link), attributes
// written key="value" once each, <br/> for line breaks, no carriage
// returns or NULs, and no escapes but the five the renderer writes
// (&amp; &lt; &gt; &#39; &#34;). Otherwise it returns false.
func renderedSimply(s string) (string, bool) {
	if strings.ContainsAny(s, "\r\x00") || !utf8.ValidString(s) {
		return "", false
	}
	var b strings.Builder
	b.Grow(len(s))
	var stack [maxSimpleDepth]string
	depth := 0
	parent := func() string {
		if depth == 0 {
			return ""
		}
		return stack[depth-1]
	}
	inLink := 0
	for i := 0; i < len(s); {
		switch c := s[i]; c {
		case '<':
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				return "", false
			}
			tag := s[i+1 : i+end]
			i += end + 1
			if name, ok := strings.CutPrefix(tag, "/"); ok {
				if depth == 0 || stack[depth-1] != name {
					return "", false
				}
				depth--
				if name == "a" {
					inLink--
				}
				b.WriteString("</")
				b.WriteString(name)
				b.WriteByte('>')
				continue
			}
			if tag == "br/" {
				if !mayContain(parent(), "") {
					return "", false
				}
				b.WriteString("<br/>")
				continue
			}
			name, attrs, _ := strings.Cut(tag, " ")
			if name == "" || !mayContain(parent(), name) || depth == maxSimpleDepth || (name == "a" && inLink > 0) {
				return "", false
			}
			if !writeStartTag(&b, name, attrs, tag != name) {
				return "", false
			}
			if name == "pre" && strings.HasPrefix(s[i:], "\n") {
				return "", false // the parser drops a newline that opens a <pre>
			}
			stack[depth] = name
			depth++
			if name == "a" {
				inLink++
			}
		case '&':
			n := simpleEntity(s[i:])
			if n == 0 {
				return "", false
			}
			b.WriteString(s[i : i+n])
			i += n
		case '>', '"', '\'', '\r', 0:
			return "", false
		default:
			j := i + 1
			for j < len(s) && !special(s[j]) {
				j++
			}
			b.WriteString(s[i:j])
			i = j
		}
	}
	if depth != 0 {
		return "", false
	}
	return b.String(), true
}

// special reports the bytes that end a run of plain text.
func special(c byte) bool {
	switch c {
	case '<', '&', '>', '"', '\'', '\r', 0:
		return true
	}
	return false
}

// writeStartTag writes the start tag of an element the policy keeps with
// its attributes (" key=\"value\"..." when hasAttrs), sorted for a
// formatting element, and reports false for anything it cannot be sure
// the parser and renderer write the same way.
func writeStartTag(b *strings.Builder, name, attrs string, hasAttrs bool) bool {
	if !phrasing[name] && !blocks[name] {
		return false
	}
	if !hasAttrs {
		b.WriteByte('<')
		b.WriteString(name)
		b.WriteByte('>')
		return true
	}
	type attr struct{ key, val string }
	var list [8]attr
	n := 0
	for rest := " " + attrs; rest != ""; {
		var ok bool
		if rest, ok = strings.CutPrefix(rest, " "); !ok || n == len(list) {
			return false
		}
		key, after, ok := strings.Cut(rest, `="`)
		if !ok || !simpleKey(key) {
			return false
		}
		val, after, ok := strings.Cut(after, `"`)
		if !ok || !simpleValue(val) {
			return false
		}
		for _, a := range list[:n] {
			if a.key == key {
				return false
			}
		}
		list[n] = attr{key, val}
		n++
		rest = after
	}
	if formatting[name] {
		slices.SortFunc(list[:n], func(x, y attr) int { return strings.Compare(x.key, y.key) })
	}
	b.WriteByte('<')
	b.WriteString(name)
	for _, a := range list[:n] {
		b.WriteByte(' ')
		b.WriteString(a.key)
		b.WriteString(`="`)
		b.WriteString(a.val)
		b.WriteByte('"')
	}
	b.WriteByte('>')
	return true
}

// simpleKey reports an attribute name the renderer writes as it is.
func simpleKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; (c < 'a' || c > 'z') && c != '-' {
			return false
		}
	}
	return true
}

// simpleValue reports an attribute value the parser and renderer give
// back unchanged.
func simpleValue(v string) bool {
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '<', '>', '\'', '\r', 0:
			return false
		case '&':
			n := simpleEntity(v[i:])
			if n == 0 {
				return false
			}
			i += n - 1
		}
	}
	return true
}

// simpleEntity is the length of the escape s starts with if it is one of
// the five the renderer writes, else 0.
func simpleEntity(s string) int {
	for _, e := range [...]string{"&amp;", "&lt;", "&gt;", "&#39;", "&#34;"} {
		if strings.HasPrefix(s, e) {
			return len(e)
		}
	}
	return 0
}
