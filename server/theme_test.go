package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"kith/config"
	"kith/server"
	"kith/server/core"
	"kith/server/servertest"
	"kith/store"
)

var stylesheetLink = regexp.MustCompile(`<link rel="stylesheet" href="(/static/theme-([0-9a-f]{12})\.css)">`)

// linkedStylesheet fetches the home page and returns the stylesheet URL it
// links.
func linkedStylesheet(t *testing.T, in *servertest.Instance) string {
	t.Helper()
	_, page := servertest.Get(t, http.DefaultClient, in.HTTP.URL+"/")
	m := stylesheetLink.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("home page links no fingerprinted stylesheet:\n%s", page)
	}
	return m[1]
}

func TestThemeRoute(t *testing.T) {
	in := servertest.New(t, func(c *config.Config) { c.Theme.Variables = map[string]string{"accent": "#abcdef"} })
	path := linkedStylesheet(t, in)
	resp, css := servertest.Get(t, in.Browser(t), in.HTTP.URL+path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", path, resp.StatusCode)
	}
	for header, want := range map[string]string{
		"Content-Type":  "text/css; charset=utf-8",
		"Cache-Control": "public, max-age=31536000, immutable",
	} {
		if got := resp.Header.Get(header); got != want {
			t.Errorf("%s = %q, want %q", header, got, want)
		}
	}
	sum := sha256.Sum256([]byte(css))
	if got, want := path, "/static/theme-"+hex.EncodeToString(sum[:])[:12]+".css"; got != want {
		t.Errorf("URL %s, want the fingerprint of the content %s", got, want)
	}
	if !strings.Contains(css, "--accent:#abcdef") {
		t.Errorf("the [theme.variables] accent did not reach the CSS")
	}

	req, _ := http.NewRequest("GET", in.HTTP.URL+path, nil)
	req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
	if resp, _ := in.Browser(t).Do(req); resp == nil || resp.StatusCode != http.StatusNotModified {
		t.Errorf("conditional GET did not answer 304")
	}
	resp, _ = servertest.Get(t, in.Browser(t), in.HTTP.URL+"/static/theme-000000000000.css")
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != path {
		t.Errorf("stale fingerprint: status %d Location %q, want 302 to %s", resp.StatusCode, resp.Header.Get("Location"), path)
	}
}

// A reload with a broken custom file logs where the error is and keeps
// the last good stylesheet; a good one switches the fingerprint.
func TestThemeReload(t *testing.T) {
	custom := filepath.Join(t.TempDir(), "custom.scss")
	write := func(text string) {
		if err := os.WriteFile(custom, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("@import \"themes/default/variables\";\n$accent: #111111;\n@import \"themes/base\";\n")
	in := servertest.New(t, func(c *config.Config) { c.Theme.CustomSCSS = custom })
	var logs bytes.Buffer
	in.Srv.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	first := linkedStylesheet(t, in)
	_, firstCSS := servertest.Get(t, http.DefaultClient, in.HTTP.URL+first)

	write("@import \"themes/default/variables\";\n\n.x { color: $missing; }\n@import \"themes/base\";\n")
	if err := in.Srv.Reload(in.Srv.Config()); err != nil {
		t.Fatal(err)
	}
	if got := linkedStylesheet(t, in); got != first {
		t.Errorf("after a failed reload the page links %s, want %s", got, first)
	}
	if _, css := servertest.Get(t, http.DefaultClient, in.HTTP.URL+first); css != firstCSS {
		t.Errorf("after a failed reload the stylesheet changed")
	}
	for _, want := range []string{"theme reload failed", "file=" + custom, "line=3", "column="} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}

	write("@import \"themes/default/variables\";\n$accent: #2a3b4c;\n@import \"themes/base\";\n")
	if err := in.Srv.Reload(in.Srv.Config()); err != nil {
		t.Fatal(err)
	}
	second := linkedStylesheet(t, in)
	if second == first {
		t.Fatalf("a good reload kept the fingerprint %s", first)
	}
	if _, css := servertest.Get(t, http.DefaultClient, in.HTTP.URL+second); !strings.Contains(css, "--accent:#2a3b4c") {
		t.Errorf("the reloaded stylesheet lacks the new accent")
	}
	resp, _ := servertest.Get(t, in.Browser(t), in.HTTP.URL+first)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != second {
		t.Errorf("old fingerprint: status %d Location %q, want 302 to %s", resp.StatusCode, resp.Header.Get("Location"), second)
	}
}

func TestBrokenThemeStopsStart(t *testing.T) {
	custom := filepath.Join(t.TempDir(), "custom.scss")
	if err := os.WriteFile(custom, []byte("@import \"themes/base\";\n.x {\n  color: nope(;\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Server.DataDir = t.TempDir()
	cfg.Theme.CustomSCSS = custom
	db, err := store.Open(context.Background(), filepath.Join(cfg.Server.DataDir, "kith.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = server.New(cfg, db, servertest.Federation(t, cfg, db), slog.New(slog.DiscardHandler), core.Options{})
	if err == nil || !strings.Contains(err.Error(), custom+":3:") {
		t.Errorf("New with a broken theme: error %v, want one naming %s:3:", err, custom)
	}
}
