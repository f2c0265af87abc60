package httpsig

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"kith/tests/testclock"
)

// testNow is the clock of the tests that sign and verify requests.
var testNow = testclock.Base()

// vectorNow is data, not a clock: the time the vectors in testdata were
// signed at, carried in their Date headers and signatures.
var vectorNow = time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)

const testKeyID = "https://mastodon.example/users/a#main-key"
const testOwner = "https://mastodon.example/users/a"

func readPEM(t testing.TB, name string) *pem.Block {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		t.Fatalf("%s: no PEM block", name)
	}
	return block
}

// rsaKey loads an RSA private key from testdata.
func rsaKey(t testing.TB, name string) *rsa.PrivateKey {
	t.Helper()
	k, err := x509.ParsePKCS1PrivateKey(readPEM(t, name).Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// ed25519Key is a fixed Ed25519 key, so failures reproduce.
func ed25519Key(seed byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
}

// countingLookup answers with keys[0] for the first call, keys[1] for the
// second, and so on (the last one repeats), and counts the calls and the
// refreshes.
type countingLookup struct {
	keys      []crypto.PublicKey
	err       error
	calls     atomic.Int32
	refreshes atomic.Int32
}

func (c *countingLookup) lookup(_ context.Context, keyID string, refresh bool) (Key, error) {
	n := int(c.calls.Add(1)) - 1
	if refresh {
		c.refreshes.Add(1)
	}
	if c.err != nil {
		return Key{}, c.err
	}
	if keyID != testKeyID {
		return Key{}, errors.New("unknown key " + keyID)
	}
	return Key{PublicKey: c.keys[min(n, len(c.keys)-1)], Owner: testOwner}, nil
}

func lookupOf(keys ...crypto.PublicKey) *countingLookup {
	return &countingLookup{keys: keys}
}

// received turns a client request into the request a server sees (Host,
// RequestURI and headers as parsed from the wire), as the real server does.
func received(t testing.TB, r *http.Request, body []byte) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	r.Body = nil
	if body != nil {
		r.Body = readCloser{bytes.NewReader(body)}
		r.ContentLength = int64(len(body))
	}
	if err := r.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return readRequest(t, buf.Bytes())
}

func readRequest(t testing.TB, raw []byte) *http.Request {
	t.Helper()
	sr, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	return sr
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

// signedPost is a POST to a kith inbox, signed by testKeyID with key.
func signedPost(t testing.TB, key crypto.Signer, body []byte) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, "https://kith.example/users/kith/inbox", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/activity+json")
	if err := SignRequest(r, body, testKeyID, key, testNow); err != nil {
		t.Fatal(err)
	}
	return r
}

// signCustom signs r with an arbitrary header list and algorithm label,
// to build requests SignRequest would never send.
func signCustom(t testing.TB, r *http.Request, key crypto.Signer, alg, headers, extra string) {
	t.Helper()
	m := clientMessage(r)
	p, err := ParseSignatureHeader(`keyId="x",signature="AA==",headers="` + headers + `"` + extra)
	if err != nil {
		t.Fatal(err)
	}
	m.created, m.expires = p.Created, p.Expires
	s, err := m.signingString(strings.Fields(headers))
	if err != nil {
		t.Fatal(err)
	}
	signAlg := "hs2019"
	if _, ok := key.Public().(*rsa.PublicKey); ok {
		signAlg = "rsa-sha256"
	}
	sig, err := signBytes(key, signAlg, []byte(s))
	if err != nil {
		t.Fatal(err)
	}
	v := `keyId="` + testKeyID + `",headers="` + headers + `",signature="` +
		base64.StdEncoding.EncodeToString(sig) + `"` + extra
	if alg != "" {
		v = `algorithm="` + alg + `",` + v
	}
	r.Header.Set("Signature", v)
}
