package httpsig

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Signed header lists. GETs carry no body, so no digest.
//
// Note: Mastodon also signs accept on GETs and content-type on POSTs;
// neither is required by anyone, and signing fewer headers leaves less for
// a proxy to break.
const (
	getHeaders  = "(request-target) host date"
	bodyHeaders = "(request-target) host date digest"
)

// SignRequest signs r for keyID with key, an *rsa.PrivateKey or an
// ed25519.PrivateKey (any crypto.Signer whose public key is one of those).
// It sets Date from now and, when body is not nil or r is a POST, a
// SHA-256 Digest of body, which must be the bytes r will send. It then sets
// the Signature header, replacing any earlier one, so a retried delivery
// can be signed afresh.
//
// The signed host is r.Host, or r.URL.Host when that is empty (what Go's
// client sends), port included.
func SignRequest(r *http.Request, body []byte, keyID string, key crypto.Signer, now time.Time) error {
	alg, err := signingAlgorithm(key.Public())
	if err != nil {
		return err
	}
	if strings.ContainsAny(keyID, "\"\\") {
		// A quote would need escaping that not every verifier undoes.
		return fmt.Errorf("httpsig: keyId %q contains a quote or backslash", keyID)
	}
	r.Header.Set("Date", now.UTC().Format(http.TimeFormat))
	headers := getHeaders
	if body != nil || r.Method == http.MethodPost {
		r.Header.Set("Digest", digestHeader(body))
		headers = bodyHeaders
	}
	s, err := clientMessage(r).signingString(strings.Fields(headers))
	if err != nil {
		return fmt.Errorf("httpsig: %w", err)
	}
	sig, err := signBytes(key, alg, []byte(s))
	if err != nil {
		return fmt.Errorf("httpsig: sign: %w", err)
	}
	r.Header.Set("Signature", fmt.Sprintf(`keyId="%s",algorithm="%s",headers="%s",signature="%s"`,
		keyID, alg, headers, base64.StdEncoding.EncodeToString(sig)))
	return nil
}

// signingAlgorithm is the algorithm parameter to write for a public key.
//
// Note: Mastodon accepts only "rsa-sha256" and "hs2019" and verifies RSA
// keys only; it rejects Ed25519 signatures whatever they are labelled.
func signingAlgorithm(pub crypto.PublicKey) (string, error) {
	switch pub.(type) {
	case *rsa.PublicKey:
		return "rsa-sha256", nil
	case ed25519.PublicKey:
		return "hs2019", nil
	}
	return "", fmt.Errorf("httpsig: unsupported key type %T", pub)
}

// signBytes signs msg: RSA keys with PKCS #1 v1.5 over SHA-256, Ed25519
// keys over the message itself.
func signBytes(key crypto.Signer, alg string, msg []byte) ([]byte, error) {
	if alg == "rsa-sha256" {
		sum := sha256.Sum256(msg)
		return key.Sign(rand.Reader, sum[:], crypto.SHA256)
	}
	return key.Sign(rand.Reader, msg, crypto.Hash(0))
}
