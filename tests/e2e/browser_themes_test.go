package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// builtInThemes are the themes kith ships, in the order the test switches
// to them; "default" is also what runs before any [theme] is configured.
var builtInThemes = []string{"default", "light", "high-contrast"}

// screenshotDir is where TestBrowserThemes saves its screenshots, one
// directory per theme: testdata-out/screenshots at the repository's root.
// CI keeps it as an artifact (testdata-out/ is ignored by git).
var screenshotDir = filepath.Join(repoRoot, "testdata-out", "screenshots")

// TestBrowserThemes changes [theme] name in the config file, sends SIGHUP,
// and checks the page's computed background colour follows each built-in
// theme; it saves screenshots of the profile, a post, home, compose,
// notifications, settings and the dashboard in each theme.
func TestBrowserThemes(t *testing.T) {
	t.Parallel()
	b := startBrowser(t, "MAP alice.test 127.0.0.1")
	carol := newFakeActor(t, "friends.test", "carol", map[string]any{"name": "Carol", "summary": "<p>Paints.</p>"})
	alice, cfg := startAlice(t, map[string]string{"friends.test": carol.addr})
	b.must("login", map[string]any{"base": "http://" + alice.host, "username": "alice", "password": clientsPassword}, nil)
	const cw = "a gradient"
	b.must("compose", map[string]any{"text": "Colours, **bold** and a #tag", "cw": cw, "image": testPNG(t), "alt": "red to teal"}, nil)
	carolWritesToAlice(t, carol, alice)
	var post browserStatus
	b.must("status", map[string]any{"path": "/@alice", "text": cw}, &post)
	if !strings.HasPrefix(post.ID, "status-") {
		t.Fatalf("the post on the profile has id %q, want status-ID", post.ID)
	}
	pages := []struct{ name, path string }{
		{"profile", "/@alice"},
		{"post", "/@alice/" + strings.TrimPrefix(post.ID, "status-")},
		{"home", "/home"},
		{"compose", "/compose"},
		{"notifications", "/notifications"},
		{"settings", "/settings"},
		{"admin", "/admin"},
	}
	screenshots := func(theme string) {
		t.Helper()
		for _, p := range pages {
			file, err := filepath.Abs(filepath.Join(screenshotDir, theme, p.name+".png"))
			if err != nil {
				t.Fatal(err)
			}
			b.must("screenshot", map[string]any{"path": p.path, "file": file}, nil)
		}
	}
	background := func() string {
		t.Helper()
		var bg string
		b.must("style", map[string]any{"path": "/home", "selector": "body", "property": "background-color"}, &bg)
		return bg
	}

	first := background()
	screenshots(builtInThemes[0])

	seen := map[string]string{}
	for _, theme := range append(builtInThemes[1:], builtInThemes[0]) {
		text := cfg + "\n[theme]\nname = \"" + theme + "\"\n"
		if err := os.WriteFile(alice.cfg, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		reload(t, alice.proc)
		seen[theme] = background()
		t.Logf("theme %s: body background-color %s", theme, seen[theme])
		if theme != builtInThemes[0] {
			screenshots(theme)
		}
	}
	if seen["light"] == first {
		t.Errorf("background %s with the light theme, the same as the default's: the theme did not change", seen["light"])
	}
	if seen["high-contrast"] == seen["light"] {
		t.Errorf("background %s with the high-contrast theme, the same as light's", seen["high-contrast"])
	}
	if seen["default"] != first {
		t.Errorf("background %s after switching back to the default theme, want %s as at start", seen["default"], first)
	}
}

// reload sends SIGHUP and waits until p logs that it applied the config
// again; a failed reload fails the test with its message.
func reload(t *testing.T, p *process) {
	t.Helper()
	before := strings.Count(p.output(), "config reloaded")
	failed := strings.Count(p.output(), "reload failed")
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		out := p.output()
		if strings.Count(out, "reload failed") > failed {
			t.Fatalf("SIGHUP: reload failed:\n%s", out)
		}
		if strings.Count(out, "config reloaded") > before {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("SIGHUP: no \"config reloaded\" within 10s:\n%s", p.output())
}

// carolWritesToAlice has carol follow alice and mention her, so that the
// notifications page has something to show.
func carolWritesToAlice(t *testing.T, carol *fakeActor, alice *fedInstance) {
	t.Helper()
	aliceURI := "http://" + alice.host + "/users/alice"
	carol.deliver(t, alice, map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams",
		"id":       carol.uri + "#follows/1",
		"type":     "Follow",
		"actor":    carol.uri,
		"object":   aliceURI,
	})
	note := carol.note(1, `<p><span class="h-card"><a href="`+aliceURI+`" class="u-url mention">@<span>alice</span></a></span> lovely colours!</p>`)
	note["to"] = []string{aliceURI}
	note["cc"] = []string{"https://www.w3.org/ns/activitystreams#Public"}
	note["tag"] = []map[string]string{{"type": "Mention", "href": aliceURI, "name": "@alice@" + alice.host}}
	carol.deliver(t, alice, carol.create(note))
	acct := "carol@" + carol.host
	waitNotifications(t, alice, alice.token(t, "read"), "carol's follow and mention", func(n []fedNotification) bool {
		return hasNotification(n, "follow", acct) && hasNotification(n, "mention", acct)
	})
}
