package portability

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"kith/account"
	"kith/federation"
	"kith/jobs"
	"kith/media"
	"kith/store"
	s3test "kith/tests/s3"
)

var testKeys = sync.OnceValues(func() ([2]string, [2]string) {
	var keys [2][2]string
	for i := range keys {
		priv, pub, err := account.GenerateKeyPair()
		if err != nil {
			panic(err)
		}
		keys[i] = [2]string{priv, pub}
	}
	return keys[0], keys[1]
})

const testBaseURL = "http://kith.test"

// testPorter is one kith instance without HTTP: a real SQLite file, a job
// runner driven by RunDue, federation and a Porter.
type testPorter struct {
	*Porter
	db       *store.DB
	fed      *federation.Federation
	runner   *jobs.Runner
	mediaDir string
	files    media.Files
}

func newTestPorter(t testing.TB, opts Options) *testPorter {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, filepath.Join(dir, "kith.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	owner, instance := testKeys()
	err = db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateOwner(ctx, store.Owner{Username: "alice", PasswordHash: "-", PrivateKeyPEM: owner[0], PublicKeyPEM: owner[1]}); err != nil {
			return err
		}
		return tx.SetSetting(ctx, "instance_private_key", instance[0])
	})
	if err != nil {
		t.Fatal(err)
	}
	// A test's clock is the store's and the federation's too: jobs are
	// enqueued and run by the same time.
	if opts.Now != nil {
		db.SetClock(opts.Now)
	}
	logger := slog.New(slog.DiscardHandler)
	runner := jobs.New(db, logger, jobs.Options{Now: opts.Now})
	fed, err := federation.New(ctx, db, runner, logger, federation.Options{BaseURL: testBaseURL, Username: "alice", Version: "test", Now: opts.Now})
	if err != nil {
		t.Fatal(err)
	}
	opts.BaseURL, opts.MediaDir = testBaseURL, filepath.Join(dir, "media")
	porter := New(db, fed, runner, nil, opts)
	return &testPorter{Porter: porter, db: db, fed: fed, runner: runner, mediaDir: opts.MediaDir, files: porter.opts.Files}
}

// entry is one file of an archive a test builds.
type entry struct {
	name string
	body []byte
}

func zipOf(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.Create(e.name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(e.body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func tarGzOf(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		if err := tw.WriteHeader(&tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(e.body)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	gz.Close()
	return buf.Bytes()
}

// mediaFiles lists the files under the media directory.
func mediaFiles(t testing.TB, p *testPorter) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(p.mediaDir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(p.mediaDir, path)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if _, local := p.files.Store.(media.Dir); !local {
		err := p.files.Store.Walk(context.Background(), "", func(i media.Info) error {
			out = append(out, i.Name)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// eachMediaStorage runs a test with media in a local directory and in a
// real S3 server (versitygw): storage sets a Porter's Options for it.
func eachMediaStorage(t *testing.T, test func(t *testing.T, storage func(*Options))) {
	t.Run("local", func(t *testing.T) { test(t, func(*Options) {}) })
	t.Run("s3", func(t *testing.T) {
		srv := s3test.Start(t, "kith-media")
		test(t, func(o *Options) {
			o.Files = media.NewFiles(media.NewS3(media.S3Options{Endpoint: srv.Endpoint(), Region: s3test.Region, Bucket: "kith-media",
				Prefix: media.NewName() + "/", AccessKey: s3test.AccessKey, SecretKey: s3test.SecretKey, PathStyle: true}))
		})
	})
}

// readMedia reads a stored media file.
func readMedia(t testing.TB, p *testPorter, name string) ([]byte, error) {
	t.Helper()
	f, err := p.files.Open(context.Background(), name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}
