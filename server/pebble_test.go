package server_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/letsencrypt/pebble/v2/ca"
	"github.com/letsencrypt/pebble/v2/db"
	"github.com/letsencrypt/pebble/v2/va"
	"github.com/letsencrypt/pebble/v2/wfe"
	"golang.org/x/net/dns/dnsmessage"
)

// pebble is an in-process Pebble ACME server. Its HTTPS listener is bound
// (and so its directory URL known) before kith is built, and it starts
// once kith's listeners are bound, since its validator needs their ports.
type pebble struct {
	server    *httptest.Server
	directory string
	client    *http.Client // trusts the server's certificate
}

func newPebble(t *testing.T) *pebble {
	certPEM, keyPEM, cert := selfSigned(t, "127.0.0.1")
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(nil)
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{pair}}
	t.Cleanup(ts.Close)
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	return &pebble{
		server:    ts,
		directory: "https://" + ts.Listener.Addr().String() + wfe.DirectoryPath,
		client: &http.Client{
			Timeout:   30 * time.Second,
			Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}},
		},
	}
}

// start runs Pebble, validating http-01 on httpPort and tls-alpn-01 on
// tlsPort of whatever tlsTestDomain resolves to, and returns its root.
func (p *pebble) start(t *testing.T, httpPort, tlsPort int) *x509.Certificate {
	logger := log.New(logOnFailure(t, "pebble"), "", log.Lmicroseconds)
	mem := db.NewMemoryStore()
	authority := ca.New(logger, mem, "", "ecdsa", 0, 1, map[string]ca.Profile{"default": {Description: "default"}})
	validator := va.New(logger, httpPort, tlsPort, false, serveTestDNS(t), mem)
	front := wfe.New(logger, mem, validator, authority, []string{"pebble.letsencrypt.org"}, false, false, 0, 0)
	p.server.Config.Handler = front.Handler()
	p.server.StartTLS()
	return authority.GetRootCert(0).Cert
}

// serveTestDNS answers DNS over TCP (what Pebble's validator speaks) on
// 127.0.0.1: tlsTestDomain has the A record 127.0.0.1, other names and
// types have no records. It returns the server's address.
func serveTestDNS(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go answerDNS(conn)
		}
	}()
	return ln.Addr().String()
}

func answerDNS(conn net.Conn) {
	defer conn.Close()
	for {
		var size uint16
		if err := binary.Read(conn, binary.BigEndian, &size); err != nil {
			return
		}
		query := make([]byte, size)
		if _, err := io.ReadFull(conn, query); err != nil {
			return
		}
		var p dnsmessage.Parser
		h, err := p.Start(query)
		if err != nil {
			return
		}
		q, err := p.Question()
		if err != nil {
			return
		}
		// The first two bytes are the TCP length prefix, filled in below.
		b := dnsmessage.NewBuilder(make([]byte, 2, 512), dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true})
		b.StartQuestions()
		b.Question(q)
		b.StartAnswers()
		if q.Type == dnsmessage.TypeA && strings.EqualFold(q.Name.String(), tlsTestDomain+".") {
			b.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 60},
				dnsmessage.AResource{A: [4]byte{127, 0, 0, 1}})
		}
		msg, err := b.Finish()
		if err != nil {
			return
		}
		binary.BigEndian.PutUint16(msg, uint16(len(msg)-2))
		if _, err := conn.Write(msg); err != nil {
			return
		}
	}
}

// logOnFailure returns a writer whose output is shown only if t fails.
// Unlike t.Output it may still be written to after t ends, as Pebble's
// goroutines do.
func logOnFailure(t *testing.T, name string) io.Writer {
	w := &lockedBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("%s log:\n%s", name, w.String())
		}
	})
	return w
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
