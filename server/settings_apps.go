package server

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"kith/account"
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
	ID           int64
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
	created := &createdApp{ID: app.ID, Name: app.Name, ClientID: app.ClientID, ClientSecret: app.ClientSecret, AccessToken: token, Scopes: app.Scopes}
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
	var revoked store.Revoked
	err = s.db.InTx(r.Context(), func(tx *store.Tx) error {
		revoked.Tokens, err = tx.DeleteOAuthApp(r.Context(), id)
		return err
	})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.closeStreamsOf(revoked)
	s.logger.Info("application revoked", "app", id)
	http.Redirect(w, r, "/settings/applications", http.StatusSeeOther)
}

type appPage struct {
	Site        site
	App         store.OAuthApp
	AccessToken string // set right after a new token is made: shown once
}

// appByPath loads the application named by the {id} path parameter.
func (s *Server) appByPath(r *http.Request) (store.OAuthApp, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return store.OAuthApp{}, err
	}
	return s.db.OAuthAppByID(r.Context(), id)
}

// handleApp shows GET /settings/applications/{id}: the application's
// client key and secret, and a button for a new access token.
//
// Note: Mastodon's application page shows the access token every time;
// kith stores only a hash of it, so the page offers a new one instead,
// shown once, as Mastodon's "regenerate" does.
func (s *Server) handleApp(w http.ResponseWriter, r *http.Request) {
	app, err := s.appByPath(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "app", appPage{Site: s.site(r), App: app})
}

// handleRegenerateAppToken answers POST /settings/applications/{id}/token:
// the application's tokens are revoked and one new token, with the
// application's scopes, is shown.
func (s *Server) handleRegenerateAppToken(w http.ResponseWriter, r *http.Request) {
	if err := checkCSRF(r); err != nil {
		s.renderError(w, r, err)
		return
	}
	app, err := s.appByPath(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	granted, ok := grantScopes(app.Scopes, app.Scopes)
	if !ok {
		s.renderError(w, r, &userError{http.StatusUnprocessableEntity, "This application asks for no scope kith can grant."})
		return
	}
	token := account.NewToken(32)
	var revoked store.Revoked
	err = s.db.InTx(r.Context(), func(tx *store.Tx) error {
		if revoked.Tokens, err = tx.DeleteOAuthTokensOfApp(r.Context(), app.ID); err != nil {
			return err
		}
		return tx.CreateOAuthToken(r.Context(), token, app.ID, granted)
	})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.closeStreamsOf(revoked)
	s.logger.Info("application token regenerated", "app", app.ID)
	s.render(w, r, http.StatusOK, "app", appPage{Site: s.site(r), App: app, AccessToken: token})
}
