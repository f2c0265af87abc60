package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"kith/federation"
	"kith/server/core"
	"kith/store"
)

// relationshipsPageSize is how many accounts a management page lists.
const relationshipsPageSize = 40

type FollowPage struct {
	Site  core.Site
	Acct  string
	Error string
}

// HandleFollowForm shows GET /follow (?acct= fills the field in).
func (s *Web) HandleFollowForm(w http.ResponseWriter, r *http.Request) {
	s.Render(w, r, http.StatusOK, "follow", FollowPage{Site: s.Site(r), Acct: r.URL.Query().Get("acct")})
}

// HandleFollowByHandle answers POST /follow: it finds the account (asking
// its server when kith does not know it), follows it and shows it.
func (s *Web) HandleFollowByHandle(w http.ResponseWriter, r *http.Request) error {
	if err := core.CheckCSRF(r); err != nil {
		return err
	}
	acct := strings.TrimSpace(r.PostFormValue("acct"))
	refuse := func(status int, msg string) {
		s.Render(w, r, status, "follow", FollowPage{Site: s.Site(r), Acct: acct, Error: msg})
	}
	if !core.LooksResolvable(acct) {
		refuse(http.StatusUnprocessableEntity, "Type a handle such as @name@example.com, or the address of a profile.")
		return nil
	}
	ctx, cancel := context.WithTimeout(r.Context(), webActionTimeout)
	defer cancel()
	a, err := s.Fed.Resolve(ctx, acct)
	if err != nil {
		s.Logger.Info("follow lookup failed", "acct", acct, "err", err)
		refuse(http.StatusUnprocessableEntity, lookupMessage(acct, err))
		return nil
	}
	if a.Local {
		refuse(http.StatusUnprocessableEntity, "That is your own account.")
		return nil
	}
	if err := s.Follow(ctx, a, core.APIParams{Values: url.Values{}}); err != nil {
		status, msg := core.StatusOf(webFederationError(err))
		if status >= 500 {
			return err
		}
		refuse(status, msg)
		return nil
	}
	http.Redirect(w, r, fmt.Sprintf("/accounts/%d", a.ID), http.StatusSeeOther)
	return nil
}

// lookupMessage says why acct could not be found: its server's answer
// (or silence) in the owner's words, which name no address or Go error.
func lookupMessage(acct string, err error) string {
	var le *federation.LookupError
	switch {
	case errors.As(err, &le):
		return "Could not find " + acct + ": " + le.Explain()
	case errors.Is(err, federation.ErrForbidden):
		_, msg := core.StatusOf(err)
		return msg
	}
	return "No account was found at " + acct + "."
}

type RelationshipsPage struct {
	Site     core.Site
	Type     string        // following, followers or requests
	Accounts []AccountView // with the owner's relationship to each
	Pages    core.Pagination
}

// HandleRelationshipsPage shows GET /relationships?type=following|followers.
func (s *Web) HandleRelationshipsPage(w http.ResponseWriter, r *http.Request) error {
	which := r.URL.Query().Get("type")
	if which != "followers" {
		which = "following"
	}
	return s.renderRelationships(w, r, which)
}

// HandleFollowRequestsPage shows GET /follow_requests.
func (s *Web) HandleFollowRequestsPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderRelationships(w, r, "requests")
}

// renderRelationships lists one page of accounts, paged by actor id
// (?max_id=), each with the owner's relationship to it.
func (s *Web) renderRelationships(w http.ResponseWriter, r *http.Request, which string) error {
	ctx := r.Context()
	maxID, _ := strconv.ParseInt(r.URL.Query().Get("max_id"), 10, 64)
	pg := store.Page{MaxID: maxID, Limit: relationshipsPageSize}
	local := s.DB.OwnerID()
	var actors []store.Actor
	var err error
	switch which {
	case "followers":
		actors, err = s.DB.FollowersPage(ctx, local, pg)
	case "requests":
		actors, err = s.DB.FollowRequests(ctx, pg)
	default:
		actors, err = s.DB.FollowingPage(ctx, local, pg)
	}
	if err != nil {
		return err
	}
	view := RelationshipsPage{Site: s.Site(r), Type: which}
	if view.Accounts, err = s.accountViewsWithRelationships(r, actors); err != nil {
		return err
	}
	if len(actors) > 0 {
		view.Pages.Next = core.OlderPage(r, actors[len(actors)-1].ID, len(actors) == relationshipsPageSize)
	}
	page := "relationships"
	if which == "requests" {
		page = "follow_requests"
	}
	s.Render(w, r, http.StatusOK, page, view)
	return nil
}

// accountViewsWithRelationships builds account views with the owner's
// relationship to each and the "account" partial's buttons, which come
// back to the page r.
func (s *Web) accountViewsWithRelationships(r *http.Request, actors []store.Actor) ([]AccountView, error) {
	ctx := r.Context()
	ids := make([]int64, len(actors))
	for i, a := range actors {
		ids[i] = a.ID
	}
	rels, err := s.DB.Relationships(ctx, ids)
	if err != nil {
		return nil, err
	}
	views, err := s.accountViews(ctx, actors)
	for i := range views {
		views[i].Relationship, views[i].ShowActions, views[i].ReturnTo = rels[views[i].ID], true, r.URL.RequestURI()
	}
	return views, err
}
