package server

import (
	"io"
	"io/fs"
	"strings"
	"testing"

	"kith/server/core"
	"kith/server/oauth"
	"kith/server/web"
	"kith/server/web/templates"
	"kith/store"
	"kith/tests/testclock"
)

// templateZeroViews maps every page template (by name, without .html) to
// a zero value of the view its handler renders it with. Every template
// must have an entry, so a typo in a rarely seen page fails here rather
// than in front of a visitor.
var templateZeroViews = map[string]any{
	// Foundation and public pages.
	"error": core.ErrorPage{},
	"about": web.AboutPage{Description: []string{""}, Rules: []string{""}, ContactEmail: "a@b.example"},
	"login": web.LoginPage{},
	"profile": web.ProfilePage{Pinned: []web.StatusView{{}}, Statuses: []web.StatusView{{}}, MovedTo: &web.AccountView{}, FeaturedTags: []web.FeaturedTagView{{LastPost: "x"}},
		Account: web.AccountView{Fields: []web.FieldView{{}, {Link: "https://example.org"}}}},
	"status_page":   web.StatusPage{Ancestors: []web.StatusView{{}}, Descendants: []web.StatusView{{}}},
	"tag":           web.TagPage{Statuses: []web.StatusView{{}}},
	"follows":       web.FollowsPage{Accounts: []web.AccountView{{}}},
	"remote_follow": web.RemoteFollowPage{Status: &web.StatusView{}},
	"sessions":      web.SessionsPage{Sessions: []web.SessionRow{{}}},
	"admin":         web.AdminPage{Charts: []web.Chart{{Series: []web.Series{{Lines: []string{""}}}}}, FailingHosts: []web.FailingHostRow{{}}, Replica: &web.ReplicaRow{LastError: "x"}},
	"settings_push": web.PushPage{Subscriptions: []web.PushRow{{}}, SentTest: true, Removed: true},
	"authorize":     oauth.AuthorizePage{Scopes: []core.ScopeLine{{}}},
	"apps":          oauth.AppsPage{Apps: []store.OAuthAppUse{{}}, Scopes: []oauth.ScopeChoice{{}}, Created: &oauth.CreatedApp{}},

	// Owner timelines and posting.
	"home_timeline": web.TimelinePage{Compose: true, Statuses: []web.StatusView{{}}},
	"compose":       web.ComposePage{Form: web.ComposeForm{}.WithSlots(), Parent: []web.StatusView{{}}, Preview: "<p>x</p>", Error: "x"},
	"notifications": web.NotificationsPage{Tabs: web.NotificationTabs(nil), Notifications: []web.NotificationView{{Status: &web.StatusView{}, Reaction: "x"}}},
	"thread":        web.ThreadPage{Statuses: []web.StatusView{{Role: "focus"}}},
	"direct":        web.DirectPage{Conversations: []web.ConversationView{{Unread: true, Participants: []web.AccountView{{}, {}}}, {}}},
	"delete_status": web.DeletePage{},

	// Owner relationships and settings.
	"account_page":          web.AccountPage{Posts: []web.StatusView{{}}, Account: web.AccountView{Fields: []web.FieldView{{}}, Relationship: store.Relationship{Muting: true}}},
	"follow":                web.FollowPage{},
	"follow_requests":       web.RelationshipsPage{Accounts: []web.AccountView{{}}},
	"relationships":         web.RelationshipsPage{Accounts: []web.AccountView{{}}},
	"blocks":                web.BlocksPage{Blocked: []web.AccountView{{}}, Muted: []web.MutedView{{}}, Domains: []string{""}},
	"authorize_interaction": web.InteractionPage{},
	"settings":              web.SettingsPage{},
	"settings_profile":      web.ProfileSettingsPage{},
	"settings_password":     web.PasswordPage{},
	"settings_2fa":          web.TwoFactorPage{Passkeys: []web.PasskeyRow{{}}},
	"settings_2fa_totp":     web.TOTPSetupPage{},
	"settings_2fa_codes":    web.RecoveryCodesPage{Codes: []string{""}},
	"login_2fa":             web.SecondStepPage{},
	"app":                   oauth.AppPage{},

	// Data and account migration settings.
	"settings_migration": web.MigrationPage{Aliases: []string{""}, MovedTo: &web.MovedTo{}},
	"settings_emoji":     web.EmojiPage{Emojis: []web.EmojiRow{{}}, Added: "x", Gone: "x", Error: "x"},
	"settings_data":      web.DataPage{Downloads: []web.DataDownload{{}}, Imports: []web.ImportRow{{Errors: []store.ImportRow{{}}}}},
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
	booster := web.AccountView{ID: 2, DisplayName: "Bob"}
	full := web.StatusView{
		ID: 1, BoostID: 3, BoostedBy: &booster, Author: web.AccountView{ID: 1, DisplayName: "Alice", Handle: "alice@a.test"},
		Local: true, Visibility: store.Unlisted, Summary: "cw", Content: "<p>hi</p>", PublishedAt: now, EditedAt: now,
		Attachments: []web.AttachmentView{{URL: "/m.png", Kind: "image", Description: "a cat"}, {URL: "/m.mp4", Kind: "video"}},
		Poll:        &web.PollView{Multiple: true, ExpiresAt: now, Options: []web.PollOptionView{{Title: "yes", Percent: 50, Own: true}}},
		Replies:     1, Reblogs: 2, Favourites: 3, Favourited: true, DOMID: "status-3", ActionURL: "/statuses/3",
	}
	owner := full
	owner.SignedIn, owner.CSRFToken = true, "tok"
	closed := owner
	closed.Poll = &web.PollView{Closed: true, Voted: true}
	cases := []struct {
		partial, name string
		view          any
	}{
		{"status", "zero", web.StatusView{}},
		{"status", "visitor", full},
		{"status", "owner", owner},
		{"status", "owner closed poll", closed},
		{"account", "zero", web.AccountView{}},
		{"account", "owner", web.AccountView{SignedIn: true, ShowActions: true, Relationship: store.Relationship{Following: true, FollowedBy: true}}},
		{"pagination", "zero", core.Pagination{}},
		{"pagination", "both", core.Pagination{Prev: "/?min_id=1", Next: "/?max_id=2"}},
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
