package oauth

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"kith/account"
	"kith/server/core"
	"kith/store"
)

// PkceChallenge is the S256 challenge of a verifier.
func PkceChallenge(verifier string) string {
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
	core.WriteAPI(w, status, map[string]string{"error": code, "error_description": tokenErrors[code]})
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
func (s *OAuth) authenticateClient(r *http.Request, p core.APIParams) (store.OAuthApp, bool, error) {
	id, secret := p.String("client_id"), p.String("client_secret")
	if u, pw, ok := r.BasicAuth(); ok {
		id, _ = url.QueryUnescape(u)
		secret, _ = url.QueryUnescape(pw)
	}
	if id == "" || secret == "" {
		return store.OAuthApp{}, false, nil
	}
	app, err := s.DB.OAuthAppByClientID(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return store.OAuthApp{}, false, nil
	}
	if err != nil {
		return store.OAuthApp{}, false, err
	}
	return app, core.TokensEqual(secret, app.ClientSecret), nil
}

// HandleToken is POST /oauth/token.
func (s *OAuth) HandleToken(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	if err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request")
		return nil
	}
	grant := p.String("grant_type")
	switch grant {
	case "authorization_code", "password", "client_credentials":
	case "":
		tokenError(w, http.StatusBadRequest, "invalid_request")
		return nil
	default:
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type")
		return nil
	}
	app, ok, err := s.authenticateClient(r, p)
	if err != nil {
		return err
	}
	if !ok {
		refuseClient(w, r)
		return nil
	}
	switch grant {
	case "authorization_code":
		return s.grantCode(w, r, p, app)
	case "password":
		return s.grantPassword(w, r, p, app)
	case "client_credentials":
		return s.grantClientCredentials(w, r, p, app)
	}
	return nil
}

// grantCode exchanges an authorization code. Taking the code deletes it,
// so a code that fails a check here is spent too.
func (s *OAuth) grantCode(w http.ResponseWriter, r *http.Request, p core.APIParams, app store.OAuthApp) error {
	code := p.String("code")
	if code == "" {
		tokenError(w, http.StatusBadRequest, "invalid_request")
		return nil
	}
	var c store.OAuthCode
	err := s.DB.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		c, err = tx.TakeOAuthCode(r.Context(), code)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		tokenError(w, http.StatusBadRequest, "invalid_grant")
		return nil
	}
	if err != nil {
		return err
	}
	redirectURI := p.String("redirect_uri")
	if redirectURI == "" && len(app.RedirectURIs) == 1 {
		redirectURI = app.RedirectURIs[0] // RFC 6749 §4.1.3: needed only if the request had one
	}
	verifier := p.String("code_verifier")
	switch {
	case c.AppID != app.ID, redirectURI != c.RedirectURI:
		tokenError(w, http.StatusBadRequest, "invalid_grant")
		return nil
	case c.CodeChallenge == "" && verifier != "":
		// A verifier without a challenge means the challenge was stripped
		// on the way (RFC 9700 §2.1.1): refuse rather than ignore it.
		tokenError(w, http.StatusBadRequest, "invalid_grant")
		return nil
	case c.CodeChallenge != "" && (!validPKCE(verifier, 43, 128) || !core.TokensEqual(PkceChallenge(verifier), c.CodeChallenge)):
		tokenError(w, http.StatusBadRequest, "invalid_grant")
		return nil
	}
	return s.issueToken(w, r, app.ID, c.Scopes, false)
}

// grantPassword issues a token for the owner's username and password.
//
// Note: toot's login_cli and Mastodon.py's log_in use this grant; they
// call the username "email", as Mastodon signs in by email. kith takes
// the username, with or without @ and its domain.
func (s *OAuth) grantPassword(w http.ResponseWriter, r *http.Request, p core.APIParams, app store.OAuthApp) error {
	scopes, ok := core.GrantScopes(p.String("scope"), app.Scopes)
	if !ok {
		tokenError(w, http.StatusBadRequest, "invalid_scope")
		return nil
	}
	if s.RefuseWithTwoFactor(w, r) { // login_2fa.go
		return nil
	}
	username := strings.TrimPrefix(strings.TrimSpace(p.String("username")), "@")
	if name, domain, found := strings.Cut(username, "@"); found && strings.EqualFold(domain, s.Config().Domain()) {
		username = name
	}
	// The password grant shares the login form's limiter
	// (core/signin.go).
	if err := s.CheckSignInAllowed(r); err != nil {
		return err
	}
	ok, err := account.Login(r.Context(), s.DB, username, p.String("password"))
	if err != nil {
		return err
	}
	if !ok {
		s.Logger.Info("token password grant failed", "ip", core.ClientIP(r))
		tokenError(w, http.StatusBadRequest, "invalid_grant")
		return nil
	}
	s.SignInSucceeded(r)
	return s.issueToken(w, r, app.ID, scopes, false)
}

// grantClientCredentials issues an app-only token: it never acts as the
// owner and keeps only read scopes, so whoever registers an app (anyone)
// can read with it only what is public.
func (s *OAuth) grantClientCredentials(w http.ResponseWriter, r *http.Request, p core.APIParams, app store.OAuthApp) error {
	scopes, ok := core.GrantScopes(p.String("scope"), app.Scopes)
	if !ok {
		tokenError(w, http.StatusBadRequest, "invalid_scope")
		return nil
	}
	return s.issueToken(w, r, app.ID, core.AppTokenScopes(scopes), true)
}

// issueToken stores a new token and answers with Mastodon's Token entity.
func (s *OAuth) issueToken(w http.ResponseWriter, r *http.Request, appID int64, scopes string, appOnly bool) error {
	token := account.NewToken(32)
	var created time.Time
	err := s.DB.InTx(r.Context(), func(tx *store.Tx) error {
		created = tx.Now()
		if appOnly {
			return tx.CreateOAuthAppToken(r.Context(), token, appID, scopes)
		}
		return tx.CreateOAuthToken(r.Context(), token, appID, scopes)
	})
	if err != nil {
		return err
	}
	w.Header().Set("Pragma", "no-cache")
	core.WriteAPI(w, http.StatusOK, map[string]any{
		"access_token": token, "token_type": "Bearer", "scope": scopes, "created_at": created.Unix(),
	})
	return nil
}

// HandleRevoke is POST /oauth/revoke (RFC 7009): an unknown token is
// already revoked, so it too answers 200 {}.
func (s *OAuth) HandleRevoke(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	if err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request")
		return nil
	}
	app, ok, err := s.authenticateClient(r, p)
	if err != nil {
		return err
	}
	if !ok {
		refuseClient(w, r)
		return nil
	}
	token := p.String("token")
	if token == "" {
		tokenError(w, http.StatusBadRequest, "invalid_request")
		return nil
	}
	t, err := s.DB.OAuthTokenByToken(r.Context(), token)
	if errors.Is(err, store.ErrNotFound) {
		core.WriteAPI(w, http.StatusOK, map[string]any{})
		return nil
	}
	if err != nil {
		return err
	}
	if t.AppID != app.ID {
		// Note: Mastodon (Doorkeeper) refuses to revoke another app's token.
		tokenError(w, http.StatusForbidden, "unauthorized_client")
		return nil
	}
	if err := s.DB.InTx(r.Context(), func(tx *store.Tx) error {
		_, err := tx.RevokeOAuthToken(r.Context(), token)
		return err
	}); err != nil {
		return err
	}
	s.CloseStreamsOf(store.Revoked{Tokens: [][]byte{t.TokenHash}})
	core.WriteAPI(w, http.StatusOK, map[string]any{})
	return nil
}
