package server

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"kith/account"
	"kith/store"
)

// OAuth 2 as Mastodon serves it. Apps register at POST /api/v1/apps, the
// owner approves them at /oauth/authorize, and they exchange the code (or
// the owner's password, or their own credentials) at /oauth/token for a
// bearer token. API routes check that token with apiAuth and requireScope.

const (
	// oobRedirectURI asks for the code to be shown to copy, not sent.
	oobRedirectURI = "urn:ietf:wg:oauth:2.0:oob"
	// codeLifetime is how long an authorization code can be exchanged.
	codeLifetime = 10 * time.Minute
	// Password grants are limited like the login form (a separate bucket).
	passwordBurst  = loginBurst
	passwordRefill = loginRefill
	// App registrations per address: apps like Elk register one per
	// sign-in, so this only stops floods.
	appsBurst  = 30
	appsRefill = time.Minute
	// Note: Mastodon limits application names to 60 characters and URIs
	// to 2000.
	maxAppName     = 60
	maxURILen      = 2000
	maxRedirectURI = 10
)

const tokenKey ctxKey = 200

// invalidToken marks a request that presented a token kith does not know.
var invalidToken = &store.OAuthToken{}

// apiAuth reads the request's access token (Authorization: Bearer, or an
// access_token parameter as streaming clients send it) and puts its grant
// in the context. It refuses nothing itself: public endpoints work without
// a token, and requireScope answers for the protected ones.
func (s *Server) apiAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := bearerToken(r)
		if token == "" {
			next.ServeHTTP(w, r)
			return
		}
		t, err := s.db.OAuthTokenByToken(r.Context(), token)
		if errors.Is(err, store.ErrNotFound) {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tokenKey, invalidToken)))
			return
		}
		if err != nil {
			s.apiFail(w, r, err)
			return
		}
		if s.opts.Now().Sub(t.LastUsedAt) > touchEvery {
			err := s.db.InTx(r.Context(), func(tx *store.Tx) error { return tx.TouchOAuthToken(r.Context(), t.TokenHash) })
			if err != nil {
				s.logger.Warn("touch token failed", "err", err)
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tokenKey, &t)))
	})
}

// bearerToken finds the access token: the Authorization header, else an
// access_token query or form parameter.
func bearerToken(r *http.Request) string {
	if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	if t := r.URL.Query().Get("access_token"); t != "" {
		return t
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		return r.PostFormValue("access_token")
	}
	return ""
}

// apiToken is the request's valid token grant, nil without one.
func apiToken(r *http.Request) *store.OAuthToken {
	t, _ := r.Context().Value(tokenKey).(*store.OAuthToken)
	if t == invalidToken {
		return nil
	}
	return t
}

// isOwnerToken says whether the request carries a token that acts as the
// owner; app-only (client_credentials) tokens do not.
func isOwnerToken(r *http.Request) bool {
	t := apiToken(r)
	return t != nil && !t.AppOnly
}

// requireScope lets through requests whose token acts as the owner and
// holds one of scopes (any of them; none means any owner token). It
// answers 401 without a valid token, 403 when the scope is missing, and
// 422 for an app-only token, which may never act as the owner.
//
// Use it for everything that reads or changes the owner's data; for the
// few endpoints an app token may call (public data), use requireToken.
func (s *Server) requireScope(scopes ...string) func(http.Handler) http.Handler {
	return s.checkToken(true, scopes)
}

// requireToken is requireScope that also admits app-only tokens.
func (s *Server) requireToken(scopes ...string) func(http.Handler) http.Handler {
	return s.checkToken(false, scopes)
}

func (s *Server) checkToken(ownerOnly bool, scopes []string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t := apiToken(r)
			switch {
			case t == nil:
				w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
				apiError(w, http.StatusUnauthorized, "The access token is invalid")
			case len(scopes) > 0 && !anyScopeAllowed(t.Scopes, scopes):
				w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", scope="`+strings.Join(scopes, " ")+`"`)
				apiError(w, http.StatusForbidden, "This action is outside the authorized scopes")
			case ownerOnly && t.AppOnly:
				// Note: Mastodon answers 422 with this message when an app
				// token calls an endpoint that needs a user.
				apiError(w, http.StatusUnprocessableEntity, "This method requires an authenticated user")
			default:
				next.ServeHTTP(w, r)
			}
		})
	}
}

func anyScopeAllowed(granted string, scopes []string) bool {
	for _, sc := range scopes {
		if scopesAllow(granted, sc) {
			return true
		}
	}
	return false
}

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
		ID: apiID(a.ID), Name: a.Name, Scopes: parseScopes(a.Scopes),
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

// handleCreateApp registers a client application (POST /api/v1/apps).
// Anyone may register; an app gets nothing until the owner approves it.
func (s *Server) handleCreateApp(limiter *rateLimiter) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !limiter.allow(clientIP(r)) {
			apiError(w, http.StatusTooManyRequests, "Too many requests")
			return
		}
		p, err := params(r)
		if err != nil {
			s.apiFail(w, r, err)
			return
		}
		var uris []string
		for _, v := range p.List("redirect_uris") {
			uris = append(uris, strings.Fields(v)...)
		}
		scopes := strings.Join(p.List("scopes"), " ")
		app, err := newOAuthApp(p.String("client_name"), p.String("website"), uris, scopes)
		if err != nil {
			s.apiFail(w, r, err)
			return
		}
		err = s.db.InTx(r.Context(), func(tx *store.Tx) error {
			app.ID, err = tx.CreateOAuthApp(r.Context(), app)
			return err
		})
		if err != nil {
			s.apiFail(w, r, err)
			return
		}
		writeAPI(w, http.StatusOK, oauthAppOf(app, true))
	}
}

// newOAuthApp checks a registration and makes the app with fresh
// credentials. Its errors are 422s worded as Mastodon words them.
func newOAuthApp(name, website string, redirectURIs []string, scopes string) (store.OAuthApp, error) {
	invalid := func(msg string) error {
		return &userError{http.StatusUnprocessableEntity, "Validation failed: " + msg}
	}
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return store.OAuthApp{}, invalid("Application name can't be blank")
	case utf8.RuneCountInString(name) > maxAppName:
		return store.OAuthApp{}, invalid("Application name is too long (maximum is " + strconv.Itoa(maxAppName) + " characters)")
	}
	website = strings.TrimSpace(website)
	if website != "" {
		u, err := url.Parse(website)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(website) > maxURILen {
			return store.OAuthApp{}, invalid("Website is invalid")
		}
	}
	if len(redirectURIs) == 0 {
		return store.OAuthApp{}, invalid("Redirect URI can't be blank")
	}
	if len(redirectURIs) > maxRedirectURI {
		return store.OAuthApp{}, invalid("Redirect URI: too many")
	}
	for _, u := range redirectURIs {
		if msg := checkRedirectURI(u); msg != "" {
			return store.OAuthApp{}, invalid("Redirect URI " + msg)
		}
	}
	list := parseScopes(scopes)
	if len(list) == 0 {
		list = []string{"read"} // Note: Mastodon's default when scopes is absent.
	}
	for _, sc := range list {
		if !knownScope(sc) {
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
	if s == oobRedirectURI {
		return ""
	}
	if len(s) > maxURILen {
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

// handleVerifyApp answers GET /api/v1/apps/verify_credentials: the app
// a token belongs to.
func (s *Server) handleVerifyApp(w http.ResponseWriter, r *http.Request) {
	app, err := s.db.OAuthAppByID(r.Context(), apiToken(r).AppID)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeAPI(w, http.StatusOK, oauthAppOf(app, false))
}

// CreateAppToken registers an application for the owner's own use (a
// script, a bot) and issues it an access token that acts as the owner.
// The token is returned once: only its hash is stored.
func CreateAppToken(ctx context.Context, db *store.DB, name, website, redirectURI, scopes string) (store.OAuthApp, string, error) {
	if redirectURI == "" {
		redirectURI = oobRedirectURI
	}
	app, err := newOAuthApp(name, website, []string{redirectURI}, scopes)
	if err != nil {
		return store.OAuthApp{}, "", err
	}
	granted, ok := grantScopes(app.Scopes, app.Scopes)
	if !ok {
		return store.OAuthApp{}, "", &userError{http.StatusUnprocessableEntity, "Validation failed: no scope kith can grant"}
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

// handleOAuthMetadata serves RFC 8414 authorization server metadata, as
// Mastodon does, so apps can find the endpoints and check for PKCE.
func (s *Server) handleOAuthMetadata(w http.ResponseWriter, r *http.Request) {
	base := s.config().BaseURL().String()
	writeAPI(w, http.StatusOK, map[string]any{
		// Note: Mastodon's issuer is its root URL with the slash.
		"issuer":                                base + "/",
		"service_documentation":                 "https://docs.joinmastodon.org/",
		"authorization_endpoint":                base + "/oauth/authorize",
		"token_endpoint":                        base + "/oauth/token",
		"revocation_endpoint":                   base + "/oauth/revoke",
		"app_registration_endpoint":             base + "/api/v1/apps",
		"scopes_supported":                      supportedScopes(),
		"response_types_supported":              []string{"code"},
		"response_modes_supported":              []string{"query"},
		"grant_types_supported":                 []string{"authorization_code", "password", "client_credentials"},
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
	})
}

// pkceChallenge is the S256 challenge of a verifier.
func pkceChallenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// validPKCE checks a code_challenge's or code_verifier's form (RFC 7636:
// unreserved characters; an S256 challenge is 43 of them).
func validPKCE(s string, minLen, maxLen int) bool {
	if len(s) < minLen || len(s) > maxLen {
		return false
	}
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// tokenErrors describe RFC 6749's error codes for error_description.
var tokenErrors = map[string]string{
	"invalid_request":        "The request is missing a required parameter, has an unsupported value, or is otherwise malformed.",
	"invalid_client":         "Client authentication failed: unknown client, no client credentials, or an unsupported authentication method.",
	"invalid_grant":          "The authorization grant is invalid, expired, revoked, does not match the redirect URI of the authorization request, or was issued to another client.",
	"unsupported_grant_type": "The authorization grant type is not supported by this server.",
	"invalid_scope":          "The requested scope is invalid, unknown, or malformed.",
	"unauthorized_client":    "The client is not authorized to do this.",
	"access_denied":          "The resource owner denied the request.",
	// For /oauth/authorize only.
	"unsupported_response_type": "This server supports only the authorization code response type.",
}

// tokenError answers the token and revoke endpoints' errors, RFC 6749
// style: {"error": code, "error_description": text}.
func tokenError(w http.ResponseWriter, status int, code string) {
	writeAPI(w, status, map[string]string{"error": code, "error_description": tokenErrors[code]})
}

// refuseClient answers a failed client authentication. The Basic
// challenge goes only to clients that tried Basic (RFC 6749 §5.2), so no
// browser pops up a password dialog for the others.
func refuseClient(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := r.BasicAuth(); ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="kith"`)
	}
	tokenError(w, http.StatusUnauthorized, "invalid_client")
}

// authenticateClient finds the app a token or revoke request comes from,
// by client_id and client_secret in the parameters or HTTP Basic
// (RFC 6749 §2.3.1). It reports false when they do not match an app.
func (s *Server) authenticateClient(r *http.Request, p apiParams) (store.OAuthApp, bool, error) {
	id, secret := p.String("client_id"), p.String("client_secret")
	if u, pw, ok := r.BasicAuth(); ok {
		id, _ = url.QueryUnescape(u)
		secret, _ = url.QueryUnescape(pw)
	}
	if id == "" || secret == "" {
		return store.OAuthApp{}, false, nil
	}
	app, err := s.db.OAuthAppByClientID(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return store.OAuthApp{}, false, nil
	}
	if err != nil {
		return store.OAuthApp{}, false, err
	}
	return app, tokensEqual(secret, app.ClientSecret), nil
}

// handleToken is POST /oauth/token. The password grant shares nothing
// with the login form but is limited per address the same way.
func (s *Server) handleToken(passwords *rateLimiter) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := params(r)
		if err != nil {
			tokenError(w, http.StatusBadRequest, "invalid_request")
			return
		}
		grant := p.String("grant_type")
		if grant == "password" && !passwords.allow(clientIP(r)) {
			w.Header().Set("Retry-After", strconv.Itoa(int(passwordRefill.Seconds())))
			apiError(w, http.StatusTooManyRequests, "Too many requests")
			return
		}
		switch grant {
		case "authorization_code", "password", "client_credentials":
		case "":
			tokenError(w, http.StatusBadRequest, "invalid_request")
			return
		default:
			tokenError(w, http.StatusBadRequest, "unsupported_grant_type")
			return
		}
		app, ok, err := s.authenticateClient(r, p)
		if err != nil {
			s.apiFail(w, r, err)
			return
		}
		if !ok {
			refuseClient(w, r)
			return
		}
		switch grant {
		case "authorization_code":
			s.grantCode(w, r, p, app)
		case "password":
			s.grantPassword(w, r, p, app)
		case "client_credentials":
			s.grantClientCredentials(w, r, p, app)
		}
	}
}

// grantCode exchanges an authorization code. Taking the code deletes it,
// so a code that fails a check here is spent too.
func (s *Server) grantCode(w http.ResponseWriter, r *http.Request, p apiParams, app store.OAuthApp) {
	code := p.String("code")
	if code == "" {
		tokenError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	var c store.OAuthCode
	err := s.db.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		c, err = tx.TakeOAuthCode(r.Context(), code)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		tokenError(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	redirectURI := p.String("redirect_uri")
	if redirectURI == "" && len(app.RedirectURIs) == 1 {
		redirectURI = app.RedirectURIs[0] // RFC 6749 §4.1.3: needed only if the request had one
	}
	verifier := p.String("code_verifier")
	switch {
	case c.AppID != app.ID, redirectURI != c.RedirectURI:
		tokenError(w, http.StatusBadRequest, "invalid_grant")
		return
	case c.CodeChallenge == "" && verifier != "":
		// A verifier without a challenge means the challenge was stripped
		// on the way (RFC 9700 §2.1.1): refuse rather than ignore it.
		tokenError(w, http.StatusBadRequest, "invalid_grant")
		return
	case c.CodeChallenge != "" && (!validPKCE(verifier, 43, 128) || !tokensEqual(pkceChallenge(verifier), c.CodeChallenge)):
		tokenError(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	s.issueToken(w, r, app.ID, c.Scopes, false)
}

// grantPassword issues a token for the owner's username and password.
//
// Note: toot's login_cli and Mastodon.py's log_in use this grant; they
// call the username "email", as Mastodon signs in by email. kith takes
// the username, with or without @ and its domain.
func (s *Server) grantPassword(w http.ResponseWriter, r *http.Request, p apiParams, app store.OAuthApp) {
	scopes, ok := grantScopes(p.String("scope"), app.Scopes)
	if !ok {
		tokenError(w, http.StatusBadRequest, "invalid_scope")
		return
	}
	username := strings.TrimPrefix(strings.TrimSpace(p.String("username")), "@")
	if name, domain, found := strings.Cut(username, "@"); found && strings.EqualFold(domain, s.config().Domain()) {
		username = name
	}
	ok, err := account.Login(r.Context(), s.db, username, p.String("password"))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	if !ok {
		s.logger.Info("token password grant failed", "ip", clientIP(r))
		tokenError(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	s.issueToken(w, r, app.ID, scopes, false)
}

// grantClientCredentials issues an app-only token: it never acts as the
// owner and keeps only read scopes, so whoever registers an app (anyone)
// can read with it only what is public.
func (s *Server) grantClientCredentials(w http.ResponseWriter, r *http.Request, p apiParams, app store.OAuthApp) {
	scopes, ok := grantScopes(p.String("scope"), app.Scopes)
	if !ok {
		tokenError(w, http.StatusBadRequest, "invalid_scope")
		return
	}
	s.issueToken(w, r, app.ID, appTokenScopes(scopes), true)
}

// issueToken stores a new token and answers with Mastodon's Token entity.
func (s *Server) issueToken(w http.ResponseWriter, r *http.Request, appID int64, scopes string, appOnly bool) {
	token := account.NewToken(32)
	var created time.Time
	err := s.db.InTx(r.Context(), func(tx *store.Tx) error {
		created = tx.Now()
		if appOnly {
			return tx.CreateOAuthAppToken(r.Context(), token, appID, scopes)
		}
		return tx.CreateOAuthToken(r.Context(), token, appID, scopes)
	})
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	w.Header().Set("Pragma", "no-cache")
	writeAPI(w, http.StatusOK, map[string]any{
		"access_token": token, "token_type": "Bearer", "scope": scopes, "created_at": created.Unix(),
	})
}

// handleRevoke is POST /oauth/revoke (RFC 7009): an unknown token is
// already revoked, so it too answers 200 {}.
func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request) {
	p, err := params(r)
	if err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	app, ok, err := s.authenticateClient(r, p)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	if !ok {
		refuseClient(w, r)
		return
	}
	token := p.String("token")
	if token == "" {
		tokenError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	t, err := s.db.OAuthTokenByToken(r.Context(), token)
	if errors.Is(err, store.ErrNotFound) {
		writeAPI(w, http.StatusOK, map[string]any{})
		return
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	if t.AppID != app.ID {
		// Note: Mastodon (Doorkeeper) refuses to revoke another app's token.
		tokenError(w, http.StatusForbidden, "unauthorized_client")
		return
	}
	if err := s.db.InTx(r.Context(), func(tx *store.Tx) error {
		_, err := tx.RevokeOAuthToken(r.Context(), token)
		return err
	}); err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeAPI(w, http.StatusOK, map[string]any{})
}

// authorizeRequest is a checked /oauth/authorize request.
type authorizeRequest struct {
	App           store.OAuthApp
	RedirectURI   string
	Scopes        string // what will be granted
	State         string
	CodeChallenge string
}

// authorizeError is a refusal sent back to the app on its redirect URI
// (RFC 6749 §4.1.2.1); refusals before the redirect URI is trusted are
// shown to the owner instead.
type authorizeError struct{ code string }

func (e *authorizeError) Error() string { return tokenErrors[e.code] }

// readAuthorizeRequest checks an authorization request's parameters: the
// query of the GET, or the consent form's hidden fields.
func (s *Server) readAuthorizeRequest(r *http.Request, q url.Values) (authorizeRequest, error) {
	app, err := s.db.OAuthAppByClientID(r.Context(), q.Get("client_id"))
	if errors.Is(err, store.ErrNotFound) || (err == nil && q.Get("client_id") == "") {
		return authorizeRequest{}, &userError{http.StatusBadRequest, "This application is not known to this server. Go back to the app and sign in again."}
	}
	if err != nil {
		return authorizeRequest{}, err
	}
	req := authorizeRequest{App: app, RedirectURI: q.Get("redirect_uri"), State: q.Get("state")}
	if req.RedirectURI == "" && len(app.RedirectURIs) == 1 {
		req.RedirectURI = app.RedirectURIs[0]
	}
	registered := false
	for _, u := range app.RedirectURIs {
		registered = registered || u == req.RedirectURI // exact match only: no prefixes, no normalizing
	}
	if !registered {
		return authorizeRequest{}, &userError{http.StatusBadRequest, "The app asked to return to an address it did not register. Nothing was authorized."}
	}
	if q.Get("response_type") != "code" {
		return req, &authorizeError{"unsupported_response_type"}
	}
	var ok bool
	if req.Scopes, ok = grantScopes(q.Get("scope"), app.Scopes); !ok {
		return req, &authorizeError{"invalid_scope"}
	}
	// PKCE: S256 only. "plain" (the default when no method is named)
	// protects nothing against a stolen code.
	req.CodeChallenge = q.Get("code_challenge")
	method := q.Get("code_challenge_method")
	switch {
	case req.CodeChallenge == "" && method == "":
	case method != "S256", !validPKCE(req.CodeChallenge, 43, 43):
		return req, &authorizeError{"invalid_request"}
	}
	return req, nil
}

// authorizePage is the consent page, or after approval with the
// out-of-band redirect, the page showing the code.
type authorizePage struct {
	Site    site
	AppName string
	Website string
	Scopes  []scopeLine
	Form    url.Values // the request, carried through the consent form
	Code    string
}

// Fields lists the consent form's hidden fields in a fixed order.
func (p authorizePage) Fields() [][2]string {
	var out [][2]string
	for _, k := range []string{"client_id", "redirect_uri", "scope", "state", "response_type", "code_challenge", "code_challenge_method"} {
		if v := p.Form.Get(k); v != "" {
			out = append(out, [2]string{k, v})
		}
	}
	return out
}

// handleAuthorize shows the consent page (GET /oauth/authorize). The
// route requires a session, so a visitor signs in first and comes back.
//
// Note: Mastodon's force_login switches accounts; with one account there
// is nothing to switch to, so it is ignored.
func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	req, err := s.readAuthorizeRequest(r, q)
	if err != nil {
		s.refuseAuthorize(w, r, req, err)
		return
	}
	// Note: Chrome applies form-action to the redirect that follows a form
	// post, so 'self' would block the return to the app; Mastodon drops
	// form-action on this page too. frame-ancestors still forbids framing.
	w.Header().Set("Content-Security-Policy", withoutDirective(w.Header().Get("Content-Security-Policy"), "form-action"))
	s.render(w, r, http.StatusOK, "authorize", authorizePage{
		Site: s.site(r), AppName: req.App.Name, Website: req.App.Website, Scopes: describeScopes(req.Scopes), Form: q,
	})
}

// handleAuthorizeDecision takes the consent form (POST /oauth/authorize).
func (s *Server) handleAuthorizeDecision(w http.ResponseWriter, r *http.Request) {
	if err := checkCSRF(r); err != nil {
		s.renderError(w, r, err)
		return
	}
	req, err := s.readAuthorizeRequest(r, r.PostForm)
	if err == nil && r.PostFormValue("decision") != "approve" {
		err = &authorizeError{"access_denied"}
	}
	if err != nil {
		s.refuseAuthorize(w, r, req, err)
		return
	}
	code := account.NewToken(32)
	err = s.db.InTx(r.Context(), func(tx *store.Tx) error {
		if err := tx.DeleteExpiredOAuthCodes(r.Context()); err != nil {
			return err
		}
		return tx.CreateOAuthCode(r.Context(), code, store.OAuthCode{
			AppID: req.App.ID, RedirectURI: req.RedirectURI, Scopes: req.Scopes,
			CodeChallenge: req.CodeChallenge, ExpiresAt: tx.Now().Add(codeLifetime),
		})
	})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.logger.Info("oauth app authorized", "app", req.App.ID, "scopes", req.Scopes)
	if req.RedirectURI == oobRedirectURI {
		s.render(w, r, http.StatusOK, "authorize", authorizePage{Site: s.site(r), AppName: req.App.Name, Code: code})
		return
	}
	redirectWith(w, r, req.RedirectURI, url.Values{"code": {code}, "state": {req.State}})
}

// refuseAuthorize sends an authorizeError back to the app, or shows any
// other error (and every error for the out-of-band URI) to the owner.
func (s *Server) refuseAuthorize(w http.ResponseWriter, r *http.Request, req authorizeRequest, err error) {
	var ae *authorizeError
	if !errors.As(err, &ae) {
		s.renderError(w, r, err)
		return
	}
	if req.RedirectURI == oobRedirectURI {
		s.renderError(w, r, &userError{http.StatusBadRequest, ae.Error()})
		return
	}
	redirectWith(w, r, req.RedirectURI, url.Values{"error": {ae.code}, "error_description": {ae.Error()}, "state": {req.State}})
}

// redirectWith sends the browser to a registered redirect URI with
// parameters added to its query (an empty state is left out).
func redirectWith(w http.ResponseWriter, r *http.Request, target string, add url.Values) {
	u, err := url.Parse(target)
	if err != nil {
		http.Error(w, "bad redirect URI", http.StatusBadRequest) // checked at registration; cannot happen
		return
	}
	q := u.Query()
	for k, vs := range add {
		if len(vs) > 0 && vs[0] != "" {
			q.Set(k, vs[0])
		}
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// withoutDirective removes one directive from a Content-Security-Policy.
func withoutDirective(csp, name string) string {
	var keep []string
	for _, d := range strings.Split(csp, ";") {
		d = strings.TrimSpace(d)
		if d != "" && d != name && !strings.HasPrefix(d, name+" ") {
			keep = append(keep, d)
		}
	}
	return strings.Join(keep, "; ")
}

// oauthCORS lets browser apps (Phanpy, Elk in the browser) register and
// exchange tokens from their own origin. Nothing here rides on cookies,
// so any origin may call; preflight requests are answered here.
func oauthCORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		if r.Method == http.MethodOptions {
			h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
			h.Set("Access-Control-Max-Age", "86400")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}
