package web

import (
	"net/http"
	"strings"
	"time"

	"kith/account"
	"kith/server/core"
	"kith/store"
)

type LoginPage struct {
	Site      core.Site
	CSRFToken string
	Next      string
	Username  string
	Error     string
	Passkeys  bool // a passkey can sign in alone (login_2fa.go)
}

// HandleLoginForm shows the login form. Before sign-in there is no session
// to hold a CSRF token, so the form's token is also set as a cookie and the
// two must match (double submit).
func (s *Web) HandleLoginForm(w http.ResponseWriter, r *http.Request) {
	if core.SessionFrom(r) != nil {
		http.Redirect(w, r, SafeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	view := LoginPage{Site: s.Site(r), Next: SafeNext(r.URL.Query().Get("next"))}
	if r.URL.Query().Get("expired") != "" {
		view.Error = "Your session has expired. Sign in again."
	}
	s.renderLogin(w, r, http.StatusOK, view)
}

func (s *Web) renderLogin(w http.ResponseWriter, r *http.Request, status int, view LoginPage) {
	view.CSRFToken = account.NewToken(32)
	view.Passkeys = s.passkeysSignIn(r.Context())
	s.SetCookie(w, "kith_login_csrf", view.CSRFToken, time.Hour)
	s.Render(w, r, status, "login", view)
}

// HandleLogin checks the owner's password (and sends them on to the second
// step when two-factor sign-in is on) and starts a session.
func (s *Web) HandleLogin(w http.ResponseWriter, r *http.Request) error {
	c, err := r.Cookie(s.CookieName("kith_login_csrf"))
	if err != nil || !core.TokensEqual(r.PostFormValue("csrf_token"), c.Value) {
		return core.ErrBadCSRF
	}
	if err := s.CheckSignInAllowed(r); err != nil {
		return err
	}
	username := strings.TrimPrefix(strings.TrimSpace(r.PostFormValue("username")), "@")
	ok, err := account.Login(r.Context(), s.DB, username, r.PostFormValue("password"))
	if err != nil {
		return err
	}
	if ok {
		s.SignInSucceeded(r)
	}
	next := SafeNext(r.PostFormValue("next"))
	if !ok {
		s.Logger.Info("login failed", "ip", core.ClientIP(r))
		s.renderLogin(w, r, http.StatusUnauthorized, LoginPage{Site: s.Site(r), Next: next, Username: username,
			Error: "That username and password do not match."})
		return nil
	}
	if s.askSecondFactor(w, r, next) { // login_2fa.go
		return nil
	}
	token := account.NewToken(32)
	sess := store.Session{
		CSRFToken: account.NewToken(32),
		ExpiresAt: s.Opts.Now().Add(core.SessionLifetime),
		UserAgent: truncate(r.UserAgent(), 300),
		IP:        core.ClientIP(r),
	}
	if err := s.DB.InTx(r.Context(), func(tx *store.Tx) error { return tx.CreateSession(r.Context(), token, sess) }); err != nil {
		return err
	}
	s.ClearCookie(w, "kith_login_csrf")
	s.SetCookie(w, "kith_session", token, core.SessionLifetime)
	s.RememberBrowser(w, r)
	s.Logger.Info("login", "ip", core.ClientIP(r))
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// HandleLogout ends the session it is sent from.
func (s *Web) HandleLogout(w http.ResponseWriter, r *http.Request) error {
	if err := core.CheckCSRF(r); err != nil {
		return err
	}
	sess := core.SessionFrom(r)
	if err := s.DB.InTx(r.Context(), func(tx *store.Tx) error { return tx.DeleteSession(r.Context(), sess.TokenHash) }); err != nil {
		return err
	}
	s.CloseStreamsOf(store.Revoked{Sessions: [][]byte{sess.TokenHash}})
	s.ClearCookie(w, "kith_session")
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
