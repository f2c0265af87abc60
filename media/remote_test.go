package media

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"kith/store"
	"kith/tests/testclock"
)

// origin is a remote server on loopback that serves files and counts the
// requests for each path.
type origin struct {
	*httptest.Server
	mu    sync.Mutex
	hits  map[string]int
	files map[string]originFile
	// hold, if set, blocks each request until it is closed, after telling
	// started.
	hold, started chan struct{}
}

type originFile struct {
	ctype string
	body  []byte
	code  int
}

func newOrigin(t *testing.T) *origin {
	o := &origin{hits: map[string]int{}, files: map[string]originFile{}}
	o.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		o.hits[r.URL.Path]++
		f, ok := o.files[r.URL.Path]
		hold, started := o.hold, o.started
		o.mu.Unlock()
		if hold != nil {
			started <- struct{}{}
			<-hold
		}
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", f.ctype)
		w.WriteHeader(max(f.code, 200))
		w.Write(f.body)
	}))
	t.Cleanup(o.Close)
	return o
}

func (o *origin) serve(path, ctype string, body []byte) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.files[path] = originFile{ctype: ctype, body: body}
	return o.URL + path
}

func (o *origin) count(path string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.hits[path]
}

func openTestDB(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "kith.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// testClient stands in for federation's guarded client, which the server
// hands the cache: it reaches the origin on loopback, and reading a body
// of more than max bytes fails, as it does past media.remote_max_bytes.
// The guard itself is tested where the server builds the cache.
type testClient struct{ max int64 }

func (c testClient) Do(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	resp.Body = http.MaxBytesReader(nil, resp.Body, c.max)
	return resp, nil
}

func newTestCache(t *testing.T, db *store.DB, files Files, maxBytes int64, opts CacheOptions) *Cache {
	t.Helper()
	return NewCache(db, files, testClient{max: maxBytes}, opts, slog.New(slog.DiscardHandler))
}

func TestCacheFetchesOnceAndServesFromDisk(t *testing.T) { eachStore(t, testCacheFetchesOnce) }

func testCacheFetchesOnce(t *testing.T, ts testStore) {
	ctx := context.Background()
	db := openTestDB(t)
	o := newOrigin(t)
	pic := testPNG(t, 8, 8)
	u := o.serve("/cat.png", "image/png", pic)
	files := ts.files
	c := newTestCache(t, db, files, 1<<20, CacheOptions{})

	// Two concurrent first requests: the origin is held until the second
	// has joined the first's fetch.
	o.hold, o.started = make(chan struct{}), make(chan struct{}, 2)
	joined := make(chan struct{}, 1)
	c.joined = func() { joined <- struct{}{} }
	results := make(chan error, 2)
	get := func() {
		m, err := c.Get(ctx, u)
		if err == nil && m.ContentType != "image/png" {
			err = errors.New("content type " + m.ContentType)
		}
		results <- err
	}
	go get()
	<-o.started
	go get()
	select {
	case <-joined:
	case <-o.started:
		t.Error("the second first request reached the origin")
	}
	close(o.hold)
	for range 2 {
		if err := <-results; err != nil {
			t.Fatal(err)
		}
	}
	if got := o.count("/cat.png"); got != 1 {
		t.Errorf("origin hit %d times by two concurrent first requests, want 1", got)
	}

	m, err := c.Get(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	body := readStored(t, files, m.Path)
	if string(body) != string(pic) || m.Size != int64(len(pic)) || m.URL != u {
		t.Errorf("cached %s (%d bytes, %v), want the origin's %d bytes of %s", m.Path, m.Size, err, len(pic), u)
	}
	if got := o.count("/cat.png"); got != 1 {
		t.Errorf("origin hit %d times after a cached request, want 1", got)
	}

	// A cached file gone from the storage is fetched again when opened.
	files.Store.Delete(ctx, m.Path)
	_, f, err := c.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if body, _ := io.ReadAll(f); string(body) != string(pic) {
		t.Errorf("opened %d bytes after the refetch, want the origin's %d", len(body), len(pic))
	}
	f.Close()
	if got := o.count("/cat.png"); got != 2 {
		t.Errorf("origin hit %d times after the file was removed, want 2", got)
	}
}

func TestCacheRefusals(t *testing.T) { eachStore(t, testCacheRefusals) }

func testCacheRefusals(t *testing.T, ts testStore) {
	ctx := context.Background()
	db := openTestDB(t)
	o := newOrigin(t)
	files := ts.files
	c := newTestCache(t, db, files, 1000, CacheOptions{})
	tests := []struct {
		name string
		url  string
		want error
	}{
		{"html is not media", o.serve("/page", "text/html; charset=utf-8", []byte("<script>alert(1)</script>")), ErrRemoteFailed},
		{"svg can carry script", o.serve("/x.svg", "image/svg+xml", []byte("<svg/>")), ErrRemoteFailed},
		{"too large", o.serve("/big.png", "image/png", make([]byte, 5000)), ErrRemoteFailed},
		{"missing", o.URL + "/nothing.png", ErrRemoteNotFound},
		{"not http", "file:///etc/passwd", ErrRemoteFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := c.Get(ctx, tt.url); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
			if _, err := db.RemoteMediaByHash(ctx, Hash(tt.url)); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("a refused fetch left a row (err %v)", err)
			}
		})
	}
	if u, _, err := Scan(ctx, db, files, "http://kith.test/media/"); err != nil || u.Remote.Files+u.Orphans.Files != 0 {
		t.Errorf("refused fetches left files: %+v (%v)", u, err)
	}
}

func TestPrune(t *testing.T) { eachStore(t, testPrune) }

func testPrune(t *testing.T, ts testStore) {
	ctx := context.Background()
	db := openTestDB(t)
	o := newOrigin(t)
	now := testclock.Base()
	clock := testclock.New()
	files := ts.files
	c := newTestCache(t, db, files, 1<<20, CacheOptions{Now: clock.Now})
	fetchAt := func(path string, at time.Time) store.RemoteMedia {
		clock.Set(at)
		m, err := c.Get(ctx, o.serve(path, "image/png", testPNG(t, 4, 4)))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	old := fetchAt("/old.png", now.AddDate(0, 0, -10))
	recent := fetchAt("/recent.png", now.AddDate(0, 0, -1))
	// Fetched long ago but served yesterday: kept.
	used := fetchAt("/used.png", now.AddDate(0, 0, -30))
	clock.Set(now.AddDate(0, 0, -1))
	if _, err := c.Get(ctx, used.URL); err != nil {
		t.Fatal(err)
	}
	// A local upload, old enough to prune were it remote.
	saved, err := files.Save(ctx, mustProcess(t, testPNG(t, 16, 16)))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{saved.Path, saved.ThumbnailPath} {
		ts.setTime(p, now.AddDate(-1, 0, 0))
	}
	cutoff := now.AddDate(0, 0, -7)

	dry, err := Prune(ctx, db, files, cutoff, PruneOptions{DryRun: true})
	if err != nil || dry.Files != 1 || dry.Bytes != old.Size {
		t.Errorf("dry run: %+v, %v; want 1 file of %d bytes", dry, err, old.Size)
	}
	for _, m := range []store.RemoteMedia{old, recent, used} {
		if !exists(t, files, m.Path) {
			t.Errorf("dry run removed %s", m.URL)
		}
	}

	var listed []string
	res, err := Prune(ctx, db, files, cutoff, PruneOptions{Each: func(m store.RemoteMedia) { listed = append(listed, m.URL) }})
	if err != nil || res.Files != 1 || len(listed) != 1 || listed[0] != old.URL {
		t.Errorf("prune: %+v, %v, listed %v; want only %s", res, err, listed, old.URL)
	}
	checks := []struct {
		path string
		kept bool
	}{{old.Path, false}, {recent.Path, true}, {used.Path, true}, {saved.Path, true}, {saved.ThumbnailPath, true}}
	for _, ck := range checks {
		if got := exists(t, files, ck.path); got != ck.kept {
			t.Errorf("%s: kept %v, want %v", ck.path, got, ck.kept)
		}
	}
	if _, err := db.RemoteMediaByHash(ctx, old.Hash); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("pruned row still there: %v", err)
	}

	// Pruned media is fetched again on demand.
	clock.Set(now)
	before := o.count("/old.png")
	if _, err := c.Get(ctx, old.URL); err != nil || o.count("/old.png") != before+1 {
		t.Errorf("refetch after prune: %v, origin hits %d → %d", err, before, o.count("/old.png"))
	}
}

func mustProcess(t *testing.T, data []byte) Processed {
	t.Helper()
	p, err := Process(data, "image/png", UploadLimits)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestScanAndRemoveOrphans(t *testing.T) { eachStore(t, testScanAndRemoveOrphans) }

func testScanAndRemoveOrphans(t *testing.T, ts testStore) {
	ctx := context.Background()
	db := openTestDB(t)
	o := newOrigin(t)
	files := ts.files
	c := newTestCache(t, db, files, 1<<20, CacheOptions{})
	if _, err := c.Get(ctx, o.serve("/a.png", "image/png", testPNG(t, 4, 4))); err != nil {
		t.Fatal(err)
	}
	prefix := "http://kith.test/media/"
	attached, err := files.Save(ctx, mustProcess(t, testPNG(t, 16, 16)))
	if err != nil {
		t.Fatal(err)
	}
	err = db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.CreateUpload(ctx, store.Upload{Attachment: store.Attachment{URL: prefix + attached.Path}, Path: attached.Path, State: store.UploadReady})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-48 * time.Hour)
	for name, mtime := range map[string]time.Time{"stray.jpg": old, "fresh.jpg": time.Now(), RemoteDir + "/ab/stray": old} {
		if err := files.Write(ctx, name, []byte("x")); err != nil {
			t.Fatal(err)
		}
		ts.setTime(name, mtime)
	}

	u, orphans, err := Scan(ctx, db, files, prefix)
	if err != nil {
		t.Fatal(err)
	}
	if u.Uploads.Files != 2 || u.Remote.Files != 1 || u.Orphans.Files != 3 || len(orphans) != 3 {
		t.Errorf("usage %+v, %d orphans; want 2 upload files, 1 remote, 3 orphans", u, len(orphans))
	}
	cutoff := time.Now().Add(-24 * time.Hour)
	if gone, err := RemoveOrphans(ctx, files, orphans, cutoff, true); err != nil || len(gone) != 2 {
		t.Errorf("dry run lists %v (%v), want the two old strays", gone, err)
	}
	if !exists(t, files, "stray.jpg") {
		t.Error("dry run removed a file")
	}
	if gone, err := RemoveOrphans(ctx, files, orphans, cutoff, false); err != nil || len(gone) != 2 {
		t.Errorf("removed %v (%v), want the two old strays", gone, err)
	}
	u, _, _ = Scan(ctx, db, files, prefix)
	if u.Uploads.Files != 2 || u.Remote.Files != 1 || u.Orphans.Files != 1 {
		t.Errorf("after removing orphans: %+v; want uploads and remote kept, the fresh stray left", u)
	}
}

func TestSignURL(t *testing.T) {
	key, other := []byte("0123456789abcdef"), []byte("fedcba9876543210")
	raw := "https://files.example/media/cat.png?size=large"
	signed := SignURL(key, raw)
	var mac, enc string
	for i := range signed {
		if signed[i] == '/' {
			mac, enc = signed[:i], signed[i+1:]
			break
		}
	}
	if got, ok := VerifyURL(key, mac, enc); !ok || got != raw {
		t.Errorf("VerifyURL = %q, %v; want %q", got, ok, raw)
	}
	tampered := SignURL(key, "https://evil.example/x")[len(mac)+1:]
	tests := []struct{ name, mac, enc string }{
		{"other key", SignURL(other, raw)[:len(mac)], enc},
		{"other URL", mac, tampered},
		{"short MAC", mac[:10], enc},
		{"not base64", mac, "%%%"},
	}
	for _, tt := range tests {
		if got, ok := VerifyURL(key, tt.mac, tt.enc); ok {
			t.Errorf("%s: VerifyURL accepted %q", tt.name, got)
		}
	}
}
