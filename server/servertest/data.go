package servertest

import (
	"bytes"
	"context"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"kith/config"
	"kith/federation"
	"kith/jobs"
	"kith/portability"
	"kith/server"
	"kith/server/core"
	"kith/store"
)

// DataInstance is a test server with the data page wired, and the job
// runner that applies imports.
func DataInstance(t *testing.T) (*Instance, *jobs.Runner) {
	t.Helper()
	ctx := context.Background()
	cfg := config.Default()
	cfg.Server.DataDir = t.TempDir()
	db, err := store.Open(ctx, filepath.Join(cfg.Server.DataDir, "kith.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	CreateOwner(t, db, cfg.Owner.Username)
	logger := slog.New(slog.DiscardHandler)
	runner := jobs.New(db, logger, jobs.Options{})
	fed, err := federation.New(ctx, db, runner, logger, federation.Options{BaseURL: cfg.Server.URL, Username: cfg.Owner.Username, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	porter := portability.New(db, fed, runner, logger, portability.Options{BaseURL: cfg.Server.URL,
		MediaDir: filepath.Join(cfg.Server.DataDir, "media"), FollowDelay: -1})
	srv, err := server.New(cfg, db, fed, logger, core.Options{Version: "test", Porter: porter})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &Instance{Srv: srv, DB: db, HTTP: hs}, runner
}

// Upload posts a file with the import form's fields.
func Upload(t *testing.T, c *http.Client, u, csrf, name string, body []byte) (*http.Response, string) {
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
	return resp, ReadBody(t, resp)
}

// FFmpegDir makes a directory holding only ffmpeg (with true) or nothing
// (false): as the PATH of kith, it lets a test see kith both with and
// without ffmpeg. ffmpeg must be installed for the first
// (tests/browser/install.sh installs it).
func FFmpegDir(t *testing.T, with bool) string {
	t.Helper()
	dir := t.TempDir()
	if with {
		bin, err := exec.LookPath("ffmpeg")
		if err != nil {
			t.Fatalf("ffmpeg is not installed (tests/browser/install.sh installs it): %v", err)
		}
		if err := os.Symlink(bin, filepath.Join(dir, "ffmpeg")); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
