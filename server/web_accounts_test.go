package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"kith/store"
)

// accOwner signs a browser in and returns it with its CSRF token, read
// from the settings page (which every signed-in owner can open).
func accOwner(t *testing.T, in *instance) (*http.Client, string) {
	t.Helper()
	c := in.browser(t)
	_, page := get(t, c, in.http.URL+"/login")
	resp, _ := post(t, c, in.http.URL+"/login", url.Values{
		"csrf_token": {csrfToken(t, page)}, "username": {"admin"}, "password": {testPassword},
	})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: status %d, want 303", resp.StatusCode)
	}
	_, settings := get(t, c, in.http.URL+"/settings")
	return c, csrfToken(t, settings)
}

// accWantStatus fails the test when resp has another status.
func accWantStatus(t *testing.T, what string, resp *http.Response, body string, want int) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("%s: status %d, want %d\n%s", what, resp.StatusCode, want, body)
	}
}

// relationship is the owner's relationship with an account, from the store.
func accRelationship(t *testing.T, in *instance, id int64) store.Relationship {
	t.Helper()
	rels, err := in.db.Relationships(context.Background(), in.srv.fed.LocalActorID(), []int64{id})
	if err != nil {
		t.Fatal(err)
	}
	return rels[id]
}

// Every owner page sends visitors to the login page, and every owner form
// refuses them, whatever it carries.
func TestWebAccountsVisitorsAreKeptOut(t *testing.T) {
	in := newInstance(t, nil)
	bob := addRemoteActor(t, in, "bob", "remote.example")
	id := fmt.Sprint(bob.ID)
	visitor := in.browser(t)
	for _, path := range []string{"/accounts/" + id, "/follow", "/follow_requests", "/relationships?type=followers",
		"/blocks", "/authorize_interaction?uri=https://remote.example/users/bob", "/settings", "/settings/profile",
		"/settings/password", "/settings/applications/1"} {
		resp, body := get(t, visitor, in.http.URL+path)
		accWantStatus(t, "GET "+path, resp, body, http.StatusSeeOther)
		if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/login?next=") {
			t.Errorf("GET %s: Location %q, want the login page", path, loc)
		}
	}
	for _, path := range []string{"/accounts/" + id + "/follow", "/accounts/" + id + "/block", "/follow", "/blocks/domains",
		"/settings/profile", "/settings/password", "/settings/applications/1/token"} {
		resp, body := post(t, visitor, in.http.URL+path, url.Values{"csrf_token": {"guess"}, "acct": {"@bob@remote.example"},
			"domain": {"remote.example"}, "block": {"1"}})
		accWantStatus(t, "POST "+path, resp, body, http.StatusForbidden)
	}
	if rel := accRelationship(t, in, bob.ID); rel.Requested || rel.Blocking {
		t.Errorf("a visitor's forms changed the relationship: %+v", rel)
	}
	if domains, _ := in.db.DomainBlocks(context.Background()); len(domains) != 0 {
		t.Errorf("a visitor blocked %v", domains)
	}
}

// The owner's forms need the session's CSRF token: without it nothing
// changes.
func TestWebAccountsCSRF(t *testing.T) {
	in := newInstance(t, nil)
	bob := addRemoteActor(t, in, "bob", "remote.example")
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
		{"/settings/password", url.Values{"current_password": {testPassword}, "password": {"a new password"}, "password_confirmation": {"a new password"}}},
		{"/settings/applications/1/token", nil},
	}
	for _, f := range forms {
		for _, token := range []string{"", "wrong"} {
			form := url.Values{"csrf_token": {token}}
			for k, v := range f.form {
				form[k] = v
			}
			resp, body := post(t, c, in.http.URL+f.path, form)
			accWantStatus(t, fmt.Sprintf("POST %s with token %q", f.path, token), resp, body, http.StatusForbidden)
		}
	}
	if rel := accRelationship(t, in, bob.ID); rel.Requested || rel.Blocking || rel.Muting {
		t.Errorf("forms without a token changed the relationship: %+v", rel)
	}
	if a, _ := in.db.LocalActor(context.Background()); a.DisplayName == "Changed" {
		t.Error("a form without a token changed the profile")
	}
	if _, again := accOwner(t, in); again == "" {
		t.Error("the old password stopped working")
	}
}

// Each account button changes the relationship it says, and comes back
// to the page it was pressed on.
func TestWebAccountActions(t *testing.T) {
	in := newInstance(t, nil)
	// Mute expiry is set by the server's clock and read by the store's.
	in.clock.Add(time.Since(in.clock.Now()))
	bob := addRemoteActor(t, in, "bob", "remote.example")
	local := in.srv.fed.LocalActorID()
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
		{"remove_follower", nil, func() { putFollow(t, in, bob.ID, local, store.FollowAccepted) },
			func(r store.Relationship) bool { return !r.FollowedBy }},
		{"authorize", nil, func() { putFollow(t, in, bob.ID, local, store.FollowPending) },
			func(r store.Relationship) bool { return r.FollowedBy && !r.RequestedBy }},
		{"reject", nil, func() { putFollow(t, in, bob.ID, local, store.FollowPending) },
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
		resp, body := post(t, c, fmt.Sprintf("%s/accounts/%d/%s", in.http.URL, bob.ID, st.action), form)
		accWantStatus(t, st.action, resp, body, http.StatusSeeOther)
		if loc := resp.Header.Get("Location"); loc != "/relationships?type=followers" {
			t.Errorf("%s: back to %q, want the return_to page", st.action, loc)
		}
		if rel := accRelationship(t, in, bob.ID); !st.check(rel) {
			t.Errorf("after %s: relationship %+v", st.action, rel)
		}
	}
	if m, err := in.db.MuteOf(context.Background(), bob.ID); err != nil || !m.ExpiresAt.IsZero() {
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
		resp, body := post(t, c, in.http.URL+rf.path, url.Values{"csrf_token": {token}})
		accWantStatus(t, rf.path, resp, body, rf.want)
	}
	// A return_to off this site is ignored: back to the account page.
	resp, body := post(t, c, fmt.Sprintf("%s/accounts/%d/unmute", in.http.URL, bob.ID),
		url.Values{"csrf_token": {token}, "return_to": {"//evil.example/"}})
	accWantStatus(t, "unmute", resp, body, http.StatusSeeOther)
	if loc, want := resp.Header.Get("Location"), fmt.Sprintf("/accounts/%d", bob.ID); loc != want {
		t.Errorf("return_to off site: Location %q, want %q", loc, want)
	}
}
