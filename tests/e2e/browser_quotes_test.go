package e2e

import (
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestBrowserQuote shows a quote in chromium: the owner quotes a post
// (from an app, with quoted_status_id); the thread of the quote shows the
// quoted post inside it, and the quoted post carries the Quote button.
// The page is saved as a screenshot.
func TestBrowserQuote(t *testing.T) {
	t.Parallel()
	b := startBrowser(t, "MAP alice.test 127.0.0.1")
	alice, _ := startAlice(t, nil)
	token := alice.token(t, "read write")
	var orig, quote struct{ ID string }
	apiPostForm(t, alice.base, token, "/api/v1/statuses", url.Values{"status": {"the evening sky over the hills"}}, &orig)
	apiPostForm(t, alice.base, token, "/api/v1/statuses", url.Values{"status": {"look at this, everyone"}, "quoted_status_id": {orig.ID}}, &quote)

	b.must("login", map[string]any{"base": "http://" + alice.host, "username": "alice", "password": clientsPassword}, nil)
	var buttons []string
	b.must("links", map[string]any{"path": "/thread/" + orig.ID, "selector": "footer.status-actions a"}, &buttons)
	if !slices.Contains(buttons, "/compose?quote="+orig.ID) {
		t.Errorf("the post's buttons %v lack Quote", buttons)
	}
	var inside []string
	b.must("links", map[string]any{"path": "/thread/" + quote.ID, "selector": "article.status blockquote.status-quote article.status a.permalink"}, &inside)
	if len(inside) != 1 {
		t.Errorf("the quote's thread shows %d quoted posts inside it (permalinks %v), want 1", len(inside), inside)
	}
	file, err := filepath.Abs(filepath.Join(screenshotDir, "quotes", "quote-thread.png"))
	if err != nil {
		t.Fatal(err)
	}
	b.must("screenshot", map[string]any{"path": "/thread/" + quote.ID, "file": file}, nil)
	if st, err := os.Stat(file); err != nil || st.Size() == 0 {
		t.Errorf("screenshot %s: %v", file, err)
	}
}
