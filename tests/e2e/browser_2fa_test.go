package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"kith/account"
)

// TestBrowserTwoFactor walks two-factor sign-in in chromium: set up an
// authenticator app from the QR code page (the test computes the codes
// from the secret the page shows, as the app would), sign in with a code
// and with a recovery code, add a passkey through DevTools' virtual
// authenticator and sign in with it alone and as the second factor. The
// password grant is refused meanwhile. The instance is
// http://localhost:PORT: WebAuthn needs a secure context, which plain http
// is only on localhost, and an RP ID that is a name, not an address.
func TestBrowserTwoFactor(t *testing.T) {
	t.Parallel()
	b := launchBrowser(t, "")
	base := startLocalhost(t)
	b.waitReady()
	shots, err := filepath.Abs(filepath.Join(screenshotDir, "2fa"))
	if err != nil {
		t.Fatal(err)
	}
	type page struct {
		Path          string
		Error, Notice []string
	}
	// The passkey forms hold an empty, hidden alert for the script's
	// errors; steps.mjs's login step lists it too.
	arrive := func(step string, p page, want string) {
		t.Helper()
		if p.Path != want || strings.TrimSpace(strings.Join(p.Error, "")) != "" {
			t.Fatalf("%s: at %q with alerts %q, want %s", step, p.Path, p.Error, want)
		}
	}
	var login page
	b.must("login", map[string]any{"base": base, "username": "alice", "password": clientsPassword}, &login)
	arrive("sign-in before 2FA", login, "/home")

	browserAxeClean(t, b, "/settings/2fa/totp")
	var setup struct {
		page
		Secret   string
		QRLoaded bool
	}
	b.must("totpSetup", map[string]any{"screenshot": filepath.Join(shots, "totp-setup.png")}, &setup)
	if !setup.QRLoaded || len(setup.Secret) != 32 {
		t.Fatalf("set-up page: QR code loaded %v, secret %q", setup.QRLoaded, setup.Secret)
	}
	var confirmed struct {
		page
		Codes []string
	}
	b.must("totpConfirm", map[string]any{"code": browserTOTP(t, setup.Secret, 0), "password": clientsPassword}, &confirmed)
	if len(confirmed.Codes) != account.RecoveryCodeCount || len(confirmed.Error) > 0 {
		t.Fatalf("after confirming: %d recovery codes, alerts %q", len(confirmed.Codes), confirmed.Error)
	}
	browserPasswordGrantRefused(t, base)

	// A code: the next step's, since this step's confirmed the set-up.
	b.must("signOut", nil, nil)
	b.must("login", map[string]any{"base": base, "username": "alice", "password": clientsPassword}, &login)
	arrive("password with 2FA on", login, "/login/2fa")
	browserAxeClean(t, b, "/login/2fa")
	var done page
	b.must("secondStep", map[string]any{"code": "000000"}, &done)
	if done.Path != "/login/2fa" || len(done.Error) == 0 {
		t.Errorf("a wrong code: at %q with alerts %q, want the second step again saying so", done.Path, done.Error)
	}
	b.must("secondStep", map[string]any{"code": browserTOTP(t, setup.Secret, 30*time.Second),
		"screenshot": filepath.Join(shots, "second-step.png")}, &done)
	arrive("a code from the app", done, "/home")

	// A recovery code, once.
	b.must("signOut", nil, nil)
	b.must("login", map[string]any{"base": base, "username": "alice", "password": clientsPassword}, &login)
	b.must("secondStep", map[string]any{"code": confirmed.Codes[3]}, &done)
	arrive("a recovery code", done, "/home")

	// A passkey, added with the password, signs in alone.
	b.must("virtualAuthenticator", nil, nil)
	var added struct {
		page
		Passkeys []string
	}
	b.must("passkeyAdd", map[string]any{"name": "Chromium", "password": clientsPassword, "screenshot": filepath.Join(shots, "settings.png")}, &added)
	if added.Path != "/settings/2fa?done=passkey-added" || len(added.Error) > 0 || len(added.Passkeys) != 1 || added.Passkeys[0] != "Chromium" {
		t.Fatalf("adding a passkey: %+v", added)
	}
	var creds []struct {
		Resident  bool
		RPID      string `json:"rpId"`
		SignCount int
	}
	b.must("credentials", nil, &creds)
	if len(creds) != 1 || !creds[0].Resident || creds[0].RPID != "localhost" {
		t.Fatalf("the authenticator holds %+v, want one discoverable credential for localhost", creds)
	}
	browserAxeClean(t, b, "/settings/2fa")
	b.must("signOut", nil, nil)
	browserAxeClean(t, b, "/login")
	b.must("passkeyButton", map[string]any{"path": "/login", "screenshot": filepath.Join(shots, "login.png")}, &done)
	arrive("a passkey alone", done, "/home")

	// And as the second factor after the password.
	b.must("signOut", nil, nil)
	b.must("login", map[string]any{"base": base, "username": "alice", "password": clientsPassword}, &login)
	arrive("password with 2FA on", login, "/login/2fa")
	b.must("passkeyButton", nil, &done)
	arrive("a passkey as the second factor", done, "/home")
	b.must("credentials", nil, &creds)
	if len(creds) != 1 || creds[0].SignCount < 2 {
		t.Errorf("after two sign-ins the credential is %+v, want its sign count moved", creds)
	}
	browserPasswordGrantRefused(t, base)
}

// browserAxeClean runs axe-core's WCAG 2.1 A and AA rules (steps_a11y.mjs)
// on path and fails the test with each violation.
func browserAxeClean(t *testing.T, b *browser, path string) {
	t.Helper()
	var rep axeReport
	b.must("axe", map[string]any{"path": path}, &rep)
	for _, v := range rep.Violations {
		t.Errorf("%s: %s [%s] %s: %s", path, v.ID, v.Impact, v.Help, firstSummary(v.Nodes))
	}
	if !slices.ContainsFunc(rep.Headings, func(h string) bool { return strings.HasPrefix(h, "h1: ") }) {
		t.Errorf("%s: no h1; headings %q", path, rep.Headings)
	}
}

// browserTOTP is the authenticator app's code for secret, offset from now.
// kith serve runs on the real clock.
func browserTOTP(t *testing.T, secret string, offset time.Duration) string {
	t.Helper()
	code, err := account.TOTPCode(secret, time.Now().Add(offset))
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// browserPasswordGrantRefused checks that an app asking for a token with
// the password (Mastodon.py's log_in, toot's login_cli) is refused with a
// description that says why.
func browserPasswordGrantRefused(t *testing.T, base string) {
	t.Helper()
	var app struct{ ClientID, ClientSecret string }
	postJSONForm(t, base+"/api/v1/apps", url.Values{"client_name": {"script"}, "redirect_uris": {"urn:ietf:wg:oauth:2.0:oob"}, "scopes": {"read"}}, &app)
	var got struct{ Error, ErrorDescription, AccessToken string }
	status := postJSONForm(t, base+"/oauth/token", url.Values{"grant_type": {"password"}, "client_id": {app.ClientID}, "client_secret": {app.ClientSecret},
		"username": {"alice"}, "password": {clientsPassword}, "scope": {"read"}}, &got)
	if status != http.StatusBadRequest || got.Error != "invalid_grant" || !strings.Contains(got.ErrorDescription, "wo-factor") || got.AccessToken != "" {
		t.Errorf("password grant with 2FA on: %d %+v, want 400 invalid_grant saying two-factor sign-in is on", status, got)
	}
}

// postJSONForm posts a form and decodes the JSON answer (snake_case keys
// matched to CamelCase fields), returning the status.
func postJSONForm(t *testing.T, u string, form url.Values, v any) int {
	t.Helper()
	resp, err := http.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
		t.Fatalf("POST %s: status %d, not JSON: %v", u, resp.StatusCode, err)
	}
	camel := map[string]any{}
	for k, val := range raw {
		camel[strings.ReplaceAll(k, "_", "")] = val
	}
	b, _ := json.Marshal(camel)
	json.Unmarshal(b, v)
	return resp.StatusCode
}

// startLocalhost initializes and serves alice at http://localhost:PORT and
// returns that base URL.
func startLocalhost(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	base := fmt.Sprintf("http://localhost:%d", freePort(t))
	r := kith(t, dir, clientsPassword+"\n", "init", "--url", base, "--username", "alice", "--password-stdin")
	if r.code != 0 {
		t.Fatalf("kith init: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	p := startServe(t, dir)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("kith serve output:\n%s", p.output())
		}
	})
	p.waitHealthy(t, base)
	return base
}
