package federation_test

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"kith/federation"
	"kith/federation/card"
	"kith/tests/hostile"
)

// TestCardHostileCorpus: a page per case of the hostile corpus, its tags
// and its oEmbed document made of the case's fields, is linked from a
// post. The card kith makes of it passes the checks every surface of
// remote data passes, in the API (JSON, URLs only http(s), html
// sanitized) and on the post's public page (nothing escapes).
func TestCardHostileCorpus(t *testing.T) {
	corpus, err := hostile.Corpus()
	if err != nil {
		t.Fatal(err)
	}
	site := newPageSite(t)
	n, alice := newCardNetwork(t, site, nil)
	ctx := context.Background()

	str := func(m map[string]any, key string) string {
		if s, ok := m[key].(string); ok {
			return s
		}
		b, _ := json.Marshal(m[key])
		return string(b)
	}
	attr := html.EscapeString
	var posts []int64
	for i, c := range corpus {
		note := c.Note
		url := str(note, "url")
		for _, a := range hostile.Objects(note, "attachment") {
			url = str(a, "url")
		}
		path := "/case/" + strconv.Itoa(i)
		// The plain-text fields of the case become the page's text;
		// its content, HTML, becomes the oEmbed html and, as text, the
		// description.
		page := `<html><head><title>` + str(note, "summary") + `</title>
			<meta property="og:description" content="` + attr(hostile.Text(str(note, "content"))) + `">
			<meta property="og:site_name" content="` + attr(str(note, "name")) + `">
			<meta property="og:image" content="` + attr(url) + `">
			<meta property="og:image:alt" content="` + attr(str(note, "name")) + `">
			<meta property="og:url" content="` + attr(url) + `">
			<meta name="twitter:player" content="` + attr(url) + `">
			<meta name="fediverse:creator" content="` + attr(str(note, "name")) + `">
			<link rel="alternate" type="application/json+oembed" href="` + path + `/oembed">`
		oembed, _ := json.Marshal(map[string]any{"type": "rich", "html": note["content"], "author_name": note["summary"],
			"author_url": url, "provider_name": note["name"], "provider_url": url, "thumbnail_url": url, "width": "9e99"})
		site.page("news.test"+path, "text/html", page)
		site.page("news.test"+path+"/oembed", "application/json", string(oembed))
		p, err := alice.fed.Post(ctx, federation.NewPost{Text: "http://news.test" + path})
		if err != nil {
			t.Fatal(err)
		}
		posts = append(posts, p.ID)
	}
	n.settle()

	base := alice.cfg.Server.URL
	get := func(path string) string {
		resp, err := n.client().Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d", path, resp.StatusCode)
		}
		return string(b)
	}
	baseline := get("/@alice/" + strconv.FormatInt(posts[0], 10))
	cards := 0
	for i, id := range posts {
		where := corpus[i].Name
		var st map[string]any
		if err := json.Unmarshal([]byte(get("/api/v1/statuses/"+strconv.FormatInt(id, 10))), &st); err != nil {
			t.Fatal(err)
		}
		for _, p := range hostile.URLs(where+" API", st) {
			t.Error(p)
		}
		c, ok := st["card"].(map[string]any)
		if !ok {
			continue
		}
		cards++
		for _, p := range hostile.HTML(where+" card html", c["html"].(string)) {
			t.Error(p)
		}
		for _, key := range []string{"title", "description", "author_name", "provider_name", "image_description"} {
			s, _ := c[key].(string)
			if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == '\u202e' || r == '\u2066' }) || s != strings.TrimSpace(s) {
				t.Errorf("%s: card %s %q has control, bidi or surrounding space characters", where, key, s)
			}
			if utf8.RuneCountInString(s) > card.MaxDescriptionRunes {
				t.Errorf("%s: card %s has %d runes", where, key, utf8.RuneCountInString(s))
			}
		}
		if w, _ := c["width"].(float64); w < 0 || w > 10000 {
			t.Errorf("%s: card width %v", where, c["width"])
		}
		page := get("/@alice/" + strconv.FormatInt(id, 10))
		for _, p := range hostile.Page(where+" page", page, baseline) {
			t.Error(p)
		}
		if !strings.Contains(page, `class="status-card`) {
			t.Errorf("%s: the page does not show the card the API has", where)
		}
	}
	if cards < len(posts)/2 {
		t.Errorf("only %d of %d hostile pages made a card; the test would prove little", cards, len(posts))
	}
	t.Logf("%d cards from %d hostile pages", cards, len(posts))
}
