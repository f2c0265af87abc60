package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// GET /authorize_interaction?uri=…: the owner pastes a handle or the
// address of an account or post from anywhere (or another server's
// remote-follow button sends them here), kith finds it through
// federation and opens it where the follow and interaction buttons are:
// the account page or the thread.
//
// Note: Mastodon's remote-follow flow fills the uri from the subscribe
// template kith's WebFinger answer advertises, as "acct:user@host" or a
// URL.

type interactionPage struct {
	Site  site
	URI   string
	Error string
}

// handleAuthorizeInteraction answers GET /authorize_interaction.
func (s *Server) handleAuthorizeInteraction(w http.ResponseWriter, r *http.Request) {
	uri := strings.TrimSpace(r.URL.Query().Get("uri"))
	uri = strings.TrimPrefix(uri, "acct:")
	if uri == "" {
		s.render(w, r, http.StatusOK, "authorize_interaction", interactionPage{Site: s.site(r)})
		return
	}
	refuse := func(msg string) {
		s.render(w, r, http.StatusUnprocessableEntity, "authorize_interaction", interactionPage{Site: s.site(r), URI: uri, Error: msg})
	}
	if !looksResolvable(uri) {
		refuse("Paste a handle such as @name@example.com, or the address of an account or a post.")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), webActionTimeout)
	defer cancel()
	target, err := s.resolveInteraction(ctx, uri)
	if err != nil {
		s.logger.Info("interaction lookup failed", "uri", uri, "err", err)
		refuse("Nothing was found at " + uri + ".")
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// resolveInteraction finds what uri names and returns the owner's page
// for it.
func (s *Server) resolveInteraction(ctx context.Context, uri string) (string, error) {
	if !strings.HasPrefix(uri, "https://") && !strings.HasPrefix(uri, "http://") {
		a, err := s.fed.Resolve(ctx, uri)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("/accounts/%d", a.ID), nil
	}
	if s.fed.URLs().IsLocal(uri) {
		if a, err := s.db.LocalActor(ctx); err == nil && (uri == a.URI || uri == a.URL) {
			return fmt.Sprintf("/accounts/%d", a.ID), nil
		}
		if p, err := s.db.PostByURI(ctx, uri); err == nil {
			return fmt.Sprintf("/thread/%d", p.ID), nil
		}
	}
	a, p, err := s.fed.ResolveURL(ctx, uri)
	switch {
	case err != nil:
		return "", err
	case a != nil:
		return fmt.Sprintf("/accounts/%d", a.ID), nil
	default:
		return fmt.Sprintf("/thread/%d", p.ID), nil
	}
}
