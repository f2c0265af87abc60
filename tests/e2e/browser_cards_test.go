package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBrowserCards: the owner posts a link to a page with OpenGraph tags;
// once kith's job has made its card, chromium shows it on the post's page
// in every built-in theme, with the card's own colours, the image from
// kith, and no sideways scrolling on a phone. Screenshots go beside the
// themes' (testdata-out/screenshots/THEME/card.png).
func TestBrowserCards(t *testing.T) {
	t.Parallel()
	png, err := os.ReadFile(testPNG(t))
	if err != nil {
		t.Fatal(err)
	}
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/article":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, `<!doctype html><title>x</title>
<meta property="og:title" content="A rather long headline about link previews, which wraps on a phone and is cut after two lines">
<meta property="og:description" content="`+strings.Repeat("Some words describing the page. ", 12)+`">
<meta property="og:site_name" content="News Test">
<meta property="og:image" content="/lead.png"><meta property="og:image:alt" content="a gradient">`)
		case "/lead.png":
			w.Header().Set("Content-Type", "image/png")
			w.Write(png)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(site.Close)
	b := startBrowser(t, "MAP alice.test 127.0.0.1")
	alice, cfg := startAlice(t, map[string]string{"news.test": site.Listener.Addr().String()})
	b.must("login", map[string]any{"base": "http://" + alice.host, "username": "alice", "password": clientsPassword}, nil)
	b.must("compose", map[string]any{"text": "Worth reading: http://news.test/article"}, nil)
	var post browserStatus
	b.must("status", map[string]any{"path": "/@alice", "text": "Worth reading"}, &post)
	path := "/@alice/" + strings.TrimPrefix(post.ID, "status-")

	// The card comes from a background job in the kith process: wait for
	// the public page to show it.
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(alice.base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(body), `class="status-card`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no card on %s after 20 s:\n%s", path, body)
		}
		time.Sleep(100 * time.Millisecond)
	}

	style := func(selector, property string) string {
		t.Helper()
		var v string
		b.must("style", map[string]any{"path": path, "selector": selector, "property": property}, &v)
		return v
	}
	for _, theme := range builtInThemes {
		if err := os.WriteFile(alice.cfg, []byte(cfg+"\n[theme]\nname = \""+theme+"\"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		reload(t, alice.proc)
		card, status := style(".status-card", "background-color"), style("article.status", "background-color")
		title, border := style(".status-card-title", "color"), style(".status-card", "border-top-style")
		if card == status || card == "rgba(0, 0, 0, 0)" || title == card || border != "solid" {
			t.Errorf("%s: card background %s on a post's %s, title %s, border %s: the card is not styled", theme, card, status, title, border)
		}
		if got := style(".status-card-image", "display"); got != "block" {
			t.Errorf("%s: card image display %s", theme, got)
		}
		file, err := filepath.Abs(filepath.Join(screenshotDir, theme, "card.png"))
		if err != nil {
			t.Fatal(err)
		}
		b.must("screenshot", map[string]any{"path": path, "file": file}, nil)
	}
	var phone struct {
		Pages []struct {
			ScrollWidth, InnerWidth int
			Overflow                []string
		}
	}
	b.must("phone", map[string]any{"paths": []string{path}, "follow": "/notifications"}, &phone)
	for _, p := range phone.Pages {
		if p.ScrollWidth > p.InnerWidth {
			t.Errorf("the post with a card scrolls sideways on a phone: %d > %d, %v", p.ScrollWidth, p.InnerWidth, p.Overflow)
		}
	}
}
