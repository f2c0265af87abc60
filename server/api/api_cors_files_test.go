package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"kith/config"
	"kith/server/core"
	"kith/server/servertest"
	"kith/store"
)

// entityFileKeys are the keys whose values are files, wherever they are in
// an entity; mediaURLKeys hold objects whose "url" is a file too.
var (
	entityFileKeys = []string{"avatar", "avatar_static", "header", "header_static", "preview_url", "static_url"}
	mediaURLKeys   = []string{"media_attachments", "emojis"}
)

// fileURLs collects every file URL in decoded JSON.
func fileURLs(v any, inMedia bool, out map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if s, ok := val.(string); ok && s != "" && (slices.Contains(entityFileKeys, k) || inMedia && k == "url") {
				out[s] = true
			}
			fileURLs(val, slices.Contains(mediaURLKeys, k), out)
		}
	case []any:
		for _, e := range x {
			fileURLs(e, inMedia, out)
		}
	}
}

// Every URL in the API entities of a timeline (avatars and headers, kith's
// default ones included, uploads and their previews, cached remote media,
// emoji) answers a cross-origin GET with Access-Control-Allow-Origin, as a
// web client on another origin needs.
func TestEveryEntityFileIsCrossOrigin(t *testing.T) {
	pic := servertest.PNG(t, 16, 16)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(pic)
	}))
	defer origin.Close()
	in := servertest.New(t, func(c *config.Config) { c.Federation.AllowPrivateAddresses = true })
	ctx := context.Background()
	c := newTokenClient(t, in, "read write")

	// The owner (default avatar and header) posts a picture.
	up := c.mustCall(t, 200, "POST", "/api/v2/media", multipartBody{files: map[string][]byte{"file": servertest.PNG(t, 1200, 900)}}).object(t)
	c.mustCall(t, 200, "POST", "/api/v1/statuses", map[string]any{"status": "a picture", "media_ids": []string{up["id"].(string)}})
	// Bob, followed, with his own pictures, posts one with an emoji; the
	// owner boosts it.
	bob := servertest.AddRemoteActor(t, in, "bob", "remote.example")
	bob.AvatarURL, bob.HeaderURL = origin.URL+"/avatar.png", origin.URL+"/header.png"
	err := in.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.UpsertActor(ctx, bob); err != nil {
			return err
		}
		return tx.PutFollow(ctx, store.Follow{FollowerID: in.DB.OwnerID(), FolloweeID: bob.ID, State: store.FollowAccepted,
			ActivityURI: "https://kith.test/follow/1"})
	})
	if err != nil {
		t.Fatal(err)
	}
	p := servertest.AddRemotePost(t, in, store.Post{URI: "https://remote.example/notes/1", AuthorID: bob.ID, Content: "<p>hi :wave:</p>",
		Attachments: []store.Attachment{{URL: origin.URL + "/photo.png", MediaType: "image/png", Width: 16, Height: 16}},
		Emojis:      []store.Emoji{{Shortcode: "wave", URL: origin.URL + "/wave.png"}}})
	c.mustCall(t, 200, "POST", "/api/v1/statuses/"+core.APIID(p.ID)+"/reblog", nil)

	urls := map[string]bool{}
	for _, path := range []string{"/api/v1/timelines/home", "/api/v1/accounts/verify_credentials", "/api/v1/media/" + up["id"].(string)} {
		var v any
		if err := json.Unmarshal([]byte(c.mustCall(t, 200, "GET", path, nil).body), &v); err != nil {
			t.Fatal(err)
		}
		fileURLs(v, false, urls)
	}
	base := in.Srv.Config().Server.URL
	kinds := map[string]int{}
	for u := range urls {
		path, ok := strings.CutPrefix(u, base)
		if !ok {
			t.Errorf("%s is not on kith: a web client would load it from another server", u)
			continue
		}
		switch {
		case strings.HasPrefix(path, "/static/"):
			kinds["static"]++
		case strings.HasPrefix(path, "/media/remote/"):
			kinds["remote"]++
		case strings.Contains(path, "_small."):
			kinds["preview"]++
		case strings.HasPrefix(path, "/media/"):
			kinds["upload"]++
		}
		req, _ := http.NewRequest("GET", in.HTTP.URL+path, nil)
		req.Header.Set("Origin", "https://client.example")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("GET %s from another origin: %d, Access-Control-Allow-Origin %q; want 200 and *",
				path, resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
		}
	}
	// Default avatar and header; the upload and its preview; bob's
	// avatar, header, photo and emoji.
	want := map[string]int{"static": 2, "upload": 1, "preview": 1, "remote": 4}
	for k, n := range want {
		if kinds[k] != n {
			t.Errorf("%d %s URLs in the entities, want %d (all: %v)", kinds[k], k, n, urls)
		}
	}
}

// A preflight and a HEAD for a file are answered too.
func TestFileCORSPreflightAndHead(t *testing.T) {
	in := servertest.New(t, nil)
	for _, path := range []string{"/static/avatar.png", "/media/nothing.png"} {
		req, _ := http.NewRequest("OPTIONS", in.HTTP.URL+path, nil)
		req.Header.Set("Origin", "https://client.example")
		req.Header.Set("Access-Control-Request-Method", "GET")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
			!strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "GET") {
			t.Errorf("OPTIONS %s: %d %v, want 204 allowing GET from any origin", path, resp.StatusCode, resp.Header)
		}
	}
	resp, err := http.Head(in.HTTP.URL + "/static/avatar.png")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("HEAD /static/avatar.png: %d, Access-Control-Allow-Origin %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}
}

// The upload's answer and the status show one attachment: the same small
// preview in preview_url, and the same meta.
func TestUploadPreviewMatchesStatus(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "read write")
	up := c.mustCall(t, 200, "POST", "/api/v2/media", multipartBody{files: map[string][]byte{"file": servertest.PNG(t, 1200, 900)}}).object(t)
	st := c.mustCall(t, 200, "POST", "/api/v1/statuses", map[string]any{"status": "a picture", "media_ids": []string{up["id"].(string)}}).object(t)
	got := c.mustCall(t, 200, "GET", "/api/v1/media/"+up["id"].(string), nil).object(t)
	inStatus := st["media_attachments"].([]any)[0].(map[string]any)
	preview, _ := up["preview_url"].(string)
	if !strings.Contains(preview, "_small.") || preview == up["url"] {
		t.Errorf("upload preview_url %q, want the small preview, not %v", preview, up["url"])
	}
	for name, other := range map[string]map[string]any{"status": inStatus, "GET media": got} {
		for _, key := range []string{"id", "type", "url", "preview_url", "blurhash"} {
			if other[key] != up[key] {
				t.Errorf("%s %s = %v, upload's %v", name, key, other[key], up[key])
			}
		}
		a, _ := json.Marshal(other["meta"])
		b, _ := json.Marshal(up["meta"])
		if string(a) != string(b) {
			t.Errorf("%s meta %s, upload's %s", name, a, b)
		}
	}
}
