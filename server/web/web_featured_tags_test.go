package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"kith/server/servertest"
	"kith/store"
)

// The profile lists the featured hashtags; each leads to the profile
// showing only its posts.
func TestWebProfileFeaturedTags(t *testing.T) {
	in := servertest.New(t, nil)
	webPublicPost(t, in, "first #go post", store.Public)
	webPublicPost(t, in, "second #go post", store.Unlisted)
	webPublicPost(t, in, "a #cats post", store.Public)
	webPublicPost(t, in, "a hidden #go post", store.Private)
	visitor := in.Browser(t)
	if _, body := servertest.Get(t, visitor, in.HTTP.URL+"/@admin"); strings.Contains(body, "Featured hashtags") {
		t.Errorf("the profile shows a featured hashtags section with none featured")
	}
	for _, tag := range []string{"go", "cats"} {
		if _, err := in.Srv.Fed.FeatureTag(context.Background(), tag); err != nil {
			t.Fatal(err)
		}
	}
	_, body := servertest.Get(t, visitor, in.HTTP.URL+"/@admin")
	for _, want := range []string{`<h2 id="featured-tags-heading">Featured hashtags</h2>`,
		`<a href="/@admin/tagged/go">#go</a> <span class="muted">2 posts, last on `,
		`<a href="/@admin/tagged/cats">#cats</a> <span class="muted">1 post, last on `} {
		if !strings.Contains(body, want) {
			t.Errorf("profile lacks %q", want)
		}
	}

	resp, body := servertest.Get(t, visitor, in.HTTP.URL+"/@admin/tagged/go")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /@admin/tagged/go: %d", resp.StatusCode)
	}
	for _, want := range []string{"Posts with #go", "first #go post", "second #go post"} {
		if !strings.Contains(stripTags(body), want) {
			t.Errorf("tagged page lacks %q", want)
		}
	}
	for _, unwanted := range []string{"a #cats post", "a hidden #go post"} {
		if strings.Contains(stripTags(body), unwanted) {
			t.Errorf("tagged page shows %q", unwanted)
		}
	}
	for _, path := range []string{"/@admin/tagged/not%20a%20tag", "/@someone/tagged/go"} {
		if resp, _ := servertest.Get(t, visitor, in.HTTP.URL+path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
		}
	}
}

// stripTags drops HTML tags, to look for text that markup splits.
func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}
