package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"kith/server/core"
	"kith/store"
)

type apiSearchResults struct {
	Accounts []apiAccount `json:"accounts"`
	Statuses []APIStatus  `json:"statuses"`
	Hashtags []apiHashtag `json:"hashtags"`
}

// HandleSearch answers GET /api/v2/search and /api/v1/search.
func (s *API) HandleSearch(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	q := strings.TrimSpace(p.String("q"))
	typ := p.String("type")
	limit := int(p.Int("limit", store.DefaultLimit))
	if limit <= 0 || limit > store.MaxLimit {
		limit = store.DefaultLimit
	}
	offset := int(max(p.Int("offset", 0), 0))
	owner := core.IsOwnerToken(r)
	if !owner {
		offset = 0
	}
	out := apiSearchResults{Accounts: []apiAccount{}, Statuses: []APIStatus{}, Hashtags: []apiHashtag{}}
	if q == "" {
		core.WriteAPI(w, http.StatusOK, out)
		return nil
	}
	var actors []store.Actor
	var posts []store.Post
	if owner && p.Bool("resolve", false) && offset == 0 && core.LooksResolvable(q) {
		actors, posts = s.resolveSearch(ctx, q, typ)
	}
	if typ == "" || typ == "accounts" {
		more, err := s.DB.SearchActors(ctx, s.ViewerID(r), q, owner && p.Bool("following", false), limit, offset)
		if err != nil {
			return err
		}
		actors = appendNewActors(actors, more)
		if out.Accounts, err = s.renderAccounts(ctx, actors[:min(len(actors), limit)]); err != nil {
			return err
		}
	}
	if owner && (typ == "" || typ == "statuses") {
		more, err := s.DB.SearchPosts(ctx, q, store.SearchOptions{
			AccountID: p.Int("account_id", 0), MaxID: p.Int("max_id", 0), MinID: p.Int("min_id", 0), Limit: limit, Offset: offset})
		if err != nil {
			return err
		}
		posts = appendNewPosts(posts, more)
		statuses, err := s.renderStatuses(ctx, posts[:min(len(posts), limit)])
		if err != nil {
			return err
		}
		out.Statuses = append(out.Statuses, statuses...)
	}
	if typ == "" || typ == "hashtags" {
		tags, err := s.DB.SearchTags(ctx, q, limit, offset)
		if err != nil {
			return err
		}
		if out.Hashtags, err = s.renderHashtags(ctx, r, tags); err != nil {
			return err
		}
	}
	core.WriteAPI(w, http.StatusOK, out)
	return nil
}

// resolveSearch looks a handle or URL up for a search: an account or a
// post, fetched from its server when kith does not have it. Failures only
// mean no extra result.
func (s *API) resolveSearch(ctx context.Context, q, typ string) ([]store.Actor, []store.Post) {
	ctx, cancel := context.WithTimeout(ctx, resolveTimeout)
	defer cancel()
	if strings.HasPrefix(q, "https://") || strings.HasPrefix(q, "http://") {
		a, p, err := s.Fed.ResolveURL(ctx, q)
		switch {
		case err != nil:
			s.Logger.Debug("search resolve failed", "err", err)
		case p != nil && (typ == "" || typ == "statuses"):
			return nil, []store.Post{*p}
		case a != nil && (typ == "" || typ == "accounts"):
			return []store.Actor{*a}, nil
		}
		return nil, nil
	}
	if typ != "" && typ != "accounts" {
		return nil, nil
	}
	a, err := s.Fed.Resolve(ctx, q)
	if err != nil {
		s.Logger.Debug("search resolve failed", "err", err)
		return nil, nil
	}
	return []store.Actor{a}, nil
}

func appendNewActors(list, more []store.Actor) []store.Actor {
	for _, a := range more {
		dup := false
		for _, b := range list {
			dup = dup || a.ID == b.ID
		}
		if !dup {
			list = append(list, a)
		}
	}
	return list
}

func appendNewPosts(list, more []store.Post) []store.Post {
	for _, p := range more {
		dup := false
		for _, q := range list {
			dup = dup || p.ID == q.ID
		}
		if !dup {
			list = append(list, p)
		}
	}
	return list
}

// apiHashtag is Mastodon's Tag entity as the tag endpoints and search
// give it: with its use over the last week, and whether the owner
// follows it (only when the owner asks).
type apiHashtag struct {
	ID        string      `json:"id"`
	Name      string      `json:"name"`
	URL       string      `json:"url"`
	History   []apiTagDay `json:"history"`
	Following *bool       `json:"following,omitempty"`
	Featuring *bool       `json:"featuring,omitempty"`
}

// apiTagDay is one day of a tag's history; Mastodon sends the numbers as
// strings.
type apiTagDay struct {
	Day      string `json:"day"`
	Uses     string `json:"uses"`
	Accounts string `json:"accounts"`
}

// tagHistoryDays is how much history a Tag carries, as Mastodon.
const tagHistoryDays = 7

// renderHashtags renders tags with their history and, for the owner,
// whether each is followed.
func (s *API) renderHashtags(ctx context.Context, r *http.Request, tags []store.Tag) ([]apiHashtag, error) {
	out := make([]apiHashtag, 0, len(tags))
	var followed map[string]bool
	if core.IsOwnerToken(r) {
		names := make([]string, len(tags))
		for i, t := range tags {
			names[i] = t.Name
		}
		var err error
		if followed, err = s.DB.TagsFollowed(ctx, names); err != nil {
			return nil, err
		}
	}
	for _, t := range tags {
		days, err := s.DB.TagHistory(ctx, t.Name, tagHistoryDays)
		if err != nil {
			return nil, err
		}
		h := apiHashtag{ID: core.APIID(t.ID), Name: t.Name, URL: s.Fed.URLs().Tag(t.Name), History: make([]apiTagDay, 0, len(days))}
		for _, d := range days {
			h.History = append(h.History, apiTagDay{Day: core.APIID(d.Day.Unix()), Uses: itoa(d.Uses), Accounts: itoa(d.Accounts)})
		}
		if followed != nil {
			f, no := followed[t.Name], false
			h.Following, h.Featuring = &f, &no
		}
		out = append(out, h)
	}
	return out, nil
}

// tagByPath finds the tag named by {name}. A tag kith has never seen is
// still a tag (apps open any hashtag), so it is answered with no history
// rather than 404.
func (s *API) tagByPath(r *http.Request) (store.Tag, error) {
	name := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(core.PathParam(r, "name")), "#"))
	if name == "" || strings.ContainsAny(name, " #/") {
		return store.Tag{}, store.ErrNotFound
	}
	t, err := s.DB.TagByName(r.Context(), name)
	if errors.Is(err, store.ErrNotFound) {
		return store.Tag{Name: name}, nil
	}
	return t, err
}

// HandleTag answers GET /api/v1/tags/{name}.
func (s *API) HandleTag(w http.ResponseWriter, r *http.Request) error {
	t, err := s.tagByPath(r)
	if err != nil {
		return err
	}
	return s.writeTag(w, r, t.Name)
}

// writeTag answers with one tag as it is now.
func (s *API) writeTag(w http.ResponseWriter, r *http.Request, name string) error {
	t, err := s.DB.TagByName(r.Context(), name)
	if errors.Is(err, store.ErrNotFound) {
		t, err = store.Tag{Name: name}, nil
	}
	var out []apiHashtag
	if err == nil {
		out, err = s.renderHashtags(r.Context(), r, []store.Tag{t})
	}
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, out[0])
	return nil
}

// HandleFollowTag answers POST /api/v1/tags/{name}/follow and /unfollow.
func (s *API) HandleFollowTag(follow bool) core.Failing {
	return func(w http.ResponseWriter, r *http.Request) error {
		t, err := s.tagByPath(r)
		if err == nil {
			err = s.DB.InTx(r.Context(), func(tx *store.Tx) error {
				if follow {
					return tx.FollowTag(r.Context(), t.Name)
				}
				return tx.UnfollowTag(r.Context(), t.Name)
			})
		}
		if err != nil {
			return err
		}
		return s.writeTag(w, r, t.Name)
	}
}

// HandleFollowedTags answers GET /api/v1/followed_tags.
func (s *API) HandleFollowedTags(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	if err != nil {
		return err
	}
	pg := p.Page(store.DefaultLimit, store.MaxLimit)
	list, err := s.DB.FollowedTags(r.Context(), pg)
	if err != nil {
		return err
	}
	tags := make([]store.Tag, len(list))
	for i, f := range list {
		tags[i] = f.Tag
	}
	out, err := s.renderHashtags(r.Context(), r, tags)
	if err != nil {
		return err
	}
	if len(list) > 0 {
		s.SetLinkHeader(w, r, list[0].ID, list[len(list)-1].ID, len(list), pg.Limit)
	}
	core.WriteAPI(w, http.StatusOK, out)
	return nil
}
