package api_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"kith/config"
	"kith/media"
	"kith/server/core"
	"kith/server/servertest"
	"kith/store"
)

// TestRemoteMediaServedByKith renders a remote avatar through the API,
// then fetches it from kith: the origin is asked once, and kith answers
// with the origin's type and headers that keep the file inert.
func TestRemoteMediaServedByKith(t *testing.T) {
	servertest.EachStorage(t, testRemoteMediaServedByKith)
}

func testRemoteMediaServedByKith(t *testing.T, storage func(*config.Config)) {
	pic := servertest.PNG(t, 8, 8)
	var mu sync.Mutex
	hits := map[string]int{}
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		switch r.URL.Path {
		case "/avatar.png":
			w.Header().Set("Content-Type", "image/png")
			w.Write(pic)
		case "/page.html":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<script>alert(1)</script>")
		case "/big.png":
			w.Header().Set("Content-Type", "image/png")
			w.Write(make([]byte, 1<<20+1))
		case "/broken.png":
			http.Error(w, "oops", http.StatusInternalServerError)
		default:
			http.NotFound(w, r)
		}
	}))
	defer origin.Close()
	count := func(p string) int {
		mu.Lock()
		defer mu.Unlock()
		return hits[p]
	}
	in := servertest.New(t, func(c *config.Config) {
		storage(c)
		c.Federation.AllowPrivateAddresses = true
		c.Media.RemoteMaxBytes = 1 << 20
	})
	c := newTokenClient(t, in, "read")

	bob := servertest.AddRemoteActor(t, in, "bob", "remote.example")
	bob.AvatarURL = origin.URL + "/avatar.png"
	if err := in.DB.InTx(context.Background(), func(tx *store.Tx) error { _, err := tx.UpsertActor(context.Background(), bob); return err }); err != nil {
		t.Fatal(err)
	}
	acct := c.mustCall(t, 200, "GET", "/api/v1/accounts/"+core.APIID(bob.ID), nil).object(t)
	avatar, _ := acct["avatar"].(string)
	if !strings.HasPrefix(avatar, in.Srv.Config().Server.URL+"/media/remote/") {
		t.Fatalf("avatar %q, want a kith /media/remote/ URL", avatar)
	}
	path := strings.TrimPrefix(avatar, in.Srv.Config().Server.URL)
	for i := range 2 {
		resp, err := http.Get(in.HTTP.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		h := resp.Header
		if resp.StatusCode != 200 || string(body) != string(pic) || h.Get("Content-Type") != "image/png" ||
			h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Content-Security-Policy") != "default-src 'none'; sandbox" ||
			!strings.Contains(h.Get("Cache-Control"), "max-age=") {
			t.Errorf("request %d: status %d, %d bytes, headers %v", i, resp.StatusCode, len(body), h)
		}
	}
	if got := count("/avatar.png"); got != 1 {
		t.Errorf("origin asked %d times for two requests, want 1", got)
	}

	tests := []struct {
		name string
		path string
		want int
	}{
		{"html refused", strings.TrimPrefix(in.Srv.MediaURL(origin.URL+"/page.html"), in.Srv.Config().Server.URL), 502},
		{"over remote_max_bytes", strings.TrimPrefix(in.Srv.MediaURL(origin.URL+"/big.png"), in.Srv.Config().Server.URL), 502},
		{"origin failing", strings.TrimPrefix(in.Srv.MediaURL(origin.URL+"/broken.png"), in.Srv.Config().Server.URL), 502},
		{"origin missing", strings.TrimPrefix(in.Srv.MediaURL(origin.URL+"/gone.png"), in.Srv.Config().Server.URL), 404},
		{"unsigned URL", "/media/remote/00112233445566778899aabbccddeeff/" + path[strings.LastIndex(path, "/")+1:], 404},
		{"cache file by its name", "/media/remote/ab/cd/ef.png", 404},
	}
	for _, tt := range tests {
		resp, err := http.Get(in.HTTP.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, resp.StatusCode, tt.want)
		}
	}
	if got := count("/page.html"); got != 1 {
		t.Errorf("origin asked %d times for the refused page, want 1", got)
	}
}

// TestRemoteMediaRefusesPrivateAddresses: the cache fetches through
// federation's guarded client, so without allow_private_addresses an
// origin on loopback is never reached.
func TestRemoteMediaRefusesPrivateAddresses(t *testing.T) {
	var hits atomic.Int32
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "image/png")
		w.Write(servertest.PNG(t, 4, 4))
	}))
	defer origin.Close()
	in := servertest.New(t, func(c *config.Config) { c.Federation.AllowPrivateAddresses = false })
	if _, err := in.Srv.Remote.Get(context.Background(), origin.URL+"/cat.png"); !errors.Is(err, media.ErrRemoteFailed) {
		t.Errorf("fetch from loopback without allow_private_addresses: err = %v, want %v", err, media.ErrRemoteFailed)
	}
	if got := hits.Load(); got != 0 {
		t.Errorf("origin on loopback was reached %d times", got)
	}
}

func TestMediaURLKeepsLocalURLs(t *testing.T) {
	in := servertest.New(t, nil)
	base := in.Srv.Config().Server.URL
	for _, raw := range []string{"", base + "/media/abc.png", base + "/static/avatar.png"} {
		if got := in.Srv.MediaURL(raw); got != raw {
			t.Errorf("mediaURL(%q) = %q, want it unchanged", raw, got)
		}
	}
	// Nothing but http(s) reaches a page or an app.
	for _, raw := range []string{"data:image/png;base64,AA", "javascript:alert(1)", " JaVaScRiPt:alert(1)", "/relative.png"} {
		if got := in.Srv.MediaURL(raw); got != "" {
			t.Errorf("mediaURL(%q) = %q, want it dropped", raw, got)
		}
	}
	if got := in.Srv.MediaURL("https://remote.example/a.png"); !strings.HasPrefix(got, base+"/media/remote/") {
		t.Errorf("remote URL became %q", got)
	}
}
