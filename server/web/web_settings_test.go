package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"kith/account"
	"kith/server/core"
	"kith/server/servertest"
	"kith/server/web"
)

// Changing the password needs the current one, signs out every other
// browser, and keeps this one signed in.
func TestWebSettingsPassword(t *testing.T) {
	in := servertest.New(t, nil)
	c, token := accOwner(t, in)
	other, _ := accOwner(t, in)
	const next = "a much better password"
	refusals := []struct {
		current, password, confirm string
		status                     int
	}{
		{"wrong password", next, next, http.StatusUnauthorized},
		{servertest.Password, next, next + "!", http.StatusUnprocessableEntity},
		{servertest.Password, "short", "short", http.StatusUnprocessableEntity},
	}
	for _, rf := range refusals {
		resp, body := servertest.Post(t, c, in.HTTP.URL+"/settings/password", url.Values{"csrf_token": {token},
			"current_password": {rf.current}, "password": {rf.password}, "password_confirmation": {rf.confirm}})
		accWantStatus(t, "refused change", resp, body, rf.status)
		if !strings.Contains(body, `role="alert"`) {
			t.Errorf("refused change (%d): no error shown", rf.status)
		}
	}
	if ok, _ := account.Login(context.Background(), in.DB, "admin", servertest.Password); !ok {
		t.Fatal("a refused change changed the password")
	}
	resp, body := servertest.Post(t, c, in.HTTP.URL+"/settings/password", url.Values{"csrf_token": {token},
		"current_password": {servertest.Password}, "password": {next}, "password_confirmation": {next}})
	accWantStatus(t, "change", resp, body, http.StatusSeeOther)
	if ok, _ := account.Login(context.Background(), in.DB, "admin", next); !ok {
		t.Error("the new password does not sign in")
	}
	resp, body = servertest.Get(t, c, in.HTTP.URL+"/settings/password?changed=1")
	accWantStatus(t, "this browser after the change", resp, body, http.StatusOK)
	if !strings.Contains(body, `role="status"`) {
		t.Error("no notice after the change")
	}
	if resp, _ := servertest.Get(t, other, in.HTTP.URL+"/settings"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("another browser after the change: status %d, want 303 to the login page", resp.StatusCode)
	}
}

// multipartForm encodes fields and files as a browser sends a form with
// enctype="multipart/form-data".
func multipartForm(t *testing.T, fields map[string]string, files map[string][]byte) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	for name, data := range files {
		fw, err := mw.CreateFormFile(name, name+".png")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	mw.Close()
	return mw.FormDataContentType(), &buf
}

// The profile form changes the actor through federation, stores the bio
// as typed and the hide-network switch, and takes an avatar upload; a
// refused image changes nothing.
func TestWebSettingsProfile(t *testing.T) {
	in := servertest.New(t, nil)
	ctx := context.Background()
	c, token := accOwner(t, in)
	send := func(fields map[string]string, files map[string][]byte) (*http.Response, string) {
		fields["csrf_token"] = token
		ctype, body := multipartForm(t, fields, files)
		resp, err := c.Post(in.HTTP.URL+"/settings/profile", ctype, body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, servertest.ReadBody(t, resp)
	}
	resp, body := send(map[string]string{"display_name": "Ada", "note": "I write *code*.", "locked": "1", "hide_network": "1",
		"field_name_0": "Site", "field_value_0": "https://ada.example", "field_name_2": "Pronouns", "field_value_2": "she/her"},
		map[string][]byte{"avatar": servertest.PNG(t, 600, 600)})
	accWantStatus(t, "save", resp, body, http.StatusSeeOther)
	a, err := in.DB.LocalActor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if a.DisplayName != "Ada" || !a.Locked || a.Bot || !strings.Contains(a.Summary, "<em>code</em>") {
		t.Errorf("profile after save: name %q, locked %v, bot %v, summary %q", a.DisplayName, a.Locked, a.Bot, a.Summary)
	}
	if len(a.Fields) != 2 || a.Fields[0].Name != "Site" || a.Fields[1].Value != "she/her" {
		t.Errorf("fields after save: %+v", a.Fields)
	}
	if !strings.HasPrefix(a.AvatarURL, in.Srv.Config().Server.URL+"/media/") {
		t.Errorf("avatar after save: %q", a.AvatarURL)
	}
	if v, _ := in.DB.Setting(ctx, web.SettingHideNetwork); v != "true" {
		t.Errorf("hide_network after save: %q, want true", v)
	}
	_, page := servertest.Get(t, c, in.HTTP.URL+"/settings/profile?saved=1")
	for _, want := range []string{`value="Ada"`, "I write *code*.", `name="locked" value="1" checked`, `name="hide_network" value="1" checked`,
		`value="https://ada.example"`, `role="status"`} {
		if !strings.Contains(page, want) {
			t.Errorf("profile form after save misses %s", want)
		}
	}

	refusals := []struct {
		name   string
		fields map[string]string
		files  map[string][]byte
	}{
		{"not an image", map[string]string{"display_name": "Bad"}, map[string][]byte{"header": []byte("plain text, not a picture")}},
		{"name too long", map[string]string{"display_name": strings.Repeat("x", 31)}, nil},
	}
	for _, rf := range refusals {
		resp, body := send(rf.fields, rf.files)
		accWantStatus(t, rf.name, resp, body, http.StatusUnprocessableEntity)
		if !strings.Contains(body, `role="alert"`) || !strings.Contains(body, `value="`+rf.fields["display_name"]+`"`) {
			t.Errorf("%s: no error shown or the typed name lost", rf.name)
		}
		if after, _ := in.DB.LocalActor(ctx); after.DisplayName != "Ada" || after.HeaderURL != "" {
			t.Errorf("%s changed the profile: %q, header %q", rf.name, after.DisplayName, after.HeaderURL)
		}
	}
	// Unticked switches turn off.
	resp, body = send(map[string]string{"display_name": "Ada"}, nil)
	accWantStatus(t, "switches off", resp, body, http.StatusSeeOther)
	if a, _ := in.DB.LocalActor(ctx); a.Locked || len(a.Fields) != 0 || a.AvatarURL == "" {
		t.Errorf("after unticking: locked %v, fields %v, avatar %q (kept)", a.Locked, a.Fields, a.AvatarURL)
	}
}

var codeRE = regexp.MustCompile(`<code id="([a-z-]+)">([^<]+)</code>`)

// codes reads the credentials an application page shows, by element id.
func codes(page string) map[string]string {
	out := map[string]string{}
	for _, m := range codeRE.FindAllStringSubmatch(page, -1) {
		out[m[1]] = m[2]
	}
	return out
}

// The Development pages show an application's client key and secret, and
// a regenerated access token replaces the old one.
func TestWebSettingsApplications(t *testing.T) {
	in := servertest.New(t, nil)
	c, token := accOwner(t, in)
	resp, page := servertest.Post(t, c, in.HTTP.URL+"/settings/applications", url.Values{"csrf_token": {token}, "name": {"my bot"},
		"redirect_uri": {core.OobRedirectURI}, "scopes": {"read", "write"}})
	accWantStatus(t, "create", resp, page, http.StatusOK)
	created := codes(page)
	first := created["access-token"]
	if first == "" {
		t.Fatalf("no access token shown after creation:\n%s", page)
	}
	app, err := in.DB.OAuthAppByClientID(context.Background(), created["client-key"])
	if err != nil {
		t.Fatalf("client key %q: %v", created["client-key"], err)
	}
	path := "/settings/applications/" + core.APIID(app.ID)
	if !strings.Contains(page, `href="`+path+`"`) {
		t.Errorf("the list does not link %s", path)
	}
	resp, page = servertest.Get(t, c, in.HTTP.URL+path)
	accWantStatus(t, "app page", resp, page, http.StatusOK)
	shown := codes(page)
	if shown["client-key"] != app.ClientID || shown["client-secret"] != app.ClientSecret || shown["access-token"] != "" {
		t.Errorf("app page shows %v, want the client key and secret and no token", shown)
	}
	resp, page = servertest.Post(t, c, in.HTTP.URL+path+"/token", url.Values{"csrf_token": {token}})
	accWantStatus(t, "regenerate", resp, page, http.StatusOK)
	second := codes(page)["access-token"]
	if second == "" || second == first {
		t.Fatalf("regenerated token %q (first %q)", second, first)
	}
	if status, body := servertest.BearerCall(t, in, "GET", "/api/v1/accounts/verify_credentials", second); status != http.StatusOK {
		t.Errorf("new token: status %d: %s", status, body)
	}
	if status, _ := servertest.BearerCall(t, in, "GET", "/api/v1/accounts/verify_credentials", first); status != http.StatusUnauthorized {
		t.Errorf("old token after regenerating: status %d, want 401", status)
	}
	if resp, body := servertest.Get(t, c, in.HTTP.URL+"/settings/applications/424242"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown app: status %d\n%s", resp.StatusCode, body)
	}
}
