package e2e

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"kith/account"
	"kith/store"
)

// The way back in: the owner turned on an authenticator app and added a
// passkey, lost both, and runs kith account 2fa disable beside the
// running server; the password alone signs in again.
func TestAccount2FADisable(t *testing.T) {
	dir, _, base := initInstance(t)
	p := startServe(t, dir)
	p.waitHealthy(t, base)

	jar, _ := cookiejar.New(nil) // the kith binary runs on the real clock, as this jar does
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if to := passwordSignIn(t, c, base); to != "/" {
		t.Fatalf("sign-in before 2FA went to %q, want /", to)
	}
	enableTOTPOn(t, c, base)
	db, err := store.Open(context.Background(), filepath.Join(dir, "kith-data", "kith.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.InTx(context.Background(), func(tx *store.Tx) error {
		_, err := tx.AddPasskey(context.Background(), store.Passkey{CredentialID: []byte("lost"), RPID: "127.0.0.1", Name: "old phone", Record: "{}"})
		return err
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	r := kith(t, dir, "", "account", "2fa", "status")
	for _, want := range []string{"Two-factor sign-in: on", "Authenticator app: on", "Passkeys: 1", "Recovery codes left: 10"} {
		if r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Errorf("2fa status: exit %d, output lacks %q:\n%s%s", r.code, want, r.stdout, r.stderr)
		}
	}
	if to := passwordSignIn(t, &http.Client{Jar: newJar(), CheckRedirect: c.CheckRedirect}, base); to != "/login/2fa" {
		t.Fatalf("password with 2FA on went to %q, want /login/2fa", to)
	}

	r = kith(t, dir, "", "account", "2fa", "disable")
	want := "Two-factor sign-in is off: removed the authenticator app, 1 passkey and 10 recovery codes."
	if r.code != 0 || !strings.Contains(r.stdout, want) {
		t.Errorf("2fa disable: exit %d, want %q:\n%s%s", r.code, want, r.stdout, r.stderr)
	}
	if to := passwordSignIn(t, &http.Client{Jar: newJar(), CheckRedirect: c.CheckRedirect}, base); to != "/" {
		t.Errorf("password after 2fa disable went to %q, want / (signed in)", to)
	}
	if r := kith(t, dir, "", "account", "2fa", "status"); !strings.Contains(r.stdout, "Two-factor sign-in: off") {
		t.Errorf("2fa status after disable:\n%s%s", r.stdout, r.stderr)
	}
	if r := kith(t, dir, "", "account", "2fa", "disable"); r.code != 0 || !strings.Contains(r.stdout, "already off") {
		t.Errorf("2fa disable again: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := kith(t, dir, "", "account", "2fa", "bogus"); r.code != 2 {
		t.Errorf("2fa bogus: exit %d, want 2", r.code)
	}
}

func newJar() http.CookieJar {
	jar, _ := cookiejar.New(nil)
	return jar
}

// passwordSignIn posts alice's password on /login and returns where it
// sends the browser.
func passwordSignIn(t *testing.T, c *http.Client, base string) string {
	t.Helper()
	page := getPage(t, c, base+"/login")
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no csrf token on the login page")
	}
	resp, err := c.PostForm(base+"/login", url.Values{"csrf_token": {m[1]}, "username": {"alice"}, "password": {"a fine password"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.Header.Get("Location")
}

// enableTOTPOn sets up an authenticator app on the settings page as the
// owner signed in on c.
func enableTOTPOn(t *testing.T, c *http.Client, base string) {
	t.Helper()
	page := getPage(t, c, base+"/settings/2fa/totp")
	m := regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`).FindStringSubmatch(page)
	csrf := csrfRE.FindStringSubmatch(page)
	if m == nil || csrf == nil {
		t.Fatalf("set-up page without a secret or a form:\n%s", page)
	}
	code, err := account.TOTPCode(m[1], time.Now())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.PostForm(base+"/settings/2fa/totp", url.Values{"csrf_token": {csrf[1]}, "code": {code}, "current_password": {"a fine password"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Recovery codes") {
		t.Fatalf("confirm the app: status %d:\n%s", resp.StatusCode, body)
	}
}

func getPage(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
