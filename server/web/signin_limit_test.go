package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"kith/config"
	"kith/server/core"
	"kith/server/servertest"
	"kith/tests/testclock"
)

// forwardedFor sends every request as if a trusted proxy had forwarded it
// from addr.
type forwardedFor struct{ addr string }

func (f forwardedFor) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", f.addr)
	return http.DefaultTransport.RoundTrip(r)
}

// behindProxy is an instance whose loopback peer is a trusted proxy, so
// tests choose the client address with X-Forwarded-For.
func behindProxy(t *testing.T) *servertest.Instance {
	return servertest.New(t, func(c *config.Config) { c.Server.TrustedProxies = []string{"127.0.0.1"} })
}

// browserFrom is a browser whose requests come from addr.
func browserFrom(t *testing.T, in *servertest.Instance, addr string) *http.Client {
	c := in.Browser(t)
	c.Transport = forwardedFor{addr}
	return c
}

// loginFrom posts the login form from addr and returns the answer.
func loginFrom(t *testing.T, in *servertest.Instance, addr, password string) *http.Response {
	t.Helper()
	c := browserFrom(t, in, addr)
	_, page := servertest.Get(t, c, in.HTTP.URL+"/login")
	resp, _ := servertest.Post(t, c, in.HTTP.URL+"/login", url.Values{"csrf_token": {servertest.CSRFToken(t, page)}, "username": {"admin"}, "password": {password}})
	return resp
}

// passwordGrantFrom asks /oauth/token for a password grant from addr.
func passwordGrantFrom(t *testing.T, in *servertest.Instance, app servertest.App, addr, password string) *http.Response {
	t.Helper()
	resp, _ := servertest.Post(t, browserFrom(t, in, addr), in.HTTP.URL+"/oauth/token", url.Values{"grant_type": {"password"},
		"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}, "username": {"admin"}, "password": {password}})
	return resp
}

// checkRetryAfter requires a refusal's Retry-After: whole seconds, at
// most the window.
func checkRetryAfter(t *testing.T, resp *http.Response) {
	t.Helper()
	secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || secs < 1 || time.Duration(secs)*time.Second > core.SignInWindow {
		t.Errorf("Retry-After %q, want 1 to %d seconds", resp.Header.Get("Retry-After"), int(core.SignInWindow.Seconds()))
	}
}

// Six addresses take turns guessing, on the login form and the password
// grant alike: the global cap refuses every attempt once the server has
// seen signInGlobal failures, the right password too, until the window
// has passed.
func TestSignInGlobalCap(t *testing.T) {
	in := behindProxy(t)
	app := servertest.RegisterApp(t, in, url.Values{"client_name": {"toot"}, "redirect_uris": {core.OobRedirectURI}, "scopes": {"read"}})
	addrs := []string{"192.0.2.1", "192.0.2.2", "198.51.100.7", "203.0.113.9", "2001:db8:1::1", "2001:db8:2::1"}
	statuses := map[int]int{}
	for i := range 60 {
		addr := addrs[i%len(addrs)]
		var resp *http.Response
		if i%2 == 0 {
			resp = loginFrom(t, in, addr, "wrong password")
		} else {
			resp = passwordGrantFrom(t, in, app, addr, "wrong password")
		}
		statuses[resp.StatusCode]++
		if resp.StatusCode == http.StatusTooManyRequests {
			checkRetryAfter(t, resp)
		} else if i >= core.SignInGlobal {
			t.Errorf("attempt %d from %s: status %d, want 429 past the global cap", i+1, addr, resp.StatusCode)
		}
	}
	wrong := statuses[http.StatusUnauthorized] + statuses[http.StatusBadRequest]
	if wrong != core.SignInGlobal || statuses[http.StatusTooManyRequests] != 60-core.SignInGlobal {
		t.Errorf("statuses %v, want %d wrong-password answers then %d×429", statuses, core.SignInGlobal, 60-core.SignInGlobal)
	}
	if resp := loginFrom(t, in, "192.0.2.200", servertest.Password); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("the right password from a new address under the cap: status %d, want 429", resp.StatusCode)
	}
	in.Clock.Add(core.SignInWindow)
	if resp := loginFrom(t, in, "192.0.2.1", servertest.Password); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the right password after the window: status %d, want 303", resp.StatusCode)
	}
}

// An IPv6 host usually holds a whole /64, so its addresses share one
// bucket; IPv4 neighbours do not.
func TestSignInLimitPerClient(t *testing.T) {
	in := behindProxy(t)
	for i := range core.SignInPerClient {
		addr := "2001:db8:1:2::" + strconv.Itoa(i+1)
		if resp := loginFrom(t, in, addr, "wrong password"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d from %s: status %d, want 401", i+1, addr, resp.StatusCode)
		}
	}
	tests := []struct {
		addr string
		want int
	}{
		{"2001:db8:1:2:ffff:ffff:ffff:ffff", http.StatusTooManyRequests}, // the same /64
		{"2001:db8:1:3::1", http.StatusUnauthorized},                     // the next /64
		{"::ffff:192.0.2.1", http.StatusUnauthorized},                    // IPv4, mapped
	}
	for _, tt := range tests {
		resp := loginFrom(t, in, tt.addr, "wrong password")
		if resp.StatusCode != tt.want {
			t.Errorf("%s: status %d, want %d", tt.addr, resp.StatusCode, tt.want)
		}
	}
	for range core.SignInPerClient - 1 {
		loginFrom(t, in, "192.0.2.1", "wrong password")
	}
	if resp := loginFrom(t, in, "192.0.2.1", servertest.Password); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("192.0.2.1 after %d failures: status %d, want 429", core.SignInPerClient, resp.StatusCode)
	}
	if resp := loginFrom(t, in, "192.0.2.2", servertest.Password); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("its neighbour 192.0.2.2: status %d, want 303", resp.StatusCode)
	}
}

// The password grant and the password page's current password draw on the
// login form's bucket.
func TestSignInLimitSharedByEndpoints(t *testing.T) {
	in := behindProxy(t)
	app := servertest.RegisterApp(t, in, url.Values{"client_name": {"toot"}, "redirect_uris": {core.OobRedirectURI}, "scopes": {"read"}})
	const addr = "198.51.100.20"
	owner := browserFrom(t, in, addr)
	csrf := in.SignIn(t, owner)
	// Without its known-browser cookie, the owner's browser counts as its
	// address (a known browser has a bucket of its own).
	base, err := url.Parse(in.HTTP.URL)
	if err != nil {
		t.Fatal(err)
	}
	owner.Jar.SetCookies(base, []*http.Cookie{{Name: core.KnownBrowserCookie, Path: "/", MaxAge: -1}})
	for i := range core.SignInPerClient {
		if resp := passwordGrantFrom(t, in, app, addr, "wrong password"); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("password grant %d: status %d, want 400", i+1, resp.StatusCode)
		}
	}
	if resp := loginFrom(t, in, addr, servertest.Password); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("login form after the grant's failures: status %d, want 429", resp.StatusCode)
	} else {
		checkRetryAfter(t, resp)
	}
	resp, _ := servertest.Post(t, owner, in.HTTP.URL+"/settings/password", url.Values{"csrf_token": {csrf},
		"current_password": {servertest.Password}, "password": {"a new password 1"}, "password_confirmation": {"a new password 1"}})
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("password page after the grant's failures: status %d, want 429", resp.StatusCode)
	}
}

func TestSignInLimiter(t *testing.T) {
	clock := testclock.New()
	l := core.NewSignInLimiter(clock.Now)
	for i := range core.SignInPerClient {
		if wait := l.Reserve("a", false); wait != 0 {
			t.Fatalf("attempt %d refused for %v", i+1, wait)
		}
	}
	wait := l.Reserve("a", false)
	if wait <= 0 || wait > core.SignInWindow {
		t.Fatalf("attempt %d: wait %v, want a refusal of at most %v", core.SignInPerClient+1, wait, core.SignInWindow)
	}
	// A right secret gives its attempt back, and only its own: the next
	// attempt is allowed, the one after is not.
	l.Succeeded("a", false)
	if wait := l.Reserve("a", false); wait != 0 {
		t.Errorf("after a success: refused for %v", wait)
	}
	if wait := l.Reserve("a", false); wait == 0 {
		t.Errorf("a success refilled more than its own attempt")
	}
	// Refused attempts cost nothing: after the window all is forgiven.
	for range 100 {
		l.Reserve("a", false)
	}
	clock.Add(core.SignInWindow)
	for i := range core.SignInPerClient {
		if wait := l.Reserve("a", false); wait != 0 {
			t.Fatalf("after the window, attempt %d refused for %v", i+1, wait)
		}
	}
}

// Strangers guessing from many addresses can exhaust the server-wide cap,
// but not lock the owner out of a browser they signed in with before: it
// carries a known-browser cookie, counted in a bucket of its own. A forged
// cookie is a stranger's.
func TestSignInKnownBrowserPassesTheGlobalCap(t *testing.T) {
	in := behindProxy(t)
	owner := browserFrom(t, in, "198.51.100.50")
	csrf := in.SignIn(t, owner)
	base, err := url.Parse(in.HTTP.URL)
	if err != nil {
		t.Fatal(err)
	}
	known := ""
	for _, c := range owner.Jar.Cookies(base) {
		if c.Name == core.KnownBrowserCookie {
			known = c.Value
		}
	}
	if known == "" {
		t.Fatalf("signing in set no %s cookie", core.KnownBrowserCookie)
	}
	// Sign out, then let strangers use up the server-wide cap.
	if resp, _ := servertest.Post(t, owner, in.HTTP.URL+"/logout", url.Values{"csrf_token": {csrf}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out: status %d, want 303", resp.StatusCode)
	}
	for i := range core.SignInGlobal + 5 {
		loginFrom(t, in, "203.0.113."+strconv.Itoa(i%50+1), "wrong password").Body.Close()
	}
	if resp := loginFrom(t, in, "192.0.2.77", servertest.Password); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("a stranger's right password under the cap: status %d, want 429", resp.StatusCode)
	}
	_, page := servertest.Get(t, owner, in.HTTP.URL+"/login")
	resp, _ := servertest.Post(t, owner, in.HTTP.URL+"/login", url.Values{"csrf_token": {servertest.CSRFToken(t, page)}, "username": {"admin"}, "password": {servertest.Password}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the owner's known browser under the cap: status %d, want 303", resp.StatusCode)
	}

	forged := browserFrom(t, in, "192.0.2.78")
	forged.Jar.SetCookies(base, []*http.Cookie{{Name: core.KnownBrowserCookie, Value: strings.Repeat("0", 32) + "." + strings.Repeat("0", 32), Path: "/"}})
	_, page = servertest.Get(t, forged, in.HTTP.URL+"/login")
	resp, _ = servertest.Post(t, forged, in.HTTP.URL+"/login", url.Values{"csrf_token": {servertest.CSRFToken(t, page)}, "username": {"admin"}, "password": {servertest.Password}})
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("a forged known-browser cookie under the cap: status %d, want 429", resp.StatusCode)
	}
}
