package transport

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A request whose context says its path is secret is logged by host only,
// when it succeeds, when it fails with a status, and when it fails before
// any answer (net/http's error quotes the URL); other requests keep their
// path in the log.
func TestSecretPathLog(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/gone"):
			w.WriteHeader(http.StatusGone)
		case strings.HasSuffix(r.URL.Path, "/loop"):
			http.Redirect(w, r, r.URL.Path, http.StatusTemporaryRedirect)
		default:
			w.WriteHeader(http.StatusCreated)
		}
	}))
	defer ts.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	const secret = "/push/v2/gAAAAABsecretsubscription"
	tests := []struct {
		name   string
		url    string
		secret bool
	}{
		{"delivered", ts.URL + secret + "?k=v", true},
		{"status", ts.URL + secret + "/gone", true},
		{"redirect loop", ts.URL + secret + "/loop", true},
		{"refused", closed.URL + secret, true},
		{"not marked", ts.URL + secret, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log bytes.Buffer
			c := newTestClient(t, Options{AllowPrivate: true,
				Logger: slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))})
			ctx := context.Background()
			if tt.secret {
				ctx = WithSecretPath(ctx)
			}
			c.Post(ctx, tt.url, "application/octet-stream", []byte("x"), nil)
			got := log.String()
			host := strings.TrimPrefix(ts.URL, "http://")
			if tt.name == "refused" {
				host = strings.TrimPrefix(closed.URL, "http://")
			}
			if !strings.Contains(got, "host="+host) {
				t.Errorf("log lacks host %s:\n%s", host, got)
			}
			if leaked := strings.Contains(got, "secretsubscription"); leaked != !tt.secret {
				t.Errorf("path in the log = %v, want %v:\n%s", leaked, !tt.secret, got)
			}
		})
	}
}
