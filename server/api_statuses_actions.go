package server

import (
	"context"
	"net/http"
	"slices"
	"strconv"

	"kith/store"
)

// What the owner does with a status through the API: favourite, boost,
// bookmark, pin, mute its conversation; who favourited and boosted it;
// and polls. Each action answers with the status as it is after.

// actionTarget loads the visible post named by {id}; a boost stands for
// the post it boosts, as in Mastodon.
func (s *Server) actionTarget(r *http.Request) (store.Post, error) {
	p, err := s.postByPath(r)
	if err != nil || p.ReblogOfID == 0 {
		return p, err
	}
	return s.visiblePost(r, p.ReblogOfID)
}

// statusAction acts on a post.
type statusAction func(ctx context.Context, p store.Post) error

// handleStatusAction runs an action on the post named by {id} and
// answers with the post as it is after.
func (s *Server) handleStatusAction(act statusAction) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := s.actionTarget(r)
		if err != nil {
			s.apiFail(w, r, err)
			return
		}
		if err := act(r.Context(), p); err != nil {
			s.apiFail(w, r, err)
			return
		}
		if p, err = s.db.PostByID(r.Context(), p.ID); err != nil {
			s.apiFail(w, r, err)
			return
		}
		s.writeStatus(w, r, p)
	}
}

func (s *Server) favourite(ctx context.Context, p store.Post) error {
	return s.fed.Like(ctx, p.ID)
}

func (s *Server) unfavourite(ctx context.Context, p store.Post) error {
	return s.fed.Unlike(ctx, p.ID)
}

func (s *Server) unreblog(ctx context.Context, p store.Post) error {
	return s.fed.Unboost(ctx, p.ID)
}

func (s *Server) pinStatus(ctx context.Context, p store.Post) error {
	return s.ownThen(p, s.fed.Pin)(ctx)
}

func (s *Server) unpinStatus(ctx context.Context, p store.Post) error {
	return s.ownThen(p, s.fed.Unpin)(ctx)
}

// ownThen runs a federation action that only the owner's posts allow,
// refusing others' with Mastodon's 422.
func (s *Server) ownThen(p store.Post, act func(context.Context, int64) error) func(context.Context) error {
	return func(ctx context.Context) error {
		if p.AuthorID != s.fed.LocalActorID() {
			return &userError{http.StatusUnprocessableEntity, "Validation failed: you can only pin your own posts"}
		}
		return act(ctx, p.ID)
	}
}

func (s *Server) bookmark(ctx context.Context, p store.Post) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error { return tx.PutBookmark(ctx, p.ID) })
}

func (s *Server) unbookmark(ctx context.Context, p store.Post) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error { return tx.DeleteBookmark(ctx, p.ID) })
}

func (s *Server) muteConversation(ctx context.Context, p store.Post) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error { return tx.MuteConversation(ctx, p.ID) })
}

func (s *Server) unmuteConversation(ctx context.Context, p store.Post) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error { return tx.UnmuteConversation(ctx, p.ID) })
}

// handleReblog answers POST /api/v1/statuses/:id/reblog with the owner's
// boost, which wraps the boosted post.
func (s *Server) handleReblog(w http.ResponseWriter, r *http.Request) {
	p, err := s.actionTarget(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	if err := s.fed.Boost(r.Context(), p.ID); err != nil {
		s.apiFail(w, r, err)
		return
	}
	boost, err := s.db.BoostOf(r.Context(), s.fed.LocalActorID(), p.ID)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.writeStatus(w, r, boost)
}

// handleFavouritedBy answers GET /api/v1/statuses/:id/favourited_by.
func (s *Server) handleFavouritedBy(w http.ResponseWriter, r *http.Request) {
	p, err := s.actionTarget(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	q, err := params(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	pg := q.Page(store.MaxLimit, store.MaxLimit*2)
	actors, err := s.db.FavouritedBy(r.Context(), p.ID, pg)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.writeAccountPage(w, r, actors, nil, pg.Limit)
}

// handleRebloggedBy answers GET /api/v1/statuses/:id/reblogged_by.
func (s *Server) handleRebloggedBy(w http.ResponseWriter, r *http.Request) {
	p, err := s.actionTarget(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	q, err := params(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	pg := q.Page(store.MaxLimit, store.MaxLimit*2)
	actors, cursors, err := s.db.RebloggedBy(r.Context(), p.ID, pg)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	if cursors == nil {
		cursors = []int64{}
	}
	s.writeAccountPage(w, r, actors, cursors, pg.Limit)
}

// pollByPath loads the visible post with a poll named by {id} (a poll's
// id is its post's).
func (s *Server) pollByPath(r *http.Request) (store.Post, error) {
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
func (s *Server) writePoll(w http.ResponseWriter, r *http.Request, p store.Post) {
	votes, err := s.db.PollVotesBy(r.Context(), s.fed.LocalActorID(), []int64{p.ID})
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeAPI(w, http.StatusOK, apiPollOf(p.ID, *p.Poll, votes[p.ID], s.opts.Now()))
}

// handlePoll answers GET /api/v1/polls/:id.
func (s *Server) handlePoll(w http.ResponseWriter, r *http.Request) {
	p, err := s.pollByPath(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.writePoll(w, r, p)
}

// handlePollVote answers POST /api/v1/polls/:id/votes with choices[].
func (s *Server) handlePollVote(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, err := s.pollByPath(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	q, err := params(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	var choices []int
	for _, v := range q.List("choices") {
		c, err := strconv.Atoi(v)
		if err != nil || c < 0 || c >= len(p.Poll.Options) || slices.Contains(choices, c) {
			s.apiFail(w, r, &userError{http.StatusUnprocessableEntity, "Validation failed: choices must name the poll's options by number, from 0"})
			return
		}
		choices = append(choices, c)
	}
	votes, err := s.db.PollVotesBy(ctx, s.fed.LocalActorID(), []int64{p.ID})
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	// Note: Mastodon refuses these with 422 and messages like these.
	switch {
	case p.AuthorID == s.fed.LocalActorID():
		err = &userError{http.StatusUnprocessableEntity, "Validation failed: You cannot vote in your own poll"}
	case len(votes[p.ID]) > 0:
		err = &userError{http.StatusUnprocessableEntity, "Validation failed: You have already voted on this poll"}
	case !p.Poll.ClosedAt.IsZero() || (!p.Poll.ExpiresAt.IsZero() && !s.opts.Now().Before(p.Poll.ExpiresAt)):
		err = &userError{http.StatusUnprocessableEntity, "Validation failed: The poll has already ended"}
	case len(choices) == 0 || (!p.Poll.Multiple && len(choices) > 1):
		err = &userError{http.StatusUnprocessableEntity, "Validation failed: choose one option, or several in a multiple-choice poll"}
	default:
		err = s.fed.Vote(ctx, p.ID, choices)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	if p, err = s.db.PostByID(ctx, p.ID); err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.writePoll(w, r, p)
}
