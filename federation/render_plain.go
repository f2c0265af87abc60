package federation

import (
	"html"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// The owner's plain text (store.TextPlain), as Mastodon renders the
// client API's status: the text is escaped, URLs, mentions and hashtags
// become links, a line break becomes <br> and a blank line starts a new
// paragraph. Nothing else is markup: "<b>" stays the three characters.

var (
	// urlRE finds http and https URLs, up to a space, a quote or an
	// angle bracket; trimURL takes the punctuation that ends a sentence
	// back off.
	urlRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)https?://[^\s<>"]+`) })
	// paragraphBreakRE is a blank line: two line breaks with nothing but
	// spaces between.
	paragraphBreakRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\n[ \t]*\n\s*`) })
)

// urlDisplayChars is how much of a URL is shown after its scheme, as
// Mastodon shortens links.
const urlDisplayChars = 30

// plainHTML renders plain text as HTML paragraphs, linking what l links.
func plainHTML(text string, l *linker) string {
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	text = strings.Trim(text, "\n \t")
	if text == "" {
		return ""
	}
	var b strings.Builder
	for _, para := range paragraphBreakRE().Split(text, -1) {
		b.WriteString("<p>")
		for i, line := range strings.Split(para, "\n") {
			if i > 0 {
				b.WriteString("<br>")
			}
			b.WriteString(l.linkPlain(line))
		}
		b.WriteString("</p>")
	}
	return b.String()
}

// entity is a span of plain text that becomes a link.
type entity struct {
	start, end int
	html       string
}

// linkPlain escapes one line of plain text and links its URLs, mentions
// and hashtags. URLs are found first; mentions and hashtags only outside
// them.
func (l *linker) linkPlain(line string) string {
	var found []entity
	for _, m := range urlRE().FindAllStringIndex(line, -1) {
		if m[0] > 0 {
			// Note: Mastodon (twitter-text) does not link a URL glued to
			// a word, as in "xhttps://…".
			if r, _ := utf8.DecodeLastRuneInString(line[:m[0]]); isWordRune(r) || r == '@' || r == '$' || r == '#' {
				continue
			}
		}
		u := trimURL(line[m[0]:m[1]])
		if _, err := url.Parse(u); err != nil || strings.HasSuffix(u, "://") {
			continue // the sanitizer would drop the link and keep the hidden spans
		}
		found = append(found, entity{m[0], m[0] + len(u), urlLink(u)})
	}
	free := func(start, end int) bool {
		for _, e := range found {
			if start < e.end && end > e.start {
				return false
			}
		}
		return true
	}
	for _, m := range mentionRE().FindAllStringSubmatchIndex(line, -1) {
		user, host := line[m[4]:m[5]], ""
		if m[6] >= 0 {
			host = line[m[6]:m[7]]
		}
		if link, ok := l.mention(user, host); ok && free(m[3], m[1]) {
			found = append(found, entity{m[3], m[1], link})
		}
	}
	for _, m := range hashtagRE().FindAllStringSubmatchIndex(line, -1) {
		if free(m[3], m[1]) {
			found = append(found, entity{m[3], m[1], l.hashtag(line[m[4]:m[5]])})
		}
	}
	slices.SortFunc(found, func(a, b entity) int { return a.start - b.start })
	var b strings.Builder
	at := 0
	for _, e := range found {
		b.WriteString(html.EscapeString(line[at:e.start]))
		b.WriteString(e.html)
		at = e.end
	}
	b.WriteString(html.EscapeString(line[at:]))
	return b.String()
}

func isWordRune(r rune) bool {
	return r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
}

// trimURL takes off what ends the sentence around a URL rather than the
// URL: trailing punctuation, and closing brackets that were not opened
// inside it, as in "(see https://example.com/a)".
func trimURL(u string) string {
	for u != "" {
		last := u[len(u)-1]
		switch {
		case strings.IndexByte(".,:;!?'*", last) >= 0:
			u = u[:len(u)-1]
		case last == ')' && strings.Count(u, "(") < strings.Count(u, ")"),
			last == ']' && strings.Count(u, "[") < strings.Count(u, "]"),
			last == '}' && strings.Count(u, "{") < strings.Count(u, "}"):
			u = u[:len(u)-1]
		default:
			return u
		}
	}
	return u
}

// urlLink is the link of a URL in plain text, shown shortened as
// Mastodon shows it: the scheme (and "www.") hidden, then 30 characters,
// the rest hidden behind an ellipsis. The spans' classes are Mastodon's,
// which its clients and kith's styles know.
func urlLink(u string) string {
	prefix := u[:strings.Index(u, "://")+3]
	if strings.HasPrefix(strings.ToLower(u[len(prefix):]), "www.") {
		prefix = u[:len(prefix)+4]
	}
	rest := []rune(u[len(prefix):])
	shown, hidden, class := string(rest), "", ""
	if len(rest) > urlDisplayChars {
		shown, hidden, class = string(rest[:urlDisplayChars]), string(rest[urlDisplayChars:]), ` class="ellipsis"`
	}
	return `<a href="` + html.EscapeString(u) + `" target="_blank" rel="nofollow noopener noreferrer">` +
		`<span class="invisible">` + html.EscapeString(prefix) + `</span><span` + class + `>` + html.EscapeString(shown) +
		`</span><span class="invisible">` + html.EscapeString(hidden) + `</span></a>`
}
