package oauth

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"kith/account"
	"kith/server/core"
	"kith/store"
)

// oauthAppView is Mastodon's Application entity; the credentials appear
// only in the answer to registration.
type oauthAppView struct {
	ID                    string   `json:"id"`
	Name                  string   `json:"name"`
	Website               *string  `json:"website"`
	Scopes                []string `json:"scopes"`
	RedirectURI           string   `json:"redirect_uri"`
	RedirectURIs          []string `json:"redirect_uris"`
	VapidKey              string   `json:"vapid_key"`
	ClientID              string   `json:"client_id,omitempty"`
	ClientSecret          string   `json:"client_secret,omitempty"`
	ClientSecretExpiresAt *int     `json:"client_secret_expires_at,omitempty"`
}

func oauthAppOf(a store.OAuthApp, withCredentials bool) oauthAppView {
	v := oauthAppView{
		ID: core.APIID(a.ID), Name: a.Name, Scopes: core.ParseScopes(a.Scopes),
		// Note: Mastodon still sends the deprecated redirect_uri, the URIs
		// joined by newlines.
		RedirectURI: strings.Join(a.RedirectURIs, "\n"), RedirectURIs: a.RedirectURIs,
	}
	if v.Scopes == nil {
		v.Scopes = []string{}
	}
	if v.RedirectURIs == nil {
		v.RedirectURIs = []string{}
	}
	if a.Website != "" {
		v.Website = &a.Website
	}
	if withCredentials {
		never := 0
		v.ClientID, v.ClientSecret, v.ClientSecretExpiresAt = a.ClientID, a.ClientSecret, &never
	}
	return v
}

// HandleCreateApp registers a client application (POST /api/v1/apps).
// Anyone may register; an app gets nothing until the owner approves it.
func (s *OAuth) HandleCreateApp(limiter *core.RateLimiter) core.Failing {
	return func(w http.ResponseWriter, r *http.Request) error {
		if !limiter.Allow(core.ClientIP(r)) {
			core.APIError(w, http.StatusTooManyRequests, "Too many requests")
			return nil
		}
		p, err := core.Params(r)
		if err != nil {
			return err
		}
		var uris []string
		for _, v := range p.List("redirect_uris") {
			uris = append(uris, strings.Fields(v)...)
		}
		scopes := strings.Join(p.List("scopes"), " ")
		app, err := newOAuthApp(p.String("client_name"), p.String("website"), uris, scopes)
		if err != nil {
			return err
		}
		err = s.DB.InTx(r.Context(), func(tx *store.Tx) error {
			app.ID, err = tx.CreateOAuthApp(r.Context(), app)
			return err
		})
		if err != nil {
			return err
		}
		v := oauthAppOf(app, true)
		v.VapidKey = s.Fed.VAPIDPublicKey() // Note: Mastodon still sends it here too
		core.WriteAPI(w, http.StatusOK, v)
		return nil
	}
}

// newOAuthApp checks a registration and makes the app with fresh
// credentials. Its errors are 422s worded as Mastodon words them.
func newOAuthApp(name, website string, redirectURIs []string, scopes string) (store.OAuthApp, error) {
	invalid := func(msg string) error {
		return core.Refuse(http.StatusUnprocessableEntity, "Validation failed: "+msg)
	}
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return store.OAuthApp{}, invalid("Application name can't be blank")
	case utf8.RuneCountInString(name) > core.MaxAppName:
		return store.OAuthApp{}, invalid("Application name is too long (maximum is " + strconv.Itoa(core.MaxAppName) + " characters)")
	}
	website = strings.TrimSpace(website)
	if website != "" {
		u, err := url.Parse(website)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(website) > core.MaxURILen {
			return store.OAuthApp{}, invalid("Website is invalid")
		}
	}
	if len(redirectURIs) == 0 {
		return store.OAuthApp{}, invalid("Redirect URI can't be blank")
	}
	if len(redirectURIs) > core.MaxRedirectURI {
		return store.OAuthApp{}, invalid("Redirect URI: too many")
	}
	for _, u := range redirectURIs {
		if msg := checkRedirectURI(u); msg != "" {
			return store.OAuthApp{}, invalid("Redirect URI " + msg)
		}
	}
	list := core.ParseScopes(scopes)
	if len(list) == 0 {
		list = []string{"read"} // Note: Mastodon's default when scopes is absent.
	}
	for _, sc := range list {
		if !core.KnownScope(sc) {
			return store.OAuthApp{}, invalid("Scopes doesn't match configured on the server.")
		}
	}
	return store.OAuthApp{
		Name: name, Website: website, RedirectURIs: redirectURIs, Scopes: strings.Join(list, " "),
		ClientID: account.NewToken(32), ClientSecret: account.NewToken(32),
	}, nil
}

// checkRedirectURI says what is wrong with a redirect URI, "" if nothing.
// Apps use https, http on loopback, their own schemes (tusky://,
// elk://) and the out-of-band URN; schemes that run code in the browser
// are refused.
func checkRedirectURI(s string) string {
	if s == core.OobRedirectURI {
		return ""
	}
	if len(s) > core.MaxURILen {
		return "is too long"
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || (u.Host == "" && u.Opaque == "" && u.Path == "") {
		return "must be an absolute URI."
	}
	if u.Fragment != "" || strings.Contains(s, "#") {
		return "cannot contain a fragment."
	}
	switch strings.ToLower(u.Scheme) {
	case "javascript", "data", "vbscript", "file", "blob", "about":
		return "uses a scheme that is not allowed."
	case "http", "https":
		if u.Host == "" {
			return "must be an absolute URI."
		}
	}
	return ""
}

// HandleVerifyApp answers GET /api/v1/apps/verify_credentials: the app
// a token belongs to.
func (s *OAuth) HandleVerifyApp(w http.ResponseWriter, r *http.Request) error {
	app, err := s.DB.OAuthAppByID(r.Context(), core.APIToken(r).AppID)
	if err != nil {
		return err
	}
	v := oauthAppOf(app, false)
	v.VapidKey = s.Fed.VAPIDPublicKey()
	core.WriteAPI(w, http.StatusOK, v)
	return nil
}

// CreateAppToken registers an application for the owner's own use (a
// script, a bot) and issues it an access token that acts as the owner.
// The token is returned once: only its hash is stored.
func CreateAppToken(ctx context.Context, db *store.DB, name, website, redirectURI, scopes string) (store.OAuthApp, string, error) {
	if redirectURI == "" {
		redirectURI = core.OobRedirectURI
	}
	app, err := newOAuthApp(name, website, []string{redirectURI}, scopes)
	if err != nil {
		return store.OAuthApp{}, "", err
	}
	granted, ok := core.GrantScopes(app.Scopes, app.Scopes)
	if !ok {
		return store.OAuthApp{}, "", core.Refuse(http.StatusUnprocessableEntity, "Validation failed: no scope kith can grant")
	}
	token := account.NewToken(32)
	err = db.InTx(ctx, func(tx *store.Tx) error {
		app.ID, err = tx.CreateOAuthApp(ctx, app)
		if err != nil {
			return err
		}
		app.CreatedAt = tx.Now()
		return tx.CreateOAuthToken(ctx, token, app.ID, granted)
	})
	if err != nil {
		return store.OAuthApp{}, "", err
	}
	return app, token, nil
}

// HandleOAuthMetadata serves RFC 8414 authorization server metadata, as
// Mastodon does, so apps can find the endpoints and check for PKCE.
func (s *OAuth) HandleOAuthMetadata(w http.ResponseWriter, r *http.Request) {
	base := s.Config().BaseURL().String()
	core.WriteAPI(w, http.StatusOK, map[string]any{
		// Note: Mastodon's issuer is its root URL with the slash.
		"issuer":                                base + "/",
		"service_documentation":                 "https://docs.joinmastodon.org/",
		"authorization_endpoint":                base + "/oauth/authorize",
		"token_endpoint":                        base + "/oauth/token",
		"revocation_endpoint":                   base + "/oauth/revoke",
		"app_registration_endpoint":             base + "/api/v1/apps",
		"scopes_supported":                      core.SupportedScopes(),
		"response_types_supported":              []string{"code"},
		"response_modes_supported":              []string{"query"},
		"grant_types_supported":                 []string{"authorization_code", "password", "client_credentials"},
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
	})
}
