package server

import (
	"net/http"

	"kith/static"
)

// site is what every page's layout needs.
type site struct {
	Domain    string
	Version   string
	Username  string // the owner's username, for the Profile link
	Path      string // the page's path, to mark the current nav link
	SignedIn  bool
	CSRFToken string
	// Stylesheet is the URL of the compiled theme, fingerprinted.
	Stylesheet string
	// Counts shown as badges in the owner's nav; zero for visitors.
	UnreadNotifications int
	FollowRequests      int
}

// unreadCap bounds the unread-notification count a page shows ("40+").
const unreadCap = 40

func (s *Server) site(r *http.Request) site {
	v := site{Domain: s.config().Domain(), Version: s.opts.Version, Username: s.fed.URLs().Username(), Path: r.URL.Path, Stylesheet: s.theme.Load().url()}
	if sess := sessionFrom(r); sess != nil {
		v.SignedIn, v.CSRFToken = true, sess.CSRFToken
		var err error
		if v.UnreadNotifications, err = s.db.UnreadNotifications(r.Context(), unreadCap); err != nil {
			s.logger.Warn("count unread notifications failed", "err", err)
		}
		if v.FollowRequests, err = s.db.CountFollowRequests(r.Context(), s.fed.LocalActorID()); err != nil {
			s.logger.Warn("count follow requests failed", "err", err)
		}
	}
	return v
}

func (s *Server) staticFiles() http.Handler {
	files := http.StripPrefix("/static/", http.FileServerFS(static.FS))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}
