package bench

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// testCert is a self-signed certificate for 127.0.0.1 that kith serves
// with tls = "files", and the client side that trusts it.
type testCert struct {
	CertFile, KeyFile string
	Pool              *x509.CertPool
}

// newTestCert writes a certificate and key for 127.0.0.1 (ECDSA P-256, as
// Let's Encrypt issues by default) into dir.
func newTestCert(dir string) (testCert, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return testCert{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return testCert{}, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return testCert{}, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return testCert{}, err
	}
	c := testCert{CertFile: filepath.Join(dir, "cert.pem"), KeyFile: filepath.Join(dir, "key.pem"), Pool: x509.NewCertPool()}
	c.Pool.AddCert(cert)
	if err := os.WriteFile(c.CertFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return testCert{}, err
	}
	if err := os.WriteFile(c.KeyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return testCert{}, err
	}
	return c, nil
}

// clientTLS is the generator's side: it trusts the certificate and speaks
// HTTP/1.1 only, as Mastodon's and most servers' delivery clients do.
func (c testCert) clientTLS() *tls.Config {
	return &tls.Config{RootCAs: c.Pool, ServerName: "127.0.0.1", NextProtos: []string{"http/1.1"}}
}

// httpClient trusts the certificate.
func (c testCert) httpClient() *http.Client {
	return &http.Client{Transport: &http.Transport{TLSClientConfig: c.clientTLS()}, Timeout: 10 * time.Second}
}
