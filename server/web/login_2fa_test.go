package web_test

import (
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"kith/account"
	"kith/server/core"
	"kith/server/servertest"
	"kith/server/web"
)

var (
	totpSecretRE   = regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`)
	recoveryCodeRE = regexp.MustCompile(`<li><code>([a-z0-9-]+)</code></li>`)
)

// enableTOTP sets up an authenticator app through the settings pages, as
// the owner signed in on c, and returns the secret and the recovery
// codes shown.
func enableTOTP(t *testing.T, in *servertest.Instance, c *http.Client, csrf string) (string, []string) {
	t.Helper()
	resp, page := servertest.Get(t, c, in.HTTP.URL+"/settings/2fa/totp")
	m := totpSecretRE.FindStringSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("set-up page: status %d, no secret:\n%s", resp.StatusCode, page)
	}
	secret := m[1]
	resp, png := servertest.Get(t, c, in.HTTP.URL+"/settings/2fa/totp/qr.png")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" || !bytes.HasPrefix([]byte(png), []byte("\x89PNG")) {
		t.Errorf("QR code: status %d, %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	resp, page = servertest.Post(t, c, in.HTTP.URL+"/settings/2fa/totp", url.Values{
		"csrf_token": {csrf}, "code": {totpCode(t, secret, in.Now())}, "current_password": {servertest.Password},
	})
	var codes []string
	for _, m := range recoveryCodeRE.FindAllStringSubmatch(page, -1) {
		codes = append(codes, m[1])
	}
	if resp.StatusCode != http.StatusOK || len(codes) != account.RecoveryCodeCount {
		t.Fatalf("confirm: status %d, %d recovery codes:\n%s", resp.StatusCode, len(codes), page)
	}
	return secret, codes
}

func totpCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	code, err := account.TOTPCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// passwordStep signs in on /login with the right password, asking to go
// to next afterwards; with two-factor sign-in on it lands on /login/2fa.
func passwordStep(t *testing.T, in *servertest.Instance, c *http.Client, next string) *http.Response {
	t.Helper()
	_, page := servertest.Get(t, c, in.HTTP.URL+"/login")
	resp, _ := servertest.Post(t, c, in.HTTP.URL+"/login", url.Values{
		"csrf_token": {servertest.CSRFToken(t, page)}, "username": {"admin"}, "password": {servertest.Password}, "next": {next},
	})
	return resp
}

// secondStep posts code on /login/2fa.
func secondStep(t *testing.T, in *servertest.Instance, c *http.Client, code string) (*http.Response, string) {
	t.Helper()
	resp, page := servertest.Get(t, c, in.HTTP.URL+"/login/2fa")
	if resp.StatusCode != http.StatusOK {
		return resp, page
	}
	return servertest.Post(t, c, in.HTTP.URL+"/login/2fa", url.Values{"csrf_token": {servertest.CSRFToken(t, page)}, "code": {code}})
}

// signedIn reports whether c's session opens an owner page.
func signedIn(t *testing.T, in *servertest.Instance, c *http.Client) bool {
	t.Helper()
	resp, _ := servertest.Get(t, c, in.HTTP.URL+"/settings/sessions")
	return resp.StatusCode == http.StatusOK
}

func TestTwoFactorTOTPSignIn(t *testing.T) {
	in := servertest.New(t, nil)
	owner := in.Browser(t)
	secret, codes := enableTOTP(t, in, owner, in.SignIn(t, owner))
	if _, page := servertest.Get(t, owner, in.HTTP.URL+"/settings/2fa"); !strings.Contains(page, "<strong>On.</strong>") || !strings.Contains(page, "10 left") {
		t.Errorf("settings page does not show the app on with 10 codes:\n%s", page)
	}

	c := in.Browser(t)
	resp := passwordStep(t, in, c, "/notifications")
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/login/2fa" {
		t.Fatalf("password step: status %d to %q, want 303 to /login/2fa", resp.StatusCode, loc)
	}
	if signedIn(t, in, c) {
		t.Fatal("signed in after the password alone")
	}

	resp, page := secondStep(t, in, c, "000000")
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(page, "not right") {
		t.Errorf("wrong code: status %d, want 401 saying so:\n%s", resp.StatusCode, page)
	}
	// The app's code of the next step: a phone clock a little fast. (The
	// code of this step confirmed the set-up, so it is used.)
	code := totpCode(t, secret, in.Now().Add(30*time.Second))
	resp, _ = secondStep(t, in, c, code[:3]+" "+code[3:])
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/notifications" {
		t.Fatalf("right code: status %d to %q, want 303 to /notifications", resp.StatusCode, loc)
	}
	if !signedIn(t, in, c) {
		t.Fatal("not signed in after the second step")
	}

	// The same code again, in another browser: a replay.
	c2 := in.Browser(t)
	passwordStep(t, in, c2, "/")
	resp, page = secondStep(t, in, c2, code)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(page, "used already") {
		t.Errorf("replayed code: status %d, want 401 saying it was used:\n%s", resp.StatusCode, page)
	}
	// So is this step's code, older than the one used although still in
	// the window.
	if resp, _ = secondStep(t, in, c2, totpCode(t, secret, in.Now())); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("older code: status %d, want 401", resp.StatusCode)
	}
	in.Clock.Add(60 * time.Second)
	if resp, _ = secondStep(t, in, c2, totpCode(t, secret, in.Now())); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("next step's code: status %d, want 303", resp.StatusCode)
	}

	// A recovery code works once, typed in capitals without dashes.
	for i, want := range []int{http.StatusSeeOther, http.StatusUnauthorized} {
		c := in.Browser(t)
		passwordStep(t, in, c, "/")
		resp, page := secondStep(t, in, c, strings.ToUpper(strings.ReplaceAll(codes[0], "-", "")))
		if resp.StatusCode != want {
			t.Errorf("recovery code, use %d: status %d, want %d:\n%s", i+1, resp.StatusCode, want, page)
		}
	}
	if _, page := servertest.Get(t, owner, in.HTTP.URL+"/settings/2fa"); !strings.Contains(page, "9 left") {
		t.Errorf("settings page does not count 9 codes left")
	}
}

func TestTwoFactorSecondStepEnds(t *testing.T) {
	in := servertest.New(t, nil)
	owner := in.Browser(t)
	secret, _ := enableTOTP(t, in, owner, in.SignIn(t, owner))

	// Five wrong codes and the password must be typed again.
	c := in.Browser(t)
	passwordStep(t, in, c, "/")
	for range web.MaxSecondFactorTries - 1 {
		secondStep(t, in, c, "111111")
	}
	resp, page := secondStep(t, in, c, "111111")
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(page, "Enter your password again") || !strings.Contains(page, `action="/login"`) {
		t.Errorf("last wrong code: status %d, want the password form again:\n%s", resp.StatusCode, page)
	}
	if resp, _ := secondStep(t, in, c, totpCode(t, secret, in.Now())); resp.StatusCode == http.StatusSeeOther {
		t.Error("the ended sign-in still took a code")
	}

	// A second step waits five minutes.
	in.Clock.Add(time.Hour) // the limiter forgets the failures above
	c = in.Browser(t)
	passwordStep(t, in, c, "/")
	in.Clock.Add(web.ChallengeLifetime)
	resp, page = secondStep(t, in, c, totpCode(t, secret, in.Now()))
	if resp.StatusCode == http.StatusSeeOther || !strings.Contains(page, "expired") {
		t.Errorf("after five minutes: status %d, want the sign-in expired:\n%s", resp.StatusCode, page)
	}
}

// The second step draws on the sign-in limiter like the password: ten
// wrong codes from one address, over two sign-ins, and even a right code
// is refused until the window passes.
func TestTwoFactorCodesThrottled(t *testing.T) {
	in := servertest.New(t, nil)
	owner := in.Browser(t)
	secret, _ := enableTOTP(t, in, owner, in.SignIn(t, owner))
	c := in.Browser(t)
	for range 2 {
		passwordStep(t, in, c, "/")
		for range web.MaxSecondFactorTries {
			secondStep(t, in, c, "222222")
		}
	}
	if resp := passwordStep(t, in, c, "/"); resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("password after ten wrong codes: status %d, want 429 with Retry-After", resp.StatusCode)
	}
	in.Clock.Add(core.SignInWindow)
	passwordStep(t, in, c, "/")
	if resp, _ := secondStep(t, in, c, totpCode(t, secret, in.Now())); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after the window: status %d, want 303", resp.StatusCode)
	}
}

func TestTwoFactorDisable(t *testing.T) {
	in := servertest.New(t, nil)
	c := in.Browser(t)
	csrf := in.SignIn(t, c)
	secret, _ := enableTOTP(t, in, c, csrf)
	disable := func(password, code string) (*http.Response, string) {
		return servertest.Post(t, c, in.HTTP.URL+"/settings/2fa/totp/disable", url.Values{"csrf_token": {csrf}, "current_password": {password}, "code": {code}})
	}
	in.Clock.Add(30 * time.Second) // the code that turned it on is used
	if resp, page := disable("wrong password", totpCode(t, secret, in.Now())); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(page, "stays on") {
		t.Errorf("wrong password: status %d, want 401:\n%s", resp.StatusCode, page)
	}
	if resp, page := disable(servertest.Password, "123456"); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(page, "stays on") {
		t.Errorf("wrong code: status %d, want 401:\n%s", resp.StatusCode, page)
	}
	if tf, _ := in.DB.TwoFactor(t.Context()); !tf.TOTP {
		t.Fatal("turned off by a refused form")
	}
	if resp, _ := disable(servertest.Password, totpCode(t, secret, in.Now())); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("password and code: status %d, want 303", resp.StatusCode)
	}
	if tf, _ := in.DB.TwoFactor(t.Context()); tf.On() || tf.RecoveryCodes != 0 {
		t.Errorf("after turning off: %+v, want nothing left", tf)
	}
	// One step again.
	if resp := passwordStep(t, in, in.Browser(t), "/home"); resp.Header.Get("Location") != "/home" {
		t.Errorf("password after turning off: to %q, want /home", resp.Header.Get("Location"))
	}
}

func TestTwoFactorNewRecoveryCodes(t *testing.T) {
	in := servertest.New(t, nil)
	c := in.Browser(t)
	csrf := in.SignIn(t, c)
	_, old := enableTOTP(t, in, c, csrf)
	resp, page := servertest.Post(t, c, in.HTTP.URL+"/settings/2fa/recovery", url.Values{"csrf_token": {csrf}, "current_password": {servertest.Password}})
	fresh := recoveryCodeRE.FindAllStringSubmatch(page, -1)
	if resp.StatusCode != http.StatusOK || len(fresh) != account.RecoveryCodeCount || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("new codes: status %d, %d codes, Cache-Control %q", resp.StatusCode, len(fresh), resp.Header.Get("Cache-Control"))
	}
	b := in.Browser(t)
	passwordStep(t, in, b, "/")
	if resp, _ := secondStep(t, in, b, old[1]); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("an old code: status %d, want 401", resp.StatusCode)
	}
	if resp, _ := secondStep(t, in, b, fresh[1][1]); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a new code: status %d, want 303", resp.StatusCode)
	}
}

// Apps: the password grant is refused while two-factor sign-in is on,
// with a description Mastodon apps show; the browser flow (consent page)
// goes through both steps and comes back to the app.
func TestTwoFactorOAuth(t *testing.T) {
	in := servertest.New(t, nil)
	const redirect = "kithtest://oauth-callback"
	app := servertest.RegisterApp(t, in, url.Values{"client_name": {"Test App"}, "redirect_uris": {redirect}, "scopes": {"read write"}})
	grant := url.Values{"grant_type": {"password"}, "client_id": {app.ClientID}, "client_secret": {app.ClientSecret},
		"username": {"admin"}, "password": {servertest.Password}, "scope": {"read"}}
	if status, got := servertest.RequestToken(t, in, grant); status != http.StatusOK {
		t.Fatalf("password grant before 2FA: %d %v", status, got)
	}
	owner := in.Browser(t)
	secret, _ := enableTOTP(t, in, owner, in.SignIn(t, owner))

	status, got := servertest.RequestToken(t, in, grant)
	desc, _ := got["error_description"].(string)
	if status != http.StatusBadRequest || got["error"] != "invalid_grant" || !strings.Contains(desc, "wo-factor") || got["access_token"] != nil {
		t.Errorf("password grant with 2FA on: %d %v, want 400 invalid_grant saying two-factor is on", status, got)
	}

	c := in.Browser(t)
	query := servertest.AuthorizeQuery(app, redirect, "read", "st")
	resp, _ := servertest.Get(t, c, in.HTTP.URL+"/oauth/authorize?"+query.Encode())
	loginURL, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusSeeOther || loginURL.Path != "/login" {
		t.Fatalf("consent page signed out: status %d to %q, want the login page", resp.StatusCode, resp.Header.Get("Location"))
	}
	next := loginURL.Query().Get("next")
	if resp := passwordStep(t, in, c, next); resp.Header.Get("Location") != "/login/2fa" {
		t.Fatalf("password: to %q, want /login/2fa", resp.Header.Get("Location"))
	}
	resp, _ = secondStep(t, in, c, totpCode(t, secret, in.Now().Add(30*time.Second)))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != next {
		t.Fatalf("code: status %d to %q, want 303 to %q", resp.StatusCode, resp.Header.Get("Location"), next)
	}
	resp, _ = servertest.Consent(t, in, c, query, "approve")
	code := servertest.CodeFrom(t, resp, redirect, "st")
	if status, got := servertest.RequestToken(t, in, servertest.CodeExchange(app, code, redirect, servertest.Verifier)); status != http.StatusOK || got["access_token"] == nil {
		t.Errorf("code exchange after two steps: %d %v", status, got)
	}
}
