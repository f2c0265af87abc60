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

	// Discovery and ActivityPub: thin handlers over federation.
	r.Get("/.well-known/webfinger", s.handleWebFinger)
	r.Get("/.well-known/host-meta", s.handleHostMeta)
	r.Get("/.well-known/host-meta.json", s.handleHostMeta)
	r.Get("/.well-known/nodeinfo", s.handleNodeInfoLinks)
	r.Get("/nodeinfo/{version}", s.handleNodeInfo)
	r.Post("/inbox", s.handleInbox)
	r.Get("/actor", s.handleInstanceActor)
	r.Post("/actor/inbox", s.handleInbox)
	r.Route("/users/{username}", func(r chi.Router) {
		r.Use(s.ownerOnly)
		r.Get("/", s.handleActor)
		r.Post("/inbox", s.handleInbox)
		r.Get("/outbox", s.handleOutbox)
		r.Get("/followers", s.handleFollowCollection)
		r.Get("/following", s.handleFollowCollection)
		r.Get("/collections/featured", s.handleFeatured)
		r.Get("/statuses/{id}", s.handlePostDocument)
		r.Get("/statuses/{id}/activity", s.handleCreateActivity)
		r.Get("/statuses/{id}/replies", s.handleReplies)
	})

	r.Group(func(r chi.Router) {
		r.Use(s.loadSession)
		r.Get("/", s.handleHome)
		r.Get("/@{username}", s.handleHome)
		r.Get("/@{username}/{id}", s.handlePostPage)
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
