package httpsig

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"net/http"
	"testing"
)

// BenchmarkVerifyRSA verifies one signed inbox POST with a cached key: the
// work the inbox does per delivery, minus the key fetch.
func BenchmarkVerifyRSA(b *testing.B) {
	key := rsaKey(b, "rsa2048.pem")
	body := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","type":"Create","actor":"https://mastodon.example/users/a","object":{"type":"Note","content":"hello"}}`)
	r := received(b, signedPost(b, key, body), body)
	cached := Key{PublicKey: key.Public(), Owner: testOwner}
	lookup := func(context.Context, string, bool) (Key, error) { return cached, nil }
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Verify(r, body, lookup, testNow); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyRSAWithoutCrypto is BenchmarkVerifyRSA up to the RSA
// operation: parsing, checks, digest and signing string.
func BenchmarkVerifyRSAWithoutCrypto(b *testing.B) {
	key := rsaKey(b, "rsa2048.pem")
	body := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","type":"Create","actor":"https://mastodon.example/users/a","object":{"type":"Note","content":"hello"}}`)
	r := received(b, signedPost(b, key, body), body)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, _, err := prepare(r, body, testNow); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRSAVerifyOnly is the bare RSA-2048 operation, to subtract from
// BenchmarkVerifyRSA.
func BenchmarkRSAVerifyOnly(b *testing.B) {
	key := rsaKey(b, "rsa2048.pem")
	sum := sha256.Sum256([]byte("signing string"))
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:])
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, sum[:], sig); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseSignatureHeader(b *testing.B) {
	r := signedPost(b, rsaKey(b, "rsa2048.pem"), []byte("{}"))
	s := r.Header.Get("Signature")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseSignatureHeader(s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyRSA9421 is BenchmarkVerifyRSA for the same POST signed
// with RFC 9421: the two should cost the same, the RSA operation being
// nearly all of it.
func BenchmarkVerifyRSA9421(b *testing.B) {
	key := rsaKey(b, "rsa2048.pem")
	body := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","type":"Create","actor":"https://mastodon.example/users/a","object":{"type":"Note","content":"hello"}}`)
	r, _ := http.NewRequest(http.MethodPost, "https://kith.example/users/kith/inbox", nil)
	if err := SignRequest9421(r, body, testKeyID, key, testNow); err != nil {
		b.Fatal(err)
	}
	r = received(b, r, body)
	r.URL.Scheme = "https" // the inbox's public scheme, as federation sets it
	cached := Key{PublicKey: key.Public(), Owner: testOwner}
	lookup := func(context.Context, string, bool) (Key, error) { return cached, nil }
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Verify(r, body, lookup, testNow); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyRSA9421WithoutCrypto is BenchmarkVerifyRSAWithoutCrypto
// for RFC 9421.
func BenchmarkVerifyRSA9421WithoutCrypto(b *testing.B) {
	key := rsaKey(b, "rsa2048.pem")
	body := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","type":"Create","actor":"https://mastodon.example/users/a","object":{"type":"Note","content":"hello"}}`)
	r, _ := http.NewRequest(http.MethodPost, "https://kith.example/users/kith/inbox", nil)
	if err := SignRequest9421(r, body, testKeyID, key, testNow); err != nil {
		b.Fatal(err)
	}
	r = received(b, r, body)
	r.URL.Scheme = "https"
	b.ReportAllocs()
	for b.Loop() {
		if _, _, _, err := prepare9421(r, body, testNow); err != nil {
			b.Fatal(err)
		}
	}
}
