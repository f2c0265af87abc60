package server

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"kith/store"
)

// The Development page: the owner's applications and a form that makes
// one with an access token, for bots and scripts.

type appsPage struct {
	Site    site
	Apps    []store.OAuthAppUse
	Scopes  []scopeChoice
	Form    newAppForm
	Error   string
	Created *createdApp // set right after creation: the token is shown once
}

type scopeChoice struct {
	Scope       string
	Description string
	Checked     bool
}

type newAppForm struct {
	Name        string
	Website     string
	RedirectURI string
}

type createdApp struct {
	Name         string
	ClientID     string
	ClientSecret string
	AccessToken  string
	Scopes       string
}

// newAppScopes are checked in an empty form.
//
// Note: Mastodon's new-application form starts with these three.
const newAppScopes = "read write push"

// handleApps lists the applications holding tokens and the form for a
// new one.
func (s *Server) handleApps(w http.ResponseWriter, r *http.Request) {
	s.renderApps(w, r, http.StatusOK, appsPage{Form: newAppForm{RedirectURI: oobRedirectURI}}, newAppScopes)
}

func (s *Server) renderApps(w http.ResponseWriter, r *http.Request, status int, view appsPage, checked string) {
	apps, err := s.db.OAuthApps(r.Context())
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	view.Site, view.Apps = s.site(r), apps
	want := parseScopes(checked)
	for _, sc := range grantableScopes {
		view.Scopes = append(view.Scopes, scopeChoice{Scope: sc, Description: scopeDescriptions[sc], Checked: slices.Contains(want, sc)})
	}
	s.render(w, r, status, "apps", view)
}

// handleCreateOwnApp makes an application and an access token for the
// owner, and shows the credentials once.
func (s *Server) handleCreateOwnApp(w http.ResponseWriter, r *http.Request) {
	if err := checkCSRF(r); err != nil {
		s.renderError(w, r, err)
		return
	}
	form := newAppForm{
		Name:        r.PostFormValue("name"),
		Website:     r.PostFormValue("website"),
		RedirectURI: strings.TrimSpace(r.PostFormValue("redirect_uri")),
	}
	scopes := strings.Join(r.PostForm["scopes"], " ")
	app, token, err := CreateAppToken(r.Context(), s.db, form.Name, form.Website, form.RedirectURI, scopes)
	var ue *userError
	if errors.As(err, &ue) {
		s.renderApps(w, r, ue.status, appsPage{Form: form, Error: strings.TrimPrefix(ue.msg, "Validation failed: ")}, scopes)
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.logger.Info("application created", "app", app.ID)
	created := &createdApp{Name: app.Name, ClientID: app.ClientID, ClientSecret: app.ClientSecret, AccessToken: token, Scopes: app.Scopes}
	s.renderApps(w, r, http.StatusOK, appsPage{Form: newAppForm{RedirectURI: oobRedirectURI}, Created: created}, newAppScopes)
}

// handleRevokeApp deletes an application and every token it holds.
func (s *Server) handleRevokeApp(w http.ResponseWriter, r *http.Request) {
	if err := checkCSRF(r); err != nil {
		s.renderError(w, r, err)
		return
	}
	id, err := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	if err != nil {
		s.renderError(w, r, &userError{http.StatusBadRequest, "That application is not known."})
		return
	}
	if err := s.db.InTx(r.Context(), func(tx *store.Tx) error { return tx.DeleteOAuthApp(r.Context(), id) }); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.logger.Info("application revoked", "app", id)
	http.Redirect(w, r, "/settings/applications", http.StatusSeeOther)
}
