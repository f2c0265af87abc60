package federation

import (
	"testing"

	"kith/store"
)

func TestCardLink(t *testing.T) {
	f := &Federation{urls: NewURLs("https://kith.example", "me"), opts: Options{Hosts: map[string]string{"lab.test": "127.0.0.1:1"}}}
	a := func(href, text string) string { return `<a href="` + href + `">` + text + `</a> ` }
	tests := []struct {
		name   string
		post   store.Post
		quoted string
		want   string
	}{
		{"first plain link", store.Post{Content: "<p>" + a("https://a.example.org/x", "x") + a("https://news.net/1", "one") + a("https://news.net/2", "two") + "</p>"}, "", "https://news.net/1"},
		{"mention, hashtag and handle-like text skipped", store.Post{Content: `<p><span class="h-card"><a href="https://s.net/@u" class="u-url mention">@u</a></span> ` +
			`<a href="https://s.net/tags/t" rel="tag">#t</a> ` + a("https://s.net/tags/u", "#u") + a("https://s.net/@v", "@v") + a("https://news.net/1", "news") + `</p>`}, "", "https://news.net/1"},
		{"mentioned actor's URI skipped", store.Post{Content: a("https://s.net/users/u", "u") + a("https://news.net/1", "n"),
			Mentions: []store.Mention{{ActorURI: "https://s.net/users/u"}}}, "", "https://news.net/1"},
		{"attachment skipped", store.Post{Content: a("https://s.net/media/1.png", "pic"),
			Attachments: []store.Attachment{{URL: "https://s.net/media/1.png"}}}, "", ""},
		{"own pages skipped", store.Post{Content: a("https://kith.example/@me/1", "mine")}, "", ""},
		{"quoted post skipped, by URI and by page", store.Post{Content: "<p>RE: " + a("https://s.net/@u/9", "https://s.net/@u/9") + a("https://s.net/users/u/statuses/9", "q") + "</p>",
			Quote: &store.Quote{QuotedURI: "https://s.net/users/u/statuses/9"}}, "https://s.net/@u/9", ""},
		{"reserved names skipped, mapped ones kept", store.Post{Content: a("http://x.test/", "t") + a("https://www.example.com/", "e") + a("http://lab.test/p", "lab")}, "", "http://lab.test/p"},
		{"script URL skipped", store.Post{Content: a("javascript:alert(1)", "x") + a("https://news.net/1", "n")}, "", "https://news.net/1"},
		{"remote post behind a warning", store.Post{Summary: "cw", Content: a("https://news.net/1", "n")}, "", ""},
		{"own post behind a warning", store.Post{Local: true, Summary: "cw", Content: a("https://news.net/1", "n")}, "", "https://news.net/1"},
		{"boost", store.Post{ReblogOfID: 1, Content: a("https://news.net/1", "n")}, "", ""},
		{"no link", store.Post{Content: "<p>plain</p>"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := f.cardLink(tt.post, tt.quoted); got != tt.want {
				t.Errorf("cardLink = %q, want %q", got, tt.want)
			}
		})
	}
}
