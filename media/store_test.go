package media

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	s3test "kith/tests/s3"
)

// testStore is one kind of storage under test: the local directory or a
// real S3 server (versitygw) on loopback.
type testStore struct {
	kind  string
	files Files
	// setTime sets a stored file's modification time (versitygw's posix
	// backend reports its file's).
	setTime func(name string, at time.Time)
}

const testBucket = "kith-media"

// eachStore runs a test against both kinds of storage.
func eachStore(t *testing.T, test func(t *testing.T, ts testStore)) {
	t.Run("local", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "media")
		test(t, testStore{kind: "local", files: LocalFiles(dir), setTime: func(name string, at time.Time) {
			os.Chtimes(filepath.Join(dir, filepath.FromSlash(name)), at, at)
		}})
	})
	t.Run("s3", func(t *testing.T) {
		srv := s3test.Start(t, testBucket)
		st := NewS3(testS3Options(srv, "media/"))
		test(t, testStore{kind: "s3", files: NewFiles(st), setTime: func(name string, at time.Time) {
			os.Chtimes(srv.ObjectPath(testBucket, "media/"+name), at, at)
		}})
	})
}

func testS3Options(srv *s3test.Server, prefix string) S3Options {
	return S3Options{Endpoint: srv.Endpoint(), Region: s3test.Region, Bucket: testBucket, Prefix: prefix,
		AccessKey: s3test.AccessKey, SecretKey: s3test.SecretKey, PathStyle: true}
}

// exists says whether a file is stored.
func exists(t *testing.T, files Files, name string) bool {
	t.Helper()
	_, err := files.Store.Stat(context.Background(), name)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("stat %s: %v", name, err)
	}
	return err == nil
}

// readStored reads a whole stored file.
func readStored(t *testing.T, files Files, name string) []byte {
	t.Helper()
	f, err := files.Open(context.Background(), name)
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return b
}

// Every Store does the same: whole writes, reads from any offset, ranges,
// stat, listing by prefix, deletes, and fs.ErrNotExist for what is not
// there.
func TestStore(t *testing.T) {
	eachStore(t, func(t *testing.T, ts testStore) {
		ctx := context.Background()
		st := ts.files.Store
		body := bytes.Repeat([]byte("0123456789"), 10000) // 100 kB
		if n, err := st.Put(ctx, "ab/c.bin", bytes.NewReader(body), int64(len(body)), "application/octet-stream"); err != nil || n != int64(len(body)) {
			t.Fatalf("put: %d, %v", n, err)
		}
		// A body of unknown length is taken too.
		if n, err := st.Put(ctx, "remote/x/y.png", io.MultiReader(strings.NewReader("pn"), strings.NewReader("g")), -1, "image/png"); err != nil || n != 3 {
			t.Fatalf("put of unknown length: %d, %v", n, err)
		}
		info, err := st.Stat(ctx, "ab/c.bin")
		if err != nil || info.Size != int64(len(body)) || info.ModTime.IsZero() {
			t.Errorf("stat: %+v, %v", info, err)
		}
		f, err := st.Open(ctx, "ab/c.bin")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Seek(99990, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		tail, err := io.ReadAll(f)
		if err != nil || string(tail) != "0123456789" {
			t.Errorf("read after seek: %q, %v", tail, err)
		}
		mid := make([]byte, 5)
		if n, err := f.ReadAt(mid, 12); err != nil || n != 5 || string(mid) != "23456" {
			t.Errorf("ReadAt: %q (%d), %v", mid, n, err)
		}
		f.Seek(0, io.SeekStart)
		if all, err := io.ReadAll(f); err != nil || !bytes.Equal(all, body) {
			t.Errorf("read whole: %d bytes, %v", len(all), err)
		}
		f.Close()

		if d, ok := st.(Dir); ok {
			// Writes in progress and an import's unpacking are not listed.
			os.WriteFile(d.Path(".write-123"), []byte("half"), 0o644)
			os.MkdirAll(d.Path(".import-1"), 0o755)
			os.WriteFile(d.Path(".import-1/a.png"), []byte("unpacked"), 0o644)
		}
		var names []string
		if err := st.Walk(ctx, "", func(i Info) error { names = append(names, i.Name); return nil }); err != nil {
			t.Fatal(err)
		}
		slices.Sort(names)
		if want := []string{"ab/c.bin", "remote/x/y.png"}; !slices.Equal(names, want) {
			t.Errorf("walk: %q, want %q", names, want)
		}
		names = nil
		st.Walk(ctx, RemoteDir+"/", func(i Info) error { names = append(names, i.Name); return nil })
		if want := []string{"remote/x/y.png"}; !slices.Equal(names, want) {
			t.Errorf("walk remote/: %q, want %q", names, want)
		}

		if err := st.Delete(ctx, "ab/c.bin"); err != nil {
			t.Fatal(err)
		}
		if err := st.Delete(ctx, "ab/c.bin"); err != nil {
			t.Errorf("deleting a file already gone: %v", err)
		}
		if _, err := st.Stat(ctx, "ab/c.bin"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("stat of a deleted file: %v, want fs.ErrNotExist", err)
		}
		if _, err := st.Open(ctx, "../escape"); err == nil {
			t.Error("opened a name outside the store")
		}
		if _, err := st.Put(ctx, "../escape", strings.NewReader("x"), 1, ""); err == nil {
			t.Error("wrote a name outside the store")
		}
	})
}

// TestS3PutFileInParts: a file bigger than a part is uploaded in parts
// (three of 5 MiB, S3's smallest, and a tail) and reads back whole; a
// file smaller than a part goes in one request.
func TestS3PutFileInParts(t *testing.T) {
	srv := s3test.Start(t, testBucket)
	var puts, parts atomic.Int32
	opts := testS3Options(srv, "backups/")
	opts.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.Method == http.MethodPut {
			if r.URL.Query().Has("partNumber") {
				parts.Add(1)
			} else {
				puts.Add(1)
			}
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
	st := NewS3(opts)
	const part = 5 << 20
	big := make([]byte, 3*part+12345)
	rand.Read(big)
	path := filepath.Join(t.TempDir(), "archive.tar.gz")
	if err := os.WriteFile(path, big, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := st.PutFile(context.Background(), "big.tar.gz", f, "application/gzip", part); err != nil {
		t.Fatal(err)
	}
	if got := parts.Load(); got != 4 {
		t.Errorf("%d parts sent, want 4", got)
	}
	got, err := os.ReadFile(srv.ObjectPath(testBucket, "backups/big.tar.gz"))
	if err != nil || sha256.Sum256(got) != sha256.Sum256(big) {
		t.Fatalf("stored object differs from the file (%d bytes of %d, %v)", len(got), len(big), err)
	}

	small := filepath.Join(t.TempDir(), "small.tar.gz")
	os.WriteFile(small, big[:1000], 0o600)
	sf, err := os.Open(small)
	if err != nil {
		t.Fatal(err)
	}
	defer sf.Close()
	puts.Store(0)
	if err := st.PutFile(context.Background(), "small.tar.gz", sf, "application/gzip", part); err != nil {
		t.Fatal(err)
	}
	if puts.Load() != 1 {
		t.Errorf("a small file took %d PUTs, want 1", puts.Load())
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
