package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"kith/config"
	"kith/server"
	"kith/server/servertest"
)

func TestHealth(t *testing.T) {
	in := servertest.New(t, nil)
	resp, body := servertest.Get(t, http.DefaultClient, in.HTTP.URL+"/healthz")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(body), &got); err != nil || got["status"] != "ok" {
		t.Errorf("body %q, want status ok", body)
	}
	in.DB.Close()
	resp, _ = servertest.Get(t, http.DefaultClient, in.HTTP.URL+"/healthz")
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("with the database closed: status %d, want 503", resp.StatusCode)
	}
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	in := servertest.New(t, nil)
	for _, path := range []string{"/", "/login", "/healthz", "/static/avatar.png", "/no/such/page", "/settings/sessions"} {
		t.Run(path, func(t *testing.T) {
			resp, _ := servertest.Get(t, in.Browser(t), in.HTTP.URL+path)
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
	resp, err := http.Post(in.HTTP.URL+"/inbox", "application/activity+json", strings.NewReader(`{"type":"Delete","actor":"https://gone.example/u","id":"https://gone.example/u#delete","object":"https://gone.example/u"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted || resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Content-Security-Policy") != "" {
		t.Errorf("inbox: status %d, headers %v; want 202 with nosniff and no CSP", resp.StatusCode, resp.Header)
	}
}

func TestStatusPages(t *testing.T) {
	in := servertest.New(t, nil)
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
		req, _ := http.NewRequest(tt.method, in.HTTP.URL+tt.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := servertest.ReadBody(t, resp)
		if resp.StatusCode != tt.want {
			t.Errorf("%s %s: status %d, want %d", tt.method, tt.path, resp.StatusCode, tt.want)
		}
		if tt.want >= 400 && strings.Contains(body, "goroutine") {
			t.Errorf("%s %s: error page leaks internals: %s", tt.method, tt.path, body)
		}
	}
}

func TestBodyLimit(t *testing.T) {
	in := servertest.New(t, nil)
	big := bytes.Repeat([]byte("a"), server.MaxBody+1)
	resp, err := http.Post(in.HTTP.URL+"/login", "application/x-www-form-urlencoded", bytes.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	servertest.ReadBody(t, resp)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", resp.StatusCode)
	}
}

func TestPanicBecomes500(t *testing.T) {
	in := servertest.New(t, nil)
	h := in.Srv.RecoverPanics(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
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
	in := servertest.New(t, nil)
	req, _ := http.NewRequest("GET", in.HTTP.URL+"/healthz", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	hsts := func() string {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		servertest.ReadBody(t, resp)
		return resp.Header.Get("Strict-Transport-Security")
	}
	if got := hsts(); got != "" {
		t.Fatalf("before reload: HSTS %q from an untrusted peer", got)
	}
	cfg := in.Srv.Config()
	cfg.Server.TrustedProxies = []string{"127.0.0.1"}
	cfg.Server.URL = "https://elsewhere.example"
	if err := in.Srv.Reload(cfg); err != nil {
		t.Fatal(err)
	}
	if got := hsts(); got == "" {
		t.Errorf("after reload: no HSTS though 127.0.0.1 is now a trusted proxy")
	}
	if got := in.Srv.Config().Server.URL; got != "http://localhost:8080" {
		t.Errorf("server.url changed on reload to %q; it needs a restart", got)
	}
}

// web.preview_cards is read at start and again on reload.
func TestReloadAppliesPreviewCards(t *testing.T) {
	in := servertest.New(t, func(c *config.Config) { c.Web.PreviewCards = false })
	if in.Srv.Fed.PreviewCardsOn() {
		t.Fatalf("preview cards on at start with web.preview_cards = false")
	}
	cfg := in.Srv.Config()
	cfg.Web.PreviewCards = true
	if err := in.Srv.Reload(cfg); err != nil {
		t.Fatal(err)
	}
	if !in.Srv.Fed.PreviewCardsOn() {
		t.Errorf("preview cards still off after reloading web.preview_cards = true")
	}
}
