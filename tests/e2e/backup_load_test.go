package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"kith/store"
)

// A backup taken while the owner keeps posting and uploading restores to a
// database that passes SQLite's integrity check and holds exactly the
// posts written up to one point in time (post 1..N, nothing after a gap),
// with posts written during the backup left out; every restored media
// file matches the original byte for byte.
func TestBackupDuringWrites(t *testing.T) {
	dir, cfgPath, base := initInstance(t)
	r := kith(t, dir, "", "token", "create", "--scopes", "read write", "--name", "writer")
	token := strings.TrimSpace(r.stdout)
	if r.code != 0 || token == "" {
		t.Fatalf("token create: exit %d: %s", r.code, r.stderr)
	}
	// An incompressible file makes the archive take a while to write, so
	// that the writer below has time to post while the backup runs.
	mediaDir := filepath.Join(dir, "kith-data", "media")
	os.MkdirAll(mediaDir, 0o700)
	os.WriteFile(filepath.Join(mediaDir, "big.bin"), randomBytes(t, 24<<20), 0o600)
	p := startServe(t, dir)
	p.waitHealthy(t, base)
	c := &ownerClient{t: t, base: base, token: token}
	for i := range 3 {
		c.upload(i)
	}

	w := startWriter(c, 20)
	before := w.acked.Load()
	archive := filepath.Join(t.TempDir(), "kith-backup.tar.gz")
	r = kith(t, dir, "", "backup", "--config", cfgPath, archive)
	during := w.acked.Load() + 1 // a post may be in flight when the backup ends
	if err := w.stop(); err != nil {
		t.Fatalf("writing during the backup: %v", err)
	}
	if r.code != 0 {
		t.Fatalf("backup during writes: exit %d: %s", r.code, r.stderr)
	}
	total := w.acked.Load()
	terminate(t, p)

	target := filepath.Join(t.TempDir(), "restored")
	if r := kith(t, dir, "", "restore", archive, "--data", target); r.code != 0 {
		t.Fatalf("restore: exit %d: %s", r.code, r.stderr)
	}
	ctx := context.Background()
	if err := store.CheckIntegrity(ctx, filepath.Join(target, "kith.db")); err != nil {
		t.Errorf("integrity check of the restored database: %v", err)
	}
	nums, uploads := restoredRows(t, filepath.Join(target, "kith.db"))
	n := int64(len(nums))
	for i, got := range nums {
		if want := int64(i + 1); got != want {
			t.Fatalf("restored posts %v: post %d where %d should be; not a point in time", nums, got, want)
		}
	}
	if n < before || n > during {
		t.Errorf("restored posts 1..%d; want at least the %d written before the backup and at most the %d written by its end", n, before, during)
	}
	if during-1 <= before {
		t.Errorf("no post was written while the backup ran (%d before, %d after): the writer was blocked", before, during-1)
	}
	if n >= total {
		t.Errorf("restored %d posts of %d: the posts written after the snapshot should be missing", n, total)
	}
	checkRestoredMedia(t, mediaDir, filepath.Join(target, "media"), uploads)
	t.Logf("posts: %d before the backup, %d by its end, %d restored, %d in all", before, during-1, n, total)
}

// writer posts "backup test post 1", 2, 3… one after another and uploads
// an image every fifth post, until stopped.
type writer struct {
	acked atomic.Int64 // the last post whose creation was answered
	quit  chan struct{}
	done  chan error
}

// startWriter starts a writer and returns once it has written warmUp
// posts (or failed).
func startWriter(c *ownerClient, warmUp int) *writer {
	w := &writer{quit: make(chan struct{}), done: make(chan error, 1)}
	warm := make(chan struct{})
	go func() {
		defer close(w.done)
		defer func() {
			if w.acked.Load() < int64(warmUp) {
				close(warm)
			}
		}()
		for n := 1; ; n++ {
			select {
			case <-w.quit:
				return
			default:
			}
			if err := c.post(n); err != nil {
				w.done <- err
				return
			}
			w.acked.Store(int64(n))
			if n == warmUp {
				close(warm)
			}
			if n%5 == 0 {
				c.upload(100 + n)
			}
		}
	}()
	<-warm
	return w
}

// stop stops the writer and reports its first error.
func (w *writer) stop() error {
	close(w.quit)
	return <-w.done
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := io.ReadFull(rand.Reader, b); err != nil {
		t.Fatal(err)
	}
	return b
}

// ownerClient speaks the Mastodon API with the owner's token.
type ownerClient struct {
	t     *testing.T
	base  string
	token string
}

func (c *ownerClient) do(req *http.Request) error {
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: status %d: %.200s", req.Method, req.URL.Path, resp.StatusCode, body)
	}
	return nil
}

// post creates the n-th numbered post.
func (c *ownerClient) post(n int) error {
	form := url.Values{"status": {fmt.Sprintf("backup test post %d", n)}, "visibility": {"public"}}
	req, _ := http.NewRequest("POST", c.base+"/api/v1/statuses", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// upload sends a PNG of its own colour (seed) to /api/v1/media. It may run
// on the writer goroutine, so it reports by t.Error, not t.Fatal.
func (c *ownerClient) upload(seed int) {
	img := image.NewRGBA(image.Rect(0, 0, 32, 24))
	for y := range 24 {
		for x := range 32 {
			img.Set(x, y, color.RGBA{uint8(seed * 37), uint8(x * 8), uint8(y * 10), 255})
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", fmt.Sprintf("image%d.png", seed))
	fw.Write(buf.Bytes())
	mw.Close()
	req, _ := http.NewRequest("POST", c.base+"/api/v1/media", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if err := c.do(req); err != nil {
		c.t.Errorf("upload %d: %v", seed, err)
	}
}

var numbered = regexp.MustCompile(`backup test post (\d+)`)

// restoredRows reads the numbers of the restored posts, in order, and the
// files of the finished uploads.
func restoredRows(t *testing.T, path string) (nums []int64, uploads []string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	nums = restoredPostNumbers(t, path)
	rows, err := db.Query(`SELECT path FROM media_uploads WHERE state = 'ready'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var p string
		rows.Scan(&p)
		uploads = append(uploads, p)
	}
	if len(uploads) < 3 {
		t.Errorf("restored %d uploads, want at least the 3 made before the backup", len(uploads))
	}
	return nums, uploads
}

// checkRestoredMedia compares every restored media file with the original
// by SHA-256, and checks that every upload the restored database knows
// has its file.
func checkRestoredMedia(t *testing.T, original, restored string, uploads []string) {
	t.Helper()
	sums := func(root string) map[string]string {
		out := map[string]string{}
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			out[filepath.ToSlash(rel)] = fmt.Sprintf("%x", sha256.Sum256(b))
			return nil
		})
		return out
	}
	orig, got := sums(original), sums(restored)
	for name, sum := range got {
		if orig[name] != sum {
			t.Errorf("restored media %s: sha256 %s, original %q", name, sum, orig[name])
		}
	}
	for _, name := range append(uploads, "big.bin") {
		if _, ok := got[name]; !ok {
			t.Errorf("media %s is missing from the restored directory", name)
		}
	}
	t.Logf("restored %d media files", len(got))
}
