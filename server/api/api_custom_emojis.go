package api

import (
	"net/http"

	"kith/server/core"
)

// HandleCustomEmojis answers GET /api/v1/custom_emojis: the owner's
// custom emoji, for apps' emoji pickers. Anyone may ask, as on Mastodon.
func (s *API) HandleCustomEmojis(w http.ResponseWriter, r *http.Request) error {
	list, err := s.DB.CustomEmojis(r.Context())
	if err != nil {
		return err
	}
	base := s.Config().Server.URL + "/media/"
	out := []apiEmoji{}
	for _, e := range list {
		u := base + e.Path
		out = append(out, apiEmoji{Shortcode: e.Shortcode, URL: u, StaticURL: u, VisibleInPicker: e.VisibleInPicker, Category: e.Category})
	}
	core.WriteAPI(w, http.StatusOK, out)
	return nil
}
