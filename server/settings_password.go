package server

import (
	"net/http"
	"strings"

	"kith/account"
	"kith/store"
)

// Changing the owner's password from the web. A new password signs out
// every other browser (whoever knew the old one is locked out); this
// browser gets a fresh session, so the owner stays signed in.

type passwordPage struct {
	Site    site
	Error   string
	Changed bool
}

// handlePasswordForm shows GET /settings/password.
func (s *Server) handlePasswordForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "settings_password", passwordPage{Site: s.site(r), Changed: r.URL.Query().Get("changed") == "1"})
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
	err = s.db.InTx(r.Context(), func(tx *store.Tx) error {
		if err := tx.SetOwnerPassword(r.Context(), hash); err != nil { // ends every session
			return err
		}
		return tx.CreateSession(r.Context(), token, sess)
	})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.setCookie(w, "kith_session", token, sessionLifetime)
	s.logger.Info("password changed", "ip", clientIP(r))
	http.Redirect(w, r, "/settings/password?changed=1", http.StatusSeeOther)
}
