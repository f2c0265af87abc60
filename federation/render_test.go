package federation

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"kith/federation/ap"
	"kith/store"
)

// testLinker links mentions of bob@remote.example and the owner, as if
// they had resolved.
func testLinker() *linker {
	return &linker{host: "kith.example", tagURL: func(t string) string { return "https://kith.example/tags/" + t },
		byHandle: map[string]store.Actor{
			"bob@remote.example": {Username: "bob", URI: "https://remote.example/users/bob", URL: "https://remote.example/@bob"},
			"me@kith.example":    {Username: "me", URI: "https://kith.example/users/me"},
		}, tags: map[string]bool{}}
}

func TestPlainHTML(t *testing.T) {
	const rel = `rel="nofollow noreferrer noopener" target="_blank"`
	tests := []struct {
		name, text, want string
		tags             []string
	}{
		{"markup is text", "Use <br> for line breaks; 3 < 5 and a <b>bold</b> tag",
			`<p>Use &lt;br&gt; for line breaks; 3 &lt; 5 and a &lt;b&gt;bold&lt;/b&gt; tag</p>`, nil},
		{"ampersand and quotes", `fish & chips, "quoted" & 'single'`,
			`<p>fish &amp; chips, &#34;quoted&#34; &amp; &#39;single&#39;</p>`, nil},
		{"code", "if a < b && c > d { <script>alert(1)</script> }",
			`<p>if a &lt; b &amp;&amp; c &gt; d { &lt;script&gt;alert(1)&lt;/script&gt; }</p>`, nil},
		{"Markdown is text", "*not* **bold** `code` [a](https://x.example)",
			`<p>*not* **bold** ` + "`code`" + ` [a](<a href="https://x.example" ` + rel + `><span class="invisible">https://</span><span>x.example</span><span class="invisible"></span></a>)</p>`, nil},
		{"line break and blank line", "one\ntwo\n\nthree\r\n \r\nfour\n\n\n\nfive",
			`<p>one<br/>two</p><p>three</p><p>four</p><p>five</p>`, nil},
		{"url with & and <", "see https://example.com/a?b=1&c=2<d> now",
			`<p>see <a href="https://example.com/a?b=1&amp;c=2" ` + rel + `><span class="invisible">https://</span><span>example.com/a?b=1&amp;c=2</span><span class="invisible"></span></a>&lt;d&gt; now</p>`, nil},
		{"long url shortened, sentence punctuation left out", "(read https://www.example.com/a/very/long/path/to/somewhere/else.html).",
			`<p>(read <a href="https://www.example.com/a/very/long/path/to/somewhere/else.html" ` + rel + `><span class="invisible">https://www.</span>` +
				`<span class="ellipsis">example.com/a/very/long/path/t</span><span class="invisible">o/somewhere/else.html</span></a>).</p>`, nil},
		{"url glued to a word is text", "xhttps://example.com", `<p>xhttps://example.com</p>`, nil},
		{"bare scheme is text", "https:// is a scheme", `<p>https:// is a scheme</p>`, nil},
		{"mentions and hashtags", "hi @bob@remote.example and @me, #Kith & #go_lang\n@nobody@else.example",
			`<p>hi <span class="h-card"><a class="u-url mention" href="https://remote.example/@bob" ` + rel + `>@<span>bob</span></a></span> and ` +
				`<span class="h-card"><a class="u-url mention" href="https://kith.example/users/me" ` + rel + `>@<span>me</span></a></span>, ` +
				`<a class="mention hashtag" href="https://kith.example/tags/kith" ` + rel + `>#<span>Kith</span></a> &amp; ` +
				`<a class="mention hashtag" href="https://kith.example/tags/go_lang" ` + rel + `>#<span>go_lang</span></a><br/>@nobody@else.example</p>`,
			[]string{"go_lang", "kith"}},
		{"a hashtag in a url stays in the url", "https://example.com/#section",
			`<p><a href="https://example.com/#section" ` + rel + `><span class="invisible">https://</span><span>example.com/#section</span><span class="invisible"></span></a></p>`, nil},
		{"empty", "  \n\n ", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := testLinker()
			if got := ap.SanitizeHTML(plainHTML(tt.text, l)); got != tt.want {
				t.Errorf("plainHTML(%q)\n got %s\nwant %s", tt.text, got, tt.want)
			}
			var tags []string
			for tag := range l.tags {
				tags = append(tags, tag)
			}
			slices.Sort(tags)
			if !slices.Equal(tags, tt.tags) {
				t.Errorf("tags %v, want %v", tags, tt.tags)
			}
		})
	}
}

func TestMarkdownShowsRawHTMLAsText(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"inline", "a <b>bold</b> tag and **strong**", "<p>a &lt;b&gt;bold&lt;/b&gt; tag and <strong>strong</strong></p>"},
		{"line break tag", "Use <br> for line breaks", "<p>Use &lt;br&gt; for line breaks</p>"},
		{"block", "<div onclick=\"x()\">\nhello\n</div>\n\nafter", "<p>&lt;div onclick=&#34;x()&#34;&gt;<br/>\nhello<br/>\n&lt;/div&gt;</p>\n<p>after</p>"},
		{"script block", "<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"},
		{"comment", "a <!-- note --> b", "<p>a &lt;!-- note --&gt; b</p>"},
		{"code keeps its text", "`<b>` and\n\n    <i>", "<p><code>&lt;b&gt;</code> and</p>\n<pre><code>&lt;i&gt;\n</code></pre>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := markdownSanitized(t, tt.text); got != tt.want {
				t.Errorf("markdown %q\n got %q\nwant %q", tt.text, got, tt.want)
			}
		})
	}
}

// markdownSanitized renders text as the owner's Markdown and sanitizes it,
// as a local post's HTML is made.
func markdownSanitized(t *testing.T, text string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := markdown().Convert([]byte(text), &buf); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(ap.SanitizeHTML(buf.String()))
}
