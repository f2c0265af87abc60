package server_test

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"kith/config"
	"kith/server"
	"kith/server/servertest"
	"kith/tests/tmpfs"
)

// TestHealthFullDisk: with the data directory's disk full, /healthz
// answers 503 and says why; freed, it answers 200 again. The verdict is
// reused for a second, so the test moves the server's clock on.
func TestHealthFullDisk(t *testing.T) {
	dir := tmpfs.Mount(t, 8<<20)
	in := servertest.New(t, func(c *config.Config) { c.Server.DataDir = dir })
	health := func() (int, map[string]string) {
		t.Helper()
		resp, body := servertest.Get(t, http.DefaultClient, in.HTTP.URL+"/healthz")
		var got map[string]string
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatalf("body %q: %v", body, err)
		}
		return resp.StatusCode, got
	}
	if code, got := health(); code != http.StatusOK || got["status"] != "ok" {
		t.Fatalf("before filling the disk: %d %v, want 200 ok", code, got)
	}

	filler := tmpfs.Fill(t, dir)
	code, got := health()
	if code != http.StatusOK {
		t.Errorf("within a second of the last check: %d %v, want the cached 200", code, got)
	}
	in.Clock.Add(server.HealthTTL)
	code, got = health()
	if code != http.StatusServiceUnavailable {
		t.Fatalf("with the disk full: status %d %v, want 503", code, got)
	}
	if !strings.Contains(got["reason"], "disk nearly full") {
		t.Errorf("reason %q, want it to say the disk is nearly full", got["reason"])
	} else {
		t.Logf("reason: %s", got["reason"])
	}
	if strings.Contains(got["reason"], dir) {
		t.Errorf("reason %q names the data directory to the public", got["reason"])
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	in.Clock.Add(server.HealthTTL)
	if code, got := health(); code != http.StatusOK {
		t.Errorf("with the disk freed: %d %v, want 200", code, got)
	}
}
