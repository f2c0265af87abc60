package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"kith/server/core"
	"kith/store"
)

// Sessions: the owner's signed-in browser, found by its cookie, and the
// gate in front of the owner's pages.

// loadSession puts the signed-in session, if any, in the request context.
func (s *Server) loadSession(next http.Handler) http.Handler {
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

// requireOwner lets only the signed-in owner through. Others are sent to
// the login page (GET) or refused (anything else).
func (s *Server) requireOwner(next http.Handler) http.Handler {
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
