package server

import (
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"strconv"

	"kith/static"
	"kith/store"
)

// site is what every page's layout needs.
type site struct {
	Domain    string
	Version   string
	Username  string // the owner's username, for the Profile link
	Path      string // the page's path, to mark the current nav link
	SignedIn  bool
	CSRFToken string
	// Counts shown as badges in the owner's nav; zero for visitors.
	UnreadNotifications int
	FollowRequests      int
}

// unreadCap bounds the unread-notification count a page shows ("40+").
const unreadCap = 40

func (s *Server) site(r *http.Request) site {
	v := site{Domain: s.config().Domain(), Version: s.opts.Version, Username: s.fed.URLs().Username(), Path: r.URL.Path}
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

// handleHealth answers 200 when the database answers, for load balancers
// and service managers.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	status, state := http.StatusOK, "ok"
	if err := s.db.Ping(r.Context()); err != nil {
		s.logger.Error("health check failed", "err", err)
		status, state = http.StatusServiceUnavailable, "database unavailable"
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"status": state, "version": s.opts.Version})
}

func (s *Server) staticFiles() http.Handler {
	files := http.StripPrefix("/static/", http.FileServerFS(static.FS))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}

type homePage struct {
	Site        site
	Username    string
	DisplayName string
}

// handleHome shows who this server belongs to. The full profile page comes
// with the web UI.
func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	o, err := s.db.Owner(r.Context())
	if errors.Is(err, store.ErrNotFound) {
		s.renderError(w, r, &userError{http.StatusServiceUnavailable, "This server has no owner account yet. Run 'kith init' or restart 'kith serve'."})
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "home", homePage{Site: s.site(r), Username: o.Username, DisplayName: o.DisplayName})
}

type postPage struct {
	Site   site
	Post   store.Post
	Author store.Actor
}

// handlePostPage shows one public post. The full thread view comes with
// the web UI.
func (s *Server) handlePostPage(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(pathParam(r, "id"), 10, 64)
	if err != nil {
		s.renderError(w, r, store.ErrNotFound)
		return
	}
	p, err := s.db.PostByID(r.Context(), id)
	if err == nil && (!p.Local || p.ReblogOfID != 0 || (p.Visibility != store.Public && p.Visibility != store.Unlisted)) {
		err = store.ErrNotFound // followers-only and direct posts are never shown to visitors
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	author, err := s.db.ActorByID(r.Context(), p.AuthorID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "post", postPage{Site: s.site(r), Post: p, Author: author})
}

// Content is the post's HTML, sanitized when it was stored.
func (p postPage) Content() template.HTML { return template.HTML(p.Post.Content) }
