package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"kith/account"
	"kith/config"
	"kith/federation"
	"kith/jobs"
	"kith/server"
	"kith/server/core"
	"kith/server/servertest"
	"kith/store"
	"kith/tests/testclock"
)

// BenchmarkSignInTOTP measures a whole sign-in with an authenticator app,
// as a browser does it: the login form, the password (bcrypt, cost 12,
// which is most of it), the second step's form and the code. Each
// iteration moves the test clock on a step, so each code is fresh.
//
//	go test -run '^$' -bench SignInTOTP -count 3 ./server/web
func BenchmarkSignInTOTP(b *testing.B) {
	ctx := context.Background()
	cfg := config.Default()
	cfg.Server.DataDir = b.TempDir()
	db, err := store.Open(ctx, filepath.Join(cfg.Server.DataDir, "kith.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	servertest.CreateOwner(b, db, cfg.Owner.Username)
	// The tests' owner has a cheap hash; a sign-in is measured at kith's.
	if _, err := account.SetPassword(ctx, db, servertest.Password); err != nil {
		b.Fatal(err)
	}
	clock := testclock.New()
	db.SetClock(clock.Now)
	logger := slog.New(slog.DiscardHandler)
	fed, err := federation.New(ctx, db, jobs.New(db, logger, jobs.Options{Now: clock.Now}), logger, federation.Options{
		BaseURL: cfg.Server.URL, Username: cfg.Owner.Username, Version: "test", Now: clock.Now,
	})
	if err != nil {
		b.Fatal(err)
	}
	srv, err := server.New(cfg, db, fed, logger, core.Options{Version: "test", Now: clock.Now})
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	b.Cleanup(hs.Close)
	secret := account.NewTOTPSecret()
	if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.EnableTOTP(ctx, secret, 0, nil) }); err != nil {
		b.Fatal(err)
	}

	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	step := func(c *http.Client, method, path string, form url.Values, want int) string {
		var resp *http.Response
		var err error
		if method == http.MethodGet {
			resp, err = c.Get(hs.URL + path)
		} else {
			resp, err = c.PostForm(hs.URL+path, form)
		}
		if err != nil {
			b.Fatal(err)
		}
		body := make([]byte, 64<<10)
		n, _ := resp.Body.Read(body)
		resp.Body.Close()
		if resp.StatusCode != want {
			b.Fatalf("%s %s: status %d, want %d", method, path, resp.StatusCode, want)
		}
		return string(body[:n])
	}
	var password, code time.Duration
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		clock.Add(30 * time.Second)
		totp, err := account.TOTPCode(secret, clock.Now())
		if err != nil {
			b.Fatal(err)
		}
		c := &http.Client{Jar: testclock.NewJar(clock.Now), CheckRedirect: noRedirect}
		b.StartTimer()
		page := step(c, http.MethodGet, "/login", nil, http.StatusOK)
		start := time.Now()
		step(c, http.MethodPost, "/login", url.Values{"csrf_token": {servertest.CSRFToken(b, page)}, "username": {"admin"}, "password": {servertest.Password}}, http.StatusSeeOther)
		password += time.Since(start)
		page = step(c, http.MethodGet, "/login/2fa", nil, http.StatusOK)
		start = time.Now()
		step(c, http.MethodPost, "/login/2fa", url.Values{"csrf_token": {servertest.CSRFToken(b, page)}, "code": {totp}}, http.StatusSeeOther)
		code += time.Since(start)
	}
	// The two posts apart: the password's bcrypt against the code's check.
	b.ReportMetric(float64(password.Microseconds())/1000/float64(b.N), "password-ms/op")
	b.ReportMetric(float64(code.Microseconds())/1000/float64(b.N), "code-ms/op")
}
