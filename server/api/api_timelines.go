package api

import (
	"context"
	"net/http"

	"kith/server/core"
	"kith/store"
)

// HandleHomeTimeline answers GET /api/v1/timelines/home.
func (s *API) HandleHomeTimeline(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	if err != nil {
		return err
	}
	pg := p.Page(store.DefaultLimit, store.MaxLimit)
	posts, err := s.DB.HomeTimeline(r.Context(), pg)
	if err != nil {
		return err
	}
	return s.writeStatusPage(w, r, posts, pg.Limit)
}

// HandlePublicTimeline answers GET /api/v1/timelines/public, with or
// without a token.
func (s *API) HandlePublicTimeline(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	if err != nil {
		return err
	}
	pg := p.Page(store.DefaultLimit, store.MaxLimit)
	posts, err := s.DB.PublicTimeline(r.Context(), pg, p.Bool("local", false), p.Bool("remote", false), p.Bool("only_media", false))
	if err != nil {
		return err
	}
	return s.writeStatusPage(w, r, posts, pg.Limit)
}

// HandleTagTimeline answers GET /api/v1/timelines/tag/{hashtag}: posts
// with the hashtag or any of any[], with all of all[] and none of none[].
func (s *API) HandleTagTimeline(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	if err != nil {
		return err
	}
	pg := p.Page(store.DefaultLimit, store.MaxLimit)
	tq := store.TagQuery{
		Any: append([]string{core.PathParam(r, "hashtag")}, p.List("any")...), All: p.List("all"), None: p.List("none"),
		Local: p.Bool("local", false), Remote: p.Bool("remote", false), OnlyMedia: p.Bool("only_media", false),
	}
	var posts []store.Post
	if len(tq.Any) == 1 && len(tq.All) == 0 && len(tq.None) == 0 && !tq.Remote && !tq.OnlyMedia {
		// The common case has an index all its own.
		posts, err = s.DB.TagTimeline(r.Context(), tq.Any[0], pg, tq.Local)
	} else {
		posts, err = s.DB.TagsTimeline(r.Context(), tq, pg)
	}
	if err != nil {
		return err
	}
	return s.writeStatusPage(w, r, posts, pg.Limit)
}

// HandleListTimeline answers GET /api/v1/timelines/list/{id}.
func (s *API) HandleListTimeline(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	if err != nil {
		return err
	}
	id, err := core.PathID(r, "id")
	var posts []store.Post
	pg := p.Page(store.DefaultLimit, store.MaxLimit)
	if err == nil {
		posts, err = s.DB.ListTimeline(r.Context(), id, pg)
	}
	if err != nil {
		return err
	}
	return s.writeStatusPage(w, r, posts, pg.Limit)
}

// HandleFavourites answers GET /api/v1/favourites, paged by when each
// post was favourited.
func (s *API) HandleFavourites(w http.ResponseWriter, r *http.Request) error {
	return s.writeCursorPage(w, r, s.DB.FavouritesPage)
}

// HandleBookmarks answers GET /api/v1/bookmarks, paged by when each post
// was bookmarked.
func (s *API) HandleBookmarks(w http.ResponseWriter, r *http.Request) error {
	return s.writeCursorPage(w, r, s.DB.BookmarksPage)
}

// writeCursorPage answers with a page of posts whose paging ids are not
// their post ids (favourites, bookmarks): the Link header carries the
// cursors.
func (s *API) writeCursorPage(w http.ResponseWriter, r *http.Request, page func(context.Context, store.Page) ([]store.Post, []int64, error)) error {
	p, err := core.Params(r)
	if err != nil {
		return err
	}
	pg := p.Page(store.DefaultLimit, store.MaxLimit)
	posts, cursors, err := page(r.Context(), pg)
	if err != nil {
		return err
	}
	out, err := s.renderStatuses(r.Context(), posts)
	if err != nil {
		return err
	}
	if len(cursors) > 0 {
		s.SetLinkHeader(w, r, cursors[0], cursors[len(cursors)-1], len(cursors), pg.Limit)
	}
	core.WriteAPI(w, http.StatusOK, out)
	return nil
}

// HandleEndorsements answers GET /api/v1/endorsements: the accounts the
// owner features on the profile.
func (s *API) HandleEndorsements(w http.ResponseWriter, r *http.Request) error {
	actors, err := s.DB.Endorsements(r.Context())
	if err != nil {
		return err
	}
	out, err := s.renderAccounts(r.Context(), actors)
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, out)
	return nil
}
