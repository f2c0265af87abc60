package web

import (
	"net/http"
	"strconv"
	"strings"
	"unicode"

	"kith/server/core"
	"kith/store"
)

type TagPage struct {
	Site     core.Site
	Meta     pageMeta
	Tag      string
	Statuses []StatusView
	Pages    core.Pagination
}

// HandleTagPage serves /tags/{tag} and its feeds (/tags/{tag}.rss, .atom).
// Visitors see this server's public posts with the tag; the owner sees
// every public post known here.
func (s *Web) HandleTagPage(w http.ResponseWriter, r *http.Request) error {
	tag, format := core.PathParam(r, "tag"), ""
	for _, f := range []string{feedRSS, feedAtom} {
		if base, ok := strings.CutSuffix(tag, "."+f); ok {
			tag, format = base, f
		}
	}
	tag = strings.ToLower(strings.TrimPrefix(tag, "#"))
	if !validTag(tag) {
		return store.ErrNotFound
	}
	if format != "" {
		return s.serveTagFeed(w, r, tag, format)
	}
	maxID, _ := strconv.ParseInt(r.URL.Query().Get("max_id"), 10, 64)
	posts, err := s.DB.TagTimeline(r.Context(), tag, store.Page{MaxID: maxID, Limit: ProfilePageSize}, core.SessionFrom(r) == nil)
	if err != nil {
		return err
	}
	v := TagPage{Site: s.Site(r), Tag: tag}
	if v.Statuses, err = s.statusViewsFor(r, posts); err != nil {
		return err
	}
	if maxID != 0 {
		v.Pages.Prev = r.URL.Path
	}
	if len(posts) > 0 {
		v.Pages.Next = core.OlderPage(r, posts[len(posts)-1].ID, len(posts) == ProfilePageSize)
	}
	page := s.Fed.URLs().Base() + "/tags/" + tag
	v.Meta = pageMeta{Title: "#" + tag, Description: "Posts tagged #" + tag + " on " + v.Site.Domain,
		URL: page, Type: "website", FeedURL: page + ".rss", AtomURL: page + ".atom"}
	s.Render(w, r, http.StatusOK, "tag", v)
	return nil
}

// validTag accepts hashtags as Mastodon writes them: letters, digits,
// underscores and joiners, at most 100 characters.
func validTag(tag string) bool {
	if tag == "" || len(tag) > 100 {
		return false
	}
	for _, c := range tag {
		if !unicode.IsLetter(c) && !unicode.IsDigit(c) && !unicode.IsMark(c) && c != '_' && c != '\u200c' && c != '·' {
			return false
		}
	}
	return true
}

type FollowsPage struct {
	Site     core.Site
	Meta     pageMeta
	Account  AccountView
	Which    string // followers or following
	Hidden   bool   // the owner hides their network from visitors
	Accounts []AccountView
	Pages    core.Pagination
}

// followsPageSize is the number of accounts on one followers page.
const followsPageSize = 40

// HandleFollowsPage serves /@{username}/followers and /following, unless
// the owner hides their network, in which case visitors see neither the
// accounts nor their numbers.
func (s *Web) HandleFollowsPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if !s.isOwnerName(core.PathParam(r, "username")) {
		return store.ErrNotFound
	}
	which := "followers"
	if strings.HasSuffix(r.URL.Path, "/following") {
		which = "following"
	}
	owner, err := s.DB.LocalActor(ctx)
	if err != nil {
		return err
	}
	accounts, err := s.accountViews(ctx, []store.Actor{owner})
	if err != nil {
		return err
	}
	v := FollowsPage{Site: s.Site(r), Account: accounts[0], Which: which}
	hidden, _ := s.DB.Setting(ctx, "hide_network")
	v.Hidden = hidden == "true" && !v.Site.SignedIn
	v.Meta = pageMeta{Title: strings.ToUpper(which[:1]) + which[1:] + " of " + v.Account.DisplayName,
		URL: s.Fed.URLs().Profile() + "/" + which, Type: "profile", ActivityURL: s.Fed.URLs().Actor() + "/" + which}
	if !v.Hidden {
		if err := s.fillFollows(r, &v, owner.ID); err != nil {
			return err
		}
	}
	s.Render(w, r, http.StatusOK, "follows", v)
	return nil
}

func (s *Web) fillFollows(r *http.Request, v *FollowsPage, ownerID int64) error {
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	list := s.DB.Followers
	if v.Which == "following" {
		list = s.DB.Following
	}
	actors, err := list(r.Context(), ownerID, "accepted", (page-1)*followsPageSize, followsPageSize)
	if err != nil {
		return err
	}
	if v.Accounts, err = s.accountViews(r.Context(), actors); err != nil {
		return err
	}
	if page > 1 {
		v.Pages.Prev = r.URL.Path + "?page=" + strconv.Itoa(page-1)
	}
	if len(actors) == followsPageSize {
		v.Pages.Next = r.URL.Path + "?page=" + strconv.Itoa(page+1)
	}
	return nil
}
