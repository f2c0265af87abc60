package api

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"kith/server/core"
	"kith/store"
)

// apiFeaturedTag is Mastodon's FeaturedTag.
//
// Note: Mastodon sends statuses_count as a string and last_status_at as a
// date without a time ("2026-11-01"), or null before any post.
type apiFeaturedTag struct {
	ID            string  `json:"id"`
	Name          string  `json:"name"`
	URL           string  `json:"url"`
	StatusesCount string  `json:"statuses_count"`
	LastStatusAt  *string `json:"last_status_at"`
}

func (s *API) apiFeaturedTagOf(t store.FeaturedTag) apiFeaturedTag {
	out := apiFeaturedTag{ID: strconv.FormatInt(t.ID, 10), Name: t.Name, URL: s.FeaturedTagURL(t.Name),
		StatusesCount: strconv.Itoa(t.StatusesCount)}
	if !t.LastStatusAt.IsZero() {
		day := t.LastStatusAt.UTC().Format(time.DateOnly)
		out.LastStatusAt = &day
	}
	return out
}

// FeaturedTagURL is the owner's profile showing only the posts with a
// hashtag (Mastodon's /@user/tagged/name).
func (s *API) FeaturedTagURL(name string) string {
	return s.Fed.URLs().Profile() + "/tagged/" + url.PathEscape(name)
}

func (s *API) writeFeaturedTags(w http.ResponseWriter, r *http.Request) error {
	tags, err := s.DB.FeaturedTags(r.Context())
	if err != nil {
		return err
	}
	out := make([]apiFeaturedTag, 0, len(tags))
	for _, t := range tags {
		out = append(out, s.apiFeaturedTagOf(t))
	}
	core.WriteAPI(w, http.StatusOK, out)
	return nil
}

// HandleFeaturedTags answers GET /api/v1/featured_tags: the owner's.
func (s *API) HandleFeaturedTags(w http.ResponseWriter, r *http.Request) error {
	return s.writeFeaturedTags(w, r)
}

// HandleAccountFeaturedTags answers GET /api/v1/accounts/{id}/featured_tags.
// Other servers' accounts answer [] (kith does not read their
// featuredTags collections).
func (s *API) HandleAccountFeaturedTags(w http.ResponseWriter, r *http.Request) error {
	a, err := s.AccountByPath(r)
	if err != nil {
		return err
	}
	if a.ID != s.DB.OwnerID() {
		core.WriteAPI(w, http.StatusOK, []apiFeaturedTag{})
		return nil
	}
	return s.writeFeaturedTags(w, r)
}

// HandleFeatureTag answers POST /api/v1/featured_tags (name).
func (s *API) HandleFeatureTag(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	if err != nil {
		return err
	}
	t, err := s.Fed.FeatureTag(r.Context(), p.String("name"))
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, s.apiFeaturedTagOf(t))
	return nil
}

// HandleUnfeatureTag answers DELETE /api/v1/featured_tags/{id}.
func (s *API) HandleUnfeatureTag(w http.ResponseWriter, r *http.Request) error {
	id, err := core.PathID(r, "id")
	if err == nil {
		err = s.Fed.UnfeatureTag(r.Context(), id)
	}
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, map[string]any{})
	return nil
}

// featuredTagSuggestions is how many tags the suggestions offer, as
// Mastodon.
const featuredTagSuggestions = 10

// HandleFeaturedTagSuggestions answers GET /api/v1/featured_tags/suggestions:
// the hashtags the owner uses most and does not feature yet, as Tags.
func (s *API) HandleFeaturedTagSuggestions(w http.ResponseWriter, r *http.Request) error {
	tags, err := s.DB.MostUsedTags(r.Context(), featuredTagSuggestions)
	if err != nil {
		return err
	}
	out, err := s.renderHashtags(r.Context(), r, tags)
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, out)
	return nil
}
