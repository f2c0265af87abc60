package server

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"kith/account"
	"kith/store"
)

// Changing the owner's password from the web. A new password signs out
// every other browser and revokes every token that acts as the owner
// (whoever knew the old one is locked out, with whatever they signed in);
// this browser gets a fresh session, so the owner stays signed in.

type passwordPage struct {
	Site  site
	Error string
	// Changed says what the change ended, right after it.
	Changed string
}

// handlePasswordForm shows GET /settings/password; after a change, its
// query counts what was ended (?changed=1&sessions=N&tokens=M).
func (s *Server) handlePasswordForm(w http.ResponseWriter, r *http.Request) {
	view := passwordPage{Site: s.site(r)}
	if q := r.URL.Query(); q.Get("changed") == "1" {
		sessions, _ := strconv.Atoi(q.Get("sessions"))
		tokens, _ := strconv.Atoi(q.Get("tokens"))
		view.Changed = fmt.Sprintf("Your password is changed. Signed out %s and revoked %s; this browser stays signed in.",
			countOf(max(sessions, 0), "other session"), countOf(max(tokens, 0), "app token"))
	}
	s.render(w, r, http.StatusOK, "settings_password", view)
}

// countOf writes "1 app token", "2 app tokens".
func countOf(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// handleChangePassword answers POST /settings/password: the current
// password, the new one and its confirmation.
func (s *Server) handleChangePassword(w http.ResponseWriter, r *http.Request) {
	if err := checkCSRF(r); err != nil {
		s.renderError(w, r, err)
		return
	}
	refuse := func(status int, msg string) {
		s.render(w, r, status, "settings_password", passwordPage{Site: s.site(r), Error: msg})
	}
	// Guessing the current password counts with the login form's.
	if err := s.checkSignInAllowed(r); err != nil {
		s.renderError(w, r, err)
		return
	}
	owner, err := s.db.Owner(r.Context())
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if !account.PasswordMatches(owner.PasswordHash, r.PostFormValue("current_password")) {
		s.logger.Info("password change refused", "ip", clientIP(r))
		refuse(http.StatusUnauthorized, "The current password is not right.")
		return
	}
	s.signInSucceeded(r)
	next := r.PostFormValue("password")
	if next != r.PostFormValue("password_confirmation") {
		refuse(http.StatusUnprocessableEntity, "The new password and its confirmation differ.")
		return
	}
	if err := account.CheckNewPassword(next); err != nil {
		refuse(http.StatusUnprocessableEntity, "The new password is refused: "+strings.TrimPrefix(err.Error(), account.ErrBadPassword.Error()+": ")+".")
		return
	}
	hash, err := account.HashPassword(next)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	token := account.NewToken(32)
	sess := store.Session{CSRFToken: account.NewToken(32), ExpiresAt: s.opts.Now().Add(sessionLifetime),
		UserAgent: truncate(r.UserAgent(), 300), IP: clientIP(r)}
	var revoked store.Revoked
	err = s.db.InTx(r.Context(), func(tx *store.Tx) error {
		// Every session ends, this browser's too: it gets a fresh one,
		// so a copy of its old cookie is worth nothing either.
		if revoked, err = tx.SetOwnerPassword(r.Context(), hash); err != nil {
			return err
		}
		return tx.CreateSession(r.Context(), token, sess)
	})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.closeStreamsOf(revoked)
	others := 0
	for _, h := range revoked.Sessions {
		if !bytes.Equal(h, sessionFrom(r).TokenHash) {
			others++
		}
	}
	s.setCookie(w, "kith_session", token, sessionLifetime)
	s.logger.Info("password changed", "ip", clientIP(r), "sessions_ended", others, "tokens_revoked", len(revoked.Tokens))
	q := url.Values{"changed": {"1"}, "sessions": {strconv.Itoa(others)}, "tokens": {strconv.Itoa(len(revoked.Tokens))}}
	http.Redirect(w, r, "/settings/password?"+q.Encode(), http.StatusSeeOther)
}
