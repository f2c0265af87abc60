package web

import (
	"net/http"
	"strings"
	"time"

	"kith/server/core"
	"kith/store"
)

// blocksListLimit bounds each list on the page. A single person's lists
// rarely come near it; the API pages through longer ones.
const blocksListLimit = 200

type BlocksPage struct {
	Site    core.Site
	Blocked []AccountView
	Muted   []MutedView
	Domains []string
	Domain  string // the domain typed into a refused form
	Error   string
}

// MutedView is a muted account with when the mute ends.
type MutedView struct {
	Account           AccountView
	HideNotifications bool
	ExpiresAt         time.Time // zero: never
}

// HandleBlocksPage shows GET /blocks.
func (s *Web) HandleBlocksPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderBlocks(w, r, http.StatusOK, BlocksPage{})
}

func (s *Web) renderBlocks(w http.ResponseWriter, r *http.Request, status int, view BlocksPage) error {
	ctx := r.Context()
	view.Site = s.Site(r)
	blocked, err := s.DB.BlockedActors(ctx, store.Page{Limit: blocksListLimit})
	if err != nil {
		return err
	}
	mutes, err := s.DB.Mutes(ctx, store.Page{Limit: blocksListLimit})
	if err != nil {
		return err
	}
	ids := make([]int64, len(mutes))
	for i, m := range mutes {
		ids[i] = m.ActorID
	}
	muted, err := s.DB.ActorsByIDs(ctx, ids)
	if err != nil {
		return err
	}
	if view.Domains, err = s.DB.DomainBlocks(ctx); err != nil {
		return err
	}
	views, err := s.accountViews(ctx, append(blocked, muted...))
	if err != nil {
		return err
	}
	view.Blocked = views[:len(blocked)]
	byID := map[int64]AccountView{}
	for _, v := range views[len(blocked):] {
		byID[v.ID] = v
	}
	for _, m := range mutes {
		if v, ok := byID[m.ActorID]; ok {
			view.Muted = append(view.Muted, MutedView{Account: v, HideNotifications: m.HideNotifications, ExpiresAt: m.ExpiresAt})
		}
	}
	s.Render(w, r, status, "blocks", view)
	return nil
}

// HandleDomainBlockForm answers POST /blocks/domains (block=1 adds,
// anything else removes).
func (s *Web) HandleDomainBlockForm(w http.ResponseWriter, r *http.Request) error {
	if err := core.CheckCSRF(r); err != nil {
		return err
	}
	domain := normalizeDomain(r.PostFormValue("domain"))
	if domain == "" || strings.ContainsAny(domain, "/@ ") {
		return s.renderBlocks(w, r, http.StatusUnprocessableEntity, BlocksPage{Domain: r.PostFormValue("domain"),
			Error: "Type a domain name, such as example.com."})
	}
	var err error
	if r.PostFormValue("block") == "1" {
		err = s.Fed.BlockDomain(r.Context(), domain)
	} else {
		err = s.Fed.UnblockDomain(r.Context(), domain)
	}
	if err != nil {
		return webFederationError(err)
	}
	s.Logger.Info("domain block changed", "domain", domain, "blocked", r.PostFormValue("block") == "1")
	http.Redirect(w, r, returnTo(r, "/blocks"), http.StatusSeeOther)
	return nil
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
