package api

import (
	"context"
	"net/http"
	"slices"
	"strconv"

	"kith/server/core"
	"kith/store"
)

// actionTarget loads the visible post named by {id}; a boost stands for
// the post it boosts, as in Mastodon.
func (s *API) actionTarget(r *http.Request) (store.Post, error) {
	p, err := s.postByPath(r)
	if err != nil || p.ReblogOfID == 0 {
		return p, err
	}
	return s.visiblePost(r, p.ReblogOfID)
}

// statusAction acts on a post.
type statusAction func(ctx context.Context, p store.Post) error

// HandleStatusAction runs an action on the post named by {id} and
// answers with the post as it is after.
func (s *API) HandleStatusAction(act statusAction) core.Failing {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := s.actionTarget(r)
		if err != nil {
			return err
		}
		if err := act(r.Context(), p); err != nil {
			return err
		}
		if p, err = s.DB.PostByID(r.Context(), p.ID); err != nil {
			return err
		}
		return s.writeStatus(w, r, p)
	}
}

// Favourite likes a post.
func (s *API) Favourite(ctx context.Context, p store.Post) error {
	return s.Fed.Like(ctx, p.ID)
}

// Unfavourite takes a like back.
func (s *API) Unfavourite(ctx context.Context, p store.Post) error {
	return s.Fed.Unlike(ctx, p.ID)
}

// Unreblog takes a boost back.
func (s *API) Unreblog(ctx context.Context, p store.Post) error {
	return s.Fed.Unboost(ctx, p.ID)
}

// PinStatus pins one of the owner's posts to their profile.
func (s *API) PinStatus(ctx context.Context, p store.Post) error {
	return s.ownThen(p, s.Fed.Pin)(ctx)
}

// UnpinStatus unpins a post.
func (s *API) UnpinStatus(ctx context.Context, p store.Post) error {
	return s.ownThen(p, s.Fed.Unpin)(ctx)
}

// ownThen runs a federation action that only the owner's posts allow,
// refusing others' with Mastodon's 422.
func (s *API) ownThen(p store.Post, act func(context.Context, int64) error) func(context.Context) error {
	return func(ctx context.Context) error {
		if p.AuthorID != s.DB.OwnerID() {
			return core.Refuse(http.StatusUnprocessableEntity, "Validation failed: you can only pin your own posts")
		}
		return act(ctx, p.ID)
	}
}

// Bookmark keeps a post in the owner's bookmarks.
func (s *API) Bookmark(ctx context.Context, p store.Post) error {
	return s.DB.InTx(ctx, func(tx *store.Tx) error { return tx.PutBookmark(ctx, p.ID) })
}

// Unbookmark takes a post out of the bookmarks.
func (s *API) Unbookmark(ctx context.Context, p store.Post) error {
	return s.DB.InTx(ctx, func(tx *store.Tx) error { return tx.DeleteBookmark(ctx, p.ID) })
}

// MuteConversation stops notifications from a post's thread.
func (s *API) MuteConversation(ctx context.Context, p store.Post) error {
	return s.DB.InTx(ctx, func(tx *store.Tx) error { return tx.MuteConversation(ctx, p.ID) })
}

// UnmuteConversation lets a thread's notifications through again.
func (s *API) UnmuteConversation(ctx context.Context, p store.Post) error {
	return s.DB.InTx(ctx, func(tx *store.Tx) error { return tx.UnmuteConversation(ctx, p.ID) })
}

// HandleReblog answers POST /api/v1/statuses/:id/reblog with the owner's
// boost, which wraps the boosted post.
func (s *API) HandleReblog(w http.ResponseWriter, r *http.Request) error {
	p, err := s.actionTarget(r)
	if err != nil {
		return err
	}
	if err := s.Fed.Boost(r.Context(), p.ID); err != nil {
		return err
	}
	boost, err := s.DB.BoostOf(r.Context(), s.DB.OwnerID(), p.ID)
	if err != nil {
		return err
	}
	return s.writeStatus(w, r, boost)
}

// HandleFavouritedBy answers GET /api/v1/statuses/:id/favourited_by.
func (s *API) HandleFavouritedBy(w http.ResponseWriter, r *http.Request) error {
	p, err := s.actionTarget(r)
	if err != nil {
		return err
	}
	q, err := core.Params(r)
	if err != nil {
		return err
	}
	pg := q.Page(store.MaxLimit, store.MaxLimit*2)
	actors, err := s.DB.FavouritedBy(r.Context(), p.ID, pg)
	if err != nil {
		return err
	}
	return s.writeAccountPage(w, r, actors, nil, pg.Limit)
}

// HandleRebloggedBy answers GET /api/v1/statuses/:id/reblogged_by.
func (s *API) HandleRebloggedBy(w http.ResponseWriter, r *http.Request) error {
	p, err := s.actionTarget(r)
	if err != nil {
		return err
	}
	q, err := core.Params(r)
	if err != nil {
		return err
	}
	pg := q.Page(store.MaxLimit, store.MaxLimit*2)
	actors, cursors, err := s.DB.RebloggedBy(r.Context(), p.ID, pg)
	if err != nil {
		return err
	}
	if cursors == nil {
		cursors = []int64{}
	}
	return s.writeAccountPage(w, r, actors, cursors, pg.Limit)
}

// pollByPath loads the visible post with a poll named by {id} (a poll's
// id is its post's).
func (s *API) pollByPath(r *http.Request) (store.Post, error) {
	p, err := s.postByPath(r)
	if err != nil {
		return store.Post{}, err
	}
	if p.Poll == nil {
		return store.Post{}, store.ErrNotFound
	}
	return p, nil
}

// writePoll answers with a post's poll as the owner sees it.
func (s *API) writePoll(w http.ResponseWriter, r *http.Request, p store.Post) error {
	votes, err := s.DB.OwnPollVotes(r.Context(), []int64{p.ID})
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, apiPollOf(p.ID, *p.Poll, votes[p.ID], s.Opts.Now()))
	return nil
}

// HandlePoll answers GET /api/v1/polls/:id.
func (s *API) HandlePoll(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pollByPath(r)
	if err != nil {
		return err
	}
	return s.writePoll(w, r, p)
}

// HandlePollVote answers POST /api/v1/polls/:id/votes with choices[].
func (s *API) HandlePollVote(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, err := s.pollByPath(r)
	if err != nil {
		return err
	}
	q, err := core.Params(r)
	if err != nil {
		return err
	}
	var choices []int
	for _, v := range q.List("choices") {
		c, err := strconv.Atoi(v)
		if err != nil || c < 0 || c >= len(p.Poll.Options) || slices.Contains(choices, c) {
			return core.Refuse(http.StatusUnprocessableEntity, "Validation failed: choices must name the poll's options by number, from 0")
		}
		choices = append(choices, c)
	}
	votes, err := s.DB.OwnPollVotes(ctx, []int64{p.ID})
	if err != nil {
		return err
	}
	// Note: Mastodon refuses these with 422 and messages like these.
	switch {
	case p.AuthorID == s.DB.OwnerID():
		err = core.Refuse(http.StatusUnprocessableEntity, "Validation failed: You cannot vote in your own poll")
	case len(votes[p.ID]) > 0:
		err = core.Refuse(http.StatusUnprocessableEntity, "Validation failed: You have already voted on this poll")
	case !p.Poll.ClosedAt.IsZero() || (!p.Poll.ExpiresAt.IsZero() && !s.Opts.Now().Before(p.Poll.ExpiresAt)):
		err = core.Refuse(http.StatusUnprocessableEntity, "Validation failed: The poll has already ended")
	case len(choices) == 0 || (!p.Poll.Multiple && len(choices) > 1):
		err = core.Refuse(http.StatusUnprocessableEntity, "Validation failed: choose one option, or several in a multiple-choice poll")
	default:
		err = s.Fed.Vote(ctx, p.ID, choices)
	}
	if err != nil {
		return err
	}
	if p, err = s.DB.PostByID(ctx, p.ID); err != nil {
		return err
	}
	return s.writePoll(w, r, p)
}
