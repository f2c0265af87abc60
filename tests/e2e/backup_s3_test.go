package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	s3test "kith/tests/s3"
)

// kith backup s3://bucket/prefix stores the archive in a bucket (keys
// from [media.s3]), --list shows it, and --verify and kith restore take
// it from there: the restored instance accepts the owner's password.
func TestBackupToS3(t *testing.T) {
	s3 := s3test.Start(t, "kith-backups")
	dir, cfgPath, base := initInstance(t)
	appendFile(t, cfgPath, s3Section(s3, fmt.Sprintf("secret_key = %q\n", s3test.SecretKey)))
	os.MkdirAll(filepath.Join(dir, "kith-data", "media"), 0o700)
	os.WriteFile(filepath.Join(dir, "kith-data", "media", "a.png"), []byte("not really a png"), 0o600)

	r := kith(t, dir, "", "backup", "--config", cfgPath, "s3://kith-backups/nightly/")
	if r.code != 0 {
		t.Fatalf("backup to s3: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	key := regexp.MustCompile(`nightly/kith-backup-\d{8}-\d{6}\.tar\.gz`).FindString(r.stdout)
	if key == "" {
		t.Fatalf("no archive key in %q", r.stdout)
	}
	if _, err := os.Stat(s3.ObjectPath("kith-backups", key)); err != nil {
		t.Fatalf("the archive is not in the bucket: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "kith-data", ".upload-*")); len(left) != 0 {
		t.Errorf("the local copy was left behind: %v", left)
	}
	r = kith(t, dir, "", "backup", "--config", cfgPath, "--list", "s3://kith-backups/nightly/")
	if r.code != 0 || !strings.Contains(r.stdout, "s3://kith-backups/"+key) {
		t.Errorf("list: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	r = kith(t, dir, "", "backup", "--config", cfgPath, "--verify", "s3://kith-backups/"+key)
	if r.code != 0 || !strings.Contains(r.stdout, "good backup") {
		t.Errorf("verify from s3: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	// Keys from the environment take precedence over the config's.
	cmd := kithCmd(dir, "backup", "--config", cfgPath, "--list", "s3://kith-backups/nightly/")
	cmd.Env = append(os.Environ(), "KITH_CONFIG=", "AWS_SECRET_ACCESS_KEY=wrong")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "access denied") {
		t.Errorf("a wrong secret in the environment: %v\n%s", err, out)
	}

	target := filepath.Join(t.TempDir(), "restored")
	r = kith(t, dir, "", "restore", "s3://kith-backups/"+key, "--data", target, "--config", cfgPath)
	if r.code != 0 {
		t.Fatalf("restore from s3: exit %d: %s%s", r.code, r.stdout, r.stderr)
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
