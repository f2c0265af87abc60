package server_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"kith/config"
	"kith/server"
	"kith/server/core"
	"kith/server/servertest"
	"kith/store"
	"kith/tests/testclock"
)

// discardWriter is a ResponseWriter that keeps nothing, so the benchmark
// counts the server's work and not a recorder's.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(code int)        { w.status = code }

// BenchmarkInboxStrangersDelete runs the whole handler chain (middleware,
// routing, the inbox) on the Delete Mastodon sends for an account it
// removed, from an actor kith never met, signed as Mastodon signs it. The
// answer is 202 with no signature checked and nothing stored. TLS and the
// HTTP/1.1 framing are net/http's and are left out: kith-bench deletes
// --https measures them.
func BenchmarkInboxStrangersDelete(b *testing.B) {
	ctx := context.Background()
	cfg := config.Default()
	cfg.Server.DataDir = b.TempDir()
	db, err := store.Open(ctx, filepath.Join(cfg.Server.DataDir, "kith.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	clock := testclock.New()
	srv, err := server.New(cfg, db, servertest.ClockedFederation(b, cfg, db, clock.Now), slog.New(slog.DiscardHandler), core.Options{Version: "test", Now: clock.Now})
	if err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	body, err := os.ReadFile(filepath.Join("..", "federation", "ap", "testdata", "delete-account.json"))
	if err != nil {
		b.Fatal(err)
	}
	base, err := http.NewRequest(http.MethodPost, cfg.Server.URL+"/inbox", nil)
	if err != nil {
		b.Fatal(err)
	}
	base.RemoteAddr = "127.0.0.1:40000"
	base.RequestURI = "/inbox"
	for k, v := range map[string]string{
		"Content-Type": "application/activity+json",
		"Date":         "Mon, 07 Dec 2026 12:00:00 GMT",
		"Digest":       "SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
		"Signature":    `keyId="https://gone.example/users/someone#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest content-type",signature="` + string(bytes.Repeat([]byte("A"), 342)) + `=="`,
		"User-Agent":   "http.rb/5.2.0 (Mastodon/4.3.2; +https://gone.example/)",
	} {
		base.Header.Set(k, v)
	}
	w := &discardWriter{h: http.Header{}}
	run := func() {
		r := *base
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		clear(w.h)
		w.status = 0
		h.ServeHTTP(w, &r)
	}
	run()
	if w.status != http.StatusAccepted {
		b.Fatalf("status %d, want 202", w.status)
	}
	b.ReportAllocs()
	for b.Loop() {
		run()
	}
}
