package backup

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"kith/store"
)

func TestSafeName(t *testing.T) {
	tests := map[string]bool{
		"kith.db":            true,
		"media/a.png":        true,
		"../etc/passwd":      false,
		"/etc/passwd":        false,
		"media/../../x":      false,
		"media//a.png":       false,
		"..":                 false,
		"":                   false,
		`media\..\..\x`:      false,
		"certs/acme_account": true,
	}
	for name, want := range tests {
		if got := safeName(name); got != want {
			t.Errorf("safeName(%q) = %v, want %v", name, got, want)
		}
	}
}

// An archive with a path escaping the target is refused before anything
// is written.
func TestRestoreRefusesEscapingPaths(t *testing.T) {
	archive := filepath.Join(t.TempDir(), "evil.tar.gz")
	f, _ := os.Create(archive)
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	tw.WriteHeader(&tar.Header{Name: "../escaped", Mode: 0o600, Size: 1})
	tw.Write([]byte("x"))
	tw.Close()
	gz.Close()
	f.Close()
	target := filepath.Join(t.TempDir(), "data")
	_, err := Restore(context.Background(), archive, target)
	if err == nil || !strings.Contains(err.Error(), "will not restore") {
		t.Fatalf("Restore = %v, want a refusal", err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(target), "escaped")); err == nil {
		t.Errorf("the escaping entry was written")
	}
}

func TestRestoreRefusesNonArchives(t *testing.T) {
	junk := filepath.Join(t.TempDir(), "junk")
	os.WriteFile(junk, []byte("hello"), 0o600)
	if _, err := Restore(context.Background(), junk, filepath.Join(t.TempDir(), "d")); err == nil || !strings.Contains(err.Error(), "not a kith backup") {
		t.Errorf("Restore(junk) = %v", err)
	}
}

func TestPointDataDir(t *testing.T) {
	in := "[server]\nurl = \"https://a.example\"\ndata_dir = \"/var/lib/kith/data\"\n"
	if got := string(pointDataDir([]byte(in))); !strings.Contains(got, `data_dir = "."`) || strings.Contains(got, "/var/lib") {
		t.Errorf("pointDataDir = %q", got)
	}
	in = "[server]\nurl = \"https://a.example\"\n"
	if got := string(pointDataDir([]byte(in))); !strings.Contains(got, "[server]\ndata_dir = \".\"") {
		t.Errorf("pointDataDir without data_dir = %q", got)
	}
}

// A media file still being written (a dotfile until it is renamed into
// place) is left out of the archive; finished files are kept.
func TestCreateSkipsFilesBeingWritten(t *testing.T) {
	ctx := context.Background()
	dataDir := t.TempDir()
	db, err := store.Open(ctx, filepath.Join(dataDir, "kith.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	media := filepath.Join(dataDir, "media", "ab")
	os.MkdirAll(media, 0o700)
	os.WriteFile(filepath.Join(media, "done.png"), []byte("done"), 0o600)
	os.WriteFile(filepath.Join(media, ".upload-123"), []byte("half"), 0o600)
	m, err := Create(ctx, db, dataDir, "", filepath.Join(t.TempDir(), "b.tar.gz"), "test")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range m.Files {
		got = append(got, f.Name)
	}
	if want := []string{"kith.db", "media/ab/done.png"}; !slices.Equal(got, want) {
		t.Errorf("archived %v, want %v", got, want)
	}
}
