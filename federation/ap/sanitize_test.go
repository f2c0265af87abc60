package ap

import (
	"encoding/json"
	"io/fs"
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

// TestRenderedSimplyAsParsed: the short path of SanitizeHTML takes the
// HTML servers commonly send and writes exactly what parsing and
// rendering it would; what it cannot be sure of, it leaves to the parser.
func TestRenderedSimplyAsParsed(t *testing.T) {
	tests := []struct {
		in     string
		simple bool
	}{
		// Mastodon's mention and link, with the policy's rel and target.
		{`<p><span class="h-card"><a href="https://a.example/@u" class="u-url mention" rel="nofollow noreferrer noopener" target="_blank">@<span>u</span></a></span> hi &amp; bye<br/>next</p><p>two</p>`, true},
		{`<p>a</p><ul><li>x</li><li><p>y</p><ol start="3"><li>z</li></ol></li></ul><blockquote><p>q</p><pre><code>c</code></pre></blockquote>`, true},
		{`plain text, &#39;quoted&#39; &#34;twice&#34; &lt;tag&gt;`, true},
		{`<p>x`, false},                              // unclosed
		{`<b><i>x</b></i>`, false},                   // misnested
		{`<p><p>x</p></p>`, false},                   // a paragraph closes the one it is in
		{`<a href="h"><a href="i">x</a></a>`, false}, // a link closes the one it is in
		{`<a href="h"><p>x</p></a>`, false},          // block in a link
		{`<li>x</li>`, false},                        // item outside a list
		{`<p>a<br>b</p>`, false},                     // <br> is written <br/>
		{"<pre>\nx</pre>", false},                    // the parser drops that newline
		{"<p>a\r\nb</p>", false},                     // and turns CR LF into LF
		{`<p>&nbsp;x</p>`, false},                    // an escape the renderer does not write
		{`<p>"x"</p>`, false},                        // the renderer escapes quotes
		{`<p class="a" class="b">x</p>`, false},      // duplicate attribute
		{`<div>x</div>`, false},                      // not the policy's
	}
	for _, tt := range tests {
		got, ok := renderedSimply(tt.in)
		if ok != tt.simple {
			t.Errorf("renderedSimply(%q): ok %v, want %v", tt.in, ok, tt.simple)
			continue
		}
		if ok && got != wellFormed(tt.in) {
			t.Errorf("renderedSimply(%q):\n got  %q\n want %q", tt.in, got, wellFormed(tt.in))
		}
	}
}

// TestRenderedSimplyOnFixtures runs every content and summary of the real
// payloads through both paths: where the short path answers, it answers
// what the parser would, and it answers for most of them.
func TestRenderedSimplyOnFixtures(t *testing.T) {
	var html []string
	var collect func(key string, v any)
	collect = func(key string, v any) {
		switch v := v.(type) {
		case string:
			if key == "content" || key == "summary" || key == "contentMap" {
				html = append(html, v)
			}
		case map[string]any:
			for k, x := range v {
				if key == "contentMap" {
					k = key
				}
				collect(k, x)
			}
		case []any:
			for _, x := range v {
				collect(key, x)
			}
		}
	}
	err := filepath.WalkDir(fixturesDir(t), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || (!strings.HasSuffix(path, ".json") && !strings.HasSuffix(path, ".txt")) {
			return err
		}
		var doc any
		if json.Unmarshal(readFixture(t, path), &doc) == nil {
			collect("", doc)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	simple := 0
	for _, s := range html {
		clean := sanitizeTokens(s)
		got, ok := renderedSimply(clean)
		if !ok {
			continue
		}
		simple++
		if want := wellFormed(clean); got != want {
			t.Errorf("short path differs on %q:\n got  %q\n want %q", clean, got, want)
		}
	}
	t.Logf("%d of %d contents took the short path", simple, len(html))
	if len(html) > 0 && simple*2 < len(html) {
		t.Errorf("only %d of %d real contents took the short path", simple, len(html))
	}
}
