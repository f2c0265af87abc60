package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"kith/config"
	"kith/server/core"
	"kith/server/servertest"
	"kith/store"
)

// uploadCount is how many uploads have a row (none is attached in these
// tests).
func uploadCount(t *testing.T, in *servertest.Instance) int {
	t.Helper()
	list, err := in.DB.OrphanUploads(context.Background(), time.Now().AddDate(10, 0, 0), 1000)
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}

// With S3 down, an upload is answered 503 with a clear message and leaves
// no row behind; once S3 is back, uploads work and what was stored before
// is all there. Remote media (cached before or not) is answered 503
// meanwhile, and served again after. The outage lasts as long as the failing requests take:
// the behaviour does not depend on its length.
func TestMediaUploadS3Down(t *testing.T) {
	s3 := servertest.StartS3(t)
	in := servertest.New(t, func(c *config.Config) {
		s3.Config(c, "")
		c.Federation.AllowPrivateAddresses = true
	})
	c := newTokenClient(t, in, "write:media read")
	upload := func(want int) apiResult {
		return c.mustCall(t, want, "POST", "/api/v2/media", multipartBody{files: map[string][]byte{"file": servertest.PNG(t, 32, 32)}})
	}
	before := upload(200).object(t)
	rows := uploadCount(t, in)

	// A remote file cached before, and one not cached yet.
	pic := servertest.PNG(t, 8, 8)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(pic)
	}))
	defer origin.Close()
	remotePath := func(u string) string { return strings.TrimPrefix(in.Srv.MediaURL(u), in.Srv.Config().Server.URL) }
	getStatus := func(path string) int {
		resp, _ := servertest.Get(t, http.DefaultClient, in.HTTP.URL+path)
		return resp.StatusCode
	}
	if got := getStatus(remotePath(origin.URL + "/cached.png")); got != 200 {
		t.Fatalf("remote file before the outage: %d", got)
	}

	s3.Server.Stop()
	for range 2 {
		res := upload(503)
		if msg, _ := res.object(t)["error"].(string); !strings.Contains(msg, "Media storage is unavailable") {
			t.Errorf("error while S3 is down: %q", msg)
		}
	}
	if got := uploadCount(t, in); got != rows {
		t.Errorf("%d upload rows after failed uploads, want %d", got, rows)
	}
	// A file stored before cannot be served now: 503, not 404.
	path := strings.TrimPrefix(before["url"].(string), in.Srv.Config().Server.URL)
	if resp, _ := servertest.Get(t, http.DefaultClient, in.HTTP.URL+path); resp.StatusCode != 503 {
		t.Errorf("GET %s while S3 is down: %d, want 503", path, resp.StatusCode)
	}

	for _, u := range []string{origin.URL + "/cached.png", origin.URL + "/new.png"} {
		if got := getStatus(remotePath(u)); got != 503 {
			t.Errorf("remote file %s while S3 is down: %d, want 503", u, got)
		}
	}

	s3.Server.Start()
	after := upload(200).object(t)
	for _, m := range []map[string]any{before, after} {
		fetchMedia(t, in, m["url"].(string), "image/png")
		fetchMedia(t, in, m["preview_url"].(string), "image/png")
	}
	for _, u := range []string{origin.URL + "/cached.png", origin.URL + "/new.png"} {
		if got := getStatus(remotePath(u)); got != 200 {
			t.Errorf("remote file %s after S3 came back: %d, want 200", u, got)
		}
	}
	if got := uploadCount(t, in); got != rows+1 {
		t.Errorf("%d upload rows after S3 came back, want %d", got, rows+1)
	}
}

// Without public_url kith streams files from S3, answering Range
// requests with 206 and only the bytes asked for; nothing is written to
// the local media directory.
func TestMediaS3Range(t *testing.T) {
	s3 := servertest.StartS3(t)
	in := servertest.New(t, func(c *config.Config) { s3.Config(c, "") })
	c := newTokenClient(t, in, "write:media read")
	m := c.mustCall(t, 200, "POST", "/api/v2/media", multipartBody{files: map[string][]byte{"file": testJPEG(t, 300, 200, "x")}}).object(t)
	u := m["url"].(string)
	name := strings.TrimPrefix(u, in.Srv.Config().Server.URL+"/media/")
	stored, err := os.ReadFile(s3.ObjectPath(name))
	if err != nil {
		t.Fatalf("the upload is not in the bucket: %v", err)
	}
	if entries, _ := os.ReadDir(in.Srv.Config().MediaDir()); len(entries) != 0 {
		t.Errorf("the local media directory holds %d entries, want none", len(entries))
	}
	// A whole file costs one S3 request.
	before := s3.Requests()
	if got := fetchMedia(t, in, u, "image/jpeg"); string(got) != string(stored) {
		t.Errorf("served %d bytes, want the stored %d", len(got), len(stored))
	}
	if n := s3.Requests() - before; n != 1 {
		t.Errorf("serving a file cost %d S3 requests, want 1", n)
	}
	req, _ := http.NewRequest("GET", in.HTTP.URL+"/media/"+name, nil)
	req.Header.Set("Range", "bytes=10-29")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	wantRange := "bytes 10-29/" + strconv.Itoa(len(stored))
	if resp.StatusCode != 206 || string(body) != string(stored[10:30]) || resp.Header.Get("Content-Range") != wantRange ||
		resp.Header.Get("ETag") == "" || resp.Header.Get("Last-Modified") == "" {
		t.Errorf("range: %d, %d bytes, headers %v; want 206 with %s", resp.StatusCode, len(body), resp.Header, wantRange)
	}
	// A conditional request on the ETag is answered without the body.
	req.Header.Del("Range")
	req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 304 {
		t.Errorf("If-None-Match: %v %v, want 304", resp.StatusCode, err)
	}
}

// With public_url, pages and the API link the owner's files and cached
// remote media at the public URL: viewing them costs kith no S3 request.
// A remote file not cached yet keeps its kith URL, which caches it in the
// bucket and redirects there.
func TestMediaS3PublicURL(t *testing.T) {
	s3 := servertest.StartS3(t)
	// The bucket's public address: here the S3 server itself, read by
	// path (versitygw needs signed reads; a real public bucket or CDN
	// does not, so only the address is checked).
	const public = "https://cdn.example/kith"
	pic := servertest.PNG(t, 8, 8)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(pic)
	}))
	defer origin.Close()
	in := servertest.New(t, func(c *config.Config) {
		s3.Config(c, public)
		c.Federation.AllowPrivateAddresses = true
	})
	c := newTokenClient(t, in, "write:media read write:accounts")
	m := c.mustCall(t, 200, "POST", "/api/v2/media", multipartBody{files: map[string][]byte{"file": servertest.PNG(t, 40, 30)}}).object(t)
	if u, _ := m["url"].(string); !strings.HasPrefix(u, public+"/media/") {
		t.Errorf("upload url %q, want it under %s/media/", u, public)
	}
	if u, _ := m["preview_url"].(string); !strings.HasPrefix(u, public+"/media/") || !strings.Contains(u, "_small") {
		t.Errorf("preview_url %q, want the preview under %s/media/", u, public)
	}

	bob := servertest.AddRemoteActor(t, in, "bob", "remote.example")
	bob.AvatarURL = origin.URL + "/avatar.png"
	ctx := context.Background()
	if err := in.DB.InTx(ctx, func(tx *store.Tx) error { _, err := tx.UpsertActor(ctx, bob); return err }); err != nil {
		t.Fatal(err)
	}
	avatar := c.mustCall(t, 200, "GET", "/api/v1/accounts/"+core.APIID(bob.ID), nil).object(t)["avatar"].(string)
	if !strings.HasPrefix(avatar, in.Srv.Config().Server.URL+"/media/remote/") {
		t.Fatalf("avatar before caching %q, want a kith URL", avatar)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(in.HTTP.URL + strings.TrimPrefix(avatar, in.Srv.Config().Server.URL))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, public+"/media/remote/") {
		t.Fatalf("first request of the avatar: %d to %q, want a redirect to the public URL", resp.StatusCode, loc)
	}
	cached := strings.TrimPrefix(loc, public+"/media/")
	if got, err := os.ReadFile(s3.ObjectPath(cached)); err != nil || string(got) != string(pic) {
		t.Errorf("the cached avatar in the bucket: %d bytes, %v", len(got), err)
	}

	// The owner's avatar, shown on the profile page.
	me := c.mustCall(t, 200, "PATCH", "/api/v1/accounts/update_credentials", multipartBody{files: map[string][]byte{"avatar": servertest.PNG(t, 50, 50)}}).object(t)
	ownAvatar, _ := me["avatar"].(string)
	if !strings.HasPrefix(ownAvatar, public+"/media/") {
		t.Errorf("the owner's avatar %q, want it under %s/media/", ownAvatar, public)
	}

	// Federation links it there too.
	req, _ := http.NewRequest("GET", in.HTTP.URL+"/users/"+in.Srv.Config().Owner.Username, nil)
	req.Header.Set("Accept", "application/activity+json")
	actorResp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var actor struct {
		Icon struct {
			URL string `json:"url"`
		} `json:"icon"`
	}
	json.NewDecoder(actorResp.Body).Decode(&actor)
	actorResp.Body.Close()
	if actor.Icon.URL != ownAvatar {
		t.Errorf("the actor's icon is at %q, want %q", actor.Icon.URL, ownAvatar)
	}

	before := s3.Requests()
	for range 3 {
		if got := c.mustCall(t, 200, "GET", "/api/v1/accounts/"+core.APIID(bob.ID), nil).object(t)["avatar"]; got != loc {
			t.Errorf("avatar after caching %q, want %q", got, loc)
		}
		resp, page := servertest.Get(t, http.DefaultClient, in.HTTP.URL+"/@"+in.Srv.Config().Owner.Username)
		if resp.StatusCode != 200 || !strings.Contains(page, ownAvatar) {
			t.Errorf("the profile page (%d) does not link the avatar at %s", resp.StatusCode, ownAvatar)
		}
	}
	if got := s3.Requests() - before; got != 0 {
		t.Errorf("viewing cached media cost %d S3 requests, want 0", got)
	}
	// The owner's file's kith URL (as federation sends it) redirects too.
	name := strings.TrimPrefix(m["url"].(string), public+"/")
	resp, err = noFollow.Get(in.HTTP.URL + "/" + filepath.ToSlash(name))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != m["url"] {
		t.Errorf("GET %s: %d to %q, want a redirect to %s", name, resp.StatusCode, resp.Header.Get("Location"), m["url"])
	}
}
