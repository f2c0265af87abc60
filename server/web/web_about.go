package web

import (
	"cmp"
	"net/http"
	"strings"

	"kith/server/core"
	"kith/store"
)

// AboutPage is /about: what the server is, who runs it and how to reach
// them, and its rules, from the config's [instance] table (as Mastodon's
// about page).
type AboutPage struct {
	Site core.Site
	Meta pageMeta
	// Description is the config's description in paragraphs; without
	// one, the page shows the owner's bio.
	Description  []string
	Owner        AccountView
	ContactEmail string
	Rules        []string
}

// HandleAbout serves /about.
func (s *Web) HandleAbout(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	owner, err := s.DB.LocalActor(ctx)
	if err != nil {
		return err
	}
	accounts, err := s.accountViews(ctx, []store.Actor{owner})
	if err != nil {
		return err
	}
	in := s.Config().Instance
	v := AboutPage{Site: s.Site(r), Owner: accounts[0], ContactEmail: in.ContactEmail}
	for _, rule := range in.Rules {
		v.Rules = append(v.Rules, strings.TrimSpace(rule))
	}
	for _, p := range strings.Split(strings.ReplaceAll(in.Description, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			v.Description = append(v.Description, p)
		}
	}
	about := s.Fed.URLs().Base() + "/about"
	v.Meta = pageMeta{Title: "About " + v.Site.Domain, Description: excerpt(cmp.Or(in.ShortDescription, in.Description), 300), URL: about, Type: "website"}
	s.Render(w, r, http.StatusOK, "about", v)
	return nil
}
