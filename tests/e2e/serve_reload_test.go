package e2e

import (
	"os"
	"strings"
	"testing"
)

// TestServeReloadNamesRestartKeys: SIGHUP applies log.level at once and
// logs each changed key that waits for a restart ([federation.hosts]
// here, which it used to ignore without a word), again on the next
// SIGHUP while the change is still waiting.
func TestServeReloadNamesRestartKeys(t *testing.T) {
	t.Parallel()
	alice, cfg := startAlice(t, nil)
	text := cfg + "\"bob.test\" = \"127.0.0.1:9\"\n\n[log]\nlevel = \"debug\"\n"
	if err := os.WriteFile(alice.cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	const warning = `msg="config change needs a restart to apply" key=federation.hosts`
	for i := 1; i <= 2; i++ {
		reload(t, alice.proc)
		out := alice.proc.output()
		if got := strings.Count(out, warning); got != i {
			t.Errorf("after SIGHUP %d the log has %d lines %s, want %d:\n%s", i, got, warning, i, out)
		}
		if !strings.Contains(out, "log_level=DEBUG") {
			t.Errorf("SIGHUP %d: log.level not applied:\n%s", i, out)
		}
		if strings.Contains(out, "key=log.level") || strings.Contains(out, "key=server.url") {
			t.Errorf("SIGHUP %d: a key that did not change or that SIGHUP applies is named:\n%s", i, out)
		}
	}
}
