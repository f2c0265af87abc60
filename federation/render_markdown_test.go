package federation

import (
	"strings"
	"testing"
)

// TestMarkdownLinksAndStrikethrough: bare links, www. addresses and e-mail
// addresses become links, ~~text~~ is struck, and what is not a link
// (inside code, after @, ending a sentence) stays text. The wants are what
// kith showed with goldmark's own extensions, after the sanitizer.
func TestMarkdownLinksAndStrikethrough(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"url with query", "see https://example.com/a?b=1&c=2 now",
			`<p>see <a href="https://example.com/a?b=1&amp;c=2" rel="nofollow noreferrer noopener" target="_blank">https://example.com/a?b=1&amp;c=2</a> now</p>`},
		{"www and full stop", "at www.example.org/x.",
			`<p>at <a href="http://www.example.org/x" rel="nofollow noreferrer noopener" target="_blank">www.example.org/x</a>.</p>`},
		{"e-mail, not a handle", "mail bob@example.com or @bob@example.com",
			`<p>mail <a href="mailto:bob@example.com" rel="nofollow noreferrer">bob@example.com</a> or @bob@example.com</p>`},
		{"strikethrough", "~~gone~~ and ~one~ and ~~~three~~~",
			`<p><del>gone</del> and <del>one</del> and ~~~three~~~</p>`},
		{"parentheses", "(https://example.com/path_(x)) end",
			`<p>(<a href="https://example.com/path_(x)" rel="nofollow noreferrer noopener" target="_blank">https://example.com/path_(x)</a>) end</p>`},
		{"emphasis ends it", "https://example.com/a*b*c done",
			`<p><a href="https://example.com/a" rel="nofollow noreferrer noopener" target="_blank">https://example.com/a</a><em>b</em>c done</p>`},
		{"explicit links stay", "[x](https://l.example) <https://auto.example>",
			`<p><a href="https://l.example" rel="nofollow noreferrer noopener" target="_blank">x</a> <a href="https://auto.example" rel="nofollow noreferrer noopener" target="_blank">https://auto.example</a></p>`},
		{"code stays text", "`https://code.example` https://trail.example/!",
			`<p><code>https://code.example</code> <a href="https://trail.example/" rel="nofollow noreferrer noopener" target="_blank">https://trail.example/</a>!</p>`},
		{"line break after a link", "one https://a.example:8080/p\ntwo",
			"<p>one <a href=\"https://a.example:8080/p\" rel=\"nofollow noreferrer noopener\" target=\"_blank\">https://a.example:8080/p</a><br/>\ntwo</p>"},
		{"inside emphasis", "*see https://a.example*",
			`<p><em>see <a href="https://a.example" rel="nofollow noreferrer noopener" target="_blank">https://a.example</a></em></p>`},
		{"no dot, other schemes", "http://localhost/x ftp://files.example/a javascript:alert(1) www.nodot",
			`<p>http://localhost/x ftp://files.example/a javascript:alert(1) www.nodot</p>`},
		{"quote in a link", `https://a.example/"onmouseover=x`,
			`<p><a href="https://a.example/%22onmouseover=x" rel="nofollow noreferrer noopener" target="_blank">https://a.example/&#34;onmouseover=x</a></p>`},
		{"mid-word is not a link", "xhttps://a.example",
			`<p>xhttps://a.example</p>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := markdownSanitized(t, tt.text); got != tt.want {
				t.Errorf("markdown %q\n got %s\nwant %s", tt.text, got, tt.want)
			}
		})
	}
}

func TestFindLinks(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"", nil},
		{"https://a.example", []string{"https://a.example"}},
		{"(www.a.example/b?c=d).", []string{"www.a.example/b?c=d"}},
		{"a@b.example, c.d@e.f.example.", []string{"a@b.example", "c.d@e.f.example"}},
		{"x@y.example_ x@y.1", nil},
		{"https://a.example/x)) https://b.example/(y)", []string{"https://a.example/x", "https://b.example/(y)"}},
		{"HTTPS://A.EXAMPLE/Ok", []string{"HTTPS://A.EXAMPLE/Ok"}},
		{"https://a.example1 https://.example", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, s := range findLinks([]byte(tt.text)) {
			got = append(got, tt.text[s.start:s.end])
		}
		if strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("findLinks(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}
