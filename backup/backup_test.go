package backup

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
