package web

import (
	"context"
	"net/http"
	"strconv"

	"kith/server/core"
	"kith/store"
)

// WebPageSize is how many posts a timeline page shows: enough to read,
// few enough to keep the page light.
const WebPageSize = 20

type TimelinePage struct {
	Site       core.Site
	Title      string
	Intro      string // one line under the heading
	Compose    bool   // show the short compose form (home)
	Statuses   []StatusView
	Pagination core.Pagination
	Empty      string
}

// pageParams reads max_id and min_id for a web page.
func pageParams(r *http.Request) store.Page {
	q := r.URL.Query()
	maxID, _ := strconv.ParseInt(q.Get("max_id"), 10, 64)
	minID, _ := strconv.ParseInt(q.Get("min_id"), 10, 64)
	return store.Page{MaxID: max(maxID, 0), MinID: max(minID, 0), Limit: WebPageSize}
}

// pageLinks links the pages around one whose cursors are first..last:
// older when the page was full, newer when it is not the first.
func pageLinks(r *http.Request, pg store.Page, cursors []int64) core.Pagination {
	if len(cursors) == 0 {
		if pg.MinID > 0 || pg.MaxID > 0 {
			return core.Pagination{Prev: r.URL.Path} // past either end: back to the newest
		}
		return core.Pagination{}
	}
	var p core.Pagination
	first, last := cursors[0], cursors[len(cursors)-1]
	if len(cursors) >= pg.Limit || pg.MinID > 0 {
		p.Next = core.OlderPage(r, last, true)
	}
	if pg.MaxID > 0 || (pg.MinID > 0 && len(cursors) >= pg.Limit) {
		q := r.URL.Query()
		q.Del("max_id")
		q.Set("min_id", strconv.FormatInt(first, 10))
		p.Prev = r.URL.Path + "?" + q.Encode()
	}
	return p
}

// postIDs are the ids of posts, which page the timelines read by post id.
func postIDs(posts []store.Post) []int64 {
	ids := make([]int64, len(posts))
	for i, p := range posts {
		ids[i] = p.ID
	}
	return ids
}

// timeline reads one page of posts and the cursors it was paged by.
type timeline func(ctx context.Context, pg store.Page) ([]store.Post, []int64, error)

// handleTimeline serves one of the owner's timelines.
func (s *Web) handleTimeline(view TimelinePage, read timeline) core.Failing {
	return func(w http.ResponseWriter, r *http.Request) error {
		pg := pageParams(r)
		posts, cursors, err := read(r.Context(), pg)
		if err != nil {
			return err
		}
		v := view
		v.Site = s.Site(r)
		if v.Statuses, err = s.statusViewsFor(r, posts); err != nil {
			return err
		}
		v.Pagination = pageLinks(r, pg, cursors)
		s.Render(w, r, http.StatusOK, "home_timeline", v)
		return nil
	}
}

// The timelines the owner reads, for routes.go.
func (s *Web) HandleWebHome() core.Failing {
	return s.handleTimeline(TimelinePage{Title: "Home", Compose: true,
		Empty: "Nothing here yet. Follow people to see their posts here, or write the first post."},
		func(ctx context.Context, pg store.Page) ([]store.Post, []int64, error) {
			posts, err := s.DB.HomeTimeline(ctx, pg)
			return posts, postIDs(posts), err
		})
}

func (s *Web) HandleWebAll() core.Failing {
	return s.handleTimeline(TimelinePage{Title: "All", Intro: "Every public post this server knows, from here and elsewhere.",
		Empty: "This server knows no public posts yet."},
		func(ctx context.Context, pg store.Page) ([]store.Post, []int64, error) {
			posts, err := s.DB.PublicTimeline(ctx, pg, false, false, false)
			return posts, postIDs(posts), err
		})
}

func (s *Web) HandleWebBookmarks() core.Failing {
	return s.handleTimeline(TimelinePage{Title: "Bookmarks", Empty: "No bookmarks yet: a post's Bookmark button keeps it here."},
		s.DB.BookmarksPage)
}

func (s *Web) HandleWebFavourites() core.Failing {
	return s.handleTimeline(TimelinePage{Title: "Favourites", Empty: "No favourites yet."}, s.DB.FavouritesPage)
}
