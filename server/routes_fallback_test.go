package server_test

import (
	"net/http"
	"strings"
	"testing"

	"kith/config"
	"kith/server/servertest"
)

// TestUnmatchedRoutes: a URL no route takes and a method a route does not
// take get kith's own answers everywhere in the table: the root, a group,
// the owner's sub-router, the API.
func TestUnmatchedRoutes(t *testing.T) {
	in := servertest.New(t, nil)
	owner := config.Default().Owner.Username
	tests := []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/no/such/page", http.StatusNotFound, "There is nothing here."},
		{"GET", "/users/" + owner + "/no-such-collection", http.StatusNotFound, "There is nothing here."},
		{"GET", "/api/v1/no_such_endpoint", http.StatusNotFound, `{"error":"Record not found"}`},
		{"PUT", "/healthz", http.StatusMethodNotAllowed, "does not accept this kind of request"},
		{"DELETE", "/about", http.StatusMethodNotAllowed, "does not accept this kind of request"},
		{"PUT", "/users/" + owner + "/outbox", http.StatusMethodNotAllowed, "does not accept this kind of request"},
	}
	for _, tt := range tests {
		req, err := http.NewRequest(tt.method, in.HTTP.URL+tt.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := servertest.ReadBody(t, resp)
		if resp.StatusCode != tt.status || !strings.Contains(body, tt.body) {
			t.Errorf("%s %s: %d %q, want %d with %q", tt.method, tt.path, resp.StatusCode, body, tt.status, tt.body)
		}
	}
}
