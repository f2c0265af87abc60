package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// routes is the one table of every URL kith answers.
func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(s.recoverPanics, s.realIP, s.logRequests, s.securityHeaders, limitBodies)

	r.Get("/healthz", s.handleHealth)
	r.Handle("/static/*", s.staticFiles())

	r.Group(func(r chi.Router) {
		r.Use(s.loadSession)
		r.Get("/", s.handleHome)
		r.Get("/login", s.handleLoginForm)
		r.Post("/login", s.handleLogin)

		r.Group(func(r chi.Router) {
			r.Use(s.requireOwner)
			r.Post("/logout", s.handleLogout)
			r.Get("/settings/sessions", s.handleSessions)
			r.Post("/settings/sessions/revoke", s.handleRevokeSession)
		})
	})

	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, &userError{http.StatusNotFound, "There is nothing here."})
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, &userError{http.StatusMethodNotAllowed, "That page does not accept this kind of request."})
	})
	return r
}
