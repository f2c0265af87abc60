package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"kith/federation"
	"kith/store"
)

func TestWebComposeMarkdownShowsRawHTMLAsText(t *testing.T) {
	o := newWebOwner(t)
	text := "a <b>bold</b> tag, **strong** and <script>alert(1)</script>"
	want := "<p>a &lt;b&gt;bold&lt;/b&gt; tag, <strong>strong</strong> and &lt;script&gt;alert(1)&lt;/script&gt;</p>"

	_, page := o.post(t, "/compose", url.Values{"status": {text}, "action": {"preview"}})
	if !strings.Contains(page, want) {
		t.Errorf("the preview does not show %s:\n%s", want, page)
	}
	resp, body := o.post(t, "/compose", url.Values{"status": {text}, "action": {"publish"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /compose: status %d, want 303:\n%s", resp.StatusCode, body)
	}
	p := latestPost(t, o.DB)
	if got := strings.TrimSpace(p.Content); got != want || p.Source != text || p.SourceType != store.TextMarkdown {
		t.Errorf("stored content %q source %q type %q, want %q, the text, Markdown", got, p.Source, p.SourceType, want)
	}
}

func TestWebComposeEditKeepsFormat(t *testing.T) {
	tests := []struct {
		name, sourceType      string
		wantHint, wantContent string
	}{
		{"plain text", store.TextPlain, "Plain text, as it was written from an app", "<p>*edited* &lt;i&gt;here&lt;/i&gt;</p>"},
		{"Markdown", store.TextMarkdown, "Markdown: **bold**", "<p><em>edited</em> &lt;i&gt;here&lt;/i&gt;</p>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := newWebOwner(t)
			p := o.ownPost(t, federation.NewPost{Text: "*first*", SourceType: tt.sourceType})
			id := strconv.FormatInt(p.ID, 10)
			_, page := o.get(t, "/compose?edit="+id)
			if !strings.Contains(page, `<input type="hidden" name="content_type" value="`+tt.sourceType+`">`) || !strings.Contains(page, tt.wantHint) {
				t.Errorf("the edit form does not carry %s:\n%s", tt.sourceType, page)
			}
			edit := url.Values{"status": {"*edited* <i>here</i>"}, "edit": {id}, "content_type": {tt.sourceType}, "action": {"preview"}}
			if _, page := o.post(t, "/compose", edit); !strings.Contains(page, tt.wantContent) {
				t.Errorf("the preview does not show %s:\n%s", tt.wantContent, page)
			}
			// A form without the hidden field (one rendered before it
			// existed) keeps the post's format too.
			edit.Del("content_type")
			edit.Set("action", "publish")
			if resp, body := o.post(t, "/compose", edit); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("edit: status %d, want 303:\n%s", resp.StatusCode, body)
			}
			got, err := o.DB.PostByID(context.Background(), p.ID)
			if err != nil || strings.TrimSpace(got.Content) != tt.wantContent || got.SourceType != tt.sourceType {
				t.Errorf("after the edit: content %q type %q (%v), want %q %s", got.Content, got.SourceType, err, tt.wantContent, tt.sourceType)
			}
		})
	}
	o := newWebOwner(t)
	if resp, _ := o.post(t, "/compose", url.Values{"status": {"x"}, "content_type": {"text/html"}, "action": {"publish"}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("an unknown content_type: status %d, want 400", resp.StatusCode)
	}
}
