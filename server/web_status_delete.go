package server

import (
	"net/http"
	"strconv"

	"kith/store"
)

// A post's Delete leads to GET /statuses/{id}/delete, which asks "Delete
// this post?" with the post and a button that posts to the same URL
// (handleWebStatusAction does the deleting). With kith.js the question is
// a confirm() dialog on the post's own page instead; without JavaScript
// nothing is deleted by one stray click either way.

// deletePage is the confirmation page's view.
type deletePage struct {
	Site   site
	Status statusView // shown without its buttons
	// ReturnTo is where the form comes back to after deleting and where
	// Cancel leads: the page the Delete link was on.
	ReturnTo string
}

// handleDeleteConfirm shows the question for one of the owner's posts (a
// boost stands for the post it boosts, as for the other buttons).
func (s *Server) handleDeleteConfirm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, err := s.ownerPost(ctx, pathParam(r, "id"))
	if err == nil && p.ReblogOfID != 0 {
		p, err = s.ownerPost(ctx, strconv.FormatInt(p.ReblogOfID, 10))
	}
	if err == nil && !p.Local {
		err = store.ErrNotFound // only the owner's own posts can be deleted
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	views, err := s.statusViewsFor(r, []store.Post{p})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	view := deletePage{Site: s.site(r), Status: views[0], ReturnTo: threadPath(p.ID)}
	view.Status.Preview = true
	if to := r.URL.Query().Get("return_to"); to != "" && safeNext(to) == to {
		view.ReturnTo = to
	}
	s.render(w, r, http.StatusOK, "delete_status", view)
}
