package server_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"kith/config"
	"kith/server"
	"kith/server/core"
	"kith/server/servertest"
	"kith/store"
)

// tlsTestDomain is the name kith gets certificates for in these tests. It
// needs a dot: autocert refuses single-label names such as "localhost".
// A small DNS server in the test points it at 127.0.0.1 for Pebble.
const tlsTestDomain = "kith.test"

const hsts = "max-age=31536000"

// TestTLSAuto obtains a certificate from Pebble, a real ACME server, run
// in-process. Pebble validates the challenges by connecting to kith's own
// listeners, so this covers the wiring of autocert in Serve.
func TestTLSAuto(t *testing.T) {
	t.Setenv("PEBBLE_VA_NOSLEEP", "1")
	t.Run("tls-alpn-01", func(t *testing.T) { testAutocert(t, false) })
	// When port 443 does not answer the challenge (say a proxy in front
	// of it), autocert falls back to http-01 on the plain listener.
	t.Run("http-01", func(t *testing.T) { testAutocert(t, true) })
}

func testAutocert(t *testing.T, viaHTTP01 bool) {
	acme := newPebble(t)
	cfg := config.Default()
	cfg.Server.URL = "https://" + tlsTestDomain
	cfg.Server.TLS = config.TLSAuto
	cfg.Server.Listen = "127.0.0.1:0"
	cfg.Server.HTTPListen = "127.0.0.1:0"
	cfg.Server.DataDir = t.TempDir()
	cfg.Server.ACMEDirectory = acme.directory
	srv := newTLSTestServer(t, cfg, core.Options{Version: "test", ACMEHTTPClient: acme.client})
	ls, err := srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	httpPort, tlsPort := port(ls.HTTPAddr()), port(ls.Addr())
	if viaHTTP01 {
		// tls-alpn-01 goes to the plain listener, where a TLS handshake
		// cannot succeed; http-01 goes through a stand-in for port 80.
		tlsPort, httpPort = port(ls.HTTPAddr()), port80(t, ls.HTTPAddr())
	}
	root := acme.start(t, httpPort, tlsPort)
	stop := serveTLSTest(t, srv, ls)

	roots := x509.NewCertPool()
	roots.AddCert(root)
	// The first handshake waits for the whole ACME exchange.
	resp := getVia(t, roots, ls.Addr(), "https://"+tlsTestDomain+"/healthz", 60*time.Second)
	if got, want := resp.StatusCode, http.StatusOK; got != want {
		t.Errorf("GET /healthz: status %d, want %d", got, want)
	}
	if got := resp.Header.Get("Strict-Transport-Security"); got != hsts {
		t.Errorf("GET /healthz over TLS: Strict-Transport-Security %q, want %q", got, hsts)
	}
	leaf := checkChain(t, resp.TLS, root)

	t.Run("redirect", func(t *testing.T) {
		checkRedirect(t, ls.HTTPAddr(), "/some/path?q=1", "https://"+tlsTestDomain+"/some/path?q=1")
	})

	cached, err := os.ReadFile(filepath.Join(cfg.CertCacheDir(), tlsTestDomain))
	if err != nil {
		t.Fatalf("certificate not cached: %v", err)
	}
	if !pemHolds(cached, leaf) {
		t.Errorf("cache file %s does not hold the served certificate", tlsTestDomain)
	}
	stop()
	acme.server.Close()

	// A restart serves the cached certificate without asking the CA,
	// which is gone now.
	srv2 := newTLSTestServer(t, cfg, core.Options{Version: "test", ACMEHTTPClient: acme.client})
	ls2, err := srv2.Listen()
	if err != nil {
		t.Fatal(err)
	}
	serveTLSTest(t, srv2, ls2)
	resp = getVia(t, roots, ls2.Addr(), "https://"+tlsTestDomain+"/healthz", 10*time.Second)
	if got := resp.TLS.PeerCertificates[0]; !got.Equal(leaf) {
		t.Errorf("after restart: served certificate serial %s, want cached serial %s", got.SerialNumber, leaf.SerialNumber)
	}
}

// port80 stands in for port 80 forwarded to the plain listener at addr.
// A CA validates http-01 on port 80, so the Host header it sends has no
// port; autocert checks that header against its host policy. Pebble here
// validates on an unprivileged port and would send "kith.test:<port>",
// which the policy rejects. It returns the proxy's port.
func port80(t *testing.T, addr net.Addr) int {
	proxy := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(&url.URL{Scheme: "http", Host: addr.String()})
		r.Out.Host = tlsTestDomain
	}})
	t.Cleanup(proxy.Close)
	return port(proxy.Listener.Addr())
}

// checkChain checks that the server's certificate covers tlsTestDomain and
// chains to root through the intermediates the server sent, and returns it.
func checkChain(t *testing.T, cs *tls.ConnectionState, root *x509.Certificate) *x509.Certificate {
	t.Helper()
	if len(cs.PeerCertificates) < 2 {
		t.Fatalf("server sent %d certificates, want the leaf and its intermediate", len(cs.PeerCertificates))
	}
	leaf := cs.PeerCertificates[0]
	if err := leaf.VerifyHostname(tlsTestDomain); err != nil {
		t.Errorf("served certificate: %v", err)
	}
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(root)
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	chains, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, DNSName: tlsTestDomain})
	if err != nil {
		t.Fatalf("served certificate does not chain to Pebble's root: %v", err)
	}
	if got := chains[0][len(chains[0])-1]; !got.Equal(root) {
		t.Errorf("chain ends at %q, want Pebble's root %q", got.Subject, root.Subject)
	}
	return leaf
}

// TestTLSFiles serves a certificate from files and swaps it on Reload.
func TestTLSFiles(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	first := writeCertFiles(t, certFile, keyFile)
	cfg := config.Default()
	cfg.Server.URL = "https://" + tlsTestDomain
	cfg.Server.TLS = config.TLSFiles
	cfg.Server.Listen = "127.0.0.1:0"
	cfg.Server.HTTPListen = "127.0.0.1:0"
	cfg.Server.DataDir = dir
	cfg.Server.CertFile, cfg.Server.KeyFile = certFile, keyFile
	srv := newTLSTestServer(t, cfg, core.Options{Version: "test"})
	ls, err := srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	serveTLSTest(t, srv, ls)

	roots := x509.NewCertPool()
	roots.AddCert(first)
	resp := getVia(t, roots, ls.Addr(), "https://"+tlsTestDomain+"/healthz", 10*time.Second)
	if got := resp.TLS.PeerCertificates[0]; !got.Equal(first) {
		t.Errorf("served certificate serial %s, want %s", got.SerialNumber, first.SerialNumber)
	}
	if got := resp.Header.Get("Strict-Transport-Security"); got != hsts {
		t.Errorf("Strict-Transport-Security %q, want %q", got, hsts)
	}
	checkRedirect(t, ls.HTTPAddr(), "/login", "https://"+tlsTestDomain+"/login")

	second := writeCertFiles(t, certFile, keyFile)
	if err := srv.Reload(cfg); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	if got := servedCert(t, ls.Addr()); !got.Equal(second) {
		t.Errorf("after Reload: served certificate serial %s, want %s", got.SerialNumber, second.SerialNumber)
	}

	if err := os.WriteFile(keyFile, []byte("not a key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := srv.Reload(cfg); err == nil {
		t.Errorf("Reload with a broken key file: got no error")
	}
	if got := servedCert(t, ls.Addr()); !got.Equal(second) {
		t.Errorf("after a failed Reload: served certificate serial %s, want the previous %s", got.SerialNumber, second.SerialNumber)
	}
}

// TestTLSOff checks that HSTS is sent only over TLS, directly or as
// reported by a trusted proxy.
func TestTLSOff(t *testing.T) {
	tests := []struct {
		name    string
		proxies []string
		remote  string
		proto   string
		want    string
	}{
		{"plain", nil, "203.0.113.5:4000", "", ""},
		{"forwarded header without proxies", nil, "127.0.0.1:4000", "https", ""},
		{"trusted proxy says https", []string{"127.0.0.1"}, "127.0.0.1:4000", "https", hsts},
		{"trusted proxy says http", []string{"127.0.0.1"}, "127.0.0.1:4000", "http", ""},
		{"untrusted peer says https", []string{"127.0.0.1"}, "203.0.113.5:4000", "https", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config.Default()
			cfg.Server.DataDir = t.TempDir()
			cfg.Server.TrustedProxies = tt.proxies
			srv := newTLSTestServer(t, cfg, core.Options{Version: "test"})
			r := httptest.NewRequest(http.MethodGet, "/healthz", nil)
			r.RemoteAddr = tt.remote
			if tt.proto != "" {
				r.Header.Set("X-Forwarded-Proto", tt.proto)
			}
			w := httptest.NewRecorder()
			srv.Handler().ServeHTTP(w, r)
			if got, want := w.Code, http.StatusOK; got != want {
				t.Errorf("status %d, want %d", got, want)
			}
			if got := w.Header().Get("Strict-Transport-Security"); got != tt.want {
				t.Errorf("Strict-Transport-Security %q, want %q", got, tt.want)
			}
		})
	}

	t.Run("served", func(t *testing.T) {
		cfg := config.Default()
		cfg.Server.DataDir = t.TempDir()
		cfg.Server.Listen = "127.0.0.1:0"
		srv := newTLSTestServer(t, cfg, core.Options{Version: "test"})
		ls, err := srv.Listen()
		if err != nil {
			t.Fatal(err)
		}
		if got := ls.HTTPAddr(); got != nil {
			t.Errorf("HTTPAddr with tls off: %v, want none", got)
		}
		serveTLSTest(t, srv, ls)
		resp := getVia(t, nil, ls.Addr(), "http://localhost/healthz", 10*time.Second)
		if got, want := resp.StatusCode, http.StatusOK; got != want {
			t.Errorf("status %d, want %d", got, want)
		}
		if got := resp.Header.Get("Strict-Transport-Security"); got != "" {
			t.Errorf("Strict-Transport-Security over plain HTTP: %q, want none", got)
		}
	})
}

func newTLSTestServer(t *testing.T, cfg config.Config, opts core.Options) *server.Server {
	t.Helper()
	if err := cfg.Check(); err != nil {
		t.Fatalf("test config: %v", err)
	}
	db, err := store.Open(context.Background(), cfg.DatabasePath(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	srv, err := server.New(cfg, db, servertest.Federation(t, cfg, db), slog.New(slog.NewTextHandler(logOnFailure(t, "kith"), nil)), opts)
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// serveTLSTest runs Serve until the returned stop (or the test's cleanup)
// cancels it. The listeners are already bound, so clients can connect at
// once: the kernel queues them until Serve accepts.
func serveTLSTest(t *testing.T, srv *server.Server, ls *server.Listeners) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ls, 5*time.Second) }()
	stop = sync.OnceFunc(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("Serve did not return after its context was cancelled")
		}
	})
	t.Cleanup(stop)
	return stop
}

// getVia GETs url over a connection to addr, whatever the URL's host,
// trusting only roots for https. The body is read and closed.
func getVia(t *testing.T, roots *x509.CertPool, addr net.Addr, url string, timeout time.Duration) *http.Response {
	t.Helper()
	client := &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, network, addr.String())
			},
			TLSClientConfig: &tls.Config{RootCAs: roots},
		},
	}
	defer client.CloseIdleConnections()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		t.Fatalf("GET %s: reading body: %v", url, err)
	}
	return resp
}

// checkRedirect checks the plain-HTTP listener sends path to want.
func checkRedirect(t *testing.T, addr net.Addr, path, want string) {
	t.Helper()
	client := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Get("http://" + addr.String() + path)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got, want := resp.StatusCode, http.StatusMovedPermanently; got != want {
		t.Errorf("GET http://…%s: status %d, want %d", path, got, want)
	}
	if got := resp.Header.Get("Location"); got != want {
		t.Errorf("GET http://…%s: Location %q, want %q", path, got, want)
	}
}

// servedCert makes a new TLS connection to addr and returns the leaf
// certificate the server presents. It does not verify it: the callers
// compare it with the certificate they expect.
func servedCert(t *testing.T, addr net.Addr) *x509.Certificate {
	t.Helper()
	d := &tls.Dialer{
		NetDialer: &net.Dialer{Timeout: 10 * time.Second},
		Config:    &tls.Config{ServerName: tlsTestDomain, InsecureSkipVerify: true},
	}
	conn, err := d.DialContext(context.Background(), "tcp", addr.String())
	if err != nil {
		t.Fatalf("TLS handshake with %s: %v", addr, err)
	}
	defer conn.Close()
	return conn.(*tls.Conn).ConnectionState().PeerCertificates[0]
}

// selfSigned makes a one-hour certificate for hosts (DNS names or IPs).
func selfSigned(t *testing.T, hosts ...string) (certPEM, keyPEM []byte, cert *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: hosts[0]},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err = x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), cert
}

// writeCertFiles writes a new self-signed certificate for tlsTestDomain.
func writeCertFiles(t *testing.T, certFile, keyFile string) *x509.Certificate {
	t.Helper()
	certPEM, keyPEM, cert := selfSigned(t, tlsTestDomain)
	if err := os.WriteFile(certFile, certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return cert
}

// pemHolds reports whether the PEM data has cert among its blocks.
func pemHolds(data []byte, cert *x509.Certificate) bool {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return false
		}
		if b.Type == "CERTIFICATE" && bytes.Equal(b.Bytes, cert.Raw) {
			return true
		}
	}
}

func port(a net.Addr) int { return a.(*net.TCPAddr).Port }
