// Package servertest builds whole kith instances for tests: a server on a
// real SQLite file behind httptest, its owner, its federation side, and
// the HTTP helpers tests use to talk to it as a browser would.
//
// Only tests import it; production code never does.
package servertest

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"kith/account"
	"kith/config"
	"kith/federation"
	"kith/jobs"
	"kith/media"
	"kith/server"
	"kith/server/core"
	"kith/store"
	"kith/tests/testclock"
)

// Password is the test owner's password.
const Password = "correct horse battery"

// Instance is one kith server on a real SQLite file behind httptest.
type Instance struct {
	Srv   *server.Server
	DB    *store.DB
	HTTP  *httptest.Server
	Clock *testclock.Clock // nil: the server runs on the real clock
}

// New builds an instance on a test clock, with the default config changed
// by edit (if not nil) and the owner created. It is closed when t ends.
func New(t testing.TB, edit func(*config.Config)) *Instance {
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
	CreateOwner(t, db, cfg.Owner.Username)
	// Store, federation and server share one clock: the store dates
	// sessions, tokens and posts by the time the others compare them with.
	clock := testclock.New()
	db.SetClock(clock.Now)
	srv, err := server.New(cfg, db, ClockedFederation(t, cfg, db, clock.Now), slog.New(slog.DiscardHandler), core.Options{Version: "test", Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &Instance{Srv: srv, DB: db, HTTP: hs, Clock: clock}
}

// testSecrets are made once per test binary: hashing a password and
// generating RSA keys for every test would take most of the run. The
// password is hashed at bcrypt's lowest cost: every sign-in checks it,
// and at kith's cost each check is a quarter of a second the tests do
// not need (BenchmarkSignInTOTP sets a production hash).
var testSecrets = sync.OnceValues(func() (hash string, keys [2][2]string) {
	h, err := bcrypt.GenerateFromPassword([]byte(Password), bcrypt.MinCost)
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

// CreateOwner stores the owner (password Password) and the instance key,
// made once for the whole test binary.
func CreateOwner(t testing.TB, db *store.DB, username string) {
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

// Federation builds the federation side for a test server on the real
// clock, creating the owner first if the test has not.
func Federation(t testing.TB, cfg config.Config, db *store.DB) *federation.Federation {
	t.Helper()
	return ClockedFederation(t, cfg, db, time.Now)
}

// ClockedFederation is Federation with its job runner and its checks
// (poll expiry, signature dates, key freshness) on the clock now.
func ClockedFederation(t testing.TB, cfg config.Config, db *store.DB, now func() time.Time) *federation.Federation {
	t.Helper()
	ctx := context.Background()
	if _, err := db.Owner(ctx); err != nil {
		CreateOwner(t, db, cfg.Owner.Username)
	}
	logger := slog.New(slog.DiscardHandler)
	fed, err := federation.New(ctx, db, jobs.New(db, logger, jobs.Options{Now: now}), logger, federation.Options{
		BaseURL: cfg.Server.URL, Username: cfg.Owner.Username, Version: "test",
		AllowPrivate: cfg.Federation.AllowPrivateAddresses, Hosts: cfg.Federation.Hosts, Now: now,
		MediaPublicURL: media.PublicURL(cfg, ""),
	})
	if err != nil {
		t.Fatal(err)
	}
	return fed
}

// Now is the time on the instance's clock, the test clock if it has one.
func (in *Instance) Now() time.Time {
	if in.Clock == nil {
		return time.Now()
	}
	return in.Clock.Now()
}

// Browser is a client with a cookie jar that does not follow redirects, so
// tests see each answer. Its cookies expire by the server's clock.
func (in *Instance) Browser(t testing.TB) *http.Client {
	return &http.Client{Jar: testclock.NewJar(in.Now), CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Get fetches u with c and returns the response with its body read.
func Get(t testing.TB, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	return resp, ReadBody(t, resp)
}

// Post posts form to u with c and returns the response with its body read.
func Post(t testing.TB, c *http.Client, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	return resp, ReadBody(t, resp)
}

// ReadBody reads and closes the response's body.
func ReadBody(t testing.TB, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// CSRFToken is the csrf_token form field of page; the test fails without one.
func CSRFToken(t testing.TB, page string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf_token in page:\n%s", page)
	}
	return m[1]
}

// IDRE finds the id field of a form, as each row of /settings/sessions
// carries one for its revoke button.
var IDRE = regexp.MustCompile(`name="id" value="([0-9a-f]+)"`)

// GetAccept fetches u with an Accept header, not following redirects.
func GetAccept(t *testing.T, u, accept string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", accept)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp, ReadBody(t, resp)
}

// SignIn logs the browser in and returns the CSRF token of the session.
func (in *Instance) SignIn(t testing.TB, c *http.Client) string {
	t.Helper()
	_, page := Get(t, c, in.HTTP.URL+"/login")
	resp, _ := Post(t, c, in.HTTP.URL+"/login", url.Values{
		"csrf_token": {CSRFToken(t, page)}, "username": {"admin"}, "password": {Password},
	})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: status %d, want 303", resp.StatusCode)
	}
	// "/" sends the owner on to /home; any owner page carries the token.
	_, page = Get(t, c, in.HTTP.URL+"/settings/sessions")
	return CSRFToken(t, page)
}
