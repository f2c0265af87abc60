package e2e

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// wcagRules names what TestBrowserA11y checks: axe-core's rules tagged
// wcag2a, wcag2aa, wcag21a and wcag21aa (tests/browser/steps_a11y.mjs).
const wcagRules = "WCAG 2.1 A and AA"

// axeReport is the axe step's answer for one page.
type axeReport struct {
	URL        string
	Version    string
	Headings   []string
	Focused    string
	Violations []struct {
		ID, Impact, Help string
		Nodes            []struct{ Target, Summary string }
	}
}

// a11yPage is one page the test checks, and whether a visitor (signed
// out) or the owner sees it.
type a11yPage struct {
	name, path string
	visitor    bool
}

// TestBrowserA11y runs axe-core's WCAG 2.1 A and AA rules in chromium on
// every page of the web UI, the visitor's and the owner's, in every
// built-in theme (switched by SIGHUP as TestBrowserThemes does), with
// content on them: a post with a content warning, Markdown, a hashtag, a
// link and an image with alt text; a remote account that follows,
// mentions and is favourited and bookmarked; a domain block; a featured
// hashtag; the [instance] description, contact and rules. Each
// violation fails the test with its rule, impact, the elements' selectors,
// the page and the theme. It also checks what axe leaves to people: every
// page has a heading, kith's own hashtag links stay in the tab, an
// image's description is read once, and /compose does not take the focus
// before the skip link unless the owner pressed Reply.
func TestBrowserA11y(t *testing.T) {
	t.Parallel()
	b := startBrowser(t, "MAP alice.test 127.0.0.1")
	carol := newFakeActor(t, "friends.test", "carol", map[string]any{"name": "Carol", "summary": "<p>Paints. See <a href=\"https://example.org/art\">my art</a> here.</p>"})
	alice, cfg := startAlice(t, map[string]string{"friends.test": carol.addr})
	b.must("login", map[string]any{"base": "http://" + alice.host, "username": "alice", "password": clientsPassword}, nil)
	const cw = "a gradient"
	b.must("compose", map[string]any{"text": "Colours, **bold**, a #gradient and [a link](https://example.org/colours) in running text", "cw": cw, "image": testPNG(t), "alt": "red to teal"}, nil)
	b.must("compose", map[string]any{"text": "More about the #gradient, without a warning"}, nil)
	carolWritesToAlice(t, carol, alice)
	carolWritesDirect(t, carol, alice)
	b.must("act", map[string]any{"path": "/notifications", "text": "lovely colours", "action": "favourite"}, nil)
	b.must("act", map[string]any{"path": "/notifications", "text": "lovely colours", "action": "bookmark"}, nil)
	apiPostForm(t, alice.base, alice.token(t, "write:blocks"), "/api/v1/domain_blocks", map[string][]string{"domain": {"spam.example"}}, &map[string]any{})
	apiPostForm(t, alice.base, alice.token(t, "write:accounts"), "/api/v1/featured_tags", map[string][]string{"name": {"gradient"}}, &map[string]any{})
	// The about page with everything it can show; SIGHUP applies it.
	cfg += "\n[instance]\ndescription = \"Colours and gradients.\"\ncontact_email = \"alice@example.org\"\nrules = [\"Be kind.\", \"Describe your images.\"]\n"
	if err := os.WriteFile(alice.cfg, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	reload(t, alice.proc)

	var post browserStatus
	b.must("status", map[string]any{"path": "/@alice", "text": cw}, &post)
	id := strings.TrimPrefix(post.ID, "status-")
	var carolLinks []string
	b.must("links", map[string]any{"path": "/notifications", "selector": "main a[href^='/accounts/']"}, &carolLinks)
	if len(carolLinks) == 0 {
		t.Fatal("/notifications links to no account page")
	}
	pages := []a11yPage{
		{"home", "/home", false},
		{"all", "/all", false},
		{"notifications", "/notifications", false},
		{"direct", "/direct", false},
		{"compose", "/compose", false},
		{"reply", "/compose?in_reply_to=" + id, false},
		{"edit", "/compose?edit=" + id, false},
		{"delete", "/statuses/" + id + "/delete", false},
		{"thread", "/thread/" + id, false},
		{"account", carolLinks[0], false},
		{"bookmarks", "/bookmarks", false},
		{"favourites", "/favourites", false},
		{"following", "/relationships?type=following", false},
		{"followers", "/relationships?type=followers", false},
		{"follow requests", "/follow_requests", false},
		{"follow", "/follow", false},
		{"blocks", "/blocks", false},
		{"dashboard", "/admin", false},
	}
	pages = append(pages, settingsPages(t, b)...)
	pages = append(pages, []a11yPage{
		{"profile", "/@alice", true},
		{"profile by featured tag", "/@alice/tagged/gradient", true},
		{"about", "/about", true},
		{"permalink", "/@alice/" + id, true},
		{"tag", "/tags/gradient", true},
		{"public followers", "/@alice/followers", true},
		{"public following", "/@alice/following", true},
		{"login", "/login", true},
		{"remote follow", "/remote_follow", true},
		{"interact", "/interact/" + id + "?type=reply", true},
	}...)

	var names []string
	for _, p := range pages {
		names = append(names, p.path)
	}
	t.Logf("%d pages: %s", len(pages), strings.Join(names, " "))
	checkOwnLinks(t, b, alice.host)
	for _, theme := range builtInThemes {
		if theme != builtInThemes[0] {
			text := cfg + "\n[theme]\nname = \"" + theme + "\"\n"
			if err := os.WriteFile(alice.cfg, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			reload(t, alice.proc)
		}
		checked := axePages(t, b, theme, pages)
		t.Logf("theme %s: %d pages, axe-core %s, %s: %d violations", theme, checked.pages, checked.version, wcagRules, checked.violations)
		// The pages of the next theme start signed in again.
		b.must("login", map[string]any{"base": "http://" + alice.host, "username": "alice", "password": clientsPassword}, nil)
	}
	browserDeleteAsks(t, b)
}

// browserDeleteAsks presses a post's Delete with kith.js: a confirm()
// dialog asks; dismissed, the post stays; accepted, the post goes from
// the page without a new page load.
func browserDeleteAsks(t *testing.T, b *browser) {
	t.Helper()
	const text = "A post to regret"
	b.must("compose", map[string]any{"text": text}, nil)
	var got struct {
		Dialogs []struct{ Type, Message string }
		Path    string
		Present bool
	}
	b.must("deletePost", map[string]any{"path": "/@alice", "text": text}, &got)
	if len(got.Dialogs) != 1 || got.Dialogs[0].Type != "confirm" || got.Dialogs[0].Message != "Delete this post?" || !got.Present || got.Path != "/@alice" {
		t.Errorf("Delete, then Cancel in the dialog: %+v, want one confirm \"Delete this post?\" and the post still on /@alice", got)
	}
	b.must("deletePost", map[string]any{"path": "/@alice", "text": text, "accept": true}, &got)
	if got.Present || got.Path != "/@alice" {
		t.Errorf("Delete, then OK: %+v, want the post gone from /@alice", got)
	}
	var st browserStatus
	if err := b.run("status", map[string]any{"path": "/@alice", "text": text}, &st); err == nil {
		t.Errorf("the post is still on /@alice after it was deleted: %+v", st)
	}
}

// settingsPages lists the settings index and every settings page linked
// from it or from the pages it leads to (an application, two-factor
// setup), so a new settings page is checked too.
func settingsPages(t *testing.T, b *browser) []a11yPage {
	t.Helper()
	var pages []a11yPage
	seen := map[string]bool{"/settings": true}
	for queue := []string{"/settings"}; len(queue) > 0; queue = queue[1:] {
		from := queue[0]
		pages = append(pages, a11yPage{strings.TrimPrefix(from, "/"), from, false})
		var links []string
		b.must("links", map[string]any{"path": from, "selector": "main a[href^='/settings/']"}, &links)
		for _, l := range links {
			l, _, _ = strings.Cut(l, "#")
			if seen[l] || strings.HasSuffix(l, ".zip") || strings.HasSuffix(l, ".png") || strings.Contains(l, "/csv/") {
				continue // downloads, not pages
			}
			seen[l] = true
			queue = append(queue, l)
		}
	}
	if len(pages) < 7 {
		t.Fatalf("the settings pages link to %d pages: %v", len(pages), pages)
	}
	return pages
}

// axeTally counts what axePages checked in one theme.
type axeTally struct {
	pages, violations int
	version           string
}

// axePages runs axe on each page, the owner's first, then signs out for
// the visitor's, and fails the test with every violation.
func axePages(t *testing.T, b *browser, theme string, pages []a11yPage) axeTally {
	t.Helper()
	var tally axeTally
	signedOut := false
	for _, p := range pages {
		if p.visitor && !signedOut {
			b.must("signOut", nil, nil)
			signedOut = true
		}
		var rep axeReport
		b.must("axe", map[string]any{"path": p.path}, &rep)
		tally.pages++
		tally.version = rep.Version
		for _, v := range rep.Violations {
			tally.violations++
			var targets []string
			for _, n := range v.Nodes {
				targets = append(targets, n.Target)
			}
			t.Errorf("theme %s, %s (%s): %s [%s] %s: %s\n  first: %s", theme, p.name, p.path, v.ID, v.Impact, v.Help,
				strings.Join(targets, ", "), firstSummary(v.Nodes))
		}
		if !slices.ContainsFunc(rep.Headings, func(h string) bool { return strings.HasPrefix(h, "h1: ") }) {
			t.Errorf("theme %s, %s (%s): no h1; headings %q", theme, p.name, p.path, rep.Headings)
		}
		// Compose takes the focus only when the owner pressed Reply to
		// write; otherwise the first Tab reaches the skip link.
		switch {
		case p.name == "reply" && !strings.HasPrefix(rep.Focused, "<textarea"):
			t.Errorf("%s: focus on %q, want the text box: the owner pressed Reply to write", p.path, rep.Focused)
		case strings.HasPrefix(p.path, "/compose") && p.name != "reply" && rep.Focused != "":
			t.Errorf("%s: focus on %q at load, want none, so that the first Tab reaches the skip link", p.path, rep.Focused)
		}
	}
	return tally
}

func firstSummary(nodes []struct{ Target, Summary string }) string {
	if len(nodes) == 0 {
		return ""
	}
	return strings.ReplaceAll(nodes[0].Summary, "\n", " ")
}

// checkOwnLinks checks the links in alice's posts: a hashtag to her own
// tag page opens in the same tab, a link to another site in a new one
// (without access to the opener), and an image's description is read
// once (its visible caption is hidden from screen readers).
func checkOwnLinks(t *testing.T, b *browser, host string) {
	t.Helper()
	var anchors []struct{ Href, Text, Target, Rel string }
	b.must("anchors", map[string]any{"path": "/@alice"}, &anchors)
	var tag, external bool
	for _, a := range anchors {
		switch {
		case a.Href == "http://"+host+"/tags/gradient":
			tag = true
			if a.Target != "" {
				t.Errorf("hashtag %q to kith's own tag page: target %q, want none (the same tab)", a.Text, a.Target)
			}
		case strings.HasPrefix(a.Href, "https://example.org/"):
			external = true
			if a.Target != "_blank" || !strings.Contains(a.Rel, "noopener") {
				t.Errorf("link %q to another site: target %q rel %q, want _blank with noopener", a.Href, a.Target, a.Rel)
			}
		}
	}
	if !tag || !external {
		t.Errorf("alice's posts: links %+v, want a hashtag to /tags/gradient and a link to example.org", anchors)
	}
	var hidden []bool
	b.must("captionsHidden", map[string]any{"path": "/@alice"}, &hidden)
	if len(hidden) == 0 || slices.Contains(hidden, false) {
		t.Errorf("/@alice: figcaptions aria-hidden %v, want all true: the image's alt text says it already", hidden)
	}
}
