package servertest

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"

	"kith/config"
	s3test "kith/tests/s3"
)

// S3Bucket is the bucket test instances keep their media in.
const S3Bucket = "kith-media"

// S3Media is a real S3 server (versitygw) for an instance's media, behind
// a proxy that counts the requests kith sends it.
type S3Media struct {
	Server   *s3test.Server
	Proxy    *httptest.Server
	requests atomic.Int64
}

// StartS3 starts an S3 server with S3Bucket and the counting proxy.
func StartS3(t testing.TB) *S3Media {
	t.Helper()
	m := &S3Media{Server: s3test.Start(t, S3Bucket)}
	target, _ := url.Parse(m.Server.Endpoint())
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ErrorLog = log.New(io.Discard, "", 0) // a stopped server is expected
	// The proxy keeps the Host header kith signed, so signatures hold.
	m.Proxy = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.requests.Add(1)
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(m.Proxy.Close)
	return m
}

// Requests is how many requests reached the S3 server so far.
func (m *S3Media) Requests() int64 { return m.requests.Load() }

// Config sets an instance's media storage to the bucket; publicURL is
// [media.s3] public_url ("" for none).
func (m *S3Media) Config(c *config.Config, publicURL string) {
	c.Media.Storage = config.StorageS3
	c.Media.S3 = config.MediaS3{Endpoint: m.Proxy.URL, Region: s3test.Region, Bucket: S3Bucket, Prefix: "media/",
		AccessKey: s3test.AccessKey, SecretKey: s3test.SecretKey, PathStyle: true, PublicURL: publicURL}
}

// ObjectPath is the file holding a media file (by its name in kith).
func (m *S3Media) ObjectPath(name string) string { return m.Server.ObjectPath(S3Bucket, "media/"+name) }

// EachStorage runs a test with each kind of media storage: the local
// directory, and a real S3 server. edit sets the instance's config for it
// (before any change of the test's own).
func EachStorage(t *testing.T, test func(t *testing.T, edit func(*config.Config))) {
	t.Run("local", func(t *testing.T) { test(t, func(*config.Config) {}) })
	t.Run("s3", func(t *testing.T) {
		m := StartS3(t)
		test(t, func(c *config.Config) { m.Config(c, "") })
	})
}
