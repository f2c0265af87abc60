package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kith/config"
	"kith/store"
	s3test "kith/tests/s3"
)

// TestMediaCommands runs kith media usage, prune and remove-orphans on an
// instance holding an old and a recent cached remote file, a local upload
// and a stray file.
func TestMediaCommands(t *testing.T) {
	t.Run("local", func(t *testing.T) { testMediaCommands(t, false) })
	t.Run("s3", func(t *testing.T) { testMediaCommands(t, true) })
}

// testMediaCommands is TestMediaCommands with media in the local
// directory or, moved there with kith media migrate, in S3.
func testMediaCommands(t *testing.T, inS3 bool) {
	dir, cfgPath, base := initInstance(t)
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	mediaDir := cfg.MediaDir()
	write := func(name string, size int, mtime time.Time) {
		t.Helper()
		p := filepath.Join(mediaDir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(p, mtime, mtime)
	}
	now := time.Now()
	longAgo := now.AddDate(0, 0, -30)
	write("remote/aa/old.png", 3000, longAgo)
	write("remote/bb/recent.png", 2000, now)
	write("upload.jpg", 5000, longAgo)
	write("upload_small.jpg", 500, longAgo)
	write("stray.png", 700, longAgo)

	ctx := context.Background()
	db, err := store.Open(ctx, cfg.DatabasePath(), nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.InTx(ctx, func(tx *store.Tx) error {
		for _, m := range []store.RemoteMedia{
			{URL: "https://a.example/old.png", Hash: "aa", Path: "remote/aa/old.png", Size: 3000, ContentType: "image/png", FetchedAt: longAgo, LastUsedAt: now.AddDate(0, 0, -10)},
			{URL: "https://b.example/recent.png", Hash: "bb", Path: "remote/bb/recent.png", Size: 2000, ContentType: "image/png", FetchedAt: longAgo, LastUsedAt: now.AddDate(0, 0, -2)},
		} {
			if err := tx.PutRemoteMedia(ctx, m); err != nil {
				return err
			}
		}
		_, err := tx.CreateUpload(ctx, store.Upload{Attachment: store.Attachment{URL: base + "/media/upload.jpg"}, Path: "upload.jpg", State: store.UploadReady})
		return err
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	where := func(name string) string { return filepath.Join(mediaDir, filepath.FromSlash(name)) }
	if inS3 {
		s3 := s3test.Start(t, "kith-media")
		appendFile(t, cfgPath, s3Section(s3, fmt.Sprintf("secret_key = %q\n", s3test.SecretKey)))
		if r := kith(t, dir, "", "media", "migrate", "--to", "s3", "--config", cfgPath); r.code != 0 {
			t.Fatalf("migrate: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		where = func(name string) string { return s3.ObjectPath("kith-media", "m/"+name) }
		for name, mtime := range map[string]time.Time{"remote/aa/old.png": longAgo, "remote/bb/recent.png": now,
			"upload.jpg": longAgo, "upload_small.jpg": longAgo, "stray.png": longAgo} {
			os.Chtimes(where(name), mtime, mtime) // S3 reports the object file's time
		}
	}
	exists := func(name string) bool {
		_, err := os.Stat(where(name))
		return err == nil
	}

	r := kith(t, dir, "", "media", "usage", "--config", cfgPath)
	for _, want := range []string{"uploads 2 5.4 KiB", "cached remote media 2 4.9 KiB", "orphans 1 700 B", "total 5"} {
		if r.code != 0 || !strings.Contains(squeeze(r.stdout), want) {
			t.Errorf("media usage: exit %d, want %q in:\n%s%s", r.code, want, r.stdout, r.stderr)
		}
	}

	r = kith(t, dir, "", "media", "prune", "--days", "7", "--dry-run", "--config", cfgPath)
	if r.code != 0 || !strings.Contains(r.stdout, "would remove remote/aa/old.png") || !strings.Contains(r.stdout, "would remove 1 cached remote files unused for 7 days, 2.9 KiB") ||
		strings.Contains(r.stdout, "recent") || !exists("remote/aa/old.png") {
		t.Errorf("prune --dry-run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	r = kith(t, dir, "", "media", "prune", "--days", "7", "--config", cfgPath)
	if r.code != 0 || !strings.Contains(r.stdout, "removed 1 cached remote files") {
		t.Errorf("prune: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for name, want := range map[string]bool{"remote/aa/old.png": false, "remote/bb/recent.png": true, "upload.jpg": true, "upload_small.jpg": true, "stray.png": true} {
		if exists(name) != want {
			t.Errorf("after prune --days 7: %s exists %v, want %v", name, !want, want)
		}
	}

	// The upload was never attached and is old: remove-orphans takes it
	// and the stray file, and leaves the cached file.
	r = kith(t, dir, "", "media", "remove-orphans", "--dry-run", "--config", cfgPath)
	if r.code != 0 || !strings.Contains(r.stdout, "would remove orphan file stray.png") || !exists("stray.png") {
		t.Errorf("remove-orphans --dry-run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = kith(t, dir, "", "media", "remove-orphans", "--config", cfgPath)
	if r.code != 0 || !strings.Contains(r.stdout, "removed 0 unattached uploads and 1 orphan files") {
		t.Errorf("remove-orphans: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if exists("stray.png") || !exists("remote/bb/recent.png") {
		t.Errorf("remove-orphans: stray kept %v, recent cached file kept %v", exists("stray.png"), exists("remote/bb/recent.png"))
	}

	if r := kith(t, dir, "", "media", "bogus"); r.code != 2 {
		t.Errorf("unknown subcommand: exit %d, want 2", r.code)
	}
}

// squeeze collapses runs of spaces, so table columns compare simply.
func squeeze(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ; ")), " ")
}
