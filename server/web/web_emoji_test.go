package web_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"kith/federation"
	"kith/store"
)

// TestWebReactionNotifications: a favourite that is an emoji reaction
// shows its emoji, a custom one as an image from kith's media cache, a
// Unicode one as text, and a reaction name that is not a shortcode as
// escaped text.
func TestWebReactionNotifications(t *testing.T) {
	o := newWebOwner(t)
	ctx := context.Background()
	mine := o.ownPost(t, federation.NewPost{Text: "react here"})
	reactions := []struct{ emoji, url string }{
		{":blobcat:", "https://remote.example/blobcat.png"},
		{"\U0001F389", ""},
		{":<b>x</b>:", "https://remote.example/x.png"},
	}
	err := o.DB.InTx(ctx, func(tx *store.Tx) error {
		for i, r := range reactions {
			name := "fan" + strconv.Itoa(i)
			author, err := tx.UpsertActor(ctx, store.Actor{URI: "https://remote.example/users/" + name, Type: "Person", Username: name,
				Domain: "remote.example", Inbox: "https://remote.example/users/" + name + "/inbox"})
			if err != nil {
				return err
			}
			if _, err := tx.PutReaction(ctx, author, mine.ID, r.emoji, r.url, "https://remote.example/r/"+r.emoji); err != nil {
				return err
			}
			if _, err := tx.Notify(ctx, "favourite", author, mine.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	resp, page := o.get(t, "/notifications")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, want := range []string{
		`<img class="emoji" src="` + o.Srv.Config().Server.URL + `/media/remote/`,
		`alt=":blobcat:"`,
		"reacted to your post with <span class=\"reaction\">\U0001F389</span>",
		"<span class=\"reaction\">:&lt;b&gt;x&lt;/b&gt;:</span>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("/notifications lacks %q", want)
		}
	}
	if strings.Contains(page, "remote.example/blobcat.png") || strings.Contains(page, "<b>x</b>") {
		t.Errorf("/notifications hot-links an emoji or shows remote markup")
	}
}
