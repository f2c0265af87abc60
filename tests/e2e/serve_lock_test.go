package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeLock: one kith serve per data directory. A second one exits 1
// naming the first one's PID, without touching the database; the admin
// commands keep working beside the running server; once it stops, the
// directory is free again.
func TestServeLock(t *testing.T) {
	dir, cfg, base := initInstance(t)
	first := startServe(t, dir, "--config", cfg)
	first.waitHealthy(t, base)

	// The second config shares the data directory but listens elsewhere,
	// so nothing but the lock stops it.
	text, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other.toml")
	text = []byte(strings.Replace(string(text), "[server]", fmt.Sprintf("[server]\nlisten = \"127.0.0.1:%d\"", freePort(t)), 1))
	if err := os.WriteFile(other, text, 0o600); err != nil {
		t.Fatal(err)
	}
	second := kith(t, dir, "", "serve", "--config", other)
	if second.code != 1 {
		t.Fatalf("second kith serve: exit %d, want 1\n%s%s", second.code, second.stdout, second.stderr)
	}
	pid := fmt.Sprint(first.cmd.Process.Pid)
	if !strings.Contains(second.stderr, "PID "+pid) {
		t.Errorf("second kith serve does not name the running one's PID %s:\n%s", pid, second.stderr)
	}
	if strings.Contains(second.stdout+second.stderr, "level=") {
		t.Errorf("second kith serve started up before refusing:\n%s", second.stderr)
	}
	lock, err := os.ReadFile(filepath.Join(dir, "kith-data", "kith.lock"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(lock)); got != pid {
		t.Errorf("kith.lock holds %q, want the PID %s", got, pid)
	}

	for _, args := range [][]string{{"queue", "list"}, {"domain", "list"}, {"media", "usage"}, {"token", "list"}} {
		r := kith(t, dir, "", append(args, "--config", cfg)...)
		if r.code != 0 {
			t.Errorf("kith %s beside kith serve: exit %d\n%s%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
		}
	}
	if code := terminate(t, first); code != 0 {
		t.Fatalf("kith serve exit %d:\n%s", code, first.output())
	}
	again := startServe(t, dir, "--config", cfg)
	again.waitHealthy(t, base)
	if code := terminate(t, again); code != 0 {
		t.Errorf("kith serve after the first stopped: exit %d:\n%s", code, again.output())
	}
}
