package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"kith/server/core"
)

type InteractionPage struct {
	Site  core.Site
	URI   string
	Error string
}

// HandleAuthorizeInteraction answers GET /authorize_interaction.
func (s *Web) HandleAuthorizeInteraction(w http.ResponseWriter, r *http.Request) {
	uri := strings.TrimSpace(r.URL.Query().Get("uri"))
	uri = strings.TrimPrefix(uri, "acct:")
	if uri == "" {
		s.Render(w, r, http.StatusOK, "authorize_interaction", InteractionPage{Site: s.Site(r)})
		return
	}
	refuse := func(msg string) {
		s.Render(w, r, http.StatusUnprocessableEntity, "authorize_interaction", InteractionPage{Site: s.Site(r), URI: uri, Error: msg})
	}
	if !core.LooksResolvable(uri) {
		refuse("Paste a handle such as @name@example.com, or the address of an account or a post.")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), webActionTimeout)
	defer cancel()
	target, err := s.resolveInteraction(ctx, uri)
	if err != nil {
		s.Logger.Info("interaction lookup failed", "uri", uri, "err", err)
		refuse("Nothing was found at " + uri + ".")
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// resolveInteraction finds what uri names and returns the owner's page
// for it.
func (s *Web) resolveInteraction(ctx context.Context, uri string) (string, error) {
	if !strings.HasPrefix(uri, "https://") && !strings.HasPrefix(uri, "http://") {
		a, err := s.Fed.Resolve(ctx, uri)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("/accounts/%d", a.ID), nil
	}
	if s.Fed.URLs().IsLocal(uri) {
		if a, err := s.DB.LocalActor(ctx); err == nil && (uri == a.URI || uri == a.URL) {
			return fmt.Sprintf("/accounts/%d", a.ID), nil
		}
		if p, err := s.DB.PostByURI(ctx, uri); err == nil {
			return fmt.Sprintf("/thread/%d", p.ID), nil
		}
	}
	a, p, err := s.Fed.ResolveURL(ctx, uri)
	switch {
	case err != nil:
		return "", err
	case a != nil:
		return fmt.Sprintf("/accounts/%d", a.ID), nil
	default:
		return fmt.Sprintf("/thread/%d", p.ID), nil
	}
}
