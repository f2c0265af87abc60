package api

import (
	"context"
	"net/http"
	"slices"

	"kith/federation"
	"kith/server/core"
	"kith/store"
)

// quotedPosts loads the posts that posts quote, where the quote is
// accepted and the owner may see the quoted post, by id.
func (s *API) quotedPosts(ctx context.Context, posts []store.Post) (map[int64]store.Post, error) {
	var ids []int64
	for _, p := range posts {
		if p.Quote.Shown() {
			ids = append(ids, p.Quote.QuotedID)
		}
	}
	out := map[int64]store.Post{}
	if len(ids) == 0 {
		return out, nil
	}
	visible, err := s.DB.VisiblePosts(ctx, s.DB.OwnerID(), ids)
	if err != nil {
		return nil, err
	}
	found, err := s.DB.PostsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, p := range found {
		if visible[p.ID] {
			out[p.ID] = p
		}
	}
	return out, nil
}

// ownerCanQuote says, for each post, whether the owner may quote it:
// automatic, denied, or unknown when its server said nothing.
func (s *API) ownerCanQuote(ctx context.Context, posts []store.Post) (map[int64]string, error) {
	out := make(map[int64]string, len(posts))
	// Whom the owner follows among authors whose posts followers may
	// quote, in one query.
	var authors []int64
	for _, p := range posts {
		if p.ReblogOfID == 0 && p.AuthorID != s.DB.OwnerID() && federation.QuotePolicyOf(p) == store.QuoteFollowers {
			authors = append(authors, p.AuthorID)
		}
	}
	slices.Sort(authors)
	follows, err := s.DB.FollowedAmong(ctx, s.DB.OwnerID(), slices.Compact(authors))
	if err != nil {
		return nil, err
	}
	for _, p := range posts {
		if p.ReblogOfID != 0 {
			continue
		}
		policy := federation.QuotePolicyOf(p)
		switch {
		case p.AuthorID == s.DB.OwnerID():
			out[p.ID] = "automatic"
			if p.Visibility == store.Direct {
				out[p.ID] = "denied"
			}
		case p.Visibility == store.Private || p.Visibility == store.Direct || policy == store.QuoteNobody:
			out[p.ID] = "denied"
		case policy == store.QuotePublic:
			out[p.ID] = "automatic"
		case policy == store.QuoteFollowers:
			out[p.ID] = "denied"
			if follows[p.AuthorID] {
				out[p.ID] = "automatic"
			}
		default:
			out[p.ID] = "unknown"
		}
	}
	return out, nil
}

// withQuote renders a post with its Quote: the quoted status (itself with
// a ShallowQuote) when the quote is accepted and the quoted post visible.
func (r *statusRenderer) withQuote(p store.Post) APIStatus {
	st := r.status(p)
	if p.Quote == nil {
		return st
	}
	q := apiQuote{State: p.Quote.State}
	if quoted, ok := r.quoted[p.Quote.QuotedID]; ok && p.Quote.Shown() {
		inner := r.status(quoted)
		if quoted.Quote != nil {
			inner.Quote = apiShallowQuote{State: quoted.Quote.State, QuotedStatusID: shownQuoteID(quoted.Quote)}
		}
		q.QuotedStatus = &inner
	}
	st.Quote = q
	return st
}

// shownQuoteID is the id of a quoted status when its quote is shown.
func shownQuoteID(q *store.Quote) *string {
	if !q.Shown() {
		return nil
	}
	return core.APIIDPtr(q.QuotedID)
}

// HandleStatusQuotes answers GET /api/v1/statuses/:id/quotes: the
// statuses that quote one of the owner's posts, newest first.
func (s *API) HandleStatusQuotes(w http.ResponseWriter, r *http.Request) error {
	p, err := s.ownPostByPath(r)
	if err != nil {
		return err
	}
	params, err := core.Params(r)
	if err != nil {
		return err
	}
	limit := int(min(max(params.Int("limit", 20), 1), 40))
	maxID := params.Int("max_id", 0)
	posts, err := s.DB.QuotingPosts(r.Context(), p.ID, maxID, limit)
	if err != nil {
		return err
	}
	out, err := s.renderStatuses(r.Context(), posts)
	if err != nil {
		return err
	}
	if len(posts) == limit {
		next := *r.URL
		q := next.Query()
		q.Set("max_id", core.APIID(posts[len(posts)-1].ID))
		next.RawQuery = q.Encode()
		w.Header().Set("Link", `<`+s.Config().Server.URL+next.RequestURI()+`>; rel="next"`)
	}
	core.WriteAPI(w, http.StatusOK, out)
	return nil
}

// HandleRevokeQuote answers POST /api/v1/statuses/:id/quotes/:quoting_id/revoke:
// the owner withdraws a remote post's permission to quote their post, and
// gets the quoting status back.
func (s *API) HandleRevokeQuote(w http.ResponseWriter, r *http.Request) error {
	p, err := s.ownPostByPath(r)
	if err != nil {
		return err
	}
	quotingID, err := core.PathID(r, "quoting_id")
	if err != nil {
		return err
	}
	quoting, err := s.Fed.RevokeQuote(r.Context(), p.ID, quotingID)
	if err != nil {
		return err
	}
	return s.writeStatus(w, r, quoting)
}

// HandleInteractionPolicy answers PUT /api/v1/statuses/:id/interaction_policy:
// the owner changes who may quote a post.
func (s *API) HandleInteractionPolicy(w http.ResponseWriter, r *http.Request) error {
	p, err := s.ownPostByPath(r)
	if err != nil {
		return err
	}
	params, err := core.Params(r)
	if err != nil {
		return err
	}
	policy := params.String("quote_approval_policy")
	if !federation.ValidQuotePolicy(policy) {
		return core.Refuse(http.StatusUnprocessableEntity, "Validation failed: quote_approval_policy must be public, followers or nobody")
	}
	updated, err := s.Fed.SetQuotePolicy(r.Context(), p.ID, policy)
	if err != nil {
		return err
	}
	return s.writeStatus(w, r, updated)
}
