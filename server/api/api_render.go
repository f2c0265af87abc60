package api

import (
	"context"
	"fmt"
	"slices"
	"time"

	"kith/store"
)

// renderAccounts renders actors with their counts.
func (s *API) renderAccounts(ctx context.Context, actors []store.Actor) ([]apiAccount, error) {
	stats, err := s.ActorStats(ctx, actors)
	if err != nil {
		return nil, err
	}
	out := make([]apiAccount, len(actors))
	for i, a := range actors {
		st := stats[a.ID]
		out[i] = s.apiAccountOf(ctx, a, accountStats{Statuses: st.Statuses, Followers: st.Followers, Following: st.Following, LastStatusAt: st.LastStatusAt})
		if a.MovedTo != "" {
			if moved, err := s.DB.ActorByURI(ctx, a.MovedTo); err == nil {
				m := s.apiAccountOf(ctx, moved, accountStats{})
				out[i].Moved = &m
			}
		}
	}
	return out, nil
}

// renderAccount renders one actor.
func (s *API) renderAccount(ctx context.Context, a store.Actor) (apiAccount, error) {
	list, err := s.renderAccounts(ctx, []store.Actor{a})
	if err != nil {
		return apiAccount{}, err
	}
	return list[0], nil
}

// renderStatuses renders posts (boosts with the post they boost) as the
// owner sees them.
func (s *API) renderStatuses(ctx context.Context, posts []store.Post) ([]APIStatus, error) {
	targets, err := s.BoostTargets(ctx, posts)
	if err != nil {
		return nil, err
	}
	all := append(append([]store.Post{}, posts...), mapValues(targets)...)
	quoted, err := s.quotedPosts(ctx, all)
	if err != nil {
		return nil, err
	}
	r, err := s.newStatusRenderer(ctx, append(all, mapValues(quoted)...))
	if err != nil {
		return nil, err
	}
	r.quoted = quoted
	out := make([]APIStatus, 0, len(posts))
	for _, p := range posts {
		st := r.withQuote(p)
		if p.ReblogOfID != 0 {
			t, ok := targets[p.ReblogOfID]
			if !ok {
				continue // the boosted post is gone
			}
			inner := r.withQuote(t)
			st.Reblog = &inner
			st.Reblogged = inner.Reblogged
			st.Favourited, st.Bookmarked = inner.Favourited, inner.Bookmarked
		}
		out = append(out, st)
	}
	return out, nil
}

// renderStatus renders one post.
func (s *API) renderStatus(ctx context.Context, p store.Post) (APIStatus, error) {
	list, err := s.renderStatuses(ctx, []store.Post{p})
	if err != nil {
		return APIStatus{}, err
	}
	if len(list) == 0 {
		return APIStatus{}, store.ErrNotFound
	}
	return list[0], nil
}

func mapValues[K comparable, V any](m map[K]V) []V {
	out := make([]V, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// statusRenderer holds what a batch of posts needs: authors, counts, the
// owner's interactions, parents' authors and mentioned actors.
type statusRenderer struct {
	s         *API
	now       time.Time
	authors   map[int64]apiAccount
	stats     map[int64]store.PostStat
	parents   map[int64]int64 // post id → author id of its parent
	mentioned map[string]store.Actor
	votes     map[int64][]int
	quotes    map[int64]int        // accepted quotes of each post
	quoted    map[int64]store.Post // quoted posts the owner may see, by id
	canQuote  map[int64]string     // quote_approval.current_user by post
	cards     map[int64]*apiCard
}

func (s *API) newStatusRenderer(ctx context.Context, posts []store.Post) (*statusRenderer, error) {
	r := &statusRenderer{s: s, now: s.Opts.Now(), authors: map[int64]apiAccount{}, parents: map[int64]int64{}}
	var ids, parentIDs, pollIDs, authorIDs []int64
	var mentioned []string
	for _, p := range posts {
		ids = append(ids, p.ID)
		authorIDs = append(authorIDs, p.AuthorID)
		if p.InReplyToID != 0 {
			parentIDs = append(parentIDs, p.InReplyToID)
		}
		if p.Poll != nil {
			pollIDs = append(pollIDs, p.ID)
		}
		for _, m := range p.Mentions {
			mentioned = append(mentioned, m.ActorURI)
		}
	}
	// Authors, mentioned accounts and parents' authors each in one query,
	// not one per post: a page of 40 would make dozens.
	slices.Sort(authorIDs)
	authorIDs = slices.Compact(authorIDs)
	authors, err := s.DB.ActorsByIDs(ctx, authorIDs)
	if err != nil {
		return nil, err
	}
	if len(authors) != len(authorIDs) {
		return nil, fmt.Errorf("authors of posts: %d of %d stored: %w", len(authors), len(authorIDs), store.ErrNotFound)
	}
	rendered, err := s.renderAccounts(ctx, authors)
	if err != nil {
		return nil, err
	}
	for i, a := range authors {
		r.authors[a.ID] = rendered[i]
	}
	slices.Sort(mentioned)
	if r.mentioned, err = s.DB.ActorsByURIs(ctx, slices.Compact(mentioned)); err != nil {
		return nil, err
	}
	if r.stats, err = s.DB.PostStats(ctx, ids); err != nil {
		return nil, err
	}
	parents, err := s.DB.PostAuthors(ctx, parentIDs)
	if err != nil {
		return nil, err
	}
	for _, p := range posts {
		if p.InReplyToID != 0 {
			r.parents[p.ID] = parents[p.InReplyToID]
		}
	}
	if r.votes, err = s.DB.OwnPollVotes(ctx, pollIDs); err != nil {
		return nil, err
	}
	if r.quotes, err = s.DB.QuotesCounts(ctx, ids); err != nil {
		return nil, err
	}
	if r.canQuote, err = s.ownerCanQuote(ctx, posts); err != nil {
		return nil, err
	}
	if r.cards, err = s.renderCards(ctx, ids, r.authors); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *statusRenderer) status(p store.Post) APIStatus {
	st := r.stats[p.ID]
	out := r.s.apiStatusOf(apiStatusInput{
		Post: p, Author: r.authors[p.AuthorID], ReplyToAcct: r.parents[p.ID],
		Replies: st.Replies, Reblogs: st.Reblogs, Favourites: st.Favourites, Favourited: st.Favourited,
		Reblogged: st.Reblogged, Bookmarked: st.Bookmarked, Muted: st.Muted, Pinned: st.Pinned,
		OwnVotes: r.votes[p.ID], Mentioned: r.mentioned, Quotes: r.quotes[p.ID], CanQuote: r.canQuote[p.ID],
	}, r.now)
	if c, ok := r.cards[p.ID]; ok {
		out.Card = c
	}
	return out
}

// renderCards renders the cards of the posts ids that have one. The
// accounts cards name are looked up once each and rendered once, those in
// known (the page's authors) not again.
func (s *API) renderCards(ctx context.Context, ids []int64, known map[int64]apiAccount) (map[int64]*apiCard, error) {
	cards, err := s.DB.PostCards(ctx, ids)
	if err != nil {
		return nil, err
	}
	named := s.Fed.CardAccounts(ctx, cards)
	accounts := make(map[int64]*apiAccount, len(named))
	var missing []store.Actor
	for _, a := range named {
		if acct, ok := known[a.ID]; ok {
			accounts[a.ID] = &acct
		} else if _, ok := accounts[a.ID]; !ok {
			accounts[a.ID] = nil
			missing = append(missing, a)
		}
	}
	rendered, err := s.renderAccounts(ctx, missing)
	if err != nil {
		return nil, err
	}
	for i, a := range missing {
		accounts[a.ID] = &rendered[i]
	}
	out := make(map[int64]*apiCard, len(cards))
	for id, c := range cards {
		var account *apiAccount
		if a, ok := named[id]; ok {
			account = accounts[a.ID]
		}
		out[id] = s.apiCardOf(c, account)
	}
	return out, nil
}
