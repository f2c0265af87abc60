package server

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"kith/account"
	"kith/store"
)

const (
	// sessionLifetime is how long a session lives without use; each use
	// slides it forward.
	sessionLifetime = 30 * 24 * time.Hour
	// touchEvery limits session writes to one per this interval.
	touchEvery = time.Hour
)

const sessionKey ctxKey = 100

// cookieName prefixes cookies with __Host- on https, which makes browsers
// insist on Secure, Path=/ and no Domain.
func (s *Server) cookieName(base string) string {
	if s.config().BaseURL().Scheme == "https" {
		return "__Host-" + base
	}
	return base
}

func (s *Server) setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name:     s.cookieName(name),
		Value:    value,
		Path:     "/",
		MaxAge:   int(maxAge.Seconds()),
		HttpOnly: true,
		Secure:   s.config().BaseURL().Scheme == "https",
		SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) clearCookie(w http.ResponseWriter, name string) {
	s.setCookie(w, name, "", -time.Second)
}

// loadSession puts the signed-in session, if any, in the request context.
func (s *Server) loadSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(s.cookieName("kith_session"))
		if err != nil || c.Value == "" {
			next.ServeHTTP(w, r)
			return
		}
		now := s.opts.Now()
		sess, err := s.db.SessionByToken(r.Context(), c.Value, now)
		if errors.Is(err, store.ErrNotFound) {
			s.clearCookie(w, "kith_session")
			r = r.WithContext(context.WithValue(r.Context(), sessionKey, expiredSession))
			next.ServeHTTP(w, r)
			return
		}
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		if now.Sub(sess.SeenAt) > touchEvery {
			err := s.db.InTx(r.Context(), func(tx *store.Tx) error {
				return tx.TouchSession(r.Context(), sess.TokenHash, now.Add(sessionLifetime))
			})
			if err != nil {
				s.logger.Warn("touch session failed", "err", err)
			} else {
				// The cookie slides with the session: with the Max-Age
				// of the login, the browser would drop it a lifetime
				// after signing in however often the owner came back.
				s.setCookie(w, "kith_session", c.Value, sessionLifetime)
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessionKey, &sess)))
	})
}

// expiredSession marks a request that carried a session cookie that is no
// longer valid, so the login page can say why it is shown.
var expiredSession = &store.Session{}

func sessionFrom(r *http.Request) *store.Session {
	sess, _ := r.Context().Value(sessionKey).(*store.Session)
	if sess == expiredSession {
		return nil
	}
	return sess
}

// requireOwner lets only the signed-in owner through. Others are sent to
// the login page (GET) or refused (anything else).
func (s *Server) requireOwner(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if sessionFrom(r) != nil {
			next.ServeHTTP(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			s.renderError(w, r, &userError{http.StatusForbidden, "You are not signed in (or your session has expired). Sign in and try again."})
			return
		}
		q := url.Values{"next": {r.URL.RequestURI()}}
		if r.Context().Value(sessionKey) == expiredSession {
			q.Set("expired", "1")
		}
		http.Redirect(w, r, "/login?"+q.Encode(), http.StatusSeeOther)
	})
}

// checkCSRF verifies the token of a form posted by the signed-in owner.
func checkCSRF(r *http.Request) error {
	sess := sessionFrom(r)
	if sess == nil {
		return errForbidden
	}
	if !tokensEqual(r.PostFormValue("csrf_token"), sess.CSRFToken) {
		return errBadCSRF
	}
	return nil
}

func tokensEqual(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

type loginPage struct {
	Site      site
	CSRFToken string
	Next      string
	Username  string
	Error     string
	Passkeys  bool // a passkey can sign in alone (login_2fa.go)
}

// handleLoginForm shows the login form. Before sign-in there is no session
// to hold a CSRF token, so the form's token is also set as a cookie and the
// two must match (double submit).
func (s *Server) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	if sessionFrom(r) != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	view := loginPage{Site: s.site(r), Next: safeNext(r.URL.Query().Get("next"))}
	if r.URL.Query().Get("expired") != "" {
		view.Error = "Your session has expired. Sign in again."
	}
	s.renderLogin(w, r, http.StatusOK, view)
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, view loginPage) {
	view.CSRFToken = account.NewToken(32)
	view.Passkeys = s.passkeysSignIn(r.Context())
	s.setCookie(w, "kith_login_csrf", view.CSRFToken, time.Hour)
	s.render(w, r, status, "login", view)
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(s.cookieName("kith_login_csrf"))
	if err != nil || !tokensEqual(r.PostFormValue("csrf_token"), c.Value) {
		s.renderError(w, r, errBadCSRF)
		return
	}
	if err := s.checkSignInAllowed(r); err != nil {
		s.renderError(w, r, err)
		return
	}
	username := strings.TrimPrefix(strings.TrimSpace(r.PostFormValue("username")), "@")
	ok, err := account.Login(r.Context(), s.db, username, r.PostFormValue("password"))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if ok {
		s.signInSucceeded(r)
	}
	next := safeNext(r.PostFormValue("next"))
	if !ok {
		s.logger.Info("login failed", "ip", clientIP(r))
		s.renderLogin(w, r, http.StatusUnauthorized, loginPage{Site: s.site(r), Next: next, Username: username,
			Error: "That username and password do not match."})
		return
	}
	if s.askSecondFactor(w, r, next) { // login_2fa.go
		return
	}
	token := account.NewToken(32)
	sess := store.Session{
		CSRFToken: account.NewToken(32),
		ExpiresAt: s.opts.Now().Add(sessionLifetime),
		UserAgent: truncate(r.UserAgent(), 300),
		IP:        clientIP(r),
	}
	if err := s.db.InTx(r.Context(), func(tx *store.Tx) error { return tx.CreateSession(r.Context(), token, sess) }); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.clearCookie(w, "kith_login_csrf")
	s.setCookie(w, "kith_session", token, sessionLifetime)
	s.rememberBrowser(w, r)
	s.logger.Info("login", "ip", clientIP(r))
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if err := checkCSRF(r); err != nil {
		s.renderError(w, r, err)
		return
	}
	sess := sessionFrom(r)
	if err := s.db.InTx(r.Context(), func(tx *store.Tx) error { return tx.DeleteSession(r.Context(), sess.TokenHash) }); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.closeStreamsOf(store.Revoked{Sessions: [][]byte{sess.TokenHash}})
	s.clearCookie(w, "kith_session")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
