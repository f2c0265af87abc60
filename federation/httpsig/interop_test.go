package httpsig

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gofed "github.com/go-fed/httpsig"
)

// readVector reads a raw HTTP request from testdata, as a server receives
// it, and its body.
func readVector(t *testing.T, name string) (*http.Request, []byte) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	r := readRequest(t, raw)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	if len(body) == 0 {
		body = nil
	}
	return r, body
}

// Vectors signed by other implementations: OpenSSL over Mastodon's exact
// header shapes, and the draft's own Appendix C.3.
func TestVerifyVectors(t *testing.T) {
	cavageKey, err := x509.ParsePKIXPublicKey(readPEM(t, "cavage-test-public.pem").Bytes)
	if err != nil {
		t.Fatal(err)
	}
	mastodonKey := rsaKey(t, "rsa2048.pem").Public()
	tests := []struct {
		file   string
		keyID  string
		key    crypto.PublicKey
		now    time.Time
		signed string
	}{
		{"mastodon-post.http", testKeyID, mastodonKey, vectorNow, "(request-target) host date digest content-type"},
		{"mastodon-get-noquery.http", testKeyID, mastodonKey, vectorNow.Add(30 * time.Minute), "(request-target) host date accept"},
		// Data: the Date the draft's example was signed with.
		{"cavage-c3.http", "Test", cavageKey, time.Date(2014, 1, 5, 21, 31, 40, 0, time.UTC),
			"(request-target) host date content-type digest content-length"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r, body := readVector(t, tt.file)
			lookup := &countingLookup{}
			res, err := Verify(r, body, func(ctx context.Context, keyID string, refresh bool) (Key, error) {
				lookup.calls.Add(1)
				if keyID != tt.keyID {
					t.Errorf("lookup(%q), want %q", keyID, tt.keyID)
				}
				return Key{PublicKey: tt.key, Owner: testOwner}, nil
			}, tt.now)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if got := strings.Join(res.Signed, " "); got != tt.signed || res.Algorithm != "rsa-sha256" {
				t.Errorf("got signed %q alg %q, want %q rsa-sha256", got, res.Algorithm, tt.signed)
			}
			if n := lookup.calls.Load(); n != 1 {
				t.Errorf("lookup called %d times, want 1", n)
			}
		})
	}
}

// bothVerifiers answers 200 only when kith's Verify and go-fed/httpsig's
// verifier both accept the request.
func bothVerifiers(t *testing.T, pub crypto.PublicKey, alg gofed.Algorithm, now time.Time) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if len(body) == 0 {
			body = nil
		}
		if _, err := Verify(r, body, lookupOf(pub).lookup, now); err != nil {
			http.Error(w, "kith: "+err.Error(), http.StatusUnauthorized)
			return
		}
		v, err := gofed.NewVerifier(r)
		if err == nil {
			err = v.Verify(pub, alg)
		}
		if err != nil {
			http.Error(w, "go-fed: "+err.Error(), http.StatusUnauthorized)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// signGoFed signs r with go-fed/httpsig, which writes algorithm="hs2019"
// and its own header list.
func signGoFed(t *testing.T, r *http.Request, body []byte, key crypto.PrivateKey, alg gofed.Algorithm, now time.Time) {
	t.Helper()
	headers := []string{gofed.RequestTarget, "host", "date"}
	if body != nil {
		headers = append(headers, "digest", "content-type")
	}
	s, _, err := gofed.NewSigner([]gofed.Algorithm{alg}, gofed.DigestSha256, headers, gofed.Signature, 0)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Date", now.UTC().Format(http.TimeFormat))
	r.Header.Set("Host", r.URL.Host) // go-fed reads the host from the header map
	if err := s.SignRequest(key, testKeyID, r, body); err != nil {
		t.Fatal(err)
	}
	r.Header.Del("Host")
}

// Each implementation signs, both verify: a difference in the signing
// string on either side fails.
func TestCrossCheckGoFed(t *testing.T) {
	rsaPriv := rsaKey(t, "rsa2048.pem")
	edPriv := ed25519Key(3)
	body := []byte(`{"type":"Follow"}`)
	tests := []struct {
		name   string
		key    crypto.Signer
		alg    gofed.Algorithm
		signer string
		body   []byte
	}{
		{"kith rsa post", rsaPriv, gofed.RSA_SHA256, "kith", body},
		{"kith rsa get", rsaPriv, gofed.RSA_SHA256, "kith", nil},
		{"kith ed25519 post", edPriv, gofed.ED25519, "kith", body},
		{"go-fed rsa post", rsaPriv, gofed.RSA_SHA256, "go-fed", body},
		{"go-fed rsa get", rsaPriv, gofed.RSA_SHA256, "go-fed", nil},
		{"go-fed ed25519 post", edPriv, gofed.ED25519, "go-fed", body},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := time.Now()
			srv := bothVerifiers(t, tt.key.Public(), tt.alg, now)
			method := http.MethodGet
			if tt.body != nil {
				method = http.MethodPost
			}
			r, err := http.NewRequest(method, srv.URL+"/users/kith/inbox?x=1", bytes.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			r.Header.Set("Content-Type", "application/activity+json")
			if tt.signer == "kith" {
				err = SignRequest(r, tt.body, testKeyID, tt.key, now)
			} else {
				signGoFed(t, r, tt.body, tt.key, tt.alg, now)
			}
			if err != nil {
				t.Fatal(err)
			}
			resp, err := srv.Client().Do(r)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if msg, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusOK {
				t.Errorf("got %d %s, want 200", resp.StatusCode, msg)
			}
		})
	}
}
