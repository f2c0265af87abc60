package server

import (
	"context"
	"errors"
	"net/http"

	"kith/events"
	"kith/store"
)

// Live updates for the owner's web pages. The Mastodon streaming API
// wants an OAuth token, which a signed-in browser does not have, so the
// web pages get their own server-sent-events URL, authorized by the
// session cookie. It tells the page only that something new arrived
// ("update": a post joined home; "notification"), never what: the page
// offers to reload, and the reload shows it. static/kith.js listens.

// handleWebEvents answers GET /home/events: the owner's home stream as
// bare "update" and "notification" events, with heartbeats, until the
// client leaves or the session ends.
func (s *Server) handleWebEvents(w http.ResponseWriter, r *http.Request) {
	sub, err := s.opts.Events.SubscribeAs(events.SessionCredential(sessionFrom(r).TokenHash), events.Filter{Stream: events.User})
	if err != nil {
		s.renderError(w, r, &userError{http.StatusServiceUnavailable, "Too many live pages are open."})
		return
	}
	defer sub.Cancel()
	s.pumpSSE(w, r, sub, func() bool { return s.sessionStillValid(r) }, func(e events.Event) string {
		if name := s.webEventName(r.Context(), e); name != "" {
			return "event: " + name + "\ndata: 1\n\n"
		}
		return ""
	})
}

// webEventName is the name of the web event for a stream event, or ""
// for none. The owner's own posts and boosts are left out: the owner
// made them, and an inline boost would otherwise announce itself as new.
func (s *Server) webEventName(ctx context.Context, e events.Event) string {
	switch e.Kind {
	case events.Notification:
		return "notification"
	case events.Update:
		p, err := s.db.PostByID(ctx, e.PostID)
		if err != nil || p.AuthorID == s.fed.LocalActorID() {
			return ""
		}
		return "update"
	}
	return ""
}

// sessionStillValid reports whether the request's session still exists;
// a live page stops when the owner signs out or revokes the session
// (revoke.go).
func (s *Server) sessionStillValid(r *http.Request) bool {
	c, err := r.Cookie(s.cookieName("kith_session"))
	if err != nil {
		return false
	}
	_, err = s.db.SessionByToken(r.Context(), c.Value, s.opts.Now())
	return !errors.Is(err, store.ErrNotFound) // a failed read keeps the page: the next check decides
}
