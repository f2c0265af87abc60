package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"kith/account"
	"kith/server/core"
	"kith/store"
)

// LoadSession puts the signed-in session, if any, in the request context.
func (s *Web) LoadSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(s.CookieName("kith_session"))
		if err != nil || c.Value == "" {
			next.ServeHTTP(w, r)
			return
		}
		now := s.Opts.Now()
		sess, err := s.DB.SessionByToken(r.Context(), c.Value, now)
		if errors.Is(err, store.ErrNotFound) {
			s.ClearCookie(w, "kith_session")
			r = r.WithContext(context.WithValue(r.Context(), core.SessionKey, core.ExpiredSession))
			next.ServeHTTP(w, r)
			return
		}
		if err != nil {
			s.RenderError(w, r, err)
			return
		}
		if now.Sub(sess.SeenAt) > core.TouchEvery {
			err := s.DB.InTx(r.Context(), func(tx *store.Tx) error {
				return tx.TouchSession(r.Context(), sess.TokenHash, now.Add(core.SessionLifetime))
			})
			if err != nil {
				s.Logger.Warn("touch session failed", "err", err)
			} else {
				// The cookie slides with the session: with the Max-Age
				// of the login, the browser would drop it a lifetime
				// after signing in however often the owner came back.
				s.SetCookie(w, "kith_session", c.Value, core.SessionLifetime)
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), core.SessionKey, &sess)))
	})
}

// RequireOwner lets only the signed-in owner through. Others are sent to
// the login page (GET) or refused (anything else).
func (s *Web) RequireOwner(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if core.SessionFrom(r) != nil {
			next.ServeHTTP(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			s.RenderError(w, r, core.Refuse(http.StatusForbidden, "You are not signed in (or your session has expired). Sign in and try again."))
			return
		}
		q := url.Values{"next": {r.URL.RequestURI()}}
		if r.Context().Value(core.SessionKey) == core.ExpiredSession {
			q.Set("expired", "1")
		}
		http.Redirect(w, r, "/login?"+q.Encode(), http.StatusSeeOther)
	})
}

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
