package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"kith/server/core"
	"kith/store"
)

// ProfilePageSize is the number of posts and boosts on one profile page.
const ProfilePageSize = 20

// pageMeta is what the "meta" partial puts in a page's head: OpenGraph
// tags and the ActivityPub alternate link.
type pageMeta struct {
	Title       string
	Description string
	URL         string // absolute URL of the page
	Image       string // absolute URL of a picture, or empty
	Type        string // og:type: profile or article
	ActivityURL string // the same object as ActivityPub JSON
	FeedURL     string // an RSS feed of the page, or empty
	AtomURL     string // an Atom feed of the page, or empty
}

type ProfilePage struct {
	Site     core.Site
	Meta     pageMeta
	Account  AccountView
	MovedTo  *AccountView // the account the owner moved to, nil if none
	Pinned   []StatusView
	Statuses []StatusView
	Pages    core.Pagination
	// HideNetwork hides the follower and following counts from visitors.
	HideNetwork bool
	// FeaturedTags are the hashtags the owner features; Tagged, when set,
	// is the one whose posts alone the page lists.
	FeaturedTags []FeaturedTagView
	Tagged       string
}

// FeaturedTagView is one featured hashtag on the profile.
type FeaturedTagView struct {
	Name     string // without '#'
	URL      string // the profile showing only its posts
	Statuses int
	LastPost string // the date of its newest post, "" before any
}

// HandleRoot sends the signed-in owner to their home timeline and shows
// visitors the owner's profile.
func (s *Web) HandleRoot(w http.ResponseWriter, r *http.Request) error {
	if core.SessionFrom(r) != nil {
		http.Redirect(w, r, "/home", http.StatusSeeOther)
		return nil
	}
	return s.renderProfile(w, r)
}

// HandleProfile serves /@{username}: the profile page, the owner's actor
// to ActivityPub clients, and the profile's feeds (/@user.rss, .atom).
func (s *Web) HandleProfile(w http.ResponseWriter, r *http.Request) error {
	name := core.PathParam(r, "username")
	for ext, format := range map[string]string{".rss": feedRSS, ".atom": feedAtom} {
		if base, ok := strings.CutSuffix(name, ext); ok {
			if !s.isOwnerName(base) {
				return store.ErrNotFound
			}
			return s.serveProfileFeed(w, r, format)
		}
	}
	if !s.isOwnerName(name) {
		return store.ErrNotFound
	}
	if core.WantsActivityJSON(r) {
		return s.HandleActor(w, r)
	}
	return s.renderProfile(w, r)
}

// HandleProfileTagged serves /@{username}/tagged/{tag}: the profile
// listing only the posts with a hashtag, where a featured tag leads (as
// in Mastodon).
func (s *Web) HandleProfileTagged(w http.ResponseWriter, r *http.Request) error {
	tag := strings.ToLower(core.PathParam(r, "tag"))
	if !s.isOwnerName(core.PathParam(r, "username")) || !validTag(tag) {
		return store.ErrNotFound
	}
	v, err := s.profileView(r.Context(), r, tag)
	if err != nil {
		return err
	}
	s.Render(w, r, http.StatusOK, "profile", v)
	return nil
}

func (s *Web) isOwnerName(name string) bool {
	return strings.EqualFold(name, s.Fed.URLs().Username())
}

// visibleTo is the visibilities a reader may see of the owner's posts:
// all of them for the owner, public and unlisted for visitors.
func visibleTo(r *http.Request) []string {
	if core.SessionFrom(r) != nil {
		return nil
	}
	return []string{store.Public, store.Unlisted}
}

// webViewerID is the owner's actor id when the owner is reading, 0 for a
// visitor (store reads then return only what anyone may see).
func (s *Web) webViewerID(r *http.Request) int64 {
	if core.SessionFrom(r) != nil {
		return s.DB.OwnerID()
	}
	return 0
}

func (s *Web) renderProfile(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	v, err := s.profileView(ctx, r, "")
	if err != nil {
		return err
	}
	s.Render(w, r, http.StatusOK, "profile", v)
	return nil
}

// profileView is the profile page; tagged, when set, lists only the
// posts with that hashtag, without the pinned ones.
func (s *Web) profileView(ctx context.Context, r *http.Request, tagged string) (ProfilePage, error) {
	owner, err := s.DB.LocalActor(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return ProfilePage{}, core.Refuse(http.StatusServiceUnavailable, "This server has no owner account yet. Run 'kith init' or restart 'kith serve'.")
	}
	if err != nil {
		return ProfilePage{}, err
	}
	accounts, err := s.accountViews(ctx, []store.Actor{owner})
	if err != nil {
		return ProfilePage{}, err
	}
	v := ProfilePage{Site: s.Site(r), Account: accounts[0], Tagged: tagged}
	if v.FeaturedTags, err = s.featuredTagViews(ctx); err != nil {
		return ProfilePage{}, err
	}
	hidden, _ := s.DB.Setting(ctx, "hide_network")
	v.HideNetwork = hidden == "true" && !v.Site.SignedIn
	if owner.MovedTo != "" {
		if moved, err := s.DB.ActorByURI(ctx, owner.MovedTo); err == nil {
			mv := s.accountViewOf(ctx, moved)
			v.MovedTo = &mv
		} else {
			v.MovedTo = &AccountView{ProfileURL: owner.MovedTo, Handle: owner.MovedTo, DisplayName: owner.MovedTo}
		}
	}
	maxID, _ := strconv.ParseInt(r.URL.Query().Get("max_id"), 10, 64)
	opts := store.AccountOptions{ViewerID: s.webViewerID(r), Visibilities: visibleTo(r), Tagged: tagged}
	var pinned []store.Post
	if maxID == 0 && tagged == "" {
		pinOpts := opts
		pinOpts.Pinned = true
		if pinned, err = s.DB.AccountStatuses(ctx, owner.ID, store.Page{Limit: store.MaxLimit}, pinOpts); err != nil {
			return ProfilePage{}, err
		}
		pinned = slices.DeleteFunc(pinned, func(p store.Post) bool { return p.ReblogOfID != 0 })
	} else if maxID != 0 {
		v.Pages.Prev = r.URL.Path
	}
	posts, err := s.DB.AccountStatuses(ctx, owner.ID, store.Page{MaxID: maxID, Limit: ProfilePageSize}, opts)
	if err != nil {
		return ProfilePage{}, err
	}
	// One batch for both lists. Pinned posts are the owner's own (not
	// boosts), already checked for visibility, so none is dropped and the
	// first len(pinned) views are theirs.
	views, err := s.statusViewsFor(r, append(pinned[:len(pinned):len(pinned)], posts...))
	if err != nil {
		return ProfilePage{}, err
	}
	v.Pinned, v.Statuses = views[:len(pinned)], views[len(pinned):]
	seen := map[string]bool{}
	for i := range views {
		repeatedDOMID(seen, &views[i], "again")
	}
	if len(posts) > 0 {
		v.Pages.Next = core.OlderPage(r, posts[len(posts)-1].ID, len(posts) == ProfilePageSize)
	}
	v.Meta = s.profileMeta(owner, v.Account)
	return v, nil
}

func (s *Web) featuredTagViews(ctx context.Context) ([]FeaturedTagView, error) {
	tags, err := s.DB.FeaturedTags(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]FeaturedTagView, 0, len(tags))
	for _, t := range tags {
		v := FeaturedTagView{Name: t.Name, URL: "/@" + s.Fed.URLs().Username() + "/tagged/" + url.PathEscape(t.Name), Statuses: t.StatusesCount}
		if !t.LastStatusAt.IsZero() {
			v.LastPost = t.LastStatusAt.UTC().Format("2 January 2006")
		}
		out = append(out, v)
	}
	return out, nil
}

func (s *Web) profileMeta(owner store.Actor, a AccountView) pageMeta {
	urls := s.Fed.URLs()
	return pageMeta{
		Title: a.DisplayName + " (@" + a.Handle + ")", Description: excerpt(store.PlainText(owner.Summary), 300),
		URL: urls.Profile(), Image: s.absoluteURL(a.AvatarURL), Type: "profile", ActivityURL: urls.Actor(),
		FeedURL: urls.Profile() + ".rss", AtomURL: urls.Profile() + ".atom",
	}
}

// absoluteURL makes a local path (/media/…, /static/…) absolute, for
// OpenGraph and feeds; absolute URLs are returned as they are.
func (s *Web) absoluteURL(u string) string {
	if strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") {
		return s.Fed.URLs().Base() + u
	}
	return u
}

type StatusPage struct {
	Site        core.Site
	Meta        pageMeta
	Ancestors   []StatusView
	Status      StatusView
	Descendants []StatusView
}

// Thread limits on a permalink page.
const (
	permalinkAncestors   = 40
	permalinkDescendants = 80
)

// HandleStatusPage serves /@{username}/{id}: a local post with its thread,
// or the post as ActivityPub JSON. Visitors get 404 for followers-only and
// direct posts, boosts and other servers' posts.
func (s *Web) HandleStatusPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := strconv.ParseInt(core.PathParam(r, "id"), 10, 64)
	if err != nil || !s.isOwnerName(core.PathParam(r, "username")) {
		return store.ErrNotFound
	}
	if core.WantsActivityJSON(r) {
		doc, err := s.Fed.PostDocument(ctx, id)
		if err != nil {
			return err
		}
		core.WriteActivityJSON(w, http.StatusOK, doc)
		return nil
	}
	p, err := s.visibleLocalPost(r, id)
	if err != nil {
		return err
	}
	v := StatusPage{Site: s.Site(r)}
	viewer := s.webViewerID(r)
	ancestors, err := s.DB.Ancestors(ctx, viewer, p.ID, permalinkAncestors)
	if err != nil {
		return err
	}
	descendants, err := s.DB.Descendants(ctx, viewer, p.URI, permalinkDescendants)
	if err != nil {
		return err
	}
	focus, err := s.statusViewsFor(r, []store.Post{p})
	if err == nil && len(focus) == 0 {
		err = store.ErrNotFound
	}
	if err == nil {
		v.Ancestors, err = s.statusViewsFor(r, ancestors)
	}
	if err == nil {
		v.Descendants, err = s.statusViewsFor(r, descendants)
	}
	if err != nil {
		return err
	}
	withRole(v.Ancestors, "ancestor")
	withRole(v.Descendants, "descendant")
	v.Status = withRole(focus, "focus")[0]
	v.Meta = s.statusMeta(p, v.Status)
	s.Render(w, r, http.StatusOK, "status_page", v)
	return nil
}

// visibleLocalPost returns a local post (not a boost) the reader may see: any
// of the owner's posts for the owner, public and unlisted ones for
// visitors. Anything else is store.ErrNotFound, so visitors cannot tell a
// followers-only post from a missing one.
func (s *Web) visibleLocalPost(r *http.Request, id int64) (store.Post, error) {
	p, err := s.DB.PostByID(r.Context(), id)
	if err != nil {
		return store.Post{}, err
	}
	if !p.Local || p.ReblogOfID != 0 {
		return store.Post{}, store.ErrNotFound
	}
	if core.SessionFrom(r) == nil && p.Visibility != store.Public && p.Visibility != store.Unlisted {
		return store.Post{}, store.ErrNotFound
	}
	return p, nil
}

func (s *Web) statusMeta(p store.Post, v StatusView) pageMeta {
	m := pageMeta{
		Title: v.Author.DisplayName + " (@" + v.Author.Handle + ")", URL: s.Fed.URLs().PostPage(p.ID),
		Type: "article", ActivityURL: p.URI, Image: s.absoluteURL(v.Author.AvatarURL),
	}
	// Note: Mastodon shows only the content warning in link previews of a
	// post that has one.
	if p.Summary != "" {
		m.Description = p.Summary
	} else {
		m.Description = excerpt(store.PlainText(p.Content), 300)
		for _, a := range v.Attachments {
			if a.Kind == "image" && !p.Sensitive {
				m.Image = s.absoluteURL(a.URL)
				break
			}
		}
	}
	return m
}

// excerpt cuts s to at most n runes, at a word boundary when it can, and
// marks the cut with an ellipsis.
func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	runes := []rune(s)
	if len(runes) <= n {
		return s
	}
	cut := string(runes[:n])
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return cut + "…"
}
