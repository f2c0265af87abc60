package oauth

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"kith/account"
	"kith/server/core"
	"kith/store"
)

type AppsPage struct {
	Site    core.Site
	Apps    []store.OAuthAppUse
	Scopes  []ScopeChoice
	Form    newAppForm
	Error   string
	Created *CreatedApp // set right after creation: the token is shown once
}

type ScopeChoice struct {
	Scope       string
	Description string
	Checked     bool
}

type newAppForm struct {
	Name        string
	Website     string
	RedirectURI string
}

type CreatedApp struct {
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

// HandleApps lists the applications holding tokens and the form for a
// new one.
func (s *OAuth) HandleApps(w http.ResponseWriter, r *http.Request) error {
	return s.renderApps(w, r, http.StatusOK, AppsPage{Form: newAppForm{RedirectURI: core.OobRedirectURI}}, newAppScopes)
}

func (s *OAuth) renderApps(w http.ResponseWriter, r *http.Request, status int, view AppsPage, checked string) error {
	apps, err := s.DB.OAuthApps(r.Context())
	if err != nil {
		return err
	}
	view.Site, view.Apps = s.Site(r), apps
	want := core.ParseScopes(checked)
	for _, sc := range core.GrantableScopes {
		view.Scopes = append(view.Scopes, ScopeChoice{Scope: sc, Description: core.ScopeDescriptions[sc], Checked: slices.Contains(want, sc)})
	}
	s.Render(w, r, status, "apps", view)
	return nil
}

// HandleCreateOwnApp makes an application and an access token for the
// owner, and shows the credentials once.
func (s *OAuth) HandleCreateOwnApp(w http.ResponseWriter, r *http.Request) error {
	if err := core.CheckCSRF(r); err != nil {
		return err
	}
	form := newAppForm{
		Name:        r.PostFormValue("name"),
		Website:     r.PostFormValue("website"),
		RedirectURI: strings.TrimSpace(r.PostFormValue("redirect_uri")),
	}
	scopes := strings.Join(r.PostForm["scopes"], " ")
	app, token, err := CreateAppToken(r.Context(), s.DB, form.Name, form.Website, form.RedirectURI, scopes)
	var ue *core.UserError
	if errors.As(err, &ue) {
		return s.renderApps(w, r, ue.Status, AppsPage{Form: form, Error: strings.TrimPrefix(ue.Msg, "Validation failed: ")}, scopes)
	}
	if err != nil {
		return err
	}
	s.Logger.Info("application created", "app", app.ID)
	created := &CreatedApp{ID: app.ID, Name: app.Name, ClientID: app.ClientID, ClientSecret: app.ClientSecret, AccessToken: token, Scopes: app.Scopes}
	return s.renderApps(w, r, http.StatusOK, AppsPage{Form: newAppForm{RedirectURI: core.OobRedirectURI}, Created: created}, newAppScopes)
}

// HandleRevokeApp deletes an application and every token it holds.
func (s *OAuth) HandleRevokeApp(w http.ResponseWriter, r *http.Request) error {
	if err := core.CheckCSRF(r); err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	if err != nil {
		return core.Refuse(http.StatusBadRequest, "That application is not known.")
	}
	var revoked store.Revoked
	err = s.DB.InTx(r.Context(), func(tx *store.Tx) error {
		revoked.Tokens, err = tx.DeleteOAuthApp(r.Context(), id)
		return err
	})
	if err != nil {
		return err
	}
	s.CloseStreamsOf(revoked)
	s.Logger.Info("application revoked", "app", id)
	http.Redirect(w, r, "/settings/applications", http.StatusSeeOther)
	return nil
}

type AppPage struct {
	Site        core.Site
	App         store.OAuthApp
	AccessToken string // set right after a new token is made: shown once
}

// appByPath loads the application named by the {id} path parameter.
func (s *OAuth) appByPath(r *http.Request) (store.OAuthApp, error) {
	id, err := core.PathID(r, "id")
	if err != nil {
		return store.OAuthApp{}, err
	}
	return s.DB.OAuthAppByID(r.Context(), id)
}

// HandleApp shows GET /settings/applications/{id}: the application's
// client key and secret, and a button for a new access token.
//
// Note: Mastodon's application page shows the access token every time;
// kith stores only a hash of it, so the page offers a new one instead,
// shown once, as Mastodon's "regenerate" does.
func (s *OAuth) HandleApp(w http.ResponseWriter, r *http.Request) error {
	app, err := s.appByPath(r)
	if err != nil {
		return err
	}
	s.Render(w, r, http.StatusOK, "app", AppPage{Site: s.Site(r), App: app})
	return nil
}

// HandleRegenerateAppToken answers POST /settings/applications/{id}/token:
// the application's tokens are revoked and one new token, with the
// application's scopes, is shown.
func (s *OAuth) HandleRegenerateAppToken(w http.ResponseWriter, r *http.Request) error {
	if err := core.CheckCSRF(r); err != nil {
		return err
	}
	app, err := s.appByPath(r)
	if err != nil {
		return err
	}
	granted, ok := core.GrantScopes(app.Scopes, app.Scopes)
	if !ok {
		return core.Refuse(http.StatusUnprocessableEntity, "This application asks for no scope kith can grant.")
	}
	token := account.NewToken(32)
	var revoked store.Revoked
	err = s.DB.InTx(r.Context(), func(tx *store.Tx) error {
		if revoked.Tokens, err = tx.DeleteOAuthTokensOfApp(r.Context(), app.ID); err != nil {
			return err
		}
		return tx.CreateOAuthToken(r.Context(), token, app.ID, granted)
	})
	if err != nil {
		return err
	}
	s.CloseStreamsOf(revoked)
	s.Logger.Info("application token regenerated", "app", app.ID)
	s.Render(w, r, http.StatusOK, "app", AppPage{Site: s.Site(r), App: app, AccessToken: token})
	return nil
}
