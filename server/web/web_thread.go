package web

import (
	"context"
	"net/http"
	"slices"

	"kith/server/core"
	"kith/store"
)

type ThreadPage struct {
	Site     core.Site
	Focus    StatusView
	Statuses []StatusView // with their Role: ancestor, focus or descendant
}

// HandleWebThread shows the thread of the post named by {id}; a boost
// shows the thread of the post it boosts.
func (s *Web) HandleWebThread(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, err := s.ownerPost(ctx, core.PathParam(r, "id"))
	if err != nil {
		return err
	}
	if p.ReblogOfID != 0 {
		http.Redirect(w, r, threadPath(p.ReblogOfID), http.StatusSeeOther)
		return nil
	}
	// Replies kith lacks: a remote post's direct ones now, the whole
	// thread's (the owner's own posts' too) in the background.
	fctx, cancel := context.WithTimeout(ctx, core.ContextFetchTimeout)
	if _, err := s.Fed.FetchReplies(fctx, p.ID); err != nil {
		s.Logger.Debug("fetch replies failed", "post", p.ID, "err", err)
	}
	cancel()
	owner := s.DB.OwnerID()
	ancestors, err := s.DB.Ancestors(ctx, owner, p.ID, core.ContextAncestors)
	if err != nil {
		return err
	}
	descendants, err := s.DB.Descendants(ctx, owner, p.URI, core.ContextDescendants)
	if err != nil {
		return err
	}
	views, err := s.statusViewsFor(r, slices.Concat(ancestors, []store.Post{p}, descendants))
	if err != nil {
		return err
	}
	view := ThreadPage{Site: s.Site(r)}
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
	s.Render(w, r, http.StatusOK, "thread", view)
	return nil
}
