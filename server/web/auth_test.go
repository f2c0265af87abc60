package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"kith/account"
	"kith/server/core"
	"kith/server/servertest"
	"kith/tests/testclock"
)

func TestLoginFlow(t *testing.T) {
	in := servertest.New(t, nil)
	c := in.Browser(t)

	resp, page := servertest.Get(t, c, in.HTTP.URL+"/login")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /login: status %d", resp.StatusCode)
	}
	token := servertest.CSRFToken(t, page)

	t.Run("wrong password", func(t *testing.T) {
		resp, body := servertest.Post(t, c, in.HTTP.URL+"/login", url.Values{"csrf_token": {token}, "username": {"admin"}, "password": {"wrong password"}})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("status %d, want 401", resp.StatusCode)
		}
		if !strings.Contains(body, "do not match") {
			t.Errorf("no error message on the page")
		}
		token = servertest.CSRFToken(t, body) // the page sets a fresh token
	})
	t.Run("wrong username", func(t *testing.T) {
		resp, body := servertest.Post(t, c, in.HTTP.URL+"/login", url.Values{"csrf_token": {token}, "username": {"root"}, "password": {servertest.Password}})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("status %d, want 401", resp.StatusCode)
		}
		token = servertest.CSRFToken(t, body)
	})
	t.Run("success", func(t *testing.T) {
		resp, _ := servertest.Post(t, c, in.HTTP.URL+"/login", url.Values{
			"csrf_token": {token}, "username": {"@admin"}, "password": {servertest.Password}, "next": {"/settings/sessions"},
		})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/settings/sessions" {
			t.Fatalf("status %d location %q, want 303 to /settings/sessions", resp.StatusCode, resp.Header.Get("Location"))
		}
		var session *http.Cookie
		for _, ck := range resp.Cookies() {
			if ck.Name == "kith_session" {
				session = ck
			}
		}
		if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode {
			t.Fatalf("session cookie %+v, want HttpOnly and SameSite=Lax", session)
		}
	})
	_, home := servertest.Get(t, c, in.HTTP.URL+"/@admin")
	if !strings.Contains(home, "Sign out") {
		t.Fatalf("home page does not show the owner as signed in")
	}
	sessionCSRF := servertest.CSRFToken(t, home)

	resp, body := servertest.Get(t, c, in.HTTP.URL+"/settings/sessions")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "(this browser)") {
		t.Fatalf("sessions page: status %d, current session not marked", resp.StatusCode)
	}

	t.Run("logout needs the csrf token", func(t *testing.T) {
		resp, _ := servertest.Post(t, c, in.HTTP.URL+"/logout", url.Values{"csrf_token": {"forged"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("status %d, want 403", resp.StatusCode)
		}
		if _, home := servertest.Get(t, c, in.HTTP.URL+"/@admin"); !strings.Contains(home, "Sign out") {
			t.Errorf("a forged logout signed the owner out")
		}
	})

	// Keep the cookie to replay it after logout.
	u, _ := url.Parse(in.HTTP.URL)
	oldCookies := c.Jar.Cookies(u)

	resp, _ = servertest.Post(t, c, in.HTTP.URL+"/logout", url.Values{"csrf_token": {sessionCSRF}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: status %d, want 303", resp.StatusCode)
	}
	if _, home := servertest.Get(t, c, in.HTTP.URL+"/@admin"); strings.Contains(home, "Sign out") {
		t.Errorf("still signed in after logout")
	}

	replay := in.Browser(t)
	replay.Jar.SetCookies(u, oldCookies)
	resp, _ = servertest.Get(t, replay, in.HTTP.URL+"/settings/sessions")
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?") || !strings.Contains(loc, "expired=1") {
		t.Errorf("replayed cookie after logout: status %d location %q, want 303 to /login?...expired=1", resp.StatusCode, loc)
	}
}

func TestLoginCSRF(t *testing.T) {
	in := servertest.New(t, nil)
	c := in.Browser(t)
	_, page := servertest.Get(t, c, in.HTTP.URL+"/login")
	good := servertest.CSRFToken(t, page)
	tests := []struct {
		name   string
		client *http.Client
		token  string
	}{
		{"missing token", c, ""},
		{"forged token", c, "forged-" + good},
		{"token without its cookie", in.Browser(t), good},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := servertest.Post(t, tt.client, in.HTTP.URL+"/login", url.Values{"csrf_token": {tt.token}, "username": {"admin"}, "password": {servertest.Password}})
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("status %d, want 403", resp.StatusCode)
			}
			if !strings.Contains(body, "reload the page") {
				t.Errorf("the page does not say what to do: %s", body)
			}
		})
	}
}

func TestOwnerPagesNeedLogin(t *testing.T) {
	in := servertest.New(t, nil)
	c := in.Browser(t)
	resp, _ := servertest.Get(t, c, in.HTTP.URL+"/settings/sessions")
	if got, want := resp.Header.Get("Location"), "/login?next=%2Fsettings%2Fsessions"; resp.StatusCode != http.StatusSeeOther || got != want {
		t.Errorf("GET: status %d location %q, want 303 to %q", resp.StatusCode, got, want)
	}
	for _, path := range []string{"/logout", "/settings/sessions/revoke"} {
		resp, _ := servertest.Post(t, c, in.HTTP.URL+path, url.Values{"csrf_token": {"x"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s signed out: status %d, want 403", path, resp.StatusCode)
		}
	}
}

func TestSessionExpiry(t *testing.T) {
	in := servertest.New(t, nil)
	c := in.Browser(t)
	in.SignIn(t, c)

	in.Clock.Add(core.SessionLifetime - time.Minute)
	if resp, _ := servertest.Get(t, c, in.HTTP.URL+"/settings/sessions"); resp.StatusCode != http.StatusOK {
		t.Fatalf("before expiry: status %d, want 200", resp.StatusCode)
	}
	// That visit slid the expiry forward, the session's and the cookie's.
	in.Clock.Add(core.SessionLifetime - time.Minute)
	if resp, _ := servertest.Get(t, c, in.HTTP.URL+"/settings/sessions"); resp.StatusCode != http.StatusOK {
		t.Fatalf("after sliding: status %d, want 200", resp.StatusCode)
	}
	site, err := url.Parse(in.HTTP.URL)
	if err != nil {
		t.Fatal(err)
	}
	cookies := c.Jar.Cookies(site)
	in.Clock.Add(core.SessionLifetime + time.Minute)
	for _, got := range c.Jar.Cookies(site) {
		if got.Name != core.KnownBrowserCookie { // it outlives sessions by design
			t.Errorf("after expiry the browser still holds %v", got)
		}
	}
	resp, _ := servertest.Get(t, c, in.HTTP.URL+"/settings/sessions")
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?") {
		t.Fatalf("after expiry: status %d location %q, want a redirect to the login page", resp.StatusCode, loc)
	}
	// A browser that kept the cookie (its clock behind) is told why.
	stale := in.Browser(t)
	stale.Jar.SetCookies(site, cookies) // no Max-Age: kept as long as the jar
	resp, _ = servertest.Get(t, stale, in.HTTP.URL+"/settings/sessions")
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "expired=1") {
		t.Fatalf("expired cookie: status %d location %q, want redirect with expired=1", resp.StatusCode, loc)
	}
	_, page := servertest.Get(t, stale, in.HTTP.URL+loc)
	if !strings.Contains(page, "Your session has expired") {
		t.Errorf("login page does not say the session expired")
	}
}

func TestRevokeSessionAndPasswordChange(t *testing.T) {
	in := servertest.New(t, nil)
	a, b := in.Browser(t), in.Browser(t)
	csrfA := in.SignIn(t, a)
	in.SignIn(t, b)

	sessions, err := in.DB.Sessions(context.Background(), in.Clock.Now())
	if err != nil || len(sessions) != 2 {
		t.Fatalf("sessions = %d (%v), want 2", len(sessions), err)
	}
	// Revoke the row that is not a's own browser: b's.
	_, page := servertest.Get(t, a, in.HTTP.URL+"/settings/sessions")
	var otherID string
	for _, row := range strings.Split(page, "<tr>") {
		if m := servertest.IDRE.FindStringSubmatch(row); m != nil && !strings.Contains(row, "(this browser)") {
			otherID = m[1]
		}
	}
	if otherID == "" {
		t.Fatalf("no other session listed:\n%s", page)
	}
	resp, _ := servertest.Post(t, a, in.HTTP.URL+"/settings/sessions/revoke", url.Values{"csrf_token": {csrfA}, "id": {otherID}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: status %d, want 303", resp.StatusCode)
	}
	if r, _ := servertest.Get(t, a, in.HTTP.URL+"/settings/sessions"); r.StatusCode != http.StatusOK {
		t.Errorf("revoking the other session signed this browser out: status %d", r.StatusCode)
	}
	if r, _ := servertest.Get(t, b, in.HTTP.URL+"/settings/sessions"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("revoked browser still signed in: status %d", r.StatusCode)
	}

	if _, err := account.SetPassword(context.Background(), in.DB, "a brand new password"); err != nil {
		t.Fatal(err)
	}
	if r, _ := servertest.Get(t, a, in.HTTP.URL+"/settings/sessions"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("a password change left a browser signed in: status %d", r.StatusCode)
	}
}

func TestLoginRateLimit(t *testing.T) {
	in := servertest.New(t, nil)
	c := in.Browser(t)
	statuses := map[int]int{}
	for range core.SignInPerClient + 1 {
		_, page := servertest.Get(t, c, in.HTTP.URL+"/login")
		resp, _ := servertest.Post(t, c, in.HTTP.URL+"/login", url.Values{"csrf_token": {servertest.CSRFToken(t, page)}, "username": {"admin"}, "password": {"wrong password"}})
		statuses[resp.StatusCode]++
	}
	if statuses[http.StatusUnauthorized] != core.SignInPerClient || statuses[http.StatusTooManyRequests] != 1 {
		t.Errorf("statuses %v, want %d×401 then 1×429", statuses, core.SignInPerClient)
	}
	in.Clock.Add(core.SignInWindow / core.SignInPerClient)
	_, page := servertest.Get(t, c, in.HTTP.URL+"/login")
	resp, _ := servertest.Post(t, c, in.HTTP.URL+"/login", url.Values{"csrf_token": {servertest.CSRFToken(t, page)}, "username": {"admin"}, "password": {servertest.Password}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after the refill interval: status %d, want 303", resp.StatusCode)
	}
}

func TestRateLimiterBoundsMemory(t *testing.T) {
	clock := testclock.New()
	l := core.NewRateLimiter(2, time.Second, clock.Now)
	for i := range core.MaxLimiterKeys + 100 {
		l.Allow("10.0.0." + string(rune('a'+i%26)) + string(rune(i)))
	}
	if n := len(l.Buckets); n > core.MaxLimiterKeys+1 {
		t.Errorf("limiter holds %d buckets, want at most %d", n, core.MaxLimiterKeys+1)
	}
	// Once the buckets have refilled, a new key prunes them.
	clock.Add(3 * time.Second)
	if !l.Allow("fresh") {
		t.Errorf("a fresh key was refused after the buckets refilled")
	}
	if n := len(l.Buckets); n > 2 {
		t.Errorf("after pruning the limiter holds %d buckets, want at most 2", n)
	}
}
