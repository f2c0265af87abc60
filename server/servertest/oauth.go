package servertest

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"kith/server/oauth"
)

// Verifier is a PKCE verifier (43 unreserved characters).
const Verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

// App is an app as /api/v1/apps answers its registration.
type App struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret"`
	RedirectURIs []string `json:"redirect_uris"`
	Scopes       []string `json:"scopes"`
}

// RegisterApp registers an app with form parameters.
func RegisterApp(t *testing.T, in *Instance, form url.Values) App {
	t.Helper()
	resp, body := Post(t, http.DefaultClient, in.HTTP.URL+"/api/v1/apps", form)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("register app: status %d: %s", resp.StatusCode, body)
	}
	var app App
	if err := json.Unmarshal([]byte(body), &app); err != nil {
		t.Fatal(err)
	}
	return app
}

// RequestToken posts to /oauth/token and decodes the JSON answer.
func RequestToken(t *testing.T, in *Instance, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, body := Post(t, http.DefaultClient, in.HTTP.URL+"/oauth/token", form)
	var got map[string]any
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("token answer is not JSON (status %d): %s", resp.StatusCode, body)
	}
	return resp.StatusCode, got
}

// BearerCall calls an API path with a bearer token and returns the status.
func BearerCall(t *testing.T, in *Instance, method, path, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, in.HTTP.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, ReadBody(t, resp)
}

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// Consent loads the consent page for query, posts its form with the
// decision, and returns the answer and its body.
func Consent(t *testing.T, in *Instance, c *http.Client, query url.Values, decision string) (*http.Response, string) {
	t.Helper()
	resp, page := Get(t, c, in.HTTP.URL+"/oauth/authorize?"+query.Encode())
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("authorize page: status %d: %s", resp.StatusCode, page)
	}
	form := url.Values{"decision": {decision}}
	for _, m := range hiddenRE.FindAllStringSubmatch(page, -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	return Post(t, c, in.HTTP.URL+"/oauth/authorize", form)
}

// AuthorizeQuery is the query of an authorization request for app with
// a PKCE challenge for Verifier.
func AuthorizeQuery(app App, redirectURI, scope, state string) url.Values {
	return url.Values{
		"response_type": {"code"}, "client_id": {app.ClientID}, "redirect_uri": {redirectURI},
		"scope": {scope}, "state": {state},
		"code_challenge": {oauth.PkceChallenge(Verifier)}, "code_challenge_method": {"S256"},
	}
}

// CodeFrom reads the code from a redirect to the app, checking the state.
func CodeFrom(t *testing.T, resp *http.Response, prefix, state string) string {
	t.Helper()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, prefix+"?") {
		t.Fatalf("consent: status %d Location %q, want 302 to %s?…", resp.StatusCode, loc, prefix)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Query().Get("state"); got != state {
		t.Errorf("state %q, want %q", got, state)
	}
	code := u.Query().Get("code")
	if code == "" {
		t.Fatalf("no code in %q", loc)
	}
	return code
}

// CodeExchange is the token request that trades code for a token.
func CodeExchange(app App, code, redirectURI, verifier string) url.Values {
	return url.Values{
		"grant_type": {"authorization_code"}, "client_id": {app.ClientID}, "client_secret": {app.ClientSecret},
		"code": {code}, "redirect_uri": {redirectURI}, "code_verifier": {verifier},
	}
}
