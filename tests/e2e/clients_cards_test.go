package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestClientsCards: Mastodon.py and masto.js post a status linking a page
// and read the preview card kith's background job made of it. The page is
// served by this test on loopback as http://news.test/article
// ([federation.hosts] maps the name), with OpenGraph tags, a
// fediverse:creator and an image, which the card points at through kith.
func TestClientsCards(t *testing.T) {
	t.Run("Mastodon.py", func(t *testing.T) {
		needTool(t, "/usr/lib/python3/dist-packages/mastodon/Mastodon.py")
		_, base, link := serveCardPage(t)
		out := runClient(t, nil, "", "/usr/bin/python3", "mastodonpy_cards.py", base, "alice", clientsPassword, link)
		s := parseSteps(t, out)
		for _, name := range []string{"status_card_field", "status_card"} {
			var c clientCard
			if s.get(t, name, &c) {
				c.check(t, name, base)
			}
		}
	})
	t.Run("masto.js", func(t *testing.T) {
		needTool(t, filepath.Join(clientsDir(t), "node_modules", "masto", "package.json"))
		dir, base, link := serveCardPage(t)
		r := kith(t, dir, "", "token", "create", "--scopes", "read write", "--name", "masto.js cards")
		if r.code != 0 {
			t.Fatalf("token create: exit %d: %s", r.code, r.stderr)
		}
		out := runClient(t, nil, "", "node", "--no-warnings", "masto_cards.mjs", base, strings.TrimSpace(r.stdout), link)
		s := parseSteps(t, out)
		var c struct {
			clientCard
			ProviderName string `json:"providerName"`
		}
		if s.get(t, "card", &c) {
			c.clientCard.ProviderName = c.ProviderName
			c.check(t, "card", base)
		}
	})
}

type clientCard struct {
	URL, Title, Description, Type, Image string
	ProviderName                         string `json:"provider_name"`
	Authors                              []string
}

func (c clientCard) check(t *testing.T, step, base string) {
	t.Helper()
	if c.Title != "Cards & clients" || c.Description != "A page with <a card>." || c.Type != "link" ||
		c.ProviderName != "News Test" || c.URL != "http://news.test/article" {
		t.Errorf("%s: card %+v", step, c)
	}
	if !strings.HasPrefix(c.Image, base+"/media/remote/") {
		t.Errorf("%s: image %q, want kith's copy under %s/media/remote/", step, c.Image, base)
	} else {
		checkMediaFile(t, c.Image)
	}
}

// serveCardPage starts the page and a kith that may fetch it, and
// returns kith's directory and base URL and the page's link.
func serveCardPage(t *testing.T) (dir, base, link string) {
	t.Helper()
	t.Parallel()
	pngPath := testPNG(t)
	png, err := os.ReadFile(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/article":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, `<!doctype html><html><head><title>fallback</title>
<meta property="og:title" content="Cards &amp; clients">
<meta property="og:description" content="A page with &lt;a card&gt;.">
<meta property="og:site_name" content="News Test">
<meta property="og:image" content="/lead.png">
<meta name="fediverse:creator" content="@writer@news.test">
</head><body>article</body></html>`)
		case "/lead.png":
			w.Header().Set("Content-Type", "image/png")
			w.Write(png)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(site.Close)
	dir, cfgPath, base := initInstance(t)
	extra := fmt.Sprintf("\n[federation]\nallow_private_addresses = true\n\n[federation.hosts]\n%q = %q\n",
		"news.test", site.Listener.Addr().String())
	f, err := os.OpenFile(cfgPath, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(extra); err != nil {
		t.Fatal(err)
	}
	f.Close()
	p := startServe(t, dir)
	p.waitHealthy(t, base)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("kith serve output:\n%s", p.output())
		}
	})
	return dir, base, "http://news.test/article"
}
