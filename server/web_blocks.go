package server

import (
	"net/http"
	"strings"
	"time"

	"kith/store"
)

// The Blocks & mutes page: blocked and muted accounts with a button to
// lift each, and blocked domains with forms to add and remove them. Every
// page's menu links here, so a block is never hard to undo.

// blocksListLimit bounds each list on the page. A single person's lists
// rarely come near it; the API pages through longer ones.
const blocksListLimit = 200

type blocksPage struct {
	Site    site
	Blocked []accountView
	Muted   []mutedView
	Domains []string
	Domain  string // the domain typed into a refused form
	Error   string
}

// mutedView is a muted account with when the mute ends.
type mutedView struct {
	Account           accountView
	HideNotifications bool
	ExpiresAt         time.Time // zero: never
}

// handleBlocksPage shows GET /blocks.
func (s *Server) handleBlocksPage(w http.ResponseWriter, r *http.Request) {
	s.renderBlocks(w, r, http.StatusOK, blocksPage{})
}

func (s *Server) renderBlocks(w http.ResponseWriter, r *http.Request, status int, view blocksPage) {
	ctx := r.Context()
	view.Site = s.site(r)
	blocked, err := s.db.BlockedActors(ctx, s.fed.LocalActorID(), store.Page{Limit: blocksListLimit})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	mutes, err := s.db.Mutes(ctx, store.Page{Limit: blocksListLimit})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	ids := make([]int64, len(mutes))
	for i, m := range mutes {
		ids[i] = m.ActorID
	}
	muted, err := s.db.ActorsByIDs(ctx, ids)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if view.Domains, err = s.db.DomainBlocks(ctx); err != nil {
		s.renderError(w, r, err)
		return
	}
	views, err := s.accountViews(ctx, append(blocked, muted...))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	view.Blocked = views[:len(blocked)]
	byID := map[int64]accountView{}
	for _, v := range views[len(blocked):] {
		byID[v.ID] = v
	}
	for _, m := range mutes {
		if v, ok := byID[m.ActorID]; ok {
			view.Muted = append(view.Muted, mutedView{Account: v, HideNotifications: m.HideNotifications, ExpiresAt: m.ExpiresAt})
		}
	}
	s.render(w, r, status, "blocks", view)
}

// handleDomainBlockForm answers POST /blocks/domains (block=1 adds,
// anything else removes).
func (s *Server) handleDomainBlockForm(w http.ResponseWriter, r *http.Request) {
	if err := checkCSRF(r); err != nil {
		s.renderError(w, r, err)
		return
	}
	domain := normalizeDomain(r.PostFormValue("domain"))
	if domain == "" || strings.ContainsAny(domain, "/@ ") {
		s.renderBlocks(w, r, http.StatusUnprocessableEntity, blocksPage{Domain: r.PostFormValue("domain"),
			Error: "Type a domain name, such as example.com."})
		return
	}
	var err error
	if r.PostFormValue("block") == "1" {
		err = s.fed.BlockDomain(r.Context(), domain)
	} else {
		err = s.fed.UnblockDomain(r.Context(), domain)
	}
	if err != nil {
		s.renderError(w, r, webFederationError(err))
		return
	}
	s.logger.Info("domain block changed", "domain", domain, "blocked", r.PostFormValue("block") == "1")
	http.Redirect(w, r, returnTo(r, "/blocks"), http.StatusSeeOther)
}

// normalizeDomain accepts a domain as people paste it: with a scheme, a
// path or a trailing dot, in any case.
func normalizeDomain(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
	if i := strings.IndexByte(s, '/'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSuffix(s, ".")
}
