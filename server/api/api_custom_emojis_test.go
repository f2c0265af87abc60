package api_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"kith/media"
	"kith/server/servertest"
)

// The owner's custom emoji through the API: listed as Mastodon's
// CustomEmoji, and on the owner's account and statuses that use them.
func TestCustomEmojisAPI(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read write")
	if got := c.mustCall(t, 200, "GET", "/api/v1/custom_emojis", nil).body; strings.TrimSpace(got) != "[]" {
		t.Errorf("no emoji yet: %s, want []", got)
	}
	img := image.NewNRGBA(image.Rect(0, 0, 20, 20))
	img.Set(5, 5, color.NRGBA{255, 0, 0, 255})
	var buf bytes.Buffer
	png.Encode(&buf, img)
	files := in.Srv.MediaFiles()
	if _, err := media.AddEmoji(context.Background(), in.DB, files, "blobcat", "blobs", buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	list := c.mustCall(t, 200, "GET", "/api/v1/custom_emojis", nil).list(t)
	if len(list) != 1 {
		t.Fatalf("custom emoji: %v, want one", list)
	}
	e := list[0]
	checkFields(t, "custom emoji", e, []string{"shortcode", "url", "static_url", "visible_in_picker", "category"}, nil, nil)
	prefix := in.Srv.Config().Server.URL + "/media/emoji/blobcat-"
	if url, _ := e["url"].(string); e["shortcode"] != "blobcat" || !strings.HasPrefix(url, prefix) || e["static_url"] != url ||
		e["visible_in_picker"] != true || e["category"] != "blobs" {
		t.Errorf("custom emoji %v", e)
	}

	c.mustCall(t, 200, "PATCH", "/api/v1/accounts/update_credentials", map[string]any{"display_name": "Admin :blobcat:"})
	owner := c.mustCall(t, 200, "GET", "/api/v1/accounts/verify_credentials", nil).object(t)
	st := c.mustCall(t, 200, "POST", "/api/v1/statuses", map[string]any{"status": "hi :blobcat: :other:"}).object(t)
	for what, v := range map[string]map[string]any{"account": owner, "status": st} {
		emojis, _ := v["emojis"].([]any)
		if len(emojis) != 1 {
			t.Errorf("%s emojis %v, want blobcat alone", what, v["emojis"])
			continue
		}
		if got := emojis[0].(map[string]any); got["shortcode"] != "blobcat" || got["url"] != e["url"] {
			t.Errorf("%s emoji %v, want %v", what, got, e)
		}
	}
}
