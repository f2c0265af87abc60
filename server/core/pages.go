package core

import (
	"net/http"

	"kith/server/web/static"
)

// Site is what every page's layout needs.
type Site struct {
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
	UnreadConversations int
	FollowRequests      int
}

// unreadCap bounds the unread-notification count a page shows ("40+").
const unreadCap = 40

// Site is what the layout shows on every page: the instance, the
// signed-in owner's counts, the stylesheet.
func (s *Env) Site(r *http.Request) Site {
	v := Site{Domain: s.Config().Domain(), Version: s.Opts.Version, Username: s.Fed.URLs().Username(), Path: r.URL.Path, Stylesheet: s.Theme.Load().URL()}
	if sess := SessionFrom(r); sess != nil {
		v.SignedIn, v.CSRFToken = true, sess.CSRFToken
		var err error
		if v.UnreadNotifications, err = s.DB.UnreadNotifications(r.Context(), unreadCap); err != nil {
			s.Logger.Warn("count unread notifications failed", "err", err)
		}
		if v.UnreadConversations, err = s.DB.UnreadConversations(r.Context()); err != nil {
			s.Logger.Warn("count unread conversations failed", "err", err)
		}
		if v.FollowRequests, err = s.DB.CountFollowRequests(r.Context()); err != nil {
			s.Logger.Warn("count follow requests failed", "err", err)
		}
	}
	return v
}

// StaticFiles serves the embedded static files, long cached.
func (s *Env) StaticFiles() http.Handler {
	files := http.StripPrefix("/static/", http.FileServerFS(static.FS))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}
