package ap

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestSanitizeHTML(t *testing.T) {
	const rel = `rel="nofollow noreferrer noopener" target="_blank"`
	tests := []struct {
		name, in, want string
	}{
		{"script", `<p>hi<script>alert(1)</script></p>`, `<p>hi</p>`},
		{"style element", `<style>p{color:red}</style><p>x</p>`, `<p>x</p>`},
		{"javascript href", `<a href="javascript:alert(1)">x</a>`, `x`},
		{"javascript href with entities", `<a href="jav&#x09;ascript:alert(1)">x</a>`, `x`},
		{"data href", `<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>`, `x`},
		{"relative href", `<a href="/users/x">x</a>`, `x`},
		{"onerror", `<img src=x onerror="alert(1)">`, ``},
		{"img", `<p>a<img src="https://a.example/i.png">b</p>`, `<p>ab</p>`},
		{"onclick and style", `<p onclick="x()" style="position:fixed">x</p>`, `<p>x</p>`},
		{"iframe", `<iframe src="https://a.example"></iframe>x`, `x`},
		{"unknown class dropped", `<span class="evil">x</span>`, `<span>x</span>`},
		{"gutenberg comment", "<!-- wp:paragraph --><p>x</p><!-- /wp:paragraph -->", `<p>x</p>`},
		{"https link", `<a href="https://a.example/x" rel="me" target="_self">x</a>`,
			`<a href="https://a.example/x" ` + rel + `>x</a>`},
		{"mailto", `<a href="mailto:a@a.example">m</a>`, `<a href="mailto:a@a.example" rel="nofollow noreferrer">m</a>`},
		{"mention", `<span class="h-card"><a href="https://a.example/@u" class="u-url mention">@<span>u</span></a></span>`,
			`<span class="h-card"><a class="u-url mention" href="https://a.example/@u" ` + rel + `>@<span>u</span></a></span>`},
		{"shortened link", `<a href="https://a.example/long/path"><span class="invisible">https://</span><span class="ellipsis">a.example/lo</span><span class="invisible">ng/path</span></a>`,
			`<a href="https://a.example/long/path" ` + rel + `><span class="invisible">https://</span><span class="ellipsis">a.example/lo</span><span class="invisible">ng/path</span></a>`},
		{"formatting", `<p><strong>b</strong> <em>i</em> <del>d</del> <code>c</code></p><blockquote><ol start="3"><li>x</li></ol></blockquote><pre>p</pre>`,
			`<p><strong>b</strong> <em>i</em> <del>d</del> <code>c</code></p><blockquote><ol start="3"><li>x</li></ol></blockquote><pre>p</pre>`},
		// Well-formed: nothing a post opens stays open after it, and no
		// end tag in it closes kith's own markup.
		{"unclosed formatting", `<p><b><i>bold italic`, `<p><b><i>bold italic</i></b></p>`},
		{"unclosed link", `<p><a href="https://a.example/x">x`, `<p><a href="https://a.example/x" ` + rel + `>x</a></p>`},
		{"mis-nested", `<b><i>x</b>y</i>`, `<b><i>x</i></b><i>y</i>`},
		{"stray end tags", `x</div></article></main></p>y`, `x<p></p>y`},
		{"unclosed list", `<ul><li>a<li>b`, `<ul><li>a</li><li>b</li></ul>`},
		{"text is escaped", `3 &lt; 5 &amp; "q"`, `3 &lt; 5 &amp; &#34;q&#34;`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SanitizeHTML(tt.in); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestSanitizeChatMessageFixture(t *testing.T) {
	// Note: Pleroma's ChatMessage test payload carries a <script> in content.
	root := fixturesDir(t)
	o := innerObject(t, readFixture(t, filepath.Join(root, "pleroma/create-chat-message.json")))
	raw := o.ContentHTML()
	if !strings.Contains(raw, "<script>") {
		t.Fatalf("fixture content has no <script>: %q", raw)
	}
	got := SanitizeHTML(raw)
	if strings.Contains(got, "<script") || strings.Contains(got, "alert") {
		t.Errorf("script survived: %q", got)
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"paragraphs", `<p>one</p><p>two<br>three</p>`, "one\n\ntwo\nthree"},
		{"entities", `<p>the name&apos;s jond &amp; co</p>`, "the name's jond & co"},
		{"mention", `<p><span class="h-card"><a href="https://a.example/@u" class="u-url mention">@<span>u</span></a></span> hi</p>`, "@u hi"},
		{"shortened link keeps the whole URL", `<a href="https://a.example/x"><span class="invisible">https://</span><span class="ellipsis">a.example/x</span></a>`, "https://a.example/x"},
		{"script dropped", `<p>a</p><script>alert("x")</script><style>p{}</style><p>b</p>`, "a\n\nb"},
		{"list", `<ul><li>a</li><li>b</li></ul>after`, "a\nb\n\nafter"},
		{"blank lines collapse", `<p></p><p></p><p>x</p><br><br><br>y`, "x\n\ny"},
		{"plain", "just text", "just text"},
		{"unclosed span", `<p>a <span>b`, "a b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PlainText(tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// BenchmarkSanitizeHTML measures a typical Mastodon post with a mention,
// a hashtag and a shortened link, through the policy and the re-parse that
// makes the output well-formed.
func BenchmarkSanitizeHTML(b *testing.B) {
	const post = `<p><span class="h-card"><a href="https://a.example/@u" class="u-url mention">@<span>u</span></a></span> look at this, ` +
		`<a href="https://a.example/tags/cats" class="mention hashtag" rel="tag">#<span>cats</span></a><br>` +
		`<a href="https://a.example/long/path/to/a/page"><span class="invisible">https://</span><span class="ellipsis">a.example/long/path/to</span><span class="invisible">/a/page</span></a></p>`
	b.Run("policy", func(b *testing.B) {
		for b.Loop() {
			sanitizeTokens(post)
		}
	})
	b.Run("well-formed", func(b *testing.B) {
		for b.Loop() {
			SanitizeHTML(post)
		}
	})
}
