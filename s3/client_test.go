package s3

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	s3test "kith/tests/s3"
)

const testBucket = "kith-s3"

func testClient(srv *s3test.Server) *Client {
	return New(Config{Endpoint: srv.Endpoint(), Region: s3test.Region, Bucket: testBucket,
		AccessKey: s3test.AccessKey, SecretKey: s3test.SecretKey, PathStyle: true})
}

// TestObjects runs every call against a real S3 server (versitygw).
func TestObjects(t *testing.T) {
	srv := s3test.Start(t, testBucket)
	c := testClient(srv)
	ctx := context.Background()
	if err := c.HeadBucket(ctx); err != nil {
		t.Fatal(err)
	}

	// A key with characters that must be escaped, metadata and a type.
	key := "dir/a b+c~d é.txt"
	body := []byte("0123456789abcdef")
	if _, err := c.Put(ctx, key, bytes.NewReader(body), int64(len(body)), PutOptions{ContentType: "text/plain", Metadata: map[string]string{"litestream-timestamp": "2026-12-07T10:00:00Z"}}); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(srv.ObjectPath(testBucket, key)); err != nil || !bytes.Equal(got, body) {
		t.Fatalf("stored %q, %v", got, err)
	}
	info, err := c.Head(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != 16 || info.ETag == "" || info.Modified.IsZero() || info.Metadata["litestream-timestamp"] != "2026-12-07T10:00:00Z" {
		t.Errorf("head: %+v", info)
	}
	for _, tc := range []struct {
		o    GetOptions
		want string
	}{{GetOptions{}, string(body)}, {GetOptions{Offset: 10}, "abcdef"}, {GetOptions{Offset: 2, Length: 3}, "234"}} {
		rc, gi, err := c.Get(ctx, key, tc.o)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if string(got) != tc.want || gi.Size != 16 {
			t.Errorf("get %+v: %q, size %d", tc.o, got, gi.Size)
		}
	}
	if _, _, err := c.Get(ctx, key, GetOptions{IfMatch: `"not-the-etag"`}); err == nil {
		t.Error("a Get with a stale ETag read the object")
	}

	// An empty object.
	if _, err := c.Put(ctx, "empty", bytes.NewReader(nil), 0, PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if info, err := c.Head(ctx, "empty"); err != nil || info.Size != 0 {
		t.Errorf("empty object: %+v, %v", info, err)
	}

	// Missing objects are fs.ErrNotExist, by GET and by HEAD.
	if _, _, err := c.Get(ctx, "nothing", GetOptions{}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("get of a missing object: %v", err)
	}
	if _, err := c.Head(ctx, "nothing"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("head of a missing object: %v", err)
	}

	// A listing over several pages, from a start key.
	c.pageSize = 2
	for i := range 5 {
		if _, err := c.Put(ctx, fmt.Sprintf("list/%d", i), strings.NewReader("x"), 1, PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	var keys []string
	err = c.List(ctx, "list/", "list/0", func(i Info) error {
		keys = append(keys, i.Key)
		if i.Size != 1 || i.Modified.IsZero() {
			t.Errorf("listed %+v", i)
		}
		return nil
	})
	if err != nil || strings.Join(keys, ",") != "list/1,list/2,list/3,list/4" {
		t.Errorf("list: %v, %v", keys, err)
	}
	stop := errors.New("stop")
	if err := c.List(ctx, "list/", "", func(Info) error { return stop }); err != stop {
		t.Errorf("an error from fn: %v", err)
	}

	// Batch delete, with a key that is not there.
	if err := c.DeleteKeys(ctx, []string{"list/0", "list/1", "list/none"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, "list/2"); err != nil {
		t.Fatal(err)
	}
	keys = nil
	c.List(ctx, "list/", "", func(i Info) error { keys = append(keys, i.Key); return nil })
	if strings.Join(keys, ",") != "list/3,list/4" {
		t.Errorf("after deleting: %v", keys)
	}
}

// TestUpload sends a file bigger than a part as a multipart upload, and
// one of unknown length through PutReader.
func TestUpload(t *testing.T) {
	srv := s3test.Start(t, testBucket)
	c := testClient(srv)
	ctx := context.Background()
	data := make([]byte, 2*minPartSize+12345)
	rand.Read(data)
	f, err := os.Create(filepath.Join(t.TempDir(), "big"))
	if err != nil {
		t.Fatal(err)
	}
	f.Write(data)
	if err := c.Upload(ctx, "big", f, int64(len(data)), minPartSize, PutOptions{ContentType: "application/gzip"}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if got, err := os.ReadFile(srv.ObjectPath(testBucket, "big")); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("multipart upload stored %d bytes, %v", len(got), err)
	}
	// Streams of unknown length: one part, one part exactly, one byte
	// more, and several parts.
	for _, size := range []int{1000, streamPartSize, streamPartSize + 1, len(data)} {
		n, err := c.PutReader(ctx, "piped", io.MultiReader(bytes.NewReader(data[:size])), -1, PutOptions{})
		if err != nil || n != int64(size) {
			t.Fatal(size, n, err)
		}
		if got, _ := os.ReadFile(srv.ObjectPath(testBucket, "piped")); !bytes.Equal(got, data[:size]) {
			t.Errorf("PutReader of %d bytes stored %d other bytes", size, len(got))
		}
	}
	// A stream that fails in its second part stores nothing.
	broken := io.MultiReader(bytes.NewReader(data[:streamPartSize+100]), iotest.ErrReader(errors.New("the peer went away")))
	if _, err := c.PutReader(ctx, "broken", broken, -1, PutOptions{}); err == nil || !strings.Contains(err.Error(), "the peer went away") {
		t.Errorf("a failing stream: %v", err)
	}
	if _, err := c.Head(ctx, "broken"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a failed stream left an object: %v", err)
	}
}

// TestErrors: wrong keys and a missing bucket are the service's errors,
// with its codes; a server that is down is an error, soon.
func TestErrors(t *testing.T) {
	srv := s3test.Start(t, testBucket)
	ctx := context.Background()
	wrong := New(Config{Endpoint: srv.Endpoint(), Region: s3test.Region, Bucket: testBucket, AccessKey: s3test.AccessKey, SecretKey: "wrong", PathStyle: true})
	_, err := wrong.Put(ctx, "k", strings.NewReader("x"), 1, PutOptions{})
	var se *Error
	if !errors.As(err, &se) || se.Status != 403 || se.Code != "SignatureDoesNotMatch" {
		t.Errorf("wrong secret: %v", err)
	}
	missing := New(Config{Endpoint: srv.Endpoint(), Region: s3test.Region, Bucket: "no-such-bucket", AccessKey: s3test.AccessKey, SecretKey: s3test.SecretKey, PathStyle: true})
	err = missing.List(ctx, "", "", func(Info) error { return nil })
	if !errors.As(err, &se) || se.Code != "NoSuchBucket" || errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing bucket: %v", err)
	}
	srv.Stop()
	if err := testClient(srv).HeadBucket(ctx); err == nil {
		t.Error("a stopped server answered")
	}
}

// TestVirtualHosted addresses the bucket as a host name, as the client
// does for AWS: BUCKET.s3.test, mapped to the server's address.
func TestVirtualHosted(t *testing.T) {
	srv := s3test.StartVirtualHosted(t, "s3.test", testBucket)
	addr := strings.TrimPrefix(srv.Endpoint(), "http://")
	_, port, _ := strings.Cut(addr, ":")
	var mu sync.Mutex
	var hosts []string
	dialer := &net.Dialer{}
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, host string) (net.Conn, error) {
		mu.Lock()
		hosts = append(hosts, host)
		mu.Unlock()
		return dialer.DialContext(ctx, network, addr)
	}}}
	c := New(Config{Endpoint: "http://s3.test:" + port, Region: s3test.Region, Bucket: testBucket,
		AccessKey: s3test.AccessKey, SecretKey: s3test.SecretKey, HTTPClient: hc})
	ctx := context.Background()
	if err := c.HeadBucket(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Put(ctx, "a/b c", strings.NewReader("hello"), 5, PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(srv.ObjectPath(testBucket, "a/b c")); err != nil || string(b) != "hello" {
		t.Fatalf("stored %q, %v", b, err)
	}
	rc, _, err := c.Get(ctx, "a/b c", GetOptions{Offset: 1})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	var keys []string
	if err := c.List(ctx, "a/", "", func(i Info) error { keys = append(keys, i.Key); return nil }); err != nil {
		t.Fatal(err)
	}
	if string(got) != "ello" || strings.Join(keys, ",") != "a/b c" {
		t.Errorf("read %q, listed %v", got, keys)
	}
	if err := c.DeleteKeys(ctx, []string{"a/b c"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(srv.ObjectPath(testBucket, "a/b c")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after the delete: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(hosts) == 0 || hosts[0] != testBucket+".s3.test:"+port {
		t.Errorf("connected to %v, want the bucket's host name", hosts)
	}
}
