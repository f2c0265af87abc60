package e2e

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestBrowserUI walks the owner's web UI on alice with bob on a second
// instance: sign in; post with an image, alt text and a content warning and
// see it on the profile; follow bob by handle and see his post in home;
// boost it in place; see bob's next post announced live on home; read
// bob's follow and mention in notifications, announced live too; use the pages
// on a phone-sized screen; and reach the content with the keyboard. The browser reaches both instances by
// their names (alice.test, bob.test) through chromium's host resolver
// rules, as a person would by DNS.
func TestBrowserUI(t *testing.T) {
	t.Parallel()
	b := startBrowser(t, "MAP alice.test 127.0.0.1, MAP bob.test 127.0.0.1")
	alice, bob := startFedPair(t)
	base := "http://" + alice.host

	var login struct {
		Path  string
		Error []string
	}
	b.must("login", map[string]any{"base": base, "username": "alice", "password": clientsPassword}, &login)
	if login.Path != "/home" {
		t.Fatalf("after signing in the browser is at %q (errors %q), want /home", login.Path, login.Error)
	}

	browserPostWithImage(t, b)
	following := browserFollowBob(t, b, alice, bob)
	browserBoostBob(t, b, alice, bob, following)
	browserLiveHome(t, b, bob)
	browserNotifications(t, b, alice, bob)
	browserPhone(t, b)
	browserKeyboard(t, b)
}

// browserPostWithImage posts through /compose and checks the profile shows
// the post behind its content warning, with the image and its alt text.
func browserPostWithImage(t *testing.T, b *browser) {
	t.Helper()
	const (
		text = "A gradient, posted from the browser"
		cw   = "colour theory"
		alt  = "a gradient from red to teal"
	)
	var composed struct {
		Path  string
		Error []string
	}
	b.must("compose", map[string]any{"text": text, "cw": cw, "image": testPNG(t), "alt": alt}, &composed)
	if len(composed.Error) > 0 {
		t.Fatalf("compose: errors %q (at %s)", composed.Error, composed.Path)
	}
	var st browserStatus
	b.must("status", map[string]any{"path": "/@alice", "text": cw}, &st)
	if st.CW != cw {
		t.Errorf("profile: content warning %q, want %q", st.CW, cw)
	}
	if !strings.Contains(st.Content, text) {
		t.Errorf("profile: content %q, want it to contain %q", st.Content, text)
	}
	if len(st.Images) != 1 {
		t.Fatalf("profile: images %+v, want the one uploaded", st.Images)
	}
	if img := st.Images[0]; img.Alt != alt || !img.Loaded {
		t.Errorf("profile: image %+v, want alt %q and loaded", img, alt)
	}
	if !slices.Contains(st.Captions, alt) {
		t.Errorf("profile: figcaptions %q, want the alt text %q shown", st.Captions, alt)
	}
}

// browserFollowBob follows bob by handle through /follow, waits until bob's
// instance accepted, and has bob post. It returns the text of bob's post
// once alice's home shows it.
func browserFollowBob(t *testing.T, b *browser, alice, bob *fedInstance) string {
	t.Helper()
	var followed struct {
		Path  string
		Error []string
		Main  string
	}
	b.must("follow", map[string]any{"handle": bob.handle()}, &followed)
	if len(followed.Error) > 0 {
		t.Fatalf("follow %s: errors %q (at %s)", bob.handle(), followed.Error, followed.Path)
	}
	aliceToken := alice.token(t, "read")
	waitFollowing(t, alice, aliceToken, strings.TrimPrefix(bob.handle(), "@"))

	bobToken := bob.token(t, "read write follow")
	text := "hello alice, from bob's instance"
	var posted apiStatus
	apiPostForm(t, bob.base, bobToken, "/api/v1/statuses", url.Values{"status": {text}}, &posted)

	var seen struct {
		Tries  int
		Status browserStatus
	}
	b.must("waitStatus", map[string]any{"path": "/home", "text": text, "tries": 80, "interval": 250}, &seen)
	if !strings.Contains(seen.Status.Handle, "bob") {
		t.Errorf("home: bob's post shows handle %q, want bob's", seen.Status.Handle)
	}
	return text
}

// browserBoostBob boosts bob's post from home and checks the button shows
// it pressed and bob hears of it.
func browserBoostBob(t *testing.T, b *browser, alice, bob *fedInstance, text string) {
	t.Helper()
	var boosted struct {
		Path      string
		Navigated bool
		Focus     struct{ Article, Value string }
		Status    browserStatus
	}
	b.must("act", map[string]any{"path": "/home", "text": text, "action": "boost"}, &boosted)
	if boosted.Path != "/home" || boosted.Navigated {
		t.Errorf("after boosting the browser is at %q, loaded again: %v; want still on /home, updated in place", boosted.Path, boosted.Navigated)
	}
	if boosted.Focus.Article != boosted.Status.ID || boosted.Focus.Value != "unboost" {
		t.Errorf("after boosting the focus is on %+v, want the unboost button of %s", boosted.Focus, boosted.Status.ID)
	}
	if form, ok := boosted.Status.action("unboost"); !ok || form.Pressed != "true" {
		t.Errorf("after boosting: actions %+v, want an unboost button with aria-pressed=true", boosted.Status.Actions)
	}
	aliceAcct := strings.TrimPrefix(alice.handle(), "@")
	waitNotifications(t, bob, bob.token(t, "read"), "alice's boost", func(n []fedNotification) bool {
		return hasNotification(n, "reblog", aliceAcct)
	})
}

// liveBanner is what the live banner step reports.
type liveBanner struct {
	Text, AriaLive, Link string
	Navigated            bool
}

// check reports how the banner differs from one announcing want on path
// without a reload.
func (l liveBanner) check(t *testing.T, path, want string) {
	t.Helper()
	if !strings.Contains(l.Text, want) || l.AriaLive != "polite" || l.Link != path || l.Navigated {
		t.Errorf("%s live banner %+v, want %q in an aria-live=polite region linking %s, without a reload", path, l, want, path)
	}
}

// browserLiveHome keeps alice's /home open while bob posts, and checks
// the page announces the new post without being reloaded.
func browserLiveHome(t *testing.T, b *browser, bob *fedInstance) {
	t.Helper()
	b.must("liveOpen", map[string]any{"path": "/home"}, nil)
	var posted apiStatus
	apiPostForm(t, bob.base, bob.token(t, "read write"), "/api/v1/statuses", url.Values{"status": {"a second post from bob"}}, &posted)
	var banner liveBanner
	b.must("liveBanner", map[string]any{"text": "1 new post"}, &banner)
	banner.check(t, "/home", "1 new post")
}

// browserNotifications has bob follow and mention alice, and checks alice
// reads both on /notifications, with the unread badge in the navigation
// before.
func browserNotifications(t *testing.T, b *browser, alice, bob *fedInstance) {
	t.Helper()
	bobToken := bob.token(t, "read write follow")
	var found struct {
		Accounts []struct{ ID, Acct string }
	}
	apiGet(t, bob.base, bobToken, "/api/v2/search?type=accounts&resolve=true&q="+url.QueryEscape(alice.handle()), &found)
	if len(found.Accounts) == 0 {
		t.Fatalf("bob's instance cannot find %s", alice.handle())
	}
	b.must("liveOpen", map[string]any{"path": "/notifications"}, nil)
	var rel struct{ Following, Requested bool }
	apiPostForm(t, bob.base, bobToken, "/api/v1/accounts/"+found.Accounts[0].ID+"/follow", nil, &rel)
	var mention apiStatus
	apiPostForm(t, bob.base, bobToken, "/api/v1/statuses", url.Values{"status": {alice.handle() + " nice gradient"}}, &mention)

	bobAcct := strings.TrimPrefix(bob.handle(), "@")
	waitNotifications(t, alice, alice.token(t, "read"), "bob's follow and mention", func(n []fedNotification) bool {
		return hasNotification(n, "follow", bobAcct) && hasNotification(n, "mention", bobAcct)
	})
	var banner liveBanner
	b.must("liveBanner", map[string]any{"text": "new notification"}, &banner)
	banner.check(t, "/notifications", "new notification")

	var notes struct {
		Badge, BadgeAfter []string
		Items             []struct{ Classes, Text string }
	}
	b.must("notifications", map[string]any{}, &notes)
	if len(notes.Badge) == 0 || strings.TrimSpace(notes.Badge[0]) == "0" {
		t.Errorf("navigation badge %q before reading, want the unread count", notes.Badge)
	}
	if len(notes.BadgeAfter) > 0 {
		t.Errorf("navigation badge %q after reading /notifications, want none", notes.BadgeAfter)
	}
	for _, typ := range []string{"follow", "mention"} {
		ok := slices.ContainsFunc(notes.Items, func(n struct{ Classes, Text string }) bool {
			return strings.Contains(" "+n.Classes+" ", " notification-"+typ+" ") && strings.Contains(n.Text, "bob")
		})
		if !ok {
			t.Errorf("/notifications: no li.notification-%s from bob in %+v", typ, notes.Items)
		}
	}
	if !slices.ContainsFunc(notes.Items, func(n struct{ Classes, Text string }) bool { return strings.Contains(n.Text, "nice gradient") }) {
		t.Errorf("/notifications: bob's mention text \"nice gradient\" not shown in %+v", notes.Items)
	}
}

// browserPhone loads the main pages at 390×844: none may scroll sideways,
// each has the site navigation, and its Notifications link works.
func browserPhone(t *testing.T, b *browser) {
	t.Helper()
	var phone struct {
		Pages []struct {
			Path                    string
			ScrollWidth, InnerWidth int
			Nav                     bool
			Overflow                []string
			Links                   []struct {
				Href                       string
				Width, Height, Left, Right float64
			}
		}
		Followed string
	}
	paths := []string{"/home", "/@alice", "/compose", "/notifications", "/settings"}
	b.must("phone", map[string]any{"paths": paths, "follow": "/notifications"}, &phone)
	for _, p := range phone.Pages {
		if p.ScrollWidth > p.InnerWidth {
			t.Errorf("%s at 390px: scrollWidth %d > innerWidth %d: the page scrolls sideways (sticking out: %q)", p.Path, p.ScrollWidth, p.InnerWidth, p.Overflow)
		}
		if !p.Nav || len(p.Links) == 0 {
			t.Errorf("%s at 390px: no nav.site-nav links", p.Path)
		}
		for _, l := range p.Links {
			// A link folded into a closed menu has no box; a shown one
			// must lie within the screen.
			if l.Width > 0 && (l.Left < 0 || l.Right > float64(p.InnerWidth)+0.5) {
				t.Errorf("%s at 390px: nav link %s spans %.0f–%.0f px, outside the %d px screen", p.Path, l.Href, l.Left, l.Right, p.InnerWidth)
			}
		}
	}
	if phone.Followed != "/notifications" {
		t.Errorf("phone: following the Notifications link led to %q", phone.Followed)
	}
}

// browserKeyboard checks the first Tab on home reaches the skip link and
// that it leads to the main content, and that every image has alt text.
func browserKeyboard(t *testing.T, b *browser) {
	t.Helper()
	var kb struct {
		First struct {
			Tag, Classes, Href string
			Visible            bool
		}
		Hash  string
		NoAlt []string
	}
	b.must("keyboard", map[string]any{"path": "/home"}, &kb)
	if kb.First.Tag != "a" || !strings.Contains(kb.First.Classes, "skip-link") || kb.First.Href != "#main" || !kb.First.Visible {
		t.Errorf("first Tab on /home focuses %+v, want the visible a.skip-link to #main", kb.First)
	}
	if kb.Hash != "#main" {
		t.Errorf("Enter on the skip link: location hash %q, want #main", kb.Hash)
	}
	if len(kb.NoAlt) > 0 {
		t.Errorf("/home: images without alt: %q", kb.NoAlt)
	}
}

// waitFollowing polls f's relationships until the owner follows acct.
func waitFollowing(t *testing.T, f *fedInstance, token, acct string) {
	t.Helper()
	var found []struct{ ID, Acct string }
	apiGet(t, f.base, token, "/api/v1/accounts/search?resolve=false&q="+url.QueryEscape(acct), &found)
	if len(found) == 0 {
		t.Fatalf("%s does not know %s after the follow", f.name, acct)
	}
	deadline := time.Now().Add(fedDeadline)
	for {
		var rels []struct{ Following, Requested bool }
		apiGet(t, f.base, token, "/api/v1/accounts/relationships?id[]="+found[0].ID, &rels)
		if len(rels) == 1 && rels[0].Following {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s's relationship with %s: %+v, want following within %v", f.name, acct, rels, fedDeadline)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
