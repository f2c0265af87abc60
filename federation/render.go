package federation

import (
	"bytes"
	"context"
	"html"
	"regexp"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	gmhtml "github.com/yuin/goldmark/renderer/html"
	xhtml "golang.org/x/net/html"

	"kith/federation/ap"
	"kith/store"
)

// markdown renders the owner's posts. Raw HTML in the source is dropped
// (goldmark's default), links are made from bare URLs.
var markdown = goldmark.New(
	goldmark.WithExtensions(extension.Linkify, extension.Strikethrough),
	goldmark.WithRendererOptions(gmhtml.WithHardWraps()),
)

var (
	mentionRE = regexp.MustCompile(`(^|[^\w@/])@([A-Za-z0-9_]+)(?:@([A-Za-z0-9.-]+(?::\d+)?))?`)
	hashtagRE = regexp.MustCompile(`(^|[^\w&#/])#([\pL\pN_]*\pL[\pL\pN_]*)`)
)

// rendered is a post's text turned into HTML, with what it mentions.
type rendered struct {
	HTML     string
	Mentions []store.Actor
	Tags     []string
}

// findMentions lists the handles written in text, as user@host (the
// owner's domain filled in where none is written).
func (f *Federation) findMentions(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range mentionRE.FindAllStringSubmatch(text, -1) {
		host := m[3]
		if host == "" {
			host = f.urls.Host()
		}
		h := strings.ToLower(m[2] + "@" + host)
		if !seen[h] {
			seen[h] = true
			out = append(out, m[2]+"@"+host)
		}
	}
	return out
}

// render turns Markdown into sanitized HTML, linking the mentions that
// resolve and the hashtags. Unresolvable mentions stay plain text.
func (f *Federation) render(ctx context.Context, text string) (rendered, error) {
	var r rendered
	byHandle := map[string]store.Actor{}
	for _, h := range f.findMentions(text) {
		a, err := f.Resolve(ctx, "@"+h)
		if err != nil {
			f.logger.Debug("mention not resolved", "handle", h, "err", err)
			continue
		}
		byHandle[strings.ToLower(h)] = a
		r.Mentions = append(r.Mentions, a)
	}
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(text), &buf); err != nil {
		return rendered{}, err
	}
	tags := map[string]bool{}
	out := rewriteText(buf.String(), func(s string) string {
		s = mentionRE.ReplaceAllStringFunc(s, func(m string) string {
			sub := mentionRE.FindStringSubmatch(m)
			host := sub[3]
			if host == "" {
				host = f.urls.Host()
			}
			a, ok := byHandle[strings.ToLower(sub[2]+"@"+host)]
			if !ok {
				return m
			}
			return sub[1] + `<span class="h-card"><a href="` + html.EscapeString(firstNonEmpty(a.URL, a.URI)) +
				`" class="u-url mention">@<span>` + html.EscapeString(a.Username) + `</span></a></span>`
		})
		return hashtagRE.ReplaceAllStringFunc(s, func(m string) string {
			sub := hashtagRE.FindStringSubmatch(m)
			tag := strings.ToLower(sub[2])
			tags[tag] = true
			return sub[1] + `<a href="` + html.EscapeString(f.urls.Tag(tag)) + `" class="mention hashtag" rel="tag">#<span>` + sub[2] + `</span></a>`
		})
	})
	for t := range tags {
		r.Tags = append(r.Tags, t)
	}
	r.HTML = ap.SanitizeHTML(out)
	return r, nil
}

// rewriteText applies fn to the escaped text outside links and code.
func rewriteText(src string, fn func(string) string) string {
	z := xhtml.NewTokenizer(strings.NewReader(src))
	var b strings.Builder
	skip := 0
	for {
		tt := z.Next()
		switch tt {
		case xhtml.ErrorToken:
			return b.String()
		case xhtml.StartTagToken, xhtml.EndTagToken:
			name, _ := z.TagName()
			if n := string(name); n == "a" || n == "code" || n == "pre" {
				if tt == xhtml.StartTagToken {
					skip++
				} else if skip > 0 {
					skip--
				}
			}
			b.Write(z.Raw())
		case xhtml.TextToken:
			if skip > 0 {
				b.Write(z.Raw())
			} else {
				b.WriteString(fn(string(z.Raw())))
			}
		default:
			b.Write(z.Raw())
		}
	}
}
