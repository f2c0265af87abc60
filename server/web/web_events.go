package web

import (
	"context"
	"errors"
	"net/http"

	"kith/events"
	"kith/server/core"
	"kith/store"
)

// HandleWebEvents answers GET /home/events: the owner's home stream as
// bare "update" and "notification" events, with heartbeats, until the
// client leaves or the session ends.
func (s *Web) HandleWebEvents(w http.ResponseWriter, r *http.Request) error {
	sub, err := s.Opts.Events.SubscribeAs(events.SessionCredential(core.SessionFrom(r).TokenHash), events.Filter{Stream: events.User})
	if err != nil {
		return core.Refuse(http.StatusServiceUnavailable, "Too many live pages are open.")
	}
	defer sub.Cancel()
	s.PumpSSE(w, r, sub, func() bool { return s.sessionStillValid(r) }, func(e events.Event) string {
		if name := s.webEventName(r.Context(), e); name != "" {
			return "event: " + name + "\ndata: 1\n\n"
		}
		return ""
	})
	return nil
}

// webEventName is the name of the web event for a stream event, or ""
// for none. The owner's own posts and boosts are left out: the owner
// made them, and an inline boost would otherwise announce itself as new.
func (s *Web) webEventName(ctx context.Context, e events.Event) string {
	switch e.Kind {
	case events.Notification:
		return "notification"
	case events.Update:
		p, err := s.DB.PostByID(ctx, e.PostID)
		if err != nil || p.AuthorID == s.DB.OwnerID() {
			return ""
		}
		return "update"
	}
	return ""
}

// sessionStillValid reports whether the request's session still exists;
// a live page stops when the owner signs out or revokes the session
// (revoke.go).
func (s *Web) sessionStillValid(r *http.Request) bool {
	c, err := r.Cookie(s.CookieName("kith_session"))
	if err != nil {
		return false
	}
	_, err = s.DB.SessionByToken(r.Context(), c.Value, s.Opts.Now())
	return !errors.Is(err, store.ErrNotFound) // a failed read keeps the page: the next check decides
}
