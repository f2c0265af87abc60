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

	// OAuth: app registration, the consent page, tokens (oauth.go), and
	// the owner's own applications (settings_apps.go). The API checks
	// tokens with apiAuth and requireScope.
	r.Group(func(r chi.Router) {
		r.Use(oauthCORS)
		r.Get("/.well-known/oauth-authorization-server", s.handleOAuthMetadata)
		r.Post("/api/v1/apps", s.handleCreateApp(newRateLimiter(appsBurst, appsRefill, s.opts.Now)))
		r.With(s.apiAuth, s.requireToken()).Get("/api/v1/apps/verify_credentials", s.handleVerifyApp)
		r.Post("/oauth/token", s.handleToken(newRateLimiter(passwordBurst, passwordRefill, s.opts.Now)))
		r.Post("/oauth/revoke", s.handleRevoke)
		for _, path := range []string{"/api/v1/apps", "/api/v1/apps/verify_credentials", "/oauth/token", "/oauth/revoke"} {
			r.Options(path, http.NotFound) // oauthCORS answers preflights
		}
	})
	r.Group(func(r chi.Router) {
		r.Use(s.loadSession, s.requireOwner)
		r.Get("/oauth/authorize", s.handleAuthorize)
		r.Post("/oauth/authorize", s.handleAuthorizeDecision)
		r.Get("/settings/applications", s.handleApps)
		r.Post("/settings/applications", s.handleCreateOwnApp)
		r.Post("/settings/applications/revoke", s.handleRevokeApp)
	})

	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, &userError{http.StatusNotFound, "There is nothing here."})
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, &userError{http.StatusMethodNotAllowed, "That page does not accept this kind of request."})
	})
	return r
}
