package e2e

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestBrowserHostile renders the hostile corpus (tests/hostile) in chromium
// on every page of kith that shows what other servers sent, to the owner
// and to visitors, and checks each page (pageFindings and pageSkeleton in
// tests/browser/steps.mjs):
//
//   - nothing ran: no dialog, window.__xss unset, the title as kith served
//     it, no page error, no Content-Security-Policy violation (something
//     tried to run or load), after opening every content warning and
//     firing pointer and focus events on every element of the remote
//     parts;
//   - nothing foreign survived: no on* attribute, no script but kith.js,
//     no iframe, object, embed, meta http-equiv, base, style or stray
//     form, no javascript:, data: or vbscript: URL, nothing active,
//     embedded or styled inside post bodies, bios and field values, no
//     markup at all in names and content warnings;
//   - nothing outside the remote HTML changed: the page's skeleton (every
//     element but the insides of post bodies and bios, with its classes
//     and computed font weight, style, size, decoration, colour and
//     display) equals the same page of a clean twin instance that received
//     the same corpus with harmless words in every field (cleanCase), so
//     an unclosed <b><i> that bolds the pager, an unclosed <a> that adds
//     links to the action bar or a stray </article> that ends a post
//     early shows as a difference;
//   - each case's text shows wherever its post is shown, and on the pages
//     that exist for it (its thread, the compose page answering it).
//
// Screenshots of every page go to testdata-out/screenshots/hostile/.
func TestBrowserHostile(t *testing.T) {
	t.Parallel()
	began := time.Now()
	// The clean twin is reached as twin.test, so the owner's browser holds
	// a session on each instance (cookies do not tell ports apart).
	rules := "MAP alice.test 127.0.0.1,MAP twin.test 127.0.0.1"
	owner, visitor := launchBrowser(t, rules), launchBrowser(t, rules)

	alice, _ := startAlice(t, nil)
	run := deliverHostileCorpus(t, alice)
	extras := hostileInteractions(t, alice, run)
	clean, _ := startAlice(t, nil)
	twin := deliverCleanTwin(t, alice, run, clean)
	twinExtras := hostileInteractions(t, clean, twin)
	owner.waitReady()
	visitor.waitReady()
	t.Logf("two browsers, and two instances with the corpus delivered: %v", time.Since(began).Round(time.Millisecond))

	shots, err := filepath.Abs(filepath.Join(screenshotDir, "hostile"))
	if err == nil {
		err = os.RemoveAll(shots) // no picture of an earlier run left to mislead
	}
	if err != nil {
		t.Fatal(err)
	}
	site := &hostileSite{Host: alice.host, Surfaces: hostileSurfaces(run, extras), Shots: shots}
	twinSite := &hostileSite{Host: strings.Replace(clean.host, "alice.test", "twin.test", 1), Surfaces: hostileSurfaces(twin, twinExtras)}
	started := time.Now()
	visitHostilePages(t, owner, visitor, site, twinSite)
	got, want := site.Pages, twinSite.Pages
	t.Logf("%d pages on each instance: %v", len(got), time.Since(started).Round(time.Millisecond))

	twinCases, cases := twin.caseOf(twinExtras), run.caseOf(extras)
	twinLabels, labels := twin.labels(twinExtras), run.labels(extras)
	for _, key := range slices.Sorted(maps.Keys(want)) {
		checkHostilePage(t, "clean twin: "+key, want[key], twin, twinCases) // a failure here is the check's own
	}
	for _, key := range slices.Sorted(maps.Keys(got)) {
		checkHostilePage(t, key, got[key], run, cases)
	}
	compareWithTwin(t, got, want, labels, twinLabels, filepath.Join(shots, "skeletons"))
	t.Logf("screenshots in %s; the whole test took %v", shots, time.Since(began).Round(time.Millisecond))
}

// hostileSurface is one page to render: Key names it the same way on both
// instances; Cases must each have their post, with their text, on it.
// The "Older" pages of a Paged list, and of every tab, are rendered too;
// other lists show the same posts in the same partial as /home, whose
// pages all are.
type hostileSurface struct {
	Key, Path      string
	Visitor, Paged bool
	Cases          []string
}

// hostileSurfaces lists the pages of server/routes.go that render stored
// remote data, for run on its instance. Pages reached from these through
// their tabs (nav.tabs: the timelines, every notification filter, the
// follow lists) and the "Older" pages of the Paged ones are added as they
// are found. The visitors' tag page shows only this server's posts; it is
// visited in case that changes.
//
// Deliberately not visited: / (the profile again for visitors, a redirect
// to /home for the owner); /remote_follow (the owner's name and picture
// only); /interact/ID with type=reblog or favourite (the same post as
// type=reply, another verb); /login, /login/2fa, /follow (a tab of the
// follow lists, skipped there) and /authorize_interaction, forms of the
// owner's own input (the last redirects to /thread or /accounts, which
// are); /settings/* and /oauth/authorize (the owner's data, and app names
// that API clients register, not data from other servers); feeds
// (/@alice.rss, /tags/TAG.rss: not pages; hostile_test.go checks them);
// ActivityPub documents, the API and its streams (hostile_test.go);
// /media/* (bytes, not markup); /home/events (the live banner builds its
// text with textContent).
func hostileSurfaces(run hostileRun, x hostileExtras) []hostileSurface {
	boosted := slices.Sorted(maps.Keys(run.Boosts)) // on alice's profile, for all to see
	s := []hostileSurface{
		{Key: "home", Path: "/home", Paged: true},
		{Key: "notifications", Path: "/notifications", Paged: true},
		{Key: "direct", Path: "/direct", Paged: true},
		{Key: "blocks", Path: "/blocks"},
		{Key: "following", Path: "/relationships?type=following"},
		{Key: "profile", Path: "/@alice", Paged: true, Cases: boosted},
		{Key: "permalink", Path: "/@alice/" + run.Reply, Cases: []string{hostileReplyTo, x.DescendantCase}},
		{Key: "tag", Path: "/tags/" + hostileTag, Cases: []string{hostileTagged}},
		{Key: "visitor profile", Path: "/@alice", Visitor: true, Paged: true, Cases: boosted},
		{Key: "visitor permalink", Path: "/@alice/" + run.Reply, Visitor: true, Cases: []string{hostileReplyTo, x.DescendantCase}},
		{Key: "visitor followers", Path: "/@alice/followers", Visitor: true},
		{Key: "visitor following", Path: "/@alice/following", Visitor: true},
		{Key: "visitor tag", Path: "/tags/" + hostileTag, Visitor: true},
		{Key: "visitor interact", Path: "/interact/" + run.Reply + "?type=reply", Visitor: true},
	}
	accounts := map[string]bool{}
	for _, c := range run.Corpus {
		id := run.Statuses[c.Name]
		s = append(s, hostileSurface{Key: "thread " + c.Name, Path: "/thread/" + id, Cases: []string{c.Name}})
		if slices.Contains(hostileCompose, c.Name) {
			s = append(s, hostileSurface{Key: "compose " + c.Name, Path: "/compose?in_reply_to=" + id, Cases: []string{c.Name}})
		}
		if a := run.Accounts[c.Name]; !accounts[a] {
			accounts[a] = true
			var own []string
			if c.Actor != nil {
				own = []string{c.Name} // the actor's only post
			}
			s = append(s, hostileSurface{Key: "account " + run.Actors[c.Name].username, Path: "/accounts/" + a, Paged: true, Cases: own})
		}
	}
	return s
}

// hostileCompose are the cases whose post the test answers on /compose,
// which shows the post it answers: a few that try to break out of their
// post, one with a content warning and one with hostile profile fields.
// Each post's thread already shows it in the same partial.
var hostileCompose = []string{"script-tag", "unclosed-inline", "unclosed-anchor", "stray-closers", "cw-html", "actor-fields"}

// hostileFullPage are the pages whose screenshot shows the whole page, not
// only its first screen.
var hostileFullPage = []string{"home", "notifications", "profile", "permalink", "visitor profile", "visitor permalink", "account hostile"}

// hostilePage is what steps.mjs's hostile step saw on one page.
type hostilePage struct {
	Path, Error        string
	XSS                *string
	Title, ServedTitle string
	CSP, Bad           []string
	Next               string
	Tabs               []string
	Cards              []struct{ ID, Text string }
	Skeleton           struct {
		Lines []string
		Cards []skeletonCard
	}
	Dialogs    []struct{ Type, Message string }
	PageErrors []string
	Console    []string
	Want       []string `json:"-"` // the surface's Cases
}

// hostileBatch is how many pages one hostile step renders: a few seconds
// of work, well inside browserStepTimeout.
const hostileBatch = 16

// hostilePaging bounds how many "Older" pages of one list are followed.
const hostilePaging = 5

// hostileSite is an instance whose pages the test renders: the hostile
// one (with the pointer probe and screenshots) or its clean twin.
type hostileSite struct {
	Host     string // host:port as chromium reaches it
	Surfaces []hostileSurface
	Shots    string                 // where screenshots go, "" for none (and no probe)
	Pages    map[string]hostilePage // what each page showed, by key
}

// visitHostilePages renders the surfaces of sites, theirs interleaved so
// each batch keeps every instance busy: the owner's pages in owner, signed
// in on each site, the visitors' in visitor, never signed in. It follows
// the pages' tabs and older pages.
func visitHostilePages(t *testing.T, owner, visitor *browser, sites ...*hostileSite) {
	t.Helper()
	type job struct {
		site *hostileSite
		hostileSurface
	}
	var queue []job
	seen := map[*hostileSite]map[string]bool{}
	for _, site := range sites {
		owner.must("login", map[string]any{"base": "http://" + site.Host, "username": "alice", "password": clientsPassword}, nil)
		site.Pages = map[string]hostilePage{}
		seen[site] = map[string]bool{}
		for _, s := range site.Surfaces {
			seen[site][s.Key] = true
			seen[site][fmt.Sprint(s.Visitor, s.Path)] = true
		}
	}
	for i := 0; ; i++ {
		n := 0
		for _, site := range sites {
			if i < len(site.Surfaces) {
				queue, n = append(queue, job{site, site.Surfaces[i]}), n+1
			}
		}
		if n == 0 {
			break
		}
	}
	for len(queue) > 0 {
		var more []job
		for _, visitorPages := range []bool{false, true} {
			b := owner
			if visitorPages {
				b = visitor
			}
			var batch []job
			for _, j := range queue {
				if j.Visitor == visitorPages {
					batch = append(batch, j)
				}
			}
			for len(batch) > 0 {
				n := min(hostileBatch, len(batch))
				var args []map[string]any
				for _, j := range batch[:n] {
					a := map[string]any{"path": "http://" + j.site.Host + j.Path, "probe": j.site.Shots != ""}
					if j.site.Shots != "" {
						a["screenshot"] = filepath.Join(j.site.Shots, screenshotName(j.Key)+".jpg")
						a["fullPage"] = slices.Contains(hostileFullPage, j.Key)
					}
					args = append(args, a)
				}
				var got []hostilePage
				b.must("hostile", map[string]any{"pages": args}, &got)
				for i, j := range batch[:n] {
					got[i].Path, got[i].Want = j.Path, j.Cases
					j.site.Pages[j.Key] = got[i]
					for _, s := range discovered(j.hostileSurface, got[i], seen[j.site]) {
						more = append(more, job{j.site, s})
					}
				}
				batch = batch[n:]
			}
		}
		queue = more
	}
}

// discovered is what a page leads to that the list did not name: its
// tabs, and its next page (up to hostilePaging of them).
func discovered(s hostileSurface, p hostilePage, seen map[string]bool) []hostileSurface {
	var out []hostileSurface
	prefix := ""
	if s.Visitor {
		prefix = "visitor "
	}
	for _, href := range p.Tabs {
		if href == "/follow" { // a form, with nothing remote on it
			continue
		}
		key := prefix + "tab " + href
		if !seen[key] && !seen[fmt.Sprint(s.Visitor, href)] {
			seen[key], seen[fmt.Sprint(s.Visitor, href)] = true, true
			// Every page of a tab's list is followed too: which posts
			// fall on its first page depends on the order each inbox
			// got to the deliveries.
			out = append(out, hostileSurface{Key: key, Path: href, Visitor: s.Visitor, Paged: true})
		}
	}
	if p.Next != "" && s.Paged {
		base, n := s.Key, 1
		if i := strings.LastIndex(s.Key, " page "); i >= 0 {
			base = s.Key[:i]
			fmt.Sscan(s.Key[i+len(" page "):], &n)
		}
		key := fmt.Sprintf("%s page %d", base, n+1)
		if n < hostilePaging && !seen[key] {
			seen[key] = true
			out = append(out, hostileSurface{Key: key, Path: p.Next, Visitor: s.Visitor, Paged: true})
		}
	}
	return out
}

var screenshotUnsafe = regexp.MustCompile(`[^a-z0-9]+`)

// screenshotName is a page key as a file name.
func screenshotName(key string) string {
	return strings.Trim(screenshotUnsafe.ReplaceAllString(strings.ToLower(key), "-"), "-")
}

// checkHostilePage reports every sign on p that hostile data ran, loaded,
// survived or hid its text.
func checkHostilePage(t *testing.T, key string, p hostilePage, run hostileRun, caseOf map[string]string) {
	t.Helper()
	where := key + " (" + p.Path + ")"
	if p.Error != "" {
		t.Errorf("%s: %s", where, p.Error)
		return
	}
	if p.XSS != nil {
		t.Errorf("%s: window.__xss = %q: a payload ran", where, *p.XSS)
	}
	if p.Title != p.ServedTitle || strings.Contains(p.Title, "pwned") {
		t.Errorf("%s: the title is %q, kith served %q: a payload ran", where, p.Title, p.ServedTitle)
	}
	for _, d := range p.Dialogs {
		t.Errorf("%s: a %s dialog opened (%q): a payload ran", where, d.Type, d.Message)
	}
	for _, e := range p.PageErrors {
		t.Errorf("%s: page error %q", where, e)
	}
	for _, c := range append(p.CSP, p.Console...) {
		t.Errorf("%s: the content security policy had to block something: %s", where, c)
	}
	for _, b := range p.Bad {
		t.Errorf("%s: %s", where, b)
	}
	texts := map[string]string{}
	for _, c := range run.Corpus {
		texts[c.Name] = c.Text
	}
	shown := map[string]bool{}
	for _, card := range p.Cards {
		name := caseOf[cardStatus(card.ID)]
		if name == "" {
			continue
		}
		if strings.Contains(card.Text, texts[name]) {
			shown[name] = true
		} else {
			t.Errorf("%s: post %s of case %s does not show its text %q; it reads %q", where, card.ID, name, texts[name], excerptOf(card.Text, 200))
		}
	}
	for _, name := range p.Want {
		if !shown[name] {
			t.Errorf("%s: the post of case %s with its text %q is not on the page", where, name, texts[name])
		}
	}
}

// cardStatus is the status id of an article's DOM id (status-ID, or
// status-ID-SUFFIX for a post shown twice).
func cardStatus(domID string) string {
	id, ok := strings.CutPrefix(domID, "status-")
	if !ok {
		return ""
	}
	id, _, _ = strings.Cut(id, "-")
	return id
}

// excerptOf is s on one line, cut after n characters.
func excerptOf(s string, n int) string {
	r := []rune(strings.Join(strings.Fields(s), " "))
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return string(r)
}
