package oauth_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"kith/server/core"
	"kith/server/servertest"
	"kith/store"
)

func TestOAuthAuthorizationCodeFlow(t *testing.T) {
	in := servertest.New(t, nil)
	const redirect = "kithtest://oauth-callback"
	app := servertest.RegisterApp(t, in, url.Values{"client_name": {"Test App"}, "redirect_uris": {redirect}, "scopes": {"read write follow"}, "website": {"https://app.example"}})
	c := in.Browser(t)
	in.SignIn(t, c)

	resp, page := servertest.Get(t, c, in.HTTP.URL+"/oauth/authorize?"+servertest.AuthorizeQuery(app, redirect, "read write", "xyz").Encode())
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Test App") || !strings.Contains(page, "<code>write</code>") {
		t.Fatalf("consent page: status %d:\n%s", resp.StatusCode, page)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); strings.Contains(csp, "form-action") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("consent page CSP %q: want no form-action (Chrome applies it to the redirect) and frame-ancestors kept", csp)
	}

	resp, _ = servertest.Consent(t, in, c, servertest.AuthorizeQuery(app, redirect, "read write", "xyz"), "approve")
	code := servertest.CodeFrom(t, resp, redirect, "xyz")
	status, tok := servertest.RequestToken(t, in, servertest.CodeExchange(app, code, redirect, servertest.Verifier))
	if status != http.StatusOK || tok["token_type"] != "Bearer" || tok["scope"] != "read write" || tok["access_token"] == "" || tok["created_at"] == nil {
		t.Fatalf("token: status %d %v", status, tok)
	}
	token := tok["access_token"].(string)

	status, body := servertest.BearerCall(t, in, "GET", "/api/v1/apps/verify_credentials", token)
	if status != http.StatusOK || !strings.Contains(body, `"name":"Test App"`) || strings.Contains(body, app.ClientSecret) {
		t.Errorf("verify_credentials: status %d %s", status, body)
	}

	t.Run("code works once", func(t *testing.T) {
		status, got := servertest.RequestToken(t, in, servertest.CodeExchange(app, code, redirect, servertest.Verifier))
		if status != http.StatusBadRequest || got["error"] != "invalid_grant" || got["error_description"] == "" {
			t.Errorf("reused code: status %d %v, want 400 invalid_grant", status, got)
		}
	})

	t.Run("revoke", func(t *testing.T) {
		resp, body := servertest.Post(t, http.DefaultClient, in.HTTP.URL+"/oauth/revoke", url.Values{
			"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}, "token": {token},
		})
		if resp.StatusCode != http.StatusOK || strings.TrimSpace(body) != "{}" {
			t.Fatalf("revoke: status %d %s", resp.StatusCode, body)
		}
		status, body := servertest.BearerCall(t, in, "GET", "/api/v1/apps/verify_credentials", token)
		if status != http.StatusUnauthorized || !strings.Contains(body, "The access token is invalid") {
			t.Errorf("revoked token: status %d %s, want 401", status, body)
		}
	})
}

func TestOAuthCodeRefusals(t *testing.T) {
	in := servertest.New(t, nil)
	const redirect = "https://app.example/callback"
	app := servertest.RegisterApp(t, in, url.Values{"client_name": {"App"}, "redirect_uris": {redirect + "\nkithtest://cb"}, "scopes": {"read write"}})
	c := in.Browser(t)
	in.SignIn(t, c)
	newCode := func(t *testing.T) string {
		resp, _ := servertest.Consent(t, in, c, servertest.AuthorizeQuery(app, redirect, "read", "s"), "approve")
		return servertest.CodeFrom(t, resp, redirect, "s")
	}

	tests := []struct {
		name string
		form func(code string) url.Values
		want int
		err  string
	}{
		{"wrong verifier", func(code string) url.Values {
			return servertest.CodeExchange(app, code, redirect, strings.Repeat("a", 43))
		}, 400, "invalid_grant"},
		{"no verifier", func(code string) url.Values { return servertest.CodeExchange(app, code, redirect, "") }, 400, "invalid_grant"},
		{"other redirect_uri", func(code string) url.Values {
			return servertest.CodeExchange(app, code, "kithtest://cb", servertest.Verifier)
		}, 400, "invalid_grant"},
		{"wrong secret", func(code string) url.Values {
			f := servertest.CodeExchange(app, code, redirect, servertest.Verifier)
			f.Set("client_secret", "nope")
			return f
		}, 401, "invalid_client"},
		{"unknown grant type", func(code string) url.Values {
			f := servertest.CodeExchange(app, code, redirect, servertest.Verifier)
			f.Set("grant_type", "implicit")
			return f
		}, 400, "unsupported_grant_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, got := servertest.RequestToken(t, in, tt.form(newCode(t)))
			if status != tt.want || got["error"] != tt.err {
				t.Errorf("status %d %v, want %d %s", status, got, tt.want, tt.err)
			}
		})
	}

	t.Run("unregistered redirect_uri is never followed", func(t *testing.T) {
		q := servertest.AuthorizeQuery(app, "https://evil.example/callback", "read", "s")
		resp, body := servertest.Get(t, c, in.HTTP.URL+"/oauth/authorize?"+q.Encode())
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" || strings.Contains(body, `name="decision"`) {
			t.Errorf("status %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		q.Set("redirect_uri", redirect+"/more")
		if resp, _ := servertest.Get(t, c, in.HTTP.URL+"/oauth/authorize?"+q.Encode()); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("a longer URI with the registered prefix: status %d, want 400", resp.StatusCode)
		}
	})

	for _, tt := range []struct{ name, key, value, wantErr string }{
		{"plain PKCE", "code_challenge_method", "plain", "invalid_request"},
		{"PKCE without method", "code_challenge_method", "", "invalid_request"},
		{"scope beyond the app's", "scope", "read follow", "invalid_scope"},
		{"unknown scope", "scope", "read frobnicate", "invalid_scope"},
		{"token response type", "response_type", "token", "unsupported_response_type"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q := servertest.AuthorizeQuery(app, redirect, "read", "s")
			q.Set(tt.key, tt.value)
			resp, _ := servertest.Get(t, c, in.HTTP.URL+"/oauth/authorize?"+q.Encode())
			u, _ := url.Parse(resp.Header.Get("Location"))
			if resp.StatusCode != http.StatusFound || u == nil || u.Query().Get("error") != tt.wantErr || u.Query().Get("state") != "s" {
				t.Errorf("status %d Location %q, want a redirect with error=%s", resp.StatusCode, resp.Header.Get("Location"), tt.wantErr)
			}
		})
	}
}

func TestOAuthOutOfBandAndDeny(t *testing.T) {
	in := servertest.New(t, nil)
	app := servertest.RegisterApp(t, in, url.Values{"client_name": {"CLI"}, "redirect_uris": {core.OobRedirectURI}, "scopes": {"read"}})
	c := in.Browser(t)
	in.SignIn(t, c)

	q := servertest.AuthorizeQuery(app, core.OobRedirectURI, "", "")
	q.Del("redirect_uri") // the only registered URI is the default
	resp, page := servertest.Consent(t, in, c, q, "approve")
	m := regexp.MustCompile(`id="code" value="([^"]+)"`).FindStringSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("oob: status %d, no code shown:\n%s", resp.StatusCode, page)
	}
	status, tok := servertest.RequestToken(t, in, servertest.CodeExchange(app, m[1], core.OobRedirectURI, servertest.Verifier))
	if status != http.StatusOK || tok["scope"] != "read" {
		t.Errorf("oob code exchange: status %d %v", status, tok)
	}

	redirectApp := servertest.RegisterApp(t, in, url.Values{"client_name": {"App"}, "redirect_uris": {"kithtest://cb"}})
	resp, _ = servertest.Consent(t, in, c, servertest.AuthorizeQuery(redirectApp, "kithtest://cb", "read", "st"), "deny")
	u, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || u.Scheme != "kithtest" || u.Query().Get("error") != "access_denied" || u.Query().Get("state") != "st" || u.Query().Get("code") != "" {
		t.Errorf("deny: status %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestOAuthConsentNeedsSessionAndCSRF(t *testing.T) {
	in := servertest.New(t, nil)
	app := servertest.RegisterApp(t, in, url.Values{"client_name": {"App"}, "redirect_uris": {"kithtest://cb"}})
	q := servertest.AuthorizeQuery(app, "kithtest://cb", "read", "s")

	c := in.Browser(t)
	resp, _ := servertest.Get(t, c, in.HTTP.URL+"/oauth/authorize?"+q.Encode())
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?next=") {
		t.Fatalf("signed out: status %d Location %q, want the login page", resp.StatusCode, loc)
	}
	next, _ := url.Parse(loc)
	if !strings.HasPrefix(next.Query().Get("next"), "/oauth/authorize?") {
		t.Errorf("login does not come back to the consent page: next=%q", next.Query().Get("next"))
	}

	in.SignIn(t, c)
	form := url.Values{"decision": {"approve"}, "csrf_token": {"forged"}}
	for k, v := range q {
		form[k] = v
	}
	resp, _ = servertest.Post(t, c, in.HTTP.URL+"/oauth/authorize", form)
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Location") != "" {
		t.Errorf("forged consent: status %d Location %q, want 403", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestOAuthPasswordGrant(t *testing.T) {
	in := servertest.New(t, nil)
	app := servertest.RegisterApp(t, in, url.Values{"client_name": {"toot"}, "redirect_uris": {core.OobRedirectURI}, "scopes": {"read write follow push"}})
	form := func(username, password string) url.Values {
		return url.Values{"grant_type": {"password"}, "client_id": {app.ClientID}, "client_secret": {app.ClientSecret},
			"username": {username}, "password": {password}, "scope": {"read write"}}
	}
	status, tok := servertest.RequestToken(t, in, form("admin", servertest.Password))
	if status != http.StatusOK || tok["scope"] != "read write" {
		t.Fatalf("password grant: status %d %v", status, tok)
	}
	if status, _ := servertest.BearerCall(t, in, "GET", "/api/v1/apps/verify_credentials", tok["access_token"].(string)); status != http.StatusOK {
		t.Errorf("password-grant token: status %d", status)
	}
	status, got := servertest.RequestToken(t, in, form("admin", "wrong password"))
	if status != http.StatusBadRequest || got["error"] != "invalid_grant" {
		t.Errorf("wrong password: status %d %v, want 400 invalid_grant", status, got)
	}
	for i := 0; i < core.SignInPerClient; i++ {
		status, _ = servertest.RequestToken(t, in, form("admin", "wrong password"))
		if status == http.StatusTooManyRequests {
			break
		}
	}
	if status != http.StatusTooManyRequests {
		t.Errorf("after %d wrong passwords: status %d, want 429", core.SignInPerClient+1, status)
	}
	if status, _ := servertest.RequestToken(t, in, form("admin", servertest.Password)); status != http.StatusTooManyRequests {
		t.Errorf("the right password while limited: status %d, want 429", status)
	}
	// The login form shares the limiter (signin_limit_test.go has more);
	// showing it is not limited.
	c := in.Browser(t)
	_, page := servertest.Get(t, c, in.HTTP.URL+"/login")
	resp, _ := servertest.Post(t, c, in.HTTP.URL+"/login", url.Values{"csrf_token": {servertest.CSRFToken(t, page)}, "username": {"admin"}, "password": {servertest.Password}})
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("the login form after the grant's failures: status %d, want 429", resp.StatusCode)
	}
}

func TestOAuthClientCredentials(t *testing.T) {
	in := servertest.New(t, nil)
	app := servertest.RegisterApp(t, in, url.Values{"client_name": {"App"}, "redirect_uris": {"kithtest://cb"}, "scopes": {"read write"}})
	status, tok := servertest.RequestToken(t, in, url.Values{"grant_type": {"client_credentials"}, "client_id": {app.ClientID},
		"client_secret": {app.ClientSecret}, "scope": {"read write"}})
	if status != http.StatusOK || tok["scope"] != "read" {
		t.Fatalf("client_credentials: status %d %v, want scope narrowed to read", status, tok)
	}
	token := tok["access_token"].(string)
	if status, _ := servertest.BearerCall(t, in, "GET", "/api/v1/apps/verify_credentials", token); status != http.StatusOK {
		t.Errorf("app token on verify_credentials: status %d", status)
	}
	h := in.Srv.APIAuth(in.Srv.RequireScope("read")(okHandler()))
	if got := serveWithToken(h, token); got != http.StatusUnprocessableEntity {
		t.Errorf("app token on an owner-only route: status %d, want 422", got)
	}
	owned := in.Srv.APIAuth(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if core.IsOwnerToken(r) {
			t.Errorf("isOwnerToken is true for an app token")
		}
	}))
	serveWithToken(owned, token)
}

func okHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
}

func serveWithToken(h http.Handler, token string) int {
	req := httptest.NewRequest("GET", "/api/v1/test", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

func TestRequireScope(t *testing.T) {
	in := servertest.New(t, nil)
	ctx := context.Background()
	tokens := map[string]string{}
	err := in.DB.InTx(ctx, func(tx *store.Tx) error {
		id, err := tx.CreateOAuthApp(ctx, store.OAuthApp{Name: "t", Scopes: "read", ClientID: "cid", ClientSecret: "sec"})
		if err != nil {
			return err
		}
		for _, sc := range []string{"read", "write", "follow", "read:statuses", "write:media", "profile"} {
			tokens[sc] = "token-" + sc
			if err := tx.CreateOAuthToken(ctx, tokens[sc], id, sc); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		route, token string
		want         int
	}{
		{"write:statuses", "", 401},
		{"write:statuses", "not-a-token", 401},
		{"write:statuses", tokens["read"], 403},
		{"write:statuses", tokens["write"], 200},
		{"write:statuses", tokens["write:media"], 403},
		{"read:statuses", tokens["read"], 200},
		{"read:statuses", tokens["read:statuses"], 200},
		{"read:notifications", tokens["read:statuses"], 403},
		{"read:follows", tokens["follow"], 200},
		{"write:blocks", tokens["follow"], 200},
		{"write:statuses", tokens["follow"], 403},
		{"read:accounts", tokens["profile"], 403},
	}
	for _, tt := range tests {
		h := in.Srv.APIAuth(in.Srv.RequireScope(tt.route)(okHandler()))
		if got := serveWithToken(h, tt.token); got != tt.want {
			t.Errorf("%s with %q: status %d, want %d", tt.route, tt.token, got, tt.want)
		}
	}
	// Several scopes are alternatives, as Mastodon lists them for
	// verify_credentials.
	h := in.Srv.APIAuth(in.Srv.RequireScope("read:accounts", "profile")(okHandler()))
	if got := serveWithToken(h, tokens["profile"]); got != 200 {
		t.Errorf("profile token on read:accounts|profile: status %d", got)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/api/v1/streaming?access_token="+tokens["read"], nil)
	in.Srv.APIAuth(in.Srv.RequireScope("read")(okHandler())).ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Errorf("access_token query parameter: status %d", rec.Code)
	}
}

func TestScopesAllow(t *testing.T) {
	tests := []struct {
		granted, required string
		want              bool
	}{
		{"read", "read", true},
		{"read", "read:statuses", true},
		{"read write", "write:media", true},
		{"read:statuses", "read", false},
		{"read:statuses", "read:accounts", false},
		{"write", "read:statuses", false},
		{"follow", "read:follows", true},
		{"follow", "write:mutes", true},
		{"follow", "read:statuses", false},
		{"admin:read", "admin:read:accounts", true},
		{"read", "admin:read", false},
		{"push", "push", true},
		{"", "read", false},
	}
	for _, tt := range tests {
		if got := core.ScopesAllow(tt.granted, tt.required); got != tt.want {
			t.Errorf("scopesAllow(%q, %q) = %v, want %v", tt.granted, tt.required, got, tt.want)
		}
	}
}

func TestCreateAppParameterForms(t *testing.T) {
	in := servertest.New(t, nil)
	do := func(t *testing.T, req *http.Request) (int, servertest.App, string) {
		t.Helper()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := servertest.ReadBody(t, resp)
		var app servertest.App
		json.Unmarshal([]byte(body), &app)
		return resp.StatusCode, app, body
	}
	t.Run("json with arrays", func(t *testing.T) {
		req, _ := http.NewRequest("POST", in.HTTP.URL+"/api/v1/apps", strings.NewReader(
			`{"client_name":"Elk","redirect_uris":["https://elk.example/cb","elk://cb"],"scopes":["read","write"],"website":"https://elk.example"}`))
		req.Header.Set("Content-Type", "application/json")
		status, app, body := do(t, req)
		if status != 200 || len(app.RedirectURIs) != 2 || strings.Join(app.Scopes, " ") != "read write" || app.ClientSecret == "" ||
			!strings.Contains(body, `"client_secret_expires_at":0`) || !strings.Contains(body, `"vapid_key"`) || !strings.Contains(body, `"redirect_uri":"https://elk.example/cb\nelk://cb"`) {
			t.Errorf("status %d %s", status, body)
		}
	})
	t.Run("query string, default scope", func(t *testing.T) {
		q := url.Values{"client_name": {"Bot"}, "redirect_uris": {core.OobRedirectURI}}
		req, _ := http.NewRequest("POST", in.HTTP.URL+"/api/v1/apps?"+q.Encode(), nil)
		status, app, body := do(t, req)
		if status != 200 || strings.Join(app.Scopes, " ") != "read" || !strings.Contains(body, `"website":null`) {
			t.Errorf("status %d %s", status, body)
		}
	})
	for _, tt := range []struct{ name, uris, scopes, clientName string }{
		{"javascript uri", "javascript:alert(1)", "read", "x"},
		{"data uri", "data:text/html,hi", "read", "x"},
		{"relative uri", "/callback", "read", "x"},
		{"fragment", "https://app.example/cb#frag", "read", "x"},
		{"no uri", "", "read", "x"},
		{"unknown scope", "kithtest://cb", "read everything", "x"},
		{"no name", "kithtest://cb", "read", ""},
		{"long name", "kithtest://cb", "read", strings.Repeat("n", 61)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := servertest.Post(t, http.DefaultClient, in.HTTP.URL+"/api/v1/apps", url.Values{
				"client_name": {tt.clientName}, "redirect_uris": {tt.uris}, "scopes": {tt.scopes},
			})
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `"error":"Validation failed: `) {
				t.Errorf("status %d %s, want 422", resp.StatusCode, body)
			}
		})
	}
}

func TestTokenParameterForms(t *testing.T) {
	in := servertest.New(t, nil)
	app := servertest.RegisterApp(t, in, url.Values{"client_name": {"App"}, "redirect_uris": {"kithtest://cb"}})
	check := func(t *testing.T, req *http.Request) {
		t.Helper()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := servertest.ReadBody(t, resp)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"token_type":"Bearer"`) {
			t.Errorf("status %d %s", resp.StatusCode, body)
		}
	}
	t.Run("json", func(t *testing.T) {
		req, _ := http.NewRequest("POST", in.HTTP.URL+"/oauth/token", strings.NewReader(
			`{"grant_type":"client_credentials","client_id":"`+app.ClientID+`","client_secret":"`+app.ClientSecret+`"}`))
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		check(t, req)
	})
	t.Run("query", func(t *testing.T) {
		q := url.Values{"grant_type": {"client_credentials"}, "client_id": {app.ClientID}, "client_secret": {app.ClientSecret}}
		req, _ := http.NewRequest("POST", in.HTTP.URL+"/oauth/token?"+q.Encode(), nil)
		check(t, req)
	})
	t.Run("basic auth", func(t *testing.T) {
		req, _ := http.NewRequest("POST", in.HTTP.URL+"/oauth/token", strings.NewReader("grant_type=client_credentials"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(app.ClientID, app.ClientSecret)
		check(t, req)
	})
	t.Run("cors preflight", func(t *testing.T) {
		req, _ := http.NewRequest("OPTIONS", in.HTTP.URL+"/oauth/token", nil)
		req.Header.Set("Origin", "https://phanpy.example")
		req.Header.Set("Access-Control-Request-Method", "POST")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("preflight: status %d, allow-origin %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
		}
	})
}

func TestOAuthMetadata(t *testing.T) {
	in := servertest.New(t, nil)
	resp, body := servertest.Get(t, http.DefaultClient, in.HTTP.URL+"/.well-known/oauth-authorization-server")
	var got map[string]any
	if err := json.Unmarshal([]byte(body), &got); err != nil || resp.StatusCode != 200 {
		t.Fatalf("status %d %s", resp.StatusCode, body)
	}
	base := in.Srv.Config().BaseURL().String()
	for k, want := range map[string]string{
		"authorization_endpoint": base + "/oauth/authorize", "token_endpoint": base + "/oauth/token",
		"revocation_endpoint": base + "/oauth/revoke", "app_registration_endpoint": base + "/api/v1/apps",
	} {
		if got[k] != want {
			t.Errorf("%s = %v, want %s", k, got[k], want)
		}
	}
	if m, _ := got["code_challenge_methods_supported"].([]any); len(m) != 1 || m[0] != "S256" {
		t.Errorf("code_challenge_methods_supported = %v", got["code_challenge_methods_supported"])
	}
	if !strings.Contains(body, `"read:statuses"`) || !strings.Contains(body, `"admin:read"`) {
		t.Errorf("scopes_supported lacks granular or admin scopes: %s", body)
	}
}

func TestSettingsApplications(t *testing.T) {
	in := servertest.New(t, nil)
	c := in.Browser(t)
	csrf := in.SignIn(t, c)
	resp, page := servertest.Get(t, c, in.HTTP.URL+"/settings/applications")
	if resp.StatusCode != 200 || !strings.Contains(page, "New application") {
		t.Fatalf("status %d:\n%s", resp.StatusCode, page)
	}
	resp, page = servertest.Post(t, c, in.HTTP.URL+"/settings/applications", url.Values{
		"csrf_token": {csrf}, "name": {"My bot"}, "redirect_uri": {core.OobRedirectURI}, "scopes": {"read", "write:statuses"},
	})
	m := regexp.MustCompile(`id="access-token">([^<]+)<`).FindStringSubmatch(page)
	if resp.StatusCode != 200 || m == nil || !strings.Contains(page, "Client secret") {
		t.Fatalf("create: status %d:\n%s", resp.StatusCode, page)
	}
	token := m[1]
	status, body := servertest.BearerCall(t, in, "GET", "/api/v1/apps/verify_credentials", token)
	if status != 200 || !strings.Contains(body, `"scopes":["read","write:statuses"]`) {
		t.Errorf("the page's token: status %d %s", status, body)
	}
	_, list := servertest.Get(t, c, in.HTTP.URL+"/settings/applications")
	if !strings.Contains(list, "My bot") || strings.Contains(list, token) {
		t.Errorf("the list lacks the app or shows the token again:\n%s", list)
	}

	t.Run("forged form", func(t *testing.T) {
		resp, _ := servertest.Post(t, c, in.HTTP.URL+"/settings/applications", url.Values{"csrf_token": {"forged"}, "name": {"x"}, "redirect_uri": {core.OobRedirectURI}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("status %d, want 403", resp.StatusCode)
		}
	})
	t.Run("invalid", func(t *testing.T) {
		resp, page := servertest.Post(t, c, in.HTTP.URL+"/settings/applications", url.Values{"csrf_token": {csrf}, "name": {"x"}, "redirect_uri": {"javascript:alert(1)"}, "scopes": {"read"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Redirect URI") {
			t.Errorf("status %d", resp.StatusCode)
		}
	})
	t.Run("revoke", func(t *testing.T) {
		id := regexp.MustCompile(`name="id" value="(\d+)"`).FindStringSubmatch(list)
		if id == nil {
			t.Fatalf("no revoke form:\n%s", list)
		}
		resp, _ := servertest.Post(t, c, in.HTTP.URL+"/settings/applications/revoke", url.Values{"csrf_token": {csrf}, "id": {id[1]}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("revoke: status %d", resp.StatusCode)
		}
		if status, _ := servertest.BearerCall(t, in, "GET", "/api/v1/apps/verify_credentials", token); status != http.StatusUnauthorized {
			t.Errorf("token of a revoked app: status %d, want 401", status)
		}
	})
}
