package proof

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func readRSAKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	b, err := os.ReadFile("testdata/ld-test-key.pem")
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k.(*rsa.PrivateKey)
}

// TestLDSignatureMastodonReply: a Mastodon-shaped reply, as Mastodon
// forwards it to a thread's followers, signed RsaSignature2017 with the
// key in testdata, verifies; changing any signed field does not.
func TestLDSignatureMastodonReply(t *testing.T) {
	key := readRSAKey(t)
	doc, err := os.ReadFile("testdata/mastodon-reply-signed.json")
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseLDSignature(doc)
	if err != nil {
		t.Fatal(err)
	}
	if s.Creator != "https://mastodon.test/users/carol#main-key" {
		t.Errorf("creator %q", s.Creator)
	}
	if err := s.Verify(&key.PublicKey); err != nil {
		t.Fatalf("does not verify: %v", err)
	}

	var v any
	json.Unmarshal(doc, &v)
	n := 0
	for path := range stringPaths(v, "") {
		if strings.HasPrefix(path, "/@context") || path == "/signature/type" || path == "/signature/signatureValue" {
			continue // not signed data, or not a signature once changed
		}
		tampered := setString(cloneJSON(t, v), strings.Split(path, "/")[1:], "https://tampered.test/x")
		b, _ := json.Marshal(tampered)
		s, err := ParseLDSignature(b)
		if err == nil {
			err = s.Verify(&key.PublicKey)
		}
		if err == nil {
			t.Errorf("changing %s still verifies", path)
		}
		n++
	}
	if n < 20 {
		t.Errorf("only %d fields tampered with", n)
	}
}

func TestLDSignatureRoundTripAndRefusals(t *testing.T) {
	key := readRSAKey(t)
	doc := []byte(`{"@context":["https://www.w3.org/ns/activitystreams","https://w3id.org/security/v1"],` +
		`"id":"https://m.test/users/a/statuses/1/activity","type":"Create","actor":"https://m.test/users/a",` +
		`"object":{"id":"https://m.test/users/a/statuses/1","type":"Note","content":"hi"}}`)
	signed, err := SignLD(doc, key, "https://m.test/users/a#main-key", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseLDSignature(signed)
	if err != nil || s.Verify(&key.PublicKey) != nil {
		t.Fatalf("round trip: %v", err)
	}
	other, _ := rsa.GenerateKey(zeroReader{}, 1024)
	if err := s.Verify(&other.PublicKey); !errors.Is(err, ErrBadLDSignature) {
		t.Errorf("another key: %v", err)
	}
	for name, d := range map[string]string{
		"no signature":    `{"type":"Create"}`,
		"other type":      `{"signature":{"type":"Ed25519Signature2018","creator":"x","signatureValue":"AA=="}}`,
		"unknown context": `{"@context":"https://evil.test/context","signature":{"type":"RsaSignature2017","creator":"x","signatureValue":"AA=="}}`,
		"bad base64":      `{"signature":{"type":"RsaSignature2017","creator":"x","signatureValue":"!!"}}`,
	} {
		s, err := ParseLDSignature([]byte(d))
		if err == nil {
			err = s.Verify(&key.PublicKey)
		}
		if err == nil {
			t.Errorf("%s: verified", name)
		}
	}
}

// zeroReader makes key generation deterministic enough for a throwaway key.
type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 1
	}
	return len(p), nil
}

// TestLDSignatureRealMastodonPayload: a Create Mastodon sent (from the
// shared fixtures, with its actor's published key) canonicalises with the
// shipped contexts alone; whether its signature holds is reported, and a
// changed copy never verifies.
func TestLDSignatureRealMastodonPayload(t *testing.T) {
	doc, err := os.ReadFile("testdata/mastodon-create-with-attachment.json")
	if err != nil {
		t.Fatal(err)
	}
	actor, err := os.ReadFile("testdata/mastodon-admin-actor.json")
	if err != nil {
		t.Fatal(err)
	}
	var a struct {
		PublicKey struct{ PublicKeyPem string } `json:"publicKey"`
	}
	json.Unmarshal(actor, &a)
	block, _ := pem.Decode([]byte(a.PublicKey.PublicKeyPem))
	pk, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pub := pk.(*rsa.PublicKey)
	s, err := ParseLDSignature(doc)
	if err != nil {
		t.Fatalf("a real Mastodon payload does not canonicalise: %v", err)
	}
	if s.Creator != "http://mastodon.example.org/users/admin#main-key" {
		t.Errorf("creator %q", s.Creator)
	}
	t.Logf("fixture signature verifies with the fixture actor's key: %v", s.Verify(pub) == nil)
	tampered := strings.Replace(string(doc), "mastodon.example.org/users/admin/statuses", "mastodon.example.org/users/evil/statuses", 1)
	if s, err := ParseLDSignature([]byte(tampered)); err == nil && s.Verify(pub) == nil {
		t.Error("a changed copy verifies")
	}

	// Mastodon 4's context is far larger; every term in it must resolve
	// with the contexts kith ships, or a forwarded post would be refused.
	doc4, err := os.ReadFile("testdata/mastodon4-create-signed.json")
	if err != nil {
		t.Fatal(err)
	}
	s4, err := ParseLDSignature(doc4)
	if err != nil {
		t.Fatalf("a Mastodon 4 payload does not canonicalise: %v", err)
	}
	if s4.Creator != "https://phpc.social/users/denniskoch#main-key" {
		t.Errorf("creator %q", s4.Creator)
	}
	if s4.Verify(pub) == nil {
		t.Error("another server's key verifies the Mastodon 4 payload")
	}
}
