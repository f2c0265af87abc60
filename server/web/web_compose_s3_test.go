package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"kith/config"
	"kith/server/servertest"
)

// With media on S3 and S3 down, the compose form answers 503 with a
// message saying so, keeps what was typed and posts nothing; with S3
// back the same form publishes the image.
func TestWebComposeImageS3Down(t *testing.T) {
	s3 := servertest.StartS3(t)
	o := newWebOwnerWith(t, func(c *config.Config) { s3.Config(c, "") })
	form := url.Values{"status": {"a picture while the bucket is away"}, "alt_0": {"grey"}, "action": {"publish"}}
	s3.Server.Stop()
	resp, body := o.postMultipart(t, form, map[string][]byte{"file_0": pngBytes(t)})
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "Media storage is unavailable") ||
		!strings.Contains(body, "a picture while the bucket is away") {
		t.Errorf("S3 down: status %d, want 503 with the message and the text kept:\n%.2000s", resp.StatusCode, body)
	}
	if n, _ := o.DB.CountPostsOf(t.Context(), o.DB.OwnerID()); n != 0 {
		t.Errorf("%d posts after a failed upload, want 0", n)
	}
	s3.Server.Start()
	resp, body = o.postMultipart(t, form, map[string][]byte{"file_0": pngBytes(t)})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("S3 back: status %d, want 303:\n%.2000s", resp.StatusCode, body)
	}
	if p := latestPost(t, o.DB); len(p.Attachments) != 1 || p.Attachments[0].Description != "grey" {
		t.Errorf("published %+v, want the image", p.Attachments)
	}
}
