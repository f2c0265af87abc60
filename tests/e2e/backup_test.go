package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A backup taken while kith serves restores into a new directory that
// serves the same account; damaged archives and non-empty targets are
// refused without touching anything.
func TestBackupAndRestore(t *testing.T) {
	dir, cfgPath, base := initInstance(t)
	os.MkdirAll(filepath.Join(dir, "kith-data", "media"), 0o700)
	os.WriteFile(filepath.Join(dir, "kith-data", "media", "a.png"), []byte("not really a png"), 0o600)
	p := startServe(t, dir)
	p.waitHealthy(t, base)

	archive := filepath.Join(t.TempDir(), "kith-backup.tar.gz")
	if r := kith(t, dir, "", "backup", "--config", cfgPath, archive); r.code != 0 {
		t.Fatalf("backup while serving: exit %d: %s", r.code, r.stderr)
	}
	terminate(t, p)
	if r := kith(t, dir, "", "backup", "--config", cfgPath, archive); r.code != 1 || !strings.Contains(r.stderr, "already exists") {
		t.Errorf("backup over an existing file: exit %d %q", r.code, r.stderr)
	}
	if r := kith(t, dir, "", "backup", "--verify", archive); r.code != 0 || !strings.Contains(r.stdout, "good backup") {
		t.Fatalf("verify: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}

	// A damaged copy fails verification and restores nothing.
	data, _ := os.ReadFile(archive)
	damaged := filepath.Join(t.TempDir(), "damaged.tar.gz")
	broken := bytes.Clone(data)
	broken[len(broken)/2] ^= 0xff
	os.WriteFile(damaged, broken, 0o600)
	if r := kith(t, dir, "", "backup", "--verify", damaged); r.code != 1 {
		t.Errorf("verify of a damaged archive: exit %d, want 1", r.code)
	}
	target := filepath.Join(t.TempDir(), "restored")
	if r := kith(t, dir, "", "restore", damaged, "--data", target); r.code != 1 {
		t.Errorf("restore of a damaged archive: exit %d", r.code)
	}
	if _, err := os.Stat(filepath.Join(target, "kith.db")); err == nil {
		t.Errorf("a damaged archive left a database behind")
	}

	// A non-empty target is refused.
	full := t.TempDir()
	os.WriteFile(filepath.Join(full, "keep"), []byte("x"), 0o600)
	if r := kith(t, dir, "", "restore", archive, "--data", full); r.code != 1 || !strings.Contains(r.stderr, "not empty") {
		t.Errorf("restore into a non-empty dir: exit %d %q", r.code, r.stderr)
	}

	if r := kith(t, dir, "", "restore", archive, "--data", target); r.code != 0 {
		t.Fatalf("restore: exit %d: %s", r.code, r.stderr)
	}
	if got, _ := os.ReadFile(filepath.Join(target, "media", "a.png")); string(got) != "not really a png" {
		t.Errorf("media not restored: %q", got)
	}
	restored := startServe(t, target, "--config", filepath.Join(target, "kith.toml"))
	restored.waitHealthy(t, base)
	if !signIn(t, base, "alice", "a fine password") {
		t.Errorf("the restored instance does not accept the owner's password")
	}
	terminate(t, restored)
}
