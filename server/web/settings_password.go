package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"kith/account"
	"kith/server/core"
	"kith/store"
)

type PasswordPage struct {
	Site  core.Site
	Error string
	// Changed says what the change ended, right after it.
	Changed string
}

// HandlePasswordForm shows GET /settings/password; after a change, its
// query counts what was ended (?changed=1&sessions=N&tokens=M).
func (s *Web) HandlePasswordForm(w http.ResponseWriter, r *http.Request) {
	view := PasswordPage{Site: s.Site(r)}
	if q := r.URL.Query(); q.Get("changed") == "1" {
		sessions, _ := strconv.Atoi(q.Get("sessions"))
		tokens, _ := strconv.Atoi(q.Get("tokens"))
		view.Changed = fmt.Sprintf("Your password is changed. Signed out %s and revoked %s; this browser stays signed in.",
			countOf(max(sessions, 0), "other session"), countOf(max(tokens, 0), "app token"))
	}
	s.Render(w, r, http.StatusOK, "settings_password", view)
}

// countOf writes "1 app token", "2 app tokens".
func countOf(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// HandleChangePassword answers POST /settings/password: the current
// password, the new one and its confirmation.
func (s *Web) HandleChangePassword(w http.ResponseWriter, r *http.Request) error {
	if err := core.CheckCSRF(r); err != nil {
		return err
	}
	refuse := func(status int, msg string) {
		s.Render(w, r, status, "settings_password", PasswordPage{Site: s.Site(r), Error: msg})
	}
	// Guessing the current password counts with the login form's.
	if err := s.CheckSignInAllowed(r); err != nil {
		return err
	}
	owner, err := s.DB.Owner(r.Context())
	if err != nil {
		return err
	}
	if !account.PasswordMatches(owner.PasswordHash, r.PostFormValue("current_password")) {
		s.Logger.Info("password change refused", "ip", core.ClientIP(r))
		refuse(http.StatusUnauthorized, "The current password is not right.")
		return nil
	}
	s.SignInSucceeded(r)
	next := r.PostFormValue("password")
	if next != r.PostFormValue("password_confirmation") {
		refuse(http.StatusUnprocessableEntity, "The new password and its confirmation differ.")
		return nil
	}
	if err := account.CheckNewPassword(next); err != nil {
		refuse(http.StatusUnprocessableEntity, "The new password is refused: "+strings.TrimPrefix(err.Error(), account.ErrBadPassword.Error()+": ")+".")
		return nil
	}
	hash, err := account.HashPassword(next)
	if err != nil {
		return err
	}
	token := account.NewToken(32)
	sess := store.Session{CSRFToken: account.NewToken(32), ExpiresAt: s.Opts.Now().Add(core.SessionLifetime),
		UserAgent: truncate(r.UserAgent(), 300), IP: core.ClientIP(r)}
	var revoked store.Revoked
	err = s.DB.InTx(r.Context(), func(tx *store.Tx) error {
		// Every session ends, this browser's too: it gets a fresh one,
		// so a copy of its old cookie is worth nothing either.
		if revoked, err = tx.SetOwnerPassword(r.Context(), hash); err != nil {
			return err
		}
		return tx.CreateSession(r.Context(), token, sess)
	})
	if err != nil {
		return err
	}
	s.CloseStreamsOf(revoked)
	others := 0
	for _, h := range revoked.Sessions {
		if !bytes.Equal(h, core.SessionFrom(r).TokenHash) {
			others++
		}
	}
	s.SetCookie(w, "kith_session", token, core.SessionLifetime)
	s.Logger.Info("password changed", "ip", core.ClientIP(r), "sessions_ended", others, "tokens_revoked", len(revoked.Tokens))
	q := url.Values{"changed": {"1"}, "sessions": {strconv.Itoa(others)}, "tokens": {strconv.Itoa(len(revoked.Tokens))}}
	http.Redirect(w, r, "/settings/password?"+q.Encode(), http.StatusSeeOther)
	return nil
}
