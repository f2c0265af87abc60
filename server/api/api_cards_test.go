package api_test

import (
	"strings"
	"testing"
	"time"

	"kith/server/core"
	"kith/server/servertest"
	"kith/store"
)

var cardKeys = []string{"url", "title", "description", "language", "type", "author_name", "author_url", "provider_name",
	"provider_url", "html", "width", "height", "image", "image_description", "embed_url", "blurhash", "published_at", "authors"}

func TestStatusCard(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read write")
	bob := servertest.AddRemoteActor(t, in, "bob", "news.example")
	post := servertest.AddRemotePost(t, in, store.Post{URI: "https://news.example/notes/1", AuthorID: bob.ID,
		Content: `<p><a href="https://news.example/a">https://news.example/a</a></p>`})
	plain := servertest.AddRemotePost(t, in, store.Post{URI: "https://news.example/notes/2", AuthorID: bob.ID, Content: "<p>no link</p>"})
	servertest.PutCard(t, in, post.ID, store.Card{URL: "https://news.example/a", CardURL: "https://news.example/a", Found: true,
		Type: store.CardLink, Title: "<script>alert(1)</script> Title", Description: "desc", AuthorName: "Bob Writer",
		ProviderName: "News", ImageURL: "https://news.example/a.png", ImageDescription: "alt", Width: 1200, Height: 630,
		Creator: "bob@news.example", PublishedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)})

	st := c.mustCall(t, 200, "GET", "/api/v1/statuses/"+core.APIID(post.ID), nil).object(t)
	card, ok := st["card"].(map[string]any)
	if !ok {
		t.Fatalf("card = %v, want an object", st["card"])
	}
	checkFields(t, "card", card, cardKeys, nil, []string{"published_at"})
	if card["title"] != "<script>alert(1)</script> Title" || card["type"] != "link" || card["url"] != "https://news.example/a" ||
		card["width"] != 1200.0 || card["html"] != "" || card["author_name"] != "Bob Writer" {
		t.Errorf("card = %v", card)
	}
	img, _ := card["image"].(string)
	if !strings.HasPrefix(img, in.Srv.Config().Server.URL+"/media/remote/") {
		t.Errorf("image = %q, want kith's cached copy, never the remote URL", img)
	}
	authors, _ := card["authors"].([]any)
	if len(authors) != 1 {
		t.Fatalf("authors = %v, want one", card["authors"])
	}
	author := authors[0].(map[string]any)
	if acct, _ := author["account"].(map[string]any); acct == nil || acct["id"] != core.APIID(bob.ID) || author["name"] != "Bob Writer" {
		t.Errorf("author = %v, want Bob Writer with bob's account", author)
	}

	if got := c.mustCall(t, 200, "GET", "/api/v1/statuses/"+core.APIID(post.ID)+"/card", nil).object(t); got["title"] != card["title"] {
		t.Errorf("/card = %v", got)
	}
	if got := c.mustCall(t, 200, "GET", "/api/v1/statuses/"+core.APIID(plain.ID)+"/card", nil).object(t); len(got) != 0 {
		t.Errorf("/card of a post without one = %v, want {}", got)
	}
	if st := c.mustCall(t, 200, "GET", "/api/v1/statuses/"+core.APIID(plain.ID), nil).object(t); st["card"] != nil {
		t.Errorf("card of a post without one = %v, want null", st["card"])
	}

	// A creator on another domain than the page is not credited with an
	// account: any page can name anyone.
	other := servertest.AddRemotePost(t, in, store.Post{URI: "https://news.example/notes/3", AuthorID: bob.ID,
		Content: `<p><a href="https://elsewhere.example/b">x</a></p>`})
	servertest.PutCard(t, in, other.ID, store.Card{URL: "https://elsewhere.example/b", CardURL: "https://elsewhere.example/b",
		Found: true, Title: "Elsewhere", Creator: "bob@news.example"})
	st = c.mustCall(t, 200, "GET", "/api/v1/statuses/"+core.APIID(other.ID), nil).object(t)
	if card := st["card"].(map[string]any); len(card["authors"].([]any)) != 0 || card["image"] != nil {
		t.Errorf("card of a page crediting an account on another domain: %v", card)
	}

	// Timelines carry cards too.
	home := c.mustCall(t, 200, "GET", "/api/v1/timelines/public", nil).list(t)
	found := false
	for _, s := range home {
		if s["id"] == core.APIID(post.ID) {
			found = s["card"] != nil
		}
	}
	if !found {
		t.Errorf("the public timeline shows post %d without its card", post.ID)
	}
}
