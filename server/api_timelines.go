package server

import (
	"context"
	"net/http"

	"kith/store"
)

// Timelines: home, public, hashtag and list, and the owner's favourites
// and bookmarks. Every page carries a Link header built from the cursors
// the store paged by, so a page the renderer shortens (a boost of a
// deleted post) still links to the right next page.

// handleHomeTimeline answers GET /api/v1/timelines/home.
func (s *Server) handleHomeTimeline(w http.ResponseWriter, r *http.Request) {
	p, err := params(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	pg := p.Page(store.DefaultLimit, store.MaxLimit)
	posts, err := s.db.HomeTimeline(r.Context(), s.fed.LocalActorID(), pg)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.writeStatusPage(w, r, posts, pg.Limit)
}

// handlePublicTimeline answers GET /api/v1/timelines/public, with or
// without a token.
func (s *Server) handlePublicTimeline(w http.ResponseWriter, r *http.Request) {
	p, err := params(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	pg := p.Page(store.DefaultLimit, store.MaxLimit)
	posts, err := s.db.PublicTimeline(r.Context(), pg, p.Bool("local", false), p.Bool("remote", false), p.Bool("only_media", false))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.writeStatusPage(w, r, posts, pg.Limit)
}

// handleTagTimeline answers GET /api/v1/timelines/tag/{hashtag}: posts
// with the hashtag or any of any[], with all of all[] and none of none[].
func (s *Server) handleTagTimeline(w http.ResponseWriter, r *http.Request) {
	p, err := params(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	pg := p.Page(store.DefaultLimit, store.MaxLimit)
	tq := store.TagQuery{
		Any: append([]string{pathParam(r, "hashtag")}, p.List("any")...), All: p.List("all"), None: p.List("none"),
		Local: p.Bool("local", false), Remote: p.Bool("remote", false), OnlyMedia: p.Bool("only_media", false),
	}
	var posts []store.Post
	if len(tq.Any) == 1 && len(tq.All) == 0 && len(tq.None) == 0 && !tq.Remote && !tq.OnlyMedia {
		// The common case has an index all its own.
		posts, err = s.db.TagTimeline(r.Context(), tq.Any[0], pg, tq.Local)
	} else {
		posts, err = s.db.TagsTimeline(r.Context(), tq, pg)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.writeStatusPage(w, r, posts, pg.Limit)
}

// handleListTimeline answers GET /api/v1/timelines/list/{id}.
func (s *Server) handleListTimeline(w http.ResponseWriter, r *http.Request) {
	p, err := params(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	id, err := pathID(r, "id")
	var posts []store.Post
	pg := p.Page(store.DefaultLimit, store.MaxLimit)
	if err == nil {
		posts, err = s.db.ListTimeline(r.Context(), s.fed.LocalActorID(), id, pg)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.writeStatusPage(w, r, posts, pg.Limit)
}

// handleFavourites answers GET /api/v1/favourites, paged by when each
// post was favourited.
func (s *Server) handleFavourites(w http.ResponseWriter, r *http.Request) {
	s.writeCursorPage(w, r, s.db.FavouritesPage)
}

// handleBookmarks answers GET /api/v1/bookmarks, paged by when each post
// was bookmarked.
func (s *Server) handleBookmarks(w http.ResponseWriter, r *http.Request) {
	s.writeCursorPage(w, r, s.db.BookmarksPage)
}

// writeCursorPage answers with a page of posts whose paging ids are not
// their post ids (favourites, bookmarks): the Link header carries the
// cursors.
func (s *Server) writeCursorPage(w http.ResponseWriter, r *http.Request, page func(context.Context, store.Page) ([]store.Post, []int64, error)) {
	p, err := params(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	pg := p.Page(store.DefaultLimit, store.MaxLimit)
	posts, cursors, err := page(r.Context(), pg)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	out, err := s.renderStatuses(r.Context(), posts)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	if len(cursors) > 0 {
		s.setLinkHeader(w, r, cursors[0], cursors[len(cursors)-1], len(cursors), pg.Limit)
	}
	writeAPI(w, http.StatusOK, out)
}

// handleEndorsements answers GET /api/v1/endorsements: the accounts the
// owner features on the profile.
func (s *Server) handleEndorsements(w http.ResponseWriter, r *http.Request) {
	actors, err := s.db.Endorsements(r.Context())
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	out, err := s.renderAccounts(r.Context(), actors)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeAPI(w, http.StatusOK, out)
}
