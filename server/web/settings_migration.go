package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"kith/federation"
	"kith/server/core"
	"kith/store"
)

// MigrationPage is Settings → Account migration: the aliases that let
// another account move here, and moving this one away.
type MigrationPage struct {
	Site    core.Site
	Aliases []string // actor URLs
	MovedTo *MovedTo // nil unless the account moved
	Self    string   // this account's actor URL, to list on the new account
	Target  string   // what was typed in the move form, kept after an error
	Notice  string
	Error   string
}

// MovedTo is where the owner's account moved, for the settings page and
// the profile banner.
type MovedTo struct {
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

// HandleMigration shows the migration settings.
func (s *Web) HandleMigration(w http.ResponseWriter, r *http.Request) error {
	return s.renderMigration(w, r, http.StatusOK, migrationNotices[r.URL.Query().Get("done")], "", "")
}

func (s *Web) renderMigration(w http.ResponseWriter, r *http.Request, status int, notice, errMsg, target string) error {
	me, err := s.DB.LocalActor(r.Context())
	if err != nil {
		return err
	}
	view := MigrationPage{Site: s.Site(r), Aliases: me.AlsoKnownAs, Self: me.URI, Target: target, Notice: notice, Error: errMsg}
	view.MovedTo = s.movedTo(r, me)
	s.Render(w, r, status, "settings_migration", view)
	return nil
}

// movedTo describes where the owner moved, or nil.
func (s *Web) movedTo(r *http.Request, me store.Actor) *MovedTo {
	if me.MovedTo == "" {
		return nil
	}
	m := &MovedTo{URL: me.MovedTo}
	if a, err := s.DB.ActorByURI(r.Context(), me.MovedTo); err == nil {
		m.Handle = a.Handle()
		if strings.HasPrefix(a.URL, "https://") || strings.HasPrefix(a.URL, "http://") {
			m.URL = a.URL
		}
	}
	return m
}

// HandleMigrationPost applies one of the page's forms: add or remove an
// alias, move, or send the Move again.
func (s *Web) HandleMigrationPost(w http.ResponseWriter, r *http.Request) error {
	if err := core.CheckCSRF(r); err != nil {
		return err
	}
	ctx := r.Context()
	var done string
	var err error
	target := strings.TrimSpace(r.PostFormValue("target"))
	switch core.PathParam(r, "action") {
	case "alias":
		_, err = s.Fed.AddAlias(ctx, strings.TrimSpace(r.PostFormValue("alias")))
		done = "alias-added"
	case "unalias":
		_, err = s.Fed.RemoveAlias(ctx, r.PostFormValue("alias"))
		done = "alias-removed"
	case "move":
		if target == "" {
			err = errNoTarget
			break
		}
		_, err = s.Fed.MoveTo(ctx, target)
		done = "moved"
	case "resend":
		_, err = s.Fed.ResendMove(ctx)
		done = "resent"
	default:
		err = store.ErrNotFound
	}
	if msg, ok := migrationError(err); ok {
		return s.renderMigration(w, r, http.StatusUnprocessableEntity, "", msg, target)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/settings/migration?done="+done, http.StatusSeeOther)
	return nil
}

// errNoTarget is a move with no account to move to.
var errNoTarget = fmt.Errorf("%w: no account to move to", federation.ErrInvalid)

// migrationError words the errors the owner can fix (an unknown account,
// a target that does not list this one yet) for the page.
func migrationError(err error) (string, bool) {
	switch {
	case err == nil:
		return "", false
	case errors.Is(err, federation.ErrForbidden), errors.Is(err, federation.ErrBadRequest), errors.Is(err, federation.ErrInvalid), errors.Is(err, federation.ErrNotFound):
		msg := federation.Reason(err)
		if errors.Is(err, errNoTarget) {
			msg = "Give the account to move to, as @name@example.org or its URL."
		}
		return msg, true
	}
	return "", false
}
