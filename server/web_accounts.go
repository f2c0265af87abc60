package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"kith/federation"
	"kith/store"
)

// The owner's view of any account, local or remote, and the buttons on it:
// POST /accounts/{id}/{action} follows, unfollows, blocks, mutes, removes
// a follower or answers a follow request, then goes back where the form
// was.

// accountPageSize is how many posts the account page shows at once.
const accountPageSize = 20

type accountPage struct {
	Site    site
	Account accountView // with the owner's relationship and buttons
	Mute    store.Mute  // the mute's options when Account.Relationship.Muting
	Posts   []statusView
	Pages   pagination
}

// handleWebAccount shows GET /accounts/{id}: any account kith knows, with
// what the owner can see of its posts (?max_id= pages) and every button.
func (s *Server) handleWebAccount(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, err := s.accountByPath(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	views, err := s.accountViewsWithRelationships(r, []store.Actor{a})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	view := accountPage{Site: s.site(r), Account: views[0]}
	if view.Account.Relationship.Muting {
		if view.Mute, err = s.db.MuteOf(ctx, a.ID); err != nil {
			s.renderError(w, r, err)
			return
		}
	}
	maxID, _ := strconv.ParseInt(r.URL.Query().Get("max_id"), 10, 64)
	posts, err := s.db.AccountStatuses(ctx, a.ID, store.Page{MaxID: maxID, Limit: accountPageSize},
		store.AccountOptions{ViewerID: s.fed.LocalActorID()})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if view.Posts, err = s.statusViewsFor(r, posts); err != nil {
		s.renderError(w, r, err)
		return
	}
	if len(posts) > 0 {
		view.Pages.Next = olderPage(r, posts[len(posts)-1].ID, len(posts) == accountPageSize)
	}
	s.render(w, r, http.StatusOK, "account_page", view)
}

// webAccountAction acts on an account for a form posted by the owner.
type webAccountAction func(s *Server, ctx context.Context, a store.Actor, form apiParams) error

// webAccountActions are the actions an account's buttons post to. They
// share the API's functions, so a button and an app do the same thing.
var webAccountActions = map[string]webAccountAction{
	"follow":   func(s *Server, ctx context.Context, a store.Actor, p apiParams) error { return s.follow(ctx, a, p) },
	"unfollow": func(s *Server, ctx context.Context, a store.Actor, p apiParams) error { return s.unfollow(ctx, a, p) },
	"block":    func(s *Server, ctx context.Context, a store.Actor, p apiParams) error { return s.block(ctx, a, p) },
	"unblock":  func(s *Server, ctx context.Context, a store.Actor, p apiParams) error { return s.unblock(ctx, a, p) },
	"mute": func(s *Server, ctx context.Context, a store.Actor, p apiParams) error {
		// An unticked checkbox sends nothing, so the form's own field
		// says whether notifications are hidden too.
		hide := strconv.FormatBool(p.values.Get("hide_notifications") == "1")
		return s.mute(ctx, a, apiParams{values: url.Values{"notifications": {hide}, "duration": {p.values.Get("duration")}}})
	},
	"unmute": func(s *Server, ctx context.Context, a store.Actor, p apiParams) error { return s.unmute(ctx, a, p) },
	"remove_follower": func(s *Server, ctx context.Context, a store.Actor, p apiParams) error {
		return s.removeFromFollowers(ctx, a, p)
	},
	"authorize": func(s *Server, ctx context.Context, a store.Actor, _ apiParams) error {
		return s.fed.AcceptFollower(ctx, a.ID)
	},
	"reject": func(s *Server, ctx context.Context, a store.Actor, _ apiParams) error {
		return s.fed.RejectFollower(ctx, a.ID)
	},
}

// webActionTimeout bounds an action that may ask another server first
// (following fetches the account when kith's copy is old).
const webActionTimeout = 10 * time.Second

// handleWebAccountAction answers POST /accounts/{id}/{action}.
func (s *Server) handleWebAccountAction(w http.ResponseWriter, r *http.Request) {
	if err := checkCSRF(r); err != nil {
		s.renderError(w, r, err)
		return
	}
	act, ok := webAccountActions[pathParam(r, "action")]
	if !ok {
		s.renderError(w, r, store.ErrNotFound)
		return
	}
	a, err := s.accountByPath(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if a.Local {
		s.renderError(w, r, &userError{http.StatusForbidden, "That cannot be done to your own account."})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), webActionTimeout)
	defer cancel()
	if err := act(s, ctx, a, apiParams{values: r.PostForm}); err != nil {
		s.renderError(w, r, webFederationError(err))
		return
	}
	http.Redirect(w, r, returnTo(r, fmt.Sprintf("/accounts/%d", a.ID)), http.StatusSeeOther)
}

// webFederationError gives the owner a message for what errorStatus
// leaves vague: a lookup that found nothing, a server that did not answer.
func webFederationError(err error) error {
	switch {
	case errors.Is(err, federation.ErrNotFound), errors.Is(err, store.ErrNotFound):
		return &userError{http.StatusNotFound, "That account or post could not be found."}
	case errors.Is(err, context.DeadlineExceeded):
		return &userError{http.StatusGatewayTimeout, "The other server did not answer in time. Try again later."}
	}
	return err
}
