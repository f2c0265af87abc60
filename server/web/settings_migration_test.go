package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"kith/server/servertest"
	"kith/store"
)

func TestMigrationSettings(t *testing.T) {
	in := servertest.New(t, nil)
	ctx := context.Background()
	c := in.Browser(t)
	csrf := in.SignIn(t, c)
	base := in.HTTP.URL + "/settings/migration"

	if resp, body := servertest.Get(t, c, base); resp.StatusCode != http.StatusOK || !strings.Contains(body, "No aliases") ||
		strings.Contains(body, "has moved to") {
		t.Fatalf("migration page: status %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := servertest.Get(t, http.DefaultClient, base); resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/login" {
		t.Errorf("a visitor is not sent to the login page: status %d at %s", resp.StatusCode, resp.Request.URL.Path)
	}

	// An old account listed as an alias; removing it needs no fetch.
	const old = "https://old.example/users/me"
	me, err := in.DB.LocalActor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	me.AlsoKnownAs = []string{old}
	if err := in.DB.InTx(ctx, func(tx *store.Tx) error { _, err := tx.UpsertActor(ctx, me); return err }); err != nil {
		t.Fatal(err)
	}
	if _, body := servertest.Get(t, c, base); !strings.Contains(body, `value="`+old+`"`) {
		t.Errorf("the page does not list the alias:\n%s", body)
	}

	for _, tt := range []struct {
		name, action string
		form         url.Values
		status       int
		want         string
	}{
		{"no csrf", "move", url.Values{"target": {"@a@b.example"}}, http.StatusForbidden, "expired"},
		{"empty target", "move", url.Values{"csrf_token": {csrf}}, http.StatusUnprocessableEntity, "Give the account to move to"},
		{"not a handle", "move", url.Values{"csrf_token": {csrf}, "target": {"@nobody"}}, http.StatusUnprocessableEntity, "is not a handle"},
		{"resend before moving", "resend", url.Values{"csrf_token": {csrf}}, http.StatusUnprocessableEntity, "has not moved"},
		{"remove an unknown alias", "unalias", url.Values{"csrf_token": {csrf}, "alias": {"@x"}}, http.StatusUnprocessableEntity, "is not a handle"},
		{"unknown action", "frob", url.Values{"csrf_token": {csrf}}, http.StatusNotFound, "nothing here"},
		{"remove the alias", "unalias", url.Values{"csrf_token": {csrf}, "alias": {old}}, http.StatusSeeOther, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := servertest.Post(t, c, base+"/"+tt.action, tt.form)
			if resp.StatusCode != tt.status || !strings.Contains(body, tt.want) {
				t.Errorf("status %d, want %d and %q in:\n%s", resp.StatusCode, tt.status, tt.want, body)
			}
		})
	}
	if _, body := servertest.Get(t, c, base+"?done=alias-removed"); !strings.Contains(body, "Alias removed") || !strings.Contains(body, "No aliases") {
		t.Errorf("after removing the alias:\n%s", body)
	}
	if _, body := servertest.Get(t, c, base+"?done=<script>"); strings.Contains(body, "script&gt;") || strings.Contains(body, `class="notice"`) {
		t.Errorf("the page shows text from the query string:\n%s", body)
	}

	// Moved: the profile and the page say where.
	const target = "https://new.example/users/me"
	if err := in.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.UpsertActor(ctx, store.Actor{URI: target, Username: "me", Domain: "new.example", URL: "https://new.example/@me"}); err != nil {
			return err
		}
		return tx.SetActorMovedTo(ctx, me.ID, target)
	}); err != nil {
		t.Fatal(err)
	}
	if _, body := servertest.Get(t, http.DefaultClient, in.HTTP.URL+"/"); !strings.Contains(body, `has moved to <a href="https://new.example/@me">me (@me@new.example)</a>`) {
		t.Errorf("the profile has no moved-to banner:\n%s", body)
	}
	if _, body := servertest.Get(t, c, base); !strings.Contains(body, `has moved to <a href="https://new.example/@me" rel="noopener">@me@new.example</a>`) {
		t.Errorf("the migration page does not say where the account moved:\n%s", body)
	}
	if _, body := servertest.Get(t, c, base); !strings.Contains(body, "Send the Move again") {
		t.Errorf("the page offers no re-send:\n%s", body)
	}
}
