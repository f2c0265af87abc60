package federation

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"html"
	"regexp"
	"strings"
	"sync"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	gmhtml "github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/util"
	xhtml "golang.org/x/net/html"

	"kith/federation/ap"
	"kith/store"
)

// markdown renders the owner's Markdown (the web compose form's). Raw HTML
// in the source is shown as text (escapeRawHTML), links are made from
// bare URLs and ~~text~~ is struck (render_markdown.go). It is built on first use: a start that renders no Markdown
// does not pay for it.
var markdown = sync.OnceValue(func() goldmark.Markdown {
	return goldmark.New(
		goldmark.WithParserOptions(markdownExtras(),
			parser.WithASTTransformers(util.Prioritized(linkify{}, 100))),
		goldmark.WithRendererOptions(gmhtml.WithHardWraps(),
			renderer.WithNodeRenderers(util.Prioritized(escapeRawHTML{}, 100), util.Prioritized(strikethroughHTML{}, 100))),
	)
})

var (
	mentionRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(^|[^\w@/])@([A-Za-z0-9_]+)(?:@([A-Za-z0-9.-]+(?::\d+)?))?`)
	})
	hashtagRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(^|[^\w&#/])#([\pL\pN_]*\pL[\pL\pN_]*)`) })
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
	for _, m := range mentionRE().FindAllStringSubmatch(text, -1) {
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

// render turns the owner's text, written as sourceType (store.TextPlain
// or store.TextMarkdown), into sanitized HTML, linking the mentions that
// resolve and the hashtags. Unresolvable mentions stay plain text.
func (f *Federation) render(ctx context.Context, text, sourceType string) (rendered, error) {
	l := &linker{host: f.urls.Host(), tagURL: f.urls.Tag, byHandle: map[string]store.Actor{}, tags: map[string]bool{}}
	var r rendered
	for _, h := range f.findMentions(text) {
		a, err := f.Resolve(ctx, "@"+h)
		if err != nil {
			f.logger.Debug("mention not resolved", "handle", h, "err", err)
			continue
		}
		l.byHandle[strings.ToLower(h)] = a
		r.Mentions = append(r.Mentions, a)
	}
	var out string
	switch sourceType {
	case store.TextPlain:
		out = plainHTML(text, l)
	case store.TextMarkdown:
		var buf bytes.Buffer
		if err := markdown().Convert([]byte(text), &buf); err != nil {
			return rendered{}, err
		}
		out = rewriteText(buf.String(), l.linkEscaped)
	default:
		return rendered{}, fmt.Errorf("%w: unknown source type %q", ErrInvalid, sourceType)
	}
	for t := range l.tags {
		r.Tags = append(r.Tags, t)
	}
	r.HTML = sameTabLinks(ap.SanitizeHTML(out), f.urls.Base())
	return r, nil
}

// linker makes the links of mentions and hashtags, the same for both
// source types, and notes the hashtags it linked.
type linker struct {
	host     string                 // the owner's, for mentions without one
	tagURL   func(string) string    // a hashtag's page
	byHandle map[string]store.Actor // resolved mentions, by lower-case user@host
	tags     map[string]bool
}

// mention is the link of @user or @user@host, false when it did not
// resolve.
func (l *linker) mention(user, host string) (string, bool) {
	if host == "" {
		host = l.host
	}
	a, ok := l.byHandle[strings.ToLower(user+"@"+host)]
	if !ok {
		return "", false
	}
	return `<span class="h-card"><a href="` + html.EscapeString(cmp.Or(a.URL, a.URI)) +
		`" class="u-url mention">@<span>` + html.EscapeString(a.Username) + `</span></a></span>`, true
}

// hashtag is the link of #tag.
func (l *linker) hashtag(tag string) string {
	lower := strings.ToLower(tag)
	l.tags[lower] = true
	return `<a href="` + html.EscapeString(l.tagURL(lower)) + `" class="mention hashtag" rel="tag">#<span>` +
		html.EscapeString(tag) + `</span></a>`
}

// linkEscaped links the mentions and hashtags of text that is already
// HTML-escaped (Markdown's output).
func (l *linker) linkEscaped(s string) string {
	s = mentionRE().ReplaceAllStringFunc(s, func(m string) string {
		sub := mentionRE().FindStringSubmatch(m)
		if link, ok := l.mention(sub[2], sub[3]); ok {
			return sub[1] + link
		}
		return m
	})
	return hashtagRE().ReplaceAllStringFunc(s, func(m string) string {
		sub := hashtagRE().FindStringSubmatch(m)
		return sub[1] + l.hashtag(sub[2])
	})
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

// escapeRawHTML renders the raw HTML of Markdown as text: shown, neither
// dropped (goldmark's default) nor passed through, so that writing about
// a <b> tag keeps the words.
type escapeRawHTML struct{}

// RegisterFuncs puts escapeRawHTML in place of goldmark's renderers of
// inline raw HTML and HTML blocks.
func (escapeRawHTML) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindRawHTML, renderRawHTMLAsText)
	reg.Register(ast.KindHTMLBlock, renderHTMLBlockAsText)
}

func renderRawHTMLAsText(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		segs := node.(*ast.RawHTML).Segments
		for i := range segs.Len() {
			seg := segs.At(i)
			w.WriteString(html.EscapeString(string(seg.Value(source))))
		}
	}
	return ast.WalkSkipChildren, nil
}

// renderHTMLBlockAsText shows an HTML block as a paragraph of its lines.
func renderHTMLBlockAsText(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*ast.HTMLBlock)
	var b strings.Builder
	for i := range n.Lines().Len() {
		line := n.Lines().At(i)
		b.Write(line.Value(source))
	}
	if n.HasClosure() {
		b.Write(n.ClosureLine.Value(source))
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	for i := range lines {
		lines[i] = html.EscapeString(lines[i])
	}
	w.WriteString("<p>" + strings.Join(lines, "<br>\n") + "</p>\n")
	return ast.WalkContinue, nil
}
