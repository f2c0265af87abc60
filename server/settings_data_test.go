package server

import (
	"archive/zip"
	"bytes"
	"context"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"kith/config"
	"kith/federation"
	"kith/jobs"
	"kith/portability"
	"kith/server/core"
	"kith/store"
)

// dataInstance is a test server with the data page wired, and the job
// runner that applies imports.
func dataInstance(t *testing.T) (*instance, *jobs.Runner) {
	t.Helper()
	ctx := context.Background()
	cfg := config.Default()
	cfg.Server.DataDir = t.TempDir()
	db, err := store.Open(ctx, filepath.Join(cfg.Server.DataDir, "kith.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	createTestOwner(t, db, cfg.Owner.Username)
	logger := slog.New(slog.DiscardHandler)
	runner := jobs.New(db, logger, jobs.Options{})
	fed, err := federation.New(ctx, db, runner, logger, federation.Options{BaseURL: cfg.Server.URL, Username: cfg.Owner.Username, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	porter := portability.New(db, fed, runner, logger, portability.Options{BaseURL: cfg.Server.URL,
		MediaDir: filepath.Join(cfg.Server.DataDir, "media"), FollowDelay: -1})
	srv, err := New(cfg, db, fed, logger, core.Options{Version: "test", Porter: porter})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &instance{srv: srv, db: db, http: hs}, runner
}

// upload posts a file with the import form's fields.
func upload(t *testing.T, c *http.Client, u, csrf, name string, body []byte) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if csrf != "" {
		mw.WriteField("csrf_token", csrf)
	}
	mw.WriteField("mode", "merge")
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(body)
	mw.Close()
	resp, err := c.Post(u, mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	return resp, readBody(t, resp)
}

func TestDataPage(t *testing.T) {
	in, runner := dataInstance(t)
	ctx := context.Background()
	anon := in.browser(t)
	if resp, _ := get(t, anon, in.http.URL+"/settings/data"); resp.StatusCode == http.StatusOK {
		t.Fatalf("anonymous visitor got the data page")
	}
	c := in.browser(t)
	csrf := in.signIn(t, c)
	resp, page := get(t, c, in.http.URL+"/settings/data")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "following_accounts.csv") || !strings.Contains(page, `action="/settings/data/import"`) {
		t.Fatalf("data page: status %d\n%s", resp.StatusCode, page)
	}

	if resp, _ := upload(t, c, in.http.URL+"/settings/data/import", "", "blocked_domains.csv", []byte("spam.example\n")); resp.StatusCode != http.StatusForbidden {
		t.Errorf("upload without the CSRF token: status %d, want 403", resp.StatusCode)
	}
	resp, body := upload(t, c, in.http.URL+"/settings/data/import", csrf, "blocked_domains.csv", []byte("\ufeffSpam.example\r\nbad/domain\r\n"))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("CSV upload: status %d\n%s", resp.StatusCode, body)
	}
	if _, err := runner.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := in.db.DomainBlocks(ctx); len(got) != 1 || got[0] != "spam.example" {
		t.Errorf("domain blocks = %q, want spam.example", got)
	}
	_, page = get(t, c, in.http.URL+"/settings/data")
	for _, want := range []string{"blocked_domains.csv", "2/2 done", `line 2: &#34;bad/domain&#34; is not a domain name`} {
		if !strings.Contains(page, want) {
			t.Errorf("data page after the import lacks %q:\n%s", want, page)
		}
	}

	resp, body = get(t, c, in.http.URL+"/settings/data/csv/domain_blocks")
	if resp.StatusCode != http.StatusOK || body != "spam.example\n" || !strings.Contains(resp.Header.Get("Content-Disposition"), "blocked_domains.csv") {
		t.Errorf("CSV download: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Disposition"), body)
	}
	resp, body = get(t, c, in.http.URL+"/settings/data/archive.zip")
	zr, err := zip.NewReader(strings.NewReader(body), int64(len(body)))
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/zip" || err != nil {
		t.Fatalf("archive download: %d %q %v", resp.StatusCode, resp.Header.Get("Content-Type"), err)
	}
	if len(zr.File) < 4 || zr.File[1].Name != "outbox.json" {
		t.Errorf("archive entries start %v, want actor.json, outbox.json, …", zr.File)
	}

	var bad bytes.Buffer
	zw := zip.NewWriter(&bad)
	w, _ := zw.Create("../../evil.json")
	w.Write([]byte("{}"))
	zw.Close()
	resp, body = upload(t, c, in.http.URL+"/settings/data/import", csrf, "archive.zip", bad.Bytes())
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "nothing was changed") || !strings.Contains(body, "unsafe path") {
		t.Errorf("bad archive: status %d\n%s", resp.StatusCode, body)
	}
}
