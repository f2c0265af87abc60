package server

import (
	"io"
	"io/fs"
	"strings"
	"testing"

	"kith/store"
	"kith/templates"
	"kith/tests/testclock"
)

// templateZeroViews maps every page template (by name, without .html) to
// a zero value of the view its handler renders it with. Every template
// must have an entry, so a typo in a rarely seen page fails here rather
// than in front of a visitor.
var templateZeroViews = map[string]any{
	// Foundation and public pages.
	"error": errorPage{},
	"login": loginPage{},
	"profile": profilePage{Pinned: []statusView{{}}, Statuses: []statusView{{}}, MovedTo: &accountView{},
		Account: accountView{Fields: []fieldView{{}, {Link: "https://example.org"}}}},
	"status_page":   statusPage{Ancestors: []statusView{{}}, Descendants: []statusView{{}}},
	"tag":           tagPage{Statuses: []statusView{{}}},
	"follows":       followsPage{Accounts: []accountView{{}}},
	"remote_follow": remoteFollowPage{Status: &statusView{}},
	"sessions":      sessionsPage{Sessions: []sessionRow{{}}},
	"authorize":     authorizePage{Scopes: []scopeLine{{}}},
	"apps":          appsPage{Apps: []store.OAuthAppUse{{}}, Scopes: []scopeChoice{{}}, Created: &createdApp{}},

	// Owner timelines and posting.
	"home_timeline": timelinePage{Compose: true, Statuses: []statusView{{}}},
	"compose":       composePage{Form: composeForm{}.withSlots(), Parent: []statusView{{}}, Preview: "<p>x</p>", Error: "x"},
	"notifications": notificationsPage{Tabs: notificationTabs(nil), Notifications: []notificationView{{Status: &statusView{}}}},
	"thread":        threadPage{Statuses: []statusView{{Role: "focus"}}},
	"delete_status": deletePage{},

	// Owner relationships and settings.
	"account_page":          accountPage{Posts: []statusView{{}}, Account: accountView{Fields: []fieldView{{}}, Relationship: store.Relationship{Muting: true}}},
	"follow":                followPage{},
	"follow_requests":       relationshipsPage{Accounts: []accountView{{}}},
	"relationships":         relationshipsPage{Accounts: []accountView{{}}},
	"blocks":                blocksPage{Blocked: []accountView{{}}, Muted: []mutedView{{}}, Domains: []string{""}},
	"authorize_interaction": interactionPage{},
	"settings":              settingsPage{},
	"settings_profile":      profileSettingsPage{},
	"settings_password":     passwordPage{},
	"settings_2fa":          twoFactorPage{Passkeys: []passkeyRow{{}}},
	"settings_2fa_totp":     totpSetupPage{},
	"settings_2fa_codes":    recoveryCodesPage{Codes: []string{""}},
	"login_2fa":             secondStepPage{},
	"app":                   appPage{},

	// Data and account migration settings.
	"settings_migration": migrationPage{Aliases: []string{""}, MovedTo: &movedTo{}},
	"settings_data":      dataPage{Downloads: []dataDownload{{}}, Imports: []importRow{{Errors: []store.ImportRow{{}}}}},
}

func TestTemplatesZeroView(t *testing.T) {
	pages, err := parsePages(templates.FS)
	if err != nil {
		t.Fatal(err)
	}
	names, err := fs.Glob(templates.FS, "*.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range names {
		name := strings.TrimSuffix(file, ".html")
		if name == "layout" || strings.HasPrefix(name, "_") {
			continue
		}
		t.Run(name, func(t *testing.T) {
			view, ok := templateZeroViews[name]
			if !ok {
				t.Fatalf("templates/%s has no entry in templateZeroViews", file)
			}
			if err := pages[name].Execute(io.Discard, view); err != nil {
				t.Errorf("executing %s with a zero view: %v", name, err)
			}
		})
	}
	for name := range templateZeroViews {
		if _, ok := pages[name]; !ok {
			t.Errorf("templateZeroViews has %q, but there is no templates/%s.html", name, name)
		}
	}
}

// TestTemplatesPartials executes each partial with zero and with full
// views, as owner and as visitor.
func TestTemplatesPartials(t *testing.T) {
	pages, err := parsePages(templates.FS)
	if err != nil {
		t.Fatal(err)
	}
	page := pages["error"]
	now := testclock.Base()
	booster := accountView{ID: 2, DisplayName: "Bob"}
	full := statusView{
		ID: 1, BoostID: 3, BoostedBy: &booster, Author: accountView{ID: 1, DisplayName: "Alice", Handle: "alice@a.test"},
		Local: true, Visibility: store.Unlisted, Summary: "cw", Content: "<p>hi</p>", PublishedAt: now, EditedAt: now,
		Attachments: []attachmentView{{URL: "/m.png", Kind: "image", Description: "a cat"}, {URL: "/m.mp4", Kind: "video"}},
		Poll:        &pollView{Multiple: true, ExpiresAt: now, Options: []pollOptionView{{Title: "yes", Percent: 50, Own: true}}},
		Replies:     1, Reblogs: 2, Favourites: 3, Favourited: true, DOMID: "status-3", ActionURL: "/statuses/3",
	}
	owner := full
	owner.SignedIn, owner.CSRFToken = true, "tok"
	closed := owner
	closed.Poll = &pollView{Closed: true, Voted: true}
	cases := []struct {
		partial, name string
		view          any
	}{
		{"status", "zero", statusView{}},
		{"status", "visitor", full},
		{"status", "owner", owner},
		{"status", "owner closed poll", closed},
		{"account", "zero", accountView{}},
		{"account", "owner", accountView{SignedIn: true, ShowActions: true, Relationship: store.Relationship{Following: true, FollowedBy: true}}},
		{"pagination", "zero", pagination{}},
		{"pagination", "both", pagination{Prev: "/?min_id=1", Next: "/?max_id=2"}},
	}
	for _, c := range cases {
		t.Run(c.partial+"/"+c.name, func(t *testing.T) {
			var b strings.Builder
			if err := page.ExecuteTemplate(&b, c.partial, c.view); err != nil {
				t.Fatalf("executing %s: %v", c.partial, err)
			}
			if c.partial == "status" && c.name == "owner" {
				for _, want := range []string{`id="status-3"`, `action="/statuses/3"`, `name="action" value="unfavourite" aria-pressed="true"`,
					`name="action" value="boost" aria-pressed="false"`, `name="csrf_token" value="tok"`,
					`<img src="/m.png" alt="a cat"`, `<figcaption aria-hidden="true">a cat</figcaption>`, `href="/statuses/1/delete?return_to=" class="button danger"`} {
					if !strings.Contains(b.String(), want) {
						t.Errorf("owner's status misses %s", want)
					}
				}
			}
			if c.partial == "status" && c.name == "visitor" {
				if got := b.String(); strings.Contains(got, "<form") || !strings.Contains(got, `href="/interact/1?type=reply"`) {
					t.Errorf("visitor's status: got forms or no interact link:\n%s", got)
				}
			}
		})
	}
}
