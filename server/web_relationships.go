package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"kith/federation"
	"kith/store"
)

// The owner's follows: follow anyone by handle or URL, answer follow
// requests, and manage following and followers with an unfollow or remove
// button on every row.

// relationshipsPageSize is how many accounts a management page lists.
const relationshipsPageSize = 40

type followPage struct {
	Site  site
	Acct  string
	Error string
}

// handleFollowForm shows GET /follow (?acct= fills the field in).
func (s *Server) handleFollowForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "follow", followPage{Site: s.site(r), Acct: r.URL.Query().Get("acct")})
}

// handleFollowByHandle answers POST /follow: it finds the account (asking
// its server when kith does not know it), follows it and shows it.
func (s *Server) handleFollowByHandle(w http.ResponseWriter, r *http.Request) {
	if err := checkCSRF(r); err != nil {
		s.renderError(w, r, err)
		return
	}
	acct := strings.TrimSpace(r.PostFormValue("acct"))
	refuse := func(status int, msg string) {
		s.render(w, r, status, "follow", followPage{Site: s.site(r), Acct: acct, Error: msg})
	}
	if !looksResolvable(acct) {
		refuse(http.StatusUnprocessableEntity, "Type a handle such as @name@example.com, or the address of a profile.")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), webActionTimeout)
	defer cancel()
	a, err := s.fed.Resolve(ctx, acct)
	if err != nil {
		s.logger.Info("follow lookup failed", "acct", acct, "err", err)
		refuse(http.StatusUnprocessableEntity, lookupMessage(acct, err))
		return
	}
	if a.Local {
		refuse(http.StatusUnprocessableEntity, "That is your own account.")
		return
	}
	if err := s.follow(ctx, a, apiParams{values: url.Values{}}); err != nil {
		status, msg := errorStatus(webFederationError(err))
		if status >= 500 {
			s.renderError(w, r, err)
			return
		}
		refuse(status, msg)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/accounts/%d", a.ID), http.StatusSeeOther)
}

// lookupMessage says why acct could not be found: its server's answer
// (or silence) in the owner's words, which name no address or Go error.
func lookupMessage(acct string, err error) string {
	var le *federation.LookupError
	switch {
	case errors.As(err, &le):
		return "Could not find " + acct + ": " + le.Explain()
	case errors.Is(err, federation.ErrForbidden):
		_, msg := errorStatus(err)
		return msg
	}
	return "No account was found at " + acct + "."
}

type relationshipsPage struct {
	Site     site
	Type     string        // following, followers or requests
	Accounts []accountView // with the owner's relationship to each
	Pages    pagination
}

// handleRelationshipsPage shows GET /relationships?type=following|followers.
func (s *Server) handleRelationshipsPage(w http.ResponseWriter, r *http.Request) {
	which := r.URL.Query().Get("type")
	if which != "followers" {
		which = "following"
	}
	s.renderRelationships(w, r, which)
}

// handleFollowRequestsPage shows GET /follow_requests.
func (s *Server) handleFollowRequestsPage(w http.ResponseWriter, r *http.Request) {
	s.renderRelationships(w, r, "requests")
}

// renderRelationships lists one page of accounts, paged by actor id
// (?max_id=), each with the owner's relationship to it.
func (s *Server) renderRelationships(w http.ResponseWriter, r *http.Request, which string) {
	ctx := r.Context()
	maxID, _ := strconv.ParseInt(r.URL.Query().Get("max_id"), 10, 64)
	pg := store.Page{MaxID: maxID, Limit: relationshipsPageSize}
	local := s.fed.LocalActorID()
	var actors []store.Actor
	var err error
	switch which {
	case "followers":
		actors, err = s.db.FollowersPage(ctx, local, pg)
	case "requests":
		actors, err = s.db.FollowRequests(ctx, local, pg)
	default:
		actors, err = s.db.FollowingPage(ctx, local, pg)
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	view := relationshipsPage{Site: s.site(r), Type: which}
	if view.Accounts, err = s.accountViewsWithRelationships(r, actors); err != nil {
		s.renderError(w, r, err)
		return
	}
	if len(actors) > 0 {
		view.Pages.Next = olderPage(r, actors[len(actors)-1].ID, len(actors) == relationshipsPageSize)
	}
	page := "relationships"
	if which == "requests" {
		page = "follow_requests"
	}
	s.render(w, r, http.StatusOK, page, view)
}

// accountViewsWithRelationships builds account views with the owner's
// relationship to each and the "account" partial's buttons, which come
// back to the page r.
func (s *Server) accountViewsWithRelationships(r *http.Request, actors []store.Actor) ([]accountView, error) {
	ctx := r.Context()
	ids := make([]int64, len(actors))
	for i, a := range actors {
		ids[i] = a.ID
	}
	rels, err := s.db.Relationships(ctx, s.fed.LocalActorID(), ids)
	if err != nil {
		return nil, err
	}
	views, err := s.accountViews(ctx, actors)
	for i := range views {
		views[i].Relationship, views[i].ShowActions, views[i].ReturnTo = rels[views[i].ID], true, r.URL.RequestURI()
	}
	return views, err
}
