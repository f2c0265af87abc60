package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"kith/server/servertest"
	"kith/store"
)

// accOwner signs a browser in and returns it with its CSRF token, read
// from the settings page (which every signed-in owner can open).
func accOwner(t *testing.T, in *servertest.Instance) (*http.Client, string) {
	t.Helper()
	c := in.Browser(t)
	_, page := servertest.Get(t, c, in.HTTP.URL+"/login")
	resp, _ := servertest.Post(t, c, in.HTTP.URL+"/login", url.Values{
		"csrf_token": {servertest.CSRFToken(t, page)}, "username": {"admin"}, "password": {servertest.Password},
	})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: status %d, want 303", resp.StatusCode)
	}
	_, settings := servertest.Get(t, c, in.HTTP.URL+"/settings")
	return c, servertest.CSRFToken(t, settings)
}

// accWantStatus fails the test when resp has another status.
func accWantStatus(t *testing.T, what string, resp *http.Response, body string, want int) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("%s: status %d, want %d\n%s", what, resp.StatusCode, want, body)
	}
}

// relationship is the owner's relationship with an account, from the store.
func accRelationship(t *testing.T, in *servertest.Instance, id int64) store.Relationship {
	t.Helper()
	rels, err := in.DB.Relationships(context.Background(), []int64{id})
	if err != nil {
		t.Fatal(err)
	}
	return rels[id]
}

// Every owner page sends visitors to the login page, and every owner form
// refuses them, whatever it carries.
func TestWebAccountsVisitorsAreKeptOut(t *testing.T) {
	in := servertest.New(t, nil)
	bob := servertest.AddRemoteActor(t, in, "bob", "remote.example")
	id := fmt.Sprint(bob.ID)
	visitor := in.Browser(t)
	for _, path := range []string{"/accounts/" + id, "/follow", "/follow_requests", "/relationships?type=followers",
		"/blocks", "/authorize_interaction?uri=https://remote.example/users/bob", "/settings", "/settings/profile",
		"/settings/password", "/settings/applications/1"} {
		resp, body := servertest.Get(t, visitor, in.HTTP.URL+path)
		accWantStatus(t, "GET "+path, resp, body, http.StatusSeeOther)
		if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/login?next=") {
			t.Errorf("GET %s: Location %q, want the login page", path, loc)
		}
	}
	for _, path := range []string{"/accounts/" + id + "/follow", "/accounts/" + id + "/block", "/follow", "/blocks/domains",
		"/settings/profile", "/settings/password", "/settings/applications/1/token"} {
		resp, body := servertest.Post(t, visitor, in.HTTP.URL+path, url.Values{"csrf_token": {"guess"}, "acct": {"@bob@remote.example"},
			"domain": {"remote.example"}, "block": {"1"}})
		accWantStatus(t, "POST "+path, resp, body, http.StatusForbidden)
	}
	if rel := accRelationship(t, in, bob.ID); rel.Requested || rel.Blocking {
		t.Errorf("a visitor's forms changed the relationship: %+v", rel)
	}
	if domains, _ := in.DB.DomainBlocks(context.Background()); len(domains) != 0 {
		t.Errorf("a visitor blocked %v", domains)
	}
}

// The owner's forms need the session's CSRF token: without it nothing
// changes.
func TestWebAccountsCSRF(t *testing.T) {
	in := servertest.New(t, nil)
	bob := servertest.AddRemoteActor(t, in, "bob", "remote.example")
	c, _ := accOwner(t, in)
	id := fmt.Sprint(bob.ID)
	forms := []struct {
		path string
		form url.Values
	}{
		{"/accounts/" + id + "/follow", nil},
		{"/accounts/" + id + "/block", nil},
		{"/accounts/" + id + "/mute", nil},
		{"/follow", url.Values{"acct": {"@bob@remote.example"}}},
		{"/blocks/domains", url.Values{"domain": {"remote.example"}, "block": {"1"}}},
		{"/settings/profile", url.Values{"display_name": {"Changed"}}},
		{"/settings/password", url.Values{"current_password": {servertest.Password}, "password": {"a new password"}, "password_confirmation": {"a new password"}}},
		{"/settings/applications/1/token", nil},
	}
	for _, f := range forms {
		for _, token := range []string{"", "wrong"} {
			form := url.Values{"csrf_token": {token}}
			for k, v := range f.form {
				form[k] = v
			}
			resp, body := servertest.Post(t, c, in.HTTP.URL+f.path, form)
			accWantStatus(t, fmt.Sprintf("POST %s with token %q", f.path, token), resp, body, http.StatusForbidden)
		}
	}
	if rel := accRelationship(t, in, bob.ID); rel.Requested || rel.Blocking || rel.Muting {
		t.Errorf("forms without a token changed the relationship: %+v", rel)
	}
	if a, _ := in.DB.LocalActor(context.Background()); a.DisplayName == "Changed" {
		t.Error("a form without a token changed the profile")
	}
	if _, again := accOwner(t, in); again == "" {
		t.Error("the old password stopped working")
	}
}

// Each account button changes the relationship it says, and comes back
// to the page it was pressed on.
func TestWebAccountActions(t *testing.T) {
	in := servertest.New(t, nil)
	// Mute expiry is set by the server's clock and read by the store's.
	in.Clock.Add(time.Since(in.Clock.Now()))
	bob := servertest.AddRemoteActor(t, in, "bob", "remote.example")
	local := in.DB.OwnerID()
	c, token := accOwner(t, in)

	steps := []struct {
		action string
		form   url.Values
		setup  func()
		check  func(store.Relationship) bool
	}{
		{"follow", nil, nil, func(r store.Relationship) bool { return r.Requested && !r.Following }},
		{"unfollow", nil, nil, func(r store.Relationship) bool { return !r.Requested && !r.Following }},
		{"block", nil, nil, func(r store.Relationship) bool { return r.Blocking }},
		{"unblock", nil, nil, func(r store.Relationship) bool { return !r.Blocking }},
		{"mute", url.Values{"hide_notifications": {"1"}, "duration": {"3600"}}, nil,
			func(r store.Relationship) bool { return r.Muting && r.MutingNotifications }},
		{"unmute", nil, nil, func(r store.Relationship) bool { return !r.Muting }},
		{"mute", url.Values{"duration": {"0"}}, nil, func(r store.Relationship) bool { return r.Muting && !r.MutingNotifications }},
		{"remove_follower", nil, func() { servertest.PutFollow(t, in, bob.ID, local, store.FollowAccepted) },
			func(r store.Relationship) bool { return !r.FollowedBy }},
		{"authorize", nil, func() { servertest.PutFollow(t, in, bob.ID, local, store.FollowPending) },
			func(r store.Relationship) bool { return r.FollowedBy && !r.RequestedBy }},
		{"reject", nil, func() { servertest.PutFollow(t, in, bob.ID, local, store.FollowPending) },
			func(r store.Relationship) bool { return !r.FollowedBy && !r.RequestedBy }},
	}
	for _, st := range steps {
		if st.setup != nil {
			st.setup()
		}
		form := url.Values{"csrf_token": {token}, "return_to": {"/relationships?type=followers"}}
		for k, v := range st.form {
			form[k] = v
		}
		resp, body := servertest.Post(t, c, fmt.Sprintf("%s/accounts/%d/%s", in.HTTP.URL, bob.ID, st.action), form)
		accWantStatus(t, st.action, resp, body, http.StatusSeeOther)
		if loc := resp.Header.Get("Location"); loc != "/relationships?type=followers" {
			t.Errorf("%s: back to %q, want the return_to page", st.action, loc)
		}
		if rel := accRelationship(t, in, bob.ID); !st.check(rel) {
			t.Errorf("after %s: relationship %+v", st.action, rel)
		}
	}
	if m, err := in.DB.MuteOf(context.Background(), bob.ID); err != nil || !m.ExpiresAt.IsZero() {
		t.Errorf("mute without duration: %+v, %v; want one that never ends", m, err)
	}

	refusals := []struct {
		path     string
		returnTo string
		want     int
	}{
		{fmt.Sprintf("/accounts/%d/follow", local), "", http.StatusForbidden}, // oneself
		{"/accounts/424242/follow", "", http.StatusNotFound},
		{fmt.Sprintf("/accounts/%d/explode", bob.ID), "", http.StatusNotFound},
	}
	for _, rf := range refusals {
		resp, body := servertest.Post(t, c, in.HTTP.URL+rf.path, url.Values{"csrf_token": {token}})
		accWantStatus(t, rf.path, resp, body, rf.want)
	}
	// A return_to off this site is ignored: back to the account page.
	resp, body := servertest.Post(t, c, fmt.Sprintf("%s/accounts/%d/unmute", in.HTTP.URL, bob.ID),
		url.Values{"csrf_token": {token}, "return_to": {"//evil.example/"}})
	accWantStatus(t, "unmute", resp, body, http.StatusSeeOther)
	if loc, want := resp.Header.Get("Location"), fmt.Sprintf("/accounts/%d", bob.ID); loc != want {
		t.Errorf("return_to off site: Location %q, want %q", loc, want)
	}
}

// The owner's pages show what the store holds, with the buttons that
// undo it.
func TestWebAccountsPages(t *testing.T) {
	in := servertest.New(t, nil)
	ctx := context.Background()
	local := in.DB.OwnerID()
	bob := servertest.AddRemoteActor(t, in, "bob", "remote.example")
	carol := servertest.AddRemoteActor(t, in, "carol", "other.example")
	dave := servertest.AddRemoteActor(t, in, "dave", "third.example")
	servertest.PutFollow(t, in, local, bob.ID, store.FollowAccepted)
	servertest.PutFollow(t, in, carol.ID, local, store.FollowAccepted)
	servertest.PutFollow(t, in, dave.ID, local, store.FollowPending)
	servertest.AddRemotePost(t, in, store.Post{URI: "https://remote.example/notes/1", AuthorID: bob.ID, Content: "<p>bob says hello</p>"})
	servertest.AddRemotePost(t, in, store.Post{URI: "https://remote.example/notes/2", AuthorID: bob.ID, Content: "<p>for followers</p>", Visibility: store.Private})
	err := in.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.PutBlock(ctx, local, carol.ID, "https://x.test/block/1"); err != nil {
			return err
		}
		if err := tx.PutMute(ctx, dave.ID, true, time.Time{}); err != nil {
			return err
		}
		_, err := tx.PutDomainBlock(ctx, "spam.example")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := accOwner(t, in)
	pages := []struct {
		path string
		want []string
	}{
		{fmt.Sprintf("/accounts/%d", bob.ID), []string{"@bob@remote.example", "bob says hello", "for followers",
			fmt.Sprintf(`action="/accounts/%d/unfollow"`, bob.ID), fmt.Sprintf(`action="/accounts/%d/block"`, bob.ID),
			fmt.Sprintf(`action="/accounts/%d/mute"`, bob.ID)}},
		{fmt.Sprintf("/accounts/%d", dave.ID), []string{"Asks to follow you", fmt.Sprintf(`action="/accounts/%d/authorize"`, dave.ID),
			fmt.Sprintf(`action="/accounts/%d/unmute"`, dave.ID)}},
		{fmt.Sprintf("/accounts/%d", local), []string{"@admin@", "Public profile"}},
		{"/relationships", []string{"@bob@remote.example", fmt.Sprintf(`action="/accounts/%d/unfollow"`, bob.ID), `aria-current="page">Following`}},
		{"/relationships?type=followers", []string{"@carol@other.example", fmt.Sprintf(`action="/accounts/%d/remove_follower"`, carol.ID)}},
		{"/follow_requests", []string{"@dave@third.example", fmt.Sprintf(`action="/accounts/%d/authorize"`, dave.ID),
			fmt.Sprintf(`action="/accounts/%d/reject"`, dave.ID)}},
		{"/blocks", []string{"@carol@other.example", fmt.Sprintf(`action="/accounts/%d/unblock"`, carol.ID), "@dave@third.example",
			fmt.Sprintf(`action="/accounts/%d/unmute"`, dave.ID), "spam.example", `action="/blocks/domains"`}},
		{"/follow?acct=@bob@remote.example", []string{`value="@bob@remote.example"`}},
		{"/authorize_interaction", []string{`name="uri"`}},
		{"/settings", []string{`href="/settings/profile"`, `href="/settings/password"`, `href="/settings/sessions"`, `href="/settings/applications"`}},
	}
	for _, p := range pages {
		resp, body := servertest.Get(t, c, in.HTTP.URL+p.path)
		accWantStatus(t, p.path, resp, body, http.StatusOK)
		for _, want := range p.want {
			if !strings.Contains(body, want) {
				t.Errorf("%s misses %s", p.path, want)
			}
		}
	}
	if _, body := servertest.Get(t, c, fmt.Sprintf("%s/accounts/%d", in.HTTP.URL, local)); strings.Contains(body, "/follow\"") {
		t.Error("the owner's own account page offers to follow itself")
	}
	if resp, body := servertest.Get(t, c, in.HTTP.URL+"/accounts/424242"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown account: status %d\n%s", resp.StatusCode, body)
	}
}

// Servers are blocked and unblocked from the Blocks page, typed as people
// paste them.
func TestWebAccountsDomainBlocks(t *testing.T) {
	in := servertest.New(t, nil)
	c, token := accOwner(t, in)
	blocks := func() string {
		d, err := in.DB.DomainBlocks(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(d, ",")
	}
	steps := []struct {
		form   url.Values
		status int
		want   string
	}{
		{url.Values{"domain": {"https://Spam.Example/about"}, "block": {"1"}}, http.StatusSeeOther, "spam.example"},
		{url.Values{"domain": {"b.example."}, "block": {"1"}}, http.StatusSeeOther, "b.example,spam.example"},
		{url.Values{"domain": {"spam.example"}}, http.StatusSeeOther, "b.example"},
		{url.Values{"domain": {"  "}, "block": {"1"}}, http.StatusUnprocessableEntity, "b.example"},
		{url.Values{"domain": {"a b@c"}, "block": {"1"}}, http.StatusUnprocessableEntity, "b.example"},
	}
	for _, st := range steps {
		st.form.Set("csrf_token", token)
		resp, body := servertest.Post(t, c, in.HTTP.URL+"/blocks/domains", st.form)
		accWantStatus(t, "domain "+st.form.Get("domain"), resp, body, st.status)
		if got := blocks(); got != st.want {
			t.Errorf("after %v: blocked %q, want %q", st.form, got, st.want)
		}
		if st.status == http.StatusUnprocessableEntity && !strings.Contains(body, `role="alert"`) {
			t.Errorf("refused domain %q: no error shown", st.form.Get("domain"))
		}
	}
}

// A pasted account or post opens the owner's page for it; nonsense is
// refused with the form again.
func TestWebAccountsAuthorizeInteraction(t *testing.T) {
	in := servertest.New(t, nil)
	bob := servertest.AddRemoteActor(t, in, "bob", "remote.example")
	note := servertest.AddRemotePost(t, in, store.Post{URI: "https://remote.example/notes/7", AuthorID: bob.ID, Content: "<p>hi</p>"})
	c, token := accOwner(t, in)
	tests := []struct {
		uri      string
		status   int
		location string
	}{
		{bob.URI, http.StatusSeeOther, fmt.Sprintf("/accounts/%d", bob.ID)},
		{note.URI, http.StatusSeeOther, fmt.Sprintf("/thread/%d", note.ID)},
		{in.Srv.Fed.URLs().Actor(), http.StatusSeeOther, fmt.Sprintf("/accounts/%d", in.DB.OwnerID())},
		{"not a handle", http.StatusUnprocessableEntity, ""},
	}
	for _, tt := range tests {
		resp, body := servertest.Get(t, c, in.HTTP.URL+"/authorize_interaction?uri="+url.QueryEscape(tt.uri))
		accWantStatus(t, tt.uri, resp, body, tt.status)
		if got := resp.Header.Get("Location"); got != tt.location {
			t.Errorf("%s: Location %q, want %q", tt.uri, got, tt.location)
		}
	}
	// The follow form refuses what is not a handle or a URL, before asking anyone.
	resp, body := servertest.Post(t, c, in.HTTP.URL+"/follow", url.Values{"csrf_token": {token}, "acct": {"bob"}})
	accWantStatus(t, "follow bob", resp, body, http.StatusUnprocessableEntity)
	if !strings.Contains(body, `role="alert"`) || !strings.Contains(body, `value="bob"`) {
		t.Errorf("refused follow: no error or lost input\n%s", body)
	}
}
