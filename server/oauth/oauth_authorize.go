package oauth

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"kith/account"
	"kith/server/core"
	"kith/store"
)

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
func (s *OAuth) readAuthorizeRequest(r *http.Request, q url.Values) (authorizeRequest, error) {
	app, err := s.DB.OAuthAppByClientID(r.Context(), q.Get("client_id"))
	if errors.Is(err, store.ErrNotFound) || (err == nil && q.Get("client_id") == "") {
		return authorizeRequest{}, core.Refuse(http.StatusBadRequest, "This application is not known to this server. Go back to the app and sign in again.")
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
		return authorizeRequest{}, core.Refuse(http.StatusBadRequest, "The app asked to return to an address it did not register. Nothing was authorized.")
	}
	if q.Get("response_type") != "code" {
		return req, &authorizeError{"unsupported_response_type"}
	}
	var ok bool
	if req.Scopes, ok = core.GrantScopes(q.Get("scope"), app.Scopes); !ok {
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

// AuthorizePage is the consent page, or after approval with the
// out-of-band redirect, the page showing the code.
type AuthorizePage struct {
	Site    core.Site
	AppName string
	Website string
	Scopes  []core.ScopeLine
	Form    url.Values // the request, carried through the consent form
	Code    string
}

// Fields lists the consent form's hidden fields in a fixed order.
func (p AuthorizePage) Fields() [][2]string {
	var out [][2]string
	for _, k := range []string{"client_id", "redirect_uri", "scope", "state", "response_type", "code_challenge", "code_challenge_method"} {
		if v := p.Form.Get(k); v != "" {
			out = append(out, [2]string{k, v})
		}
	}
	return out
}

// HandleAuthorize shows the consent page (GET /oauth/authorize). The
// route requires a session, so a visitor signs in first and comes back.
//
// Note: Mastodon's force_login switches accounts; with one account there
// is nothing to switch to, so it is ignored.
func (s *OAuth) HandleAuthorize(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	req, err := s.readAuthorizeRequest(r, q)
	if err != nil {
		return s.refuseAuthorize(w, r, req, err)
	}
	// Note: Chrome applies form-action to the redirect that follows a form
	// post, so 'self' would block the return to the app; Mastodon drops
	// form-action on this page too. frame-ancestors still forbids framing.
	w.Header().Set("Content-Security-Policy", withoutDirective(w.Header().Get("Content-Security-Policy"), "form-action"))
	s.Render(w, r, http.StatusOK, "authorize", AuthorizePage{
		Site: s.Site(r), AppName: req.App.Name, Website: req.App.Website, Scopes: core.DescribeScopes(req.Scopes), Form: q,
	})
	return nil
}

// HandleAuthorizeDecision takes the consent form (POST /oauth/authorize).
func (s *OAuth) HandleAuthorizeDecision(w http.ResponseWriter, r *http.Request) error {
	if err := core.CheckCSRF(r); err != nil {
		return err
	}
	req, err := s.readAuthorizeRequest(r, r.PostForm)
	if err == nil && r.PostFormValue("decision") != "approve" {
		err = &authorizeError{"access_denied"}
	}
	if err != nil {
		return s.refuseAuthorize(w, r, req, err)
	}
	code := account.NewToken(32)
	err = s.DB.InTx(r.Context(), func(tx *store.Tx) error {
		if err := tx.DeleteExpiredOAuthCodes(r.Context()); err != nil {
			return err
		}
		return tx.CreateOAuthCode(r.Context(), code, store.OAuthCode{
			AppID: req.App.ID, RedirectURI: req.RedirectURI, Scopes: req.Scopes,
			CodeChallenge: req.CodeChallenge, ExpiresAt: tx.Now().Add(core.CodeLifetime),
		})
	})
	if err != nil {
		return err
	}
	s.Logger.Info("oauth app authorized", "app", req.App.ID, "scopes", req.Scopes)
	if req.RedirectURI == core.OobRedirectURI {
		s.Render(w, r, http.StatusOK, "authorize", AuthorizePage{Site: s.Site(r), AppName: req.App.Name, Code: code})
		return nil
	}
	redirectWith(w, r, req.RedirectURI, url.Values{"code": {code}, "state": {req.State}})
	return nil
}

// refuseAuthorize sends an authorizeError back to the app, or shows any
// other error (and every error for the out-of-band URI) to the owner.
func (s *OAuth) refuseAuthorize(w http.ResponseWriter, r *http.Request, req authorizeRequest, err error) error {
	var ae *authorizeError
	if !errors.As(err, &ae) {
		return err
	}
	if req.RedirectURI == core.OobRedirectURI {
		return core.Refuse(http.StatusBadRequest, ae.Error())
	}
	redirectWith(w, r, req.RedirectURI, url.Values{"error": {ae.code}, "error_description": {ae.Error()}, "state": {req.State}})
	return nil
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
