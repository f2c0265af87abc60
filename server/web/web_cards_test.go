package web_test

import (
	"strconv"
	"strings"
	"testing"

	"kith/server/servertest"
	"kith/store"
)

// A post's card shows on its page as escaped text with kith's copy of
// the image; a post with media shows its media instead.
func TestWebStatusCard(t *testing.T) {
	in := servertest.New(t, nil)
	post := webPublicPost(t, in, "see https://news.example/a", store.Public)
	servertest.PutCard(t, in, post.ID, store.Card{URL: "https://news.example/a", CardURL: "https://news.example/a?x=1&y=2", Found: true,
		Type: store.CardLink, Title: `<script>window.__xss=1</script>"Title"`, Description: "<img src=x onerror=alert(1)>",
		ProviderName: "News & Co", AuthorName: "Ann", ImageURL: "https://news.example/a.png", ImageDescription: `alt "quoted"`,
		Width: 1200, Height: 630})
	withMedia := servertest.AddRemotePost(t, in, store.Post{URI: in.Srv.Fed.URLs().Base() + "/m", AuthorID: in.DB.OwnerID(), Local: true,
		Content: `<p><a href="https://news.example/a">link</a></p>`, Attachments: []store.Attachment{{URL: "https://news.example/pic.png", MediaType: "image/png"}}})
	servertest.PutCard(t, in, withMedia.ID, store.Card{URL: "https://news.example/b", Found: true, Title: "a card under media"})

	_, body := servertest.Get(t, in.Browser(t), in.HTTP.URL+"/@admin/"+strconv.FormatInt(post.ID, 10))
	for _, want := range []string{
		`<a class="status-card has-image" href="https://news.example/a?x=1&amp;y=2" rel="nofollow noopener noreferrer"`,
		`&lt;script&gt;window.__xss=1&lt;/script&gt;&#34;Title&#34;`,
		`&lt;img src=x onerror=alert(1)&gt;`,
		`News &amp; Co`, `By Ann`, `alt="alt &#34;quoted&#34;"`, `width="1200" height="630"`,
		`src="` + in.Srv.Config().Server.URL + `/media/remote/`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("status page misses %s", want)
		}
	}
	for _, bad := range []string{"<script>window.__xss", "<img src=x", `src="https://news.example/a.png"`} {
		if strings.Contains(body, bad) {
			t.Errorf("status page has %s", bad)
		}
	}

	owner := in.Browser(t)
	in.SignIn(t, owner)
	_, home := servertest.Get(t, owner, in.HTTP.URL+"/home")
	if !strings.Contains(home, `class="status-card`) {
		t.Errorf("home timeline shows no card")
	}
	if strings.Contains(home, "a card under media") {
		t.Errorf("a post with media shows its card too")
	}
}
