package server

import (
	"context"
	"net/http"
	"slices"

	"kith/store"
)

// The owner's view of a thread, /thread/{id}: the post, the posts above
// it and the replies below, of any post kith has stored, local or remote.
// For a remote post, its replies that kith lacks are fetched first, for a
// short while (missing ancestors are fetched in the background and show
// on the next visit).

type threadPage struct {
	Site     site
	Focus    statusView
	Statuses []statusView // with their Role: ancestor, focus or descendant
}

// handleWebThread shows the thread of the post named by {id}; a boost
// shows the thread of the post it boosts.
func (s *Server) handleWebThread(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, err := s.ownerPost(ctx, pathParam(r, "id"))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if p.ReblogOfID != 0 {
		http.Redirect(w, r, threadPath(p.ReblogOfID), http.StatusSeeOther)
		return
	}
	if !p.Local {
		fctx, cancel := context.WithTimeout(ctx, contextFetchTimeout)
		if _, err := s.fed.FetchReplies(fctx, p.ID); err != nil {
			s.logger.Debug("fetch replies failed", "post", p.ID, "err", err)
		}
		cancel()
	}
	owner := s.fed.LocalActorID()
	ancestors, err := s.db.Ancestors(ctx, owner, p.ID, contextAncestors)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	descendants, err := s.db.Descendants(ctx, owner, p.URI, contextDescendants)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	views, err := s.statusViewsFor(r, slices.Concat(ancestors, []store.Post{p}, descendants))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	view := threadPage{Site: s.site(r)}
	role := "ancestor"
	for i, v := range views {
		switch {
		case v.ID == p.ID:
			role = "focus"
		case role == "focus":
			role = "descendant"
		}
		views[i].Role = role
		if role == "focus" {
			view.Focus = views[i]
		}
	}
	view.Statuses = views
	s.render(w, r, http.StatusOK, "thread", view)
}
