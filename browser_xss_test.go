package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// xssCase is one hostile post body of tests/browser/xss-corpus.json: html
// tries to run script (setting window.__xss, calling alert, retitling the
// page) or to restyle the page; text is the harmless part that must still
// be shown.
type xssCase struct {
	Name, HTML, Text string
	Attachments      []map[string]any // ActivityPub attachments, hostile too
}

// mallory is the hostile remote actor: display name, bio and profile URL
// try their own tricks.
var malloryProfile = map[string]any{
	"name":    `Mallory<img src=x onerror="window.__xss='name'"><script>alert('name')</script>`,
	"summary": `<p>bio<script>window.__xss='bio'</script><a href="javascript:alert('bio')">link</a></p>`,
	"url":     "javascript:window.__xss='url'",
}

// hostileCreate is a public Create{Note} by a with content html and a
// hostile content warning when cw is set; a reply to inReplyTo if set.
func hostileCreate(a *fakeActor, n int, html string, cw bool, inReplyTo string) map[string]any {
	note := a.note(n, html)
	if cw {
		note["summary"] = `<b onmouseover="window.__xss='cw'">spoiler</b><script>alert('cw')</script>`
		note["sensitive"] = true
	}
	if inReplyTo != "" {
		note["inReplyTo"] = inReplyTo
	}
	return a.create(note)
}

// TestBrowserXSS delivers a corpus of hostile posts from a remote actor
// alice follows, then renders them in chromium on /home, on each post's
// thread page, on /notifications (the last one mentions alice), on /all
// and on the owner's page of the actor: nothing may run (no dialog, no window.__xss, no retitled
// page), nothing active may survive in the DOM, and the harmless text of
// each post must still show.
func TestBrowserXSS(t *testing.T) {
	t.Parallel()
	var corpus []xssCase
	raw, err := os.ReadFile(filepath.Join("tests", "browser", "xss-corpus.json"))
	if err == nil {
		err = json.Unmarshal(raw, &corpus)
	}
	if err != nil || len(corpus) == 0 {
		t.Fatalf("xss corpus: %v (%d cases)", err, len(corpus))
	}
	b := startBrowser(t, "MAP alice.test 127.0.0.1")
	evil := newFakeActor(t, "evil.test", "mallory", malloryProfile)
	alice, _ := startAlice(t, map[string]string{"evil.test": evil.addr})
	token := alice.token(t, "read write follow")

	var found struct{ Accounts []struct{ ID, Acct string } }
	apiGet(t, alice.base, token, "/api/v2/search?type=accounts&resolve=true&q="+url.QueryEscape(evil.uri), &found)
	if len(found.Accounts) != 1 {
		t.Fatalf("search %s: accounts %+v, want mallory", evil.uri, found.Accounts)
	}
	var rel struct{ Following, Requested bool }
	apiPostForm(t, alice.base, token, "/api/v1/accounts/"+found.Accounts[0].ID+"/follow", nil, &rel)
	evil.deliver(t, alice, map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams",
		"id":       evil.uri + "#accepts/1",
		"type":     "Accept",
		"actor":    evil.uri,
		"object":   map[string]any{"type": "Follow", "actor": "http://" + alice.host + "/users/alice", "object": evil.uri},
	})
	waitFollowing(t, alice, token, found.Accounts[0].Acct)

	for i, c := range corpus {
		parent := ""
		if i%2 == 1 { // every other post answers the one before, so threads show hostile ancestors
			parent = fmt.Sprintf("%s/statuses/%d", evil.uri, i-1)
		}
		act := hostileCreate(evil, i, c.HTML, i%3 == 0, parent)
		if c.Attachments != nil {
			act["object"].(map[string]any)["attachment"] = c.Attachments
		}
		if i == len(corpus)-1 { // the last one also mentions alice, for the notifications page
			aliceURI := "http://" + alice.host + "/users/alice"
			note := act["object"].(map[string]any)
			note["cc"] = []string{evil.uri + "/followers", aliceURI}
			note["tag"] = []map[string]string{{"type": "Mention", "href": aliceURI, "name": "@alice@" + alice.host}}
			act["cc"] = note["cc"]
		}
		evil.deliver(t, alice, act)
	}
	waitHomeCount(t, alice, token, len(corpus))
	waitNotifications(t, alice, token, "mallory's mention", func(n []fedNotification) bool {
		return hasNotification(n, "mention", found.Accounts[0].Acct)
	})

	b.must("login", map[string]any{"base": "http://" + alice.host, "username": "alice", "password": clientsPassword}, nil)
	home := xssCheck(t, b, "/home", corpus)
	if len(home.Statuses) < len(corpus) {
		t.Fatalf("/home shows %d posts, want the %d of the corpus", len(home.Statuses), len(corpus))
	}
	xssCheck(t, b, "/notifications", corpus[len(corpus)-1:])
	xssCheck(t, b, "/all", nil)
	// The owner's page of mallory: the hostile name, bio and profile URL,
	// and the posts again.
	xssCheck(t, b, "/accounts/"+found.Accounts[0].ID, nil)
	checked := map[string]bool{}
	for _, st := range home.Statuses {
		id := strings.TrimPrefix(st.ID, "status-")
		if checked[id] {
			continue
		}
		checked[id] = true
		var want []xssCase
		for _, c := range corpus {
			if strings.Contains(st.Text, c.Text) {
				want = append(want, c)
			}
		}
		xssCheck(t, b, "/thread/"+id, want)
	}
}

// xssReport is what steps.mjs's xss step found on a page.
type xssReport struct {
	XSS        *string
	Title      string
	Bad        []string
	Dialogs    []struct{ Type, Message, URL string }
	PageErrors []struct{ Message, URL string }
	CSP        []string
	Statuses   []struct{ ID, Text string }
}

// xssCheck renders path and fails the test on any sign that hostile markup
// ran or survived, or if the text of a case in want is not shown.
func xssCheck(t *testing.T, b *browser, path string, want []xssCase) xssReport {
	t.Helper()
	var r xssReport
	b.must("xss", map[string]any{"path": path}, &r)
	if r.XSS != nil {
		t.Errorf("%s: window.__xss = %q: a payload ran", path, *r.XSS)
	}
	if strings.Contains(r.Title, "pwned") {
		t.Errorf("%s: title %q: a payload ran", path, r.Title)
	}
	for _, d := range r.Dialogs {
		t.Errorf("%s: a %s dialog opened (%q): a payload ran", path, d.Type, d.Message)
	}
	for _, e := range r.PageErrors {
		t.Errorf("%s: page error %q", path, e.Message)
	}
	for _, c := range r.CSP {
		t.Errorf("%s: the content security policy had to block something: %s", path, c)
	}
	for _, bad := range r.Bad {
		t.Errorf("%s: hostile markup survived: %s", path, bad)
	}
	for _, c := range want {
		shown := false
		for _, st := range r.Statuses {
			shown = shown || strings.Contains(st.Text, c.Text)
		}
		if !shown {
			t.Errorf("%s: the text %q of case %q is not shown", path, c.Text, c.Name)
		}
	}
	return r
}

// waitHomeCount polls alice's home timeline API until it holds n posts:
// the inbox applies deliveries in the background.
func waitHomeCount(t *testing.T, f *fedInstance, token string, n int) {
	t.Helper()
	deadline := time.Now().Add(fedDeadline)
	for {
		var home []struct{ ID string }
		apiGet(t, f.base, token, "/api/v1/timelines/home?limit=40", &home)
		if len(home) >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("home timeline has %d posts, want %d within %v", len(home), n, fedDeadline)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
