package server

import (
	"errors"
	"net/http"
	"strings"

	"kith/federation"
	"kith/store"
)

// migrationPage is Settings → Account migration: the aliases that let
// another account move here, and moving this one away.
type migrationPage struct {
	Site    site
	Aliases []string // actor URLs
	MovedTo *movedTo // nil unless the account moved
	Self    string   // this account's actor URL, to list on the new account
	Target  string   // what was typed in the move form, kept after an error
	Notice  string
	Error   string
}

// movedTo is where the owner's account moved, for the settings page and
// the profile banner.
type movedTo struct {
	URL    string // the new account's profile (or actor) URL
	Handle string // user@domain, empty when the actor is not stored
}

// migrationNotices are the messages a redirect after a change may show,
// by key, so the query string never puts text of its own on the page.
var migrationNotices = map[string]string{
	"alias-added":   "Alias added. Your followers' servers are told.",
	"alias-removed": "Alias removed. Your followers' servers are told.",
	"moved":         "Moved. Your followers' servers are sent the Move and follow the new account.",
	"resent":        "The Move was sent again.",
}

// handleMigration shows the migration settings.
func (s *Server) handleMigration(w http.ResponseWriter, r *http.Request) {
	s.renderMigration(w, r, http.StatusOK, migrationNotices[r.URL.Query().Get("done")], "", "")
}

func (s *Server) renderMigration(w http.ResponseWriter, r *http.Request, status int, notice, errMsg, target string) {
	me, err := s.db.LocalActor(r.Context())
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	view := migrationPage{Site: s.site(r), Aliases: me.AlsoKnownAs, Self: me.URI, Target: target, Notice: notice, Error: errMsg}
	view.MovedTo = s.movedTo(r, me)
	s.render(w, r, status, "settings_migration", view)
}

// movedTo describes where the owner moved, or nil.
func (s *Server) movedTo(r *http.Request, me store.Actor) *movedTo {
	if me.MovedTo == "" {
		return nil
	}
	m := &movedTo{URL: me.MovedTo}
	if a, err := s.db.ActorByURI(r.Context(), me.MovedTo); err == nil {
		m.Handle = a.Handle()
		if strings.HasPrefix(a.URL, "https://") || strings.HasPrefix(a.URL, "http://") {
			m.URL = a.URL
		}
	}
	return m
}

// handleMigrationPost applies one of the page's forms: add or remove an
// alias, move, or send the Move again.
func (s *Server) handleMigrationPost(w http.ResponseWriter, r *http.Request) {
	if err := checkCSRF(r); err != nil {
		s.renderError(w, r, err)
		return
	}
	ctx := r.Context()
	var done string
	var err error
	target := strings.TrimSpace(r.PostFormValue("target"))
	switch pathParam(r, "action") {
	case "alias":
		_, err = s.fed.AddAlias(ctx, strings.TrimSpace(r.PostFormValue("alias")))
		done = "alias-added"
	case "unalias":
		_, err = s.fed.RemoveAlias(ctx, r.PostFormValue("alias"))
		done = "alias-removed"
	case "move":
		if target == "" {
			err = federation.ErrBadRequest
			break
		}
		_, err = s.fed.MoveTo(ctx, target)
		done = "moved"
	case "resend":
		_, err = s.fed.ResendMove(ctx)
		done = "resent"
	default:
		err = store.ErrNotFound
	}
	if msg, ok := migrationError(err); ok {
		s.renderMigration(w, r, http.StatusUnprocessableEntity, "", msg, target)
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/settings/migration?done="+done, http.StatusSeeOther)
}

// migrationError words the errors the owner can fix (an unknown account,
// a target that does not list this one yet) for the page.
func migrationError(err error) (string, bool) {
	switch {
	case err == nil:
		return "", false
	case errors.Is(err, federation.ErrForbidden), errors.Is(err, federation.ErrBadRequest), errors.Is(err, federation.ErrNotFound):
		msg := err.Error()
		for _, p := range []string{"forbidden: ", "bad request: ", "not found: "} {
			msg = strings.TrimPrefix(msg, p)
		}
		if msg == "bad request" {
			msg = "Give the account to move to, as @name@example.org or its URL."
		}
		return msg, true
	}
	return "", false
}
