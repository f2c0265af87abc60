package web

import (
	"net/http"
	"strconv"

	"kith/server/core"
	"kith/store"
)

// DeletePage is the confirmation page's view.
type DeletePage struct {
	Site   core.Site
	Status StatusView // shown without its buttons
	// ReturnTo is where the form comes back to after deleting and where
	// Cancel leads: the page the Delete link was on.
	ReturnTo string
}

// HandleDeleteConfirm shows the question for one of the owner's posts (a
// boost stands for the post it boosts, as for the other buttons).
func (s *Web) HandleDeleteConfirm(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, err := s.ownerPost(ctx, core.PathParam(r, "id"))
	if err == nil && p.ReblogOfID != 0 {
		p, err = s.ownerPost(ctx, strconv.FormatInt(p.ReblogOfID, 10))
	}
	if err == nil && !p.Local {
		err = store.ErrNotFound // only the owner's own posts can be deleted
	}
	if err != nil {
		return err
	}
	views, err := s.statusViewsFor(r, []store.Post{p})
	if err != nil {
		return err
	}
	view := DeletePage{Site: s.Site(r), Status: views[0], ReturnTo: threadPath(p.ID)}
	view.Status.Preview = true
	if to := r.URL.Query().Get("return_to"); to != "" && SafeNext(to) == to {
		view.ReturnTo = to
	}
	s.Render(w, r, http.StatusOK, "delete_status", view)
	return nil
}
