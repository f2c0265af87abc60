package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"kith/config"
	"kith/federation"
	"kith/server"
	"kith/server/core"
	"kith/server/servertest"
	"kith/store"
)

// GET /home/events is the owner's: a visitor is sent to sign in, and a
// request without a session never becomes an event stream.
func TestWebEventsOwnerOnly(t *testing.T) {
	in := servertest.NewStreamInstance(t, 0)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	tests := []struct {
		name   string
		cookie *http.Cookie
	}{
		{"no session", nil},
		{"unknown session", &http.Cookie{Name: "kith_session", Value: "not-a-session"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, in.HTTP.URL+"/home/events", nil)
			if tt.cookie != nil {
				req.AddCookie(tt.cookie)
			}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			loc := resp.Header.Get("Location")
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?") {
				t.Errorf("got status %d to %q, want 303 to /login", resp.StatusCode, loc)
			}
			if ct := resp.Header.Get("Content-Type"); ct == "text/event-stream" {
				t.Errorf("got Content-Type %q for a visitor", ct)
			}
		})
	}
}

// The owner's live stream says "update" when a followed account's post
// arrives from another instance and "notification" for a new
// notification, with nothing of either in the event; the owner's own
// posts are left out.
func TestWebEventsHomeAndNotifications(t *testing.T) {
	peers := startWebPeers(t, "alice", "bob")
	alice, bob := peers[0], peers[1]
	ctx := context.Background()
	if _, err := alice.Srv.Fed.Follow(ctx, "@admin@"+bob.Srv.Fed.URLs().Host()); err != nil {
		t.Fatal(err)
	}
	settleWebPeers(t, alice, bob)

	cookie := ownerCookie(t, alice.DB, alice.Now())
	ch := servertest.OpenSSEWith(t, alice.HTTP.URL+"/home/events", func(req *http.Request) { req.AddCookie(cookie) })
	if _, err := alice.Srv.Fed.Post(ctx, federation.NewPost{Text: "my own", Visibility: store.Public}); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.Srv.Fed.Post(ctx, federation.NewPost{Text: "hello from bob", Visibility: store.Public}); err != nil {
		t.Fatal(err)
	}
	settleWebPeers(t, alice, bob)
	if got, want := servertest.NextSSE(t, ch), (servertest.SSEEvent{Name: "update", Data: "1"}); got != want {
		t.Errorf("after bob's post: got %+v, want %+v (and nothing for the owner's own post before it)", got, want)
	}

	if _, err := bob.Srv.Fed.Post(ctx, federation.NewPost{Text: "@admin@" + alice.Srv.Fed.URLs().Host() + " hi", Visibility: store.Public}); err != nil {
		t.Fatal(err)
	}
	settleWebPeers(t, alice, bob)
	got := []servertest.SSEEvent{servertest.NextSSE(t, ch), servertest.NextSSE(t, ch)}
	want := []servertest.SSEEvent{{Name: "update", Data: "1"}, {Name: "notification", Data: "1"}}
	if got[0] != want[0] || got[1] != want[1] {
		t.Errorf("after bob's mention: got %+v, want %+v", got, want)
	}
}

// Shutting down ends the live streams of open pages at once: an open
// home page does not hold a restart until the drain deadline.
func TestWebEventsEndAtShutdown(t *testing.T) {
	cfg := config.Default()
	cfg.Server.DataDir = t.TempDir()
	cfg.Server.Listen = "127.0.0.1:0"
	db, err := store.Open(context.Background(), cfg.DatabasePath(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	srv, err := server.New(cfg, db, servertest.Federation(t, cfg, db), slog.New(slog.DiscardHandler), core.Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ls, err := srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ls, time.Minute) }()

	cookie := ownerCookie(t, db, time.Now())
	servertest.OpenSSEWith(t, "http://"+ls.Addr().String()+"/home/events", func(req *http.Request) { req.AddCookie(cookie) })
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v, want a clean shutdown", err)
		}
	case <-time.After(servertest.StreamWait):
		t.Fatal("Serve is still draining with a live stream open")
	}
}
