package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"kith/federation"
	"kith/server/servertest"
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

// TestWebEmojiSettings: the settings page is the owner's alone and its
// forms need the CSRF token; an upload becomes an emoji the owner's name
// and posts then show as an image served by kith.
func TestWebEmojiSettings(t *testing.T) {
	in := servertest.New(t, nil)
	ctx := context.Background()
	visitor := in.Browser(t)
	if resp, _ := servertest.Get(t, visitor, in.HTTP.URL+"/settings/emoji"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a visitor: status %d, want 303 to the login page", resp.StatusCode)
	}
	c, token := accOwner(t, in)
	send := func(fields map[string]string) (*http.Response, string) {
		ctype, body := multipartForm(t, fields, map[string][]byte{"image": pngBytes(t)})
		resp, err := c.Post(in.HTTP.URL+"/settings/emoji", ctype, body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, servertest.ReadBody(t, resp)
	}
	if resp, _ := send(map[string]string{"shortcode": "blobcat"}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("without the CSRF token: status %d, want 403", resp.StatusCode)
	}
	if resp, page := send(map[string]string{"shortcode": "no way", "csrf_token": token}); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(page, "letters, digits or underscores") {
		t.Errorf("a bad shortcode: status %d", resp.StatusCode)
	}
	if resp, _ := send(map[string]string{"shortcode": "blobcat", "csrf_token": token}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: status %d, want 303", resp.StatusCode)
	}
	if list, err := in.DB.CustomEmojis(ctx); err != nil || len(list) != 1 || list[0].Shortcode != "blobcat" {
		t.Fatalf("custom emoji after the upload: %+v, %v", list, err)
	}

	// The owner's name and a post use it.
	err := in.Srv.Fed.UpdateProfile(ctx, federation.Profile{DisplayName: "Admin :blobcat:", Summary: "hi", SummaryType: store.TextMarkdown})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.Srv.Fed.Post(ctx, federation.NewPost{Text: "look :blobcat:"}); err != nil {
		t.Fatal(err)
	}
	poll := &federation.NewPoll{Options: []string{":blobcat: yes", "no"}, Expires: time.Hour}
	if _, err := in.Srv.Fed.Post(ctx, federation.NewPost{Text: "vote", Summary: "a :blobcat: poll", Poll: poll}); err != nil {
		t.Fatal(err)
	}
	_, page := servertest.Get(t, visitor, in.HTTP.URL+"/@admin")
	img := `<img class="emoji" src="` + in.Srv.Config().Server.URL + `/media/emoji/blobcat-`
	for _, where := range []string{`<h1 class="display-name" id="profile-name">Admin `, `<p>look `, `<summary>a `, `<span class="poll-option">`} {
		if !strings.Contains(page, where+img) {
			t.Errorf("the profile lacks :blobcat: as an image after %q", where)
		}
	}

	if resp, _ := servertest.Post(t, c, in.HTTP.URL+"/settings/emoji/remove", url.Values{"shortcode": {"blobcat"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("remove without the CSRF token: status %d, want 403", resp.StatusCode)
	}
	if resp, _ := servertest.Post(t, c, in.HTTP.URL+"/settings/emoji/remove", url.Values{"shortcode": {"blobcat"}, "csrf_token": {token}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("remove: status %d, want 303", resp.StatusCode)
	}
	if _, page := servertest.Get(t, visitor, in.HTTP.URL+"/@admin"); strings.Contains(page, img) || !strings.Contains(page, "look :blobcat:") {
		t.Errorf("after removing :blobcat: the profile still shows its image, or lost its text")
	}
}
