package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"kith/account"
	"kith/config"
	"kith/federation"
	"kith/jobs"
	"kith/server/core"
	"kith/store"
	"kith/tests/testclock"
)

const testPassword = "correct horse battery"

// instance is one kith server on a real SQLite file behind httptest.
type instance struct {
	srv   *Server
	db    *store.DB
	http  *httptest.Server
	clock *testclock.Clock // nil: the server runs on the real clock
}

func newInstance(t *testing.T, edit func(*config.Config)) *instance {
	t.Helper()
	ctx := context.Background()
	cfg := config.Default()
	cfg.Server.DataDir = t.TempDir()
	if edit != nil {
		edit(&cfg)
	}
	db, err := store.Open(ctx, filepath.Join(cfg.Server.DataDir, "kith.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	createTestOwner(t, db, cfg.Owner.Username)
	// Store, federation and server share one clock: the store dates
	// sessions, tokens and posts by the time the others compare them with.
	clock := testclock.New()
	db.SetClock(clock.Now)
	srv, err := New(cfg, db, clockedFederation(t, cfg, db, clock.Now), slog.New(slog.DiscardHandler), core.Options{Version: "test", Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &instance{srv: srv, db: db, http: hs, clock: clock}
}

// testSecrets are made once per test binary: hashing a password and
// generating RSA keys for every test would take most of the run. The
// password is hashed at bcrypt's lowest cost: every sign-in checks it,
// and at kith's cost each check is a quarter of a second the tests do
// not need (BenchmarkSignInTOTP sets a production hash).
var testSecrets = sync.OnceValues(func() (hash string, keys [2][2]string) {
	h, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	if err != nil {
		panic(err)
	}
	hash = string(h)
	for i := range keys {
		keys[i][0], keys[i][1], err = account.GenerateKeyPair()
		if err != nil {
			panic(err)
		}
	}
	return hash, keys
})

// createTestOwner stores the owner (password testPassword) and the
// instance key, made once for the whole test binary.
func createTestOwner(t testing.TB, db *store.DB, username string) {
	t.Helper()
	ctx := context.Background()
	hash, keys := testSecrets()
	err := db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateOwner(ctx, store.Owner{Username: username, PasswordHash: hash, PrivateKeyPEM: keys[0][0], PublicKeyPEM: keys[0][1]}); err != nil {
			return err
		}
		return tx.SetSetting(ctx, "instance_private_key", keys[1][0])
	})
	if err != nil {
		t.Fatal(err)
	}
}

// testFederation builds the federation side for a test server on the
// real clock, creating the owner first if the test has not.
func testFederation(t *testing.T, cfg config.Config, db *store.DB) *federation.Federation {
	t.Helper()
	return clockedFederation(t, cfg, db, time.Now)
}

// clockedFederation is testFederation with its job runner and its checks
// (poll expiry, signature dates, key freshness) on the clock now.
func clockedFederation(t *testing.T, cfg config.Config, db *store.DB, now func() time.Time) *federation.Federation {
	t.Helper()
	ctx := context.Background()
	if _, err := db.Owner(ctx); err != nil {
		createTestOwner(t, db, cfg.Owner.Username)
	}
	logger := slog.New(slog.DiscardHandler)
	fed, err := federation.New(ctx, db, jobs.New(db, logger, jobs.Options{Now: now}), logger, federation.Options{
		BaseURL: cfg.Server.URL, Username: cfg.Owner.Username, Version: "test",
		AllowPrivate: cfg.Federation.AllowPrivateAddresses, Hosts: cfg.Federation.Hosts, Now: now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return fed
}

// now is the time on the instance's clock, the test clock if it has one.
func (in *instance) now() time.Time {
	if in.clock == nil {
		return time.Now()
	}
	return in.clock.Now()
}

// browser is a client with a cookie jar that does not follow redirects, so
// tests see each answer. Its cookies expire by the server's clock.
func (in *instance) browser(t *testing.T) *http.Client {
	return &http.Client{Jar: testclock.NewJar(in.now), CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	return resp, readBody(t, resp)
}

func post(t *testing.T, c *http.Client, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	return resp, readBody(t, resp)
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func csrfToken(t *testing.T, page string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf_token in page:\n%s", page)
	}
	return m[1]
}

// signIn logs the browser in and returns the CSRF token of the session.
func (in *instance) signIn(t *testing.T, c *http.Client) string {
	t.Helper()
	_, page := get(t, c, in.http.URL+"/login")
	resp, _ := post(t, c, in.http.URL+"/login", url.Values{
		"csrf_token": {csrfToken(t, page)}, "username": {"admin"}, "password": {testPassword},
	})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: status %d, want 303", resp.StatusCode)
	}
	// "/" sends the owner on to /home; any owner page carries the token.
	_, page = get(t, c, in.http.URL+"/settings/sessions")
	return csrfToken(t, page)
}

func TestHealth(t *testing.T) {
	in := newInstance(t, nil)
	resp, body := get(t, http.DefaultClient, in.http.URL+"/healthz")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(body), &got); err != nil || got["status"] != "ok" {
		t.Errorf("body %q, want status ok", body)
	}
	in.db.Close()
	resp, _ = get(t, http.DefaultClient, in.http.URL+"/healthz")
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("with the database closed: status %d, want 503", resp.StatusCode)
	}
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	in := newInstance(t, nil)
	for _, path := range []string{"/", "/login", "/healthz", "/static/avatar.png", "/no/such/page", "/settings/sessions"} {
		t.Run(path, func(t *testing.T) {
			resp, _ := get(t, in.browser(t), in.http.URL+path)
			for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options"} {
				if resp.Header.Get(h) == "" {
					t.Errorf("%s missing (status %d)", h, resp.StatusCode)
				}
			}
			if got := resp.Header.Get("Strict-Transport-Security"); got != "" {
				t.Errorf("HSTS %q sent over plain http", got)
			}
		})
	}
	// An inbox delivery's answer is for a server, not a browser: nosniff
	// only.
	resp, err := http.Post(in.http.URL+"/inbox", "application/activity+json", strings.NewReader(`{"type":"Delete","actor":"https://gone.example/u","id":"https://gone.example/u#delete","object":"https://gone.example/u"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted || resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Content-Security-Policy") != "" {
		t.Errorf("inbox: status %d, headers %v; want 202 with nosniff and no CSP", resp.StatusCode, resp.Header)
	}
}

func TestStatusPages(t *testing.T) {
	in := newInstance(t, nil)
	tests := []struct {
		method, path string
		want         int
	}{
		{"GET", "/", 200},
		{"GET", "/no/such/page", 404},
		{"DELETE", "/login", 405},
		{"GET", "/static/avatar.png", 200},
		{"GET", "/static/missing.css", 404},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, in.http.URL+tt.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := readBody(t, resp)
		if resp.StatusCode != tt.want {
			t.Errorf("%s %s: status %d, want %d", tt.method, tt.path, resp.StatusCode, tt.want)
		}
		if tt.want >= 400 && strings.Contains(body, "goroutine") {
			t.Errorf("%s %s: error page leaks internals: %s", tt.method, tt.path, body)
		}
	}
}

func TestBodyLimit(t *testing.T) {
	in := newInstance(t, nil)
	big := bytes.Repeat([]byte("a"), maxBody+1)
	resp, err := http.Post(in.http.URL+"/login", "application/x-www-form-urlencoded", bytes.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", resp.StatusCode)
	}
}

func TestPanicBecomes500(t *testing.T) {
	in := newInstance(t, nil)
	h := in.srv.recoverPanics(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", rec.Code)
	}
	if strings.Contains(rec.Body.String(), "boom") {
		t.Errorf("the panic value reached the visitor: %s", rec.Body.String())
	}
}

func TestReloadAppliesTrustedProxies(t *testing.T) {
	in := newInstance(t, nil)
	req, _ := http.NewRequest("GET", in.http.URL+"/healthz", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	hsts := func() string {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		readBody(t, resp)
		return resp.Header.Get("Strict-Transport-Security")
	}
	if got := hsts(); got != "" {
		t.Fatalf("before reload: HSTS %q from an untrusted peer", got)
	}
	cfg := in.srv.Config()
	cfg.Server.TrustedProxies = []string{"127.0.0.1"}
	cfg.Server.URL = "https://elsewhere.example"
	if err := in.srv.Reload(cfg); err != nil {
		t.Fatal(err)
	}
	if got := hsts(); got == "" {
		t.Errorf("after reload: no HSTS though 127.0.0.1 is now a trusted proxy")
	}
	if got := in.srv.Config().Server.URL; got != "http://localhost:8080" {
		t.Errorf("server.url changed on reload to %q; it needs a restart", got)
	}
}
