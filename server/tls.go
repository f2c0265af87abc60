package server

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"sync/atomic"

	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"

	"kith/config"
)

// autocertManager obtains and renews certificates for the host of
// server.url. It answers TLS-ALPN-01 challenges on the main listener and
// HTTP-01 challenges on the plain one, and caches certificates and the ACME
// account key in the data directory so a restart does not ask again.
func (s *Server) autocertManager(cfg config.Config) *autocert.Manager {
	return &autocert.Manager{
		Prompt:     autocert.AcceptTOS,
		Cache:      autocert.DirCache(cfg.CertCacheDir()),
		HostPolicy: autocert.HostWhitelist(cfg.BaseURL().Hostname()),
		Email:      cfg.Server.ACMEEmail,
		Client: &acme.Client{
			DirectoryURL: cfg.Server.ACMEDirectory,
			HTTPClient:   s.Opts.ACMEHTTPClient,
			UserAgent:    "kith/" + s.Opts.Version,
		},
	}
}

// certFiles serves a certificate read from files, swapped atomically when
// the files are re-read on SIGHUP (for example after an external renewal).
type certFiles struct {
	cert atomic.Pointer[tls.Certificate]
}

func loadCertFiles(certFile, keyFile string) (*certFiles, error) {
	c := &certFiles{}
	if err := c.reload(certFile, keyFile); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *certFiles) reload(certFile, keyFile string) error {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return fmt.Errorf("load certificate (server.cert_file %s, server.key_file %s): %w", certFile, keyFile, err)
	}
	c.cert.Store(&cert)
	return nil
}

func (c *certFiles) tlsConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"h2", "http/1.1"},
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return c.cert.Load(), nil
		},
	}
}

// isTLS reports whether the request came over TLS, directly or through a
// trusted proxy that says so.
func (s *Server) isTLS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return s.fromTrustedProxy(r) && r.Header.Get("X-Forwarded-Proto") == "https"
}
