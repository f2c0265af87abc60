// Package s3test runs a real S3-compatible server, versitygw with its posix
// backend, as a child process of a test, on a free loopback port. Objects
// are plain files under the server's directory, so a test can also look at
// what was stored. Install the server with tests/s3/install.sh.
package s3test

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

// Fixed credentials of the test server. They are not secrets: the server
// listens on loopback only, for one test.
const (
	AccessKey = "kithtestaccess"
	SecretKey = "kithtestsecret0123456789"
	Region    = "us-east-1"
)

// Server is a running (or stopped) versitygw.
type Server struct {
	t    testing.TB
	bin  string
	root string // the posix backend's directory: a bucket per subdirectory
	addr string // 127.0.0.1:PORT, kept across Stop and Start
	// virtualDomain, when set, has buckets addressed as hosts too:
	// BUCKET.DOMAIN (the virtual-hosted style).
	virtualDomain string

	mu  sync.Mutex
	cmd *exec.Cmd
	log *bytes.Buffer
}

// Binary is where install.sh puts versitygw.
func Binary() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "bin", "versitygw")
}

// Start starts a server with the given buckets created and stops it when
// the test ends. A test fails (not skips) when the server is not installed:
// CI installs it.
func Start(t testing.TB, buckets ...string) *Server {
	t.Helper()
	return start(t, "", buckets)
}

// StartVirtualHosted starts a server that also takes requests for
// BUCKET.DOMAIN, as AWS does; the test maps those names to the server's
// address itself.
func StartVirtualHosted(t testing.TB, domain string, buckets ...string) *Server {
	t.Helper()
	return start(t, domain, buckets)
}

func start(t testing.TB, virtualDomain string, buckets []string) *Server {
	t.Helper()
	bin := Binary()
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("versitygw is not installed (run tests/s3/install.sh): %v", err)
	}
	s := &Server{t: t, bin: bin, root: t.TempDir(), addr: freeAddr(t), virtualDomain: virtualDomain}
	for _, b := range buckets {
		s.CreateBucket(b)
	}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// Endpoint is the server's base URL, http://127.0.0.1:PORT.
func (s *Server) Endpoint() string { return "http://" + s.addr }

// Root is the directory holding the buckets.
func (s *Server) Root() string { return s.root }

// CreateBucket makes a bucket: with the posix backend, a directory under
// the root is a bucket. Names follow S3's rules (3 to 63 characters).
func (s *Server) CreateBucket(name string) {
	s.t.Helper()
	if err := os.MkdirAll(filepath.Join(s.root, name), 0o755); err != nil {
		s.t.Fatal(err)
	}
}

// ObjectPath is the file that holds an object.
func (s *Server) ObjectPath(bucket, key string) string {
	return filepath.Join(s.root, bucket, filepath.FromSlash(key))
}

// Start (re)starts a stopped server on the same address and directory and
// waits until it accepts connections.
func (s *Server) Start() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return
	}
	s.log = new(bytes.Buffer)
	args := []string{"--port", s.addr, "--access", AccessKey, "--secret", SecretKey, "--region", Region, "--quiet"}
	if s.virtualDomain != "" {
		args = append(args, "--virtual-domain", s.virtualDomain)
	}
	cmd := exec.Command(s.bin, append(args, "posix", s.root)...)
	cmd.Stdout = s.log
	cmd.Stderr = s.log
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start versitygw: %v", err)
	}
	s.cmd = cmd
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("versitygw did not listen on %s: %v\n%s", s.addr, err, s.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// A listening socket may come up before the gateway answers requests.
	for {
		resp, err := http.Get(s.Endpoint() + "/")
		if err == nil {
			resp.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("versitygw does not answer on %s: %v\n%s", s.addr, err, s.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop kills the server (it keeps its objects) and waits for it to exit.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Log is what the server printed since it was last started.
func (s *Server) Log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.log == nil {
		return ""
	}
	return s.log.String()
}

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// String describes the server for test logs.
func (s *Server) String() string { return fmt.Sprintf("versitygw at %s (%s)", s.addr, s.root) }
