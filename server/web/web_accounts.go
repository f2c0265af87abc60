package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"kith/federation"
	"kith/server/core"
	"kith/store"
)

// accountPageSize is how many posts the account page shows at once.
const accountPageSize = 20

type AccountPage struct {
	Site    core.Site
	Account AccountView // with the owner's relationship and buttons
	Mute    store.Mute  // the mute's options when Account.Relationship.Muting
	Posts   []StatusView
	Pages   core.Pagination
}

// HandleWebAccount shows GET /accounts/{id}: any account kith knows, with
// what the owner can see of its posts (?max_id= pages) and every button.
func (s *Web) HandleWebAccount(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, err := s.AccountByPath(r)
	if err != nil {
		return err
	}
	views, err := s.accountViewsWithRelationships(r, []store.Actor{a})
	if err != nil {
		return err
	}
	view := AccountPage{Site: s.Site(r), Account: views[0]}
	if view.Account.Relationship.Muting {
		if view.Mute, err = s.DB.MuteOf(ctx, a.ID); err != nil {
			return err
		}
	}
	maxID, _ := strconv.ParseInt(r.URL.Query().Get("max_id"), 10, 64)
	posts, err := s.DB.AccountStatuses(ctx, a.ID, store.Page{MaxID: maxID, Limit: accountPageSize},
		store.AccountOptions{ViewerID: s.DB.OwnerID()})
	if err != nil {
		return err
	}
	if view.Posts, err = s.statusViewsFor(r, posts); err != nil {
		return err
	}
	if len(posts) > 0 {
		view.Pages.Next = core.OlderPage(r, posts[len(posts)-1].ID, len(posts) == accountPageSize)
	}
	s.Render(w, r, http.StatusOK, "account_page", view)
	return nil
}

// webAccountAction acts on an account for a form posted by the owner.
type webAccountAction func(s *Web, ctx context.Context, a store.Actor, form core.APIParams) error

// webAccountActions are the actions an account's buttons post to. They
// share the API's functions, so a button and an app do the same thing.
var webAccountActions = map[string]webAccountAction{
	"follow":   func(s *Web, ctx context.Context, a store.Actor, p core.APIParams) error { return s.Follow(ctx, a, p) },
	"unfollow": func(s *Web, ctx context.Context, a store.Actor, p core.APIParams) error { return s.Unfollow(ctx, a, p) },
	"block":    func(s *Web, ctx context.Context, a store.Actor, p core.APIParams) error { return s.Block(ctx, a, p) },
	"unblock":  func(s *Web, ctx context.Context, a store.Actor, p core.APIParams) error { return s.Unblock(ctx, a, p) },
	"mute": func(s *Web, ctx context.Context, a store.Actor, p core.APIParams) error {
		// An unticked checkbox sends nothing, so the form's own field
		// says whether notifications are hidden too.
		hide := strconv.FormatBool(p.Values.Get("hide_notifications") == "1")
		return s.Mute(ctx, a, core.APIParams{Values: url.Values{"notifications": {hide}, "duration": {p.Values.Get("duration")}}})
	},
	"unmute": func(s *Web, ctx context.Context, a store.Actor, p core.APIParams) error { return s.Unmute(ctx, a, p) },
	"remove_follower": func(s *Web, ctx context.Context, a store.Actor, p core.APIParams) error {
		return s.RemoveFromFollowers(ctx, a, p)
	},
	"authorize": func(s *Web, ctx context.Context, a store.Actor, _ core.APIParams) error {
		return s.Fed.AcceptFollower(ctx, a.ID)
	},
	"reject": func(s *Web, ctx context.Context, a store.Actor, _ core.APIParams) error {
		return s.Fed.RejectFollower(ctx, a.ID)
	},
}

// webActionTimeout bounds an action that may ask another server first
// (following fetches the account when kith's copy is old).
const webActionTimeout = 10 * time.Second

// HandleWebAccountAction answers POST /accounts/{id}/{action}.
func (s *Web) HandleWebAccountAction(w http.ResponseWriter, r *http.Request) error {
	if err := core.CheckCSRF(r); err != nil {
		return err
	}
	act, ok := webAccountActions[core.PathParam(r, "action")]
	if !ok {
		return store.ErrNotFound
	}
	a, err := s.AccountByPath(r)
	if err != nil {
		return err
	}
	if a.Local {
		return core.Refuse(http.StatusForbidden, "That cannot be done to your own account.")
	}
	ctx, cancel := context.WithTimeout(r.Context(), webActionTimeout)
	defer cancel()
	if err := act(s, ctx, a, core.APIParams{Values: r.PostForm}); err != nil {
		return webFederationError(err)
	}
	http.Redirect(w, r, returnTo(r, fmt.Sprintf("/accounts/%d", a.ID)), http.StatusSeeOther)
	return nil
}

// webFederationError gives the owner a message for what errorStatus
// leaves vague: a lookup that found nothing, a server that did not answer.
func webFederationError(err error) error {
	switch {
	case errors.Is(err, federation.ErrNotFound), errors.Is(err, store.ErrNotFound):
		return core.Refuse(http.StatusNotFound, "That account or post could not be found.")
	case errors.Is(err, context.DeadlineExceeded):
		return core.Refuse(http.StatusGatewayTimeout, "The other server did not answer in time. Try again later.")
	}
	return err
}
