package federation

import "testing"

func TestSameTabLinks(t *testing.T) {
	const base = "https://kith.example"
	const blank = `rel="nofollow noreferrer noopener" target="_blank"`
	tests := []struct{ name, in, want string }{
		{"own hashtag opens here, rel=tag",
			`<p><a class="mention hashtag" href="https://kith.example/tags/go" ` + blank + `>#<span>go</span></a></p>`,
			`<p><a class="mention hashtag" href="https://kith.example/tags/go" rel="tag">#<span>go</span></a></p>`},
		{"own mention opens here",
			`<span class="h-card"><a class="u-url mention" href="https://KITH.example/users/me" ` + blank + `>@<span>me</span></a></span>`,
			`<span class="h-card"><a class="u-url mention" href="https://KITH.example/users/me">@<span>me</span></a></span>`},
		{"another site keeps its new tab",
			`<p><a href="https://kith.example.org/x" ` + blank + `>x</a> &amp; <a class="mention hashtag" href="https://remote.example/tags/go" ` + blank + `>#go</a></p>`,
			`<p><a href="https://kith.example.org/x" ` + blank + `>x</a> &amp; <a class="mention hashtag" href="https://remote.example/tags/go" ` + blank + `>#go</a></p>`},
		{"another scheme or port is another origin",
			`<a href="http://kith.example/tags/go" ` + blank + `>a</a><a href="https://kith.example:8443/" ` + blank + `>b</a>`,
			`<a href="http://kith.example/tags/go" ` + blank + `>a</a><a href="https://kith.example:8443/" ` + blank + `>b</a>`},
		{"text and escapes untouched",
			`<p>3 &lt; 5 &amp; <a href="https://kith.example/tags/a?b=1&amp;c=2" ` + blank + `>&#34;q&#34;</a></p>`,
			`<p>3 &lt; 5 &amp; <a href="https://kith.example/tags/a?b=1&amp;c=2">&#34;q&#34;</a></p>`},
		{"no links", `<p>plain</p>`, `<p>plain</p>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sameTabLinks(tt.in, base); got != tt.want {
				t.Errorf("sameTabLinks\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}
