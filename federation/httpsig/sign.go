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
	r.Header.Del("Signature-Input") // a retry in this scheme after an RFC 9421 knock
	r.Header.Del("Content-Digest")
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

// components9421 are what SignRequest9421 covers: Fedify's choice, which
// Mastodon's verifier also accepts.
var (
	components9421     = []string{"@method", "@target-uri", "@authority"}
	bodyComponents9421 = []string{"@method", "@target-uri", "@authority", "content-digest"}
)

// SignRequest9421 is SignRequest with RFC 9421 HTTP Message Signatures: it
// sets Content-Digest (RFC 9530) when there is a body, then
// Signature-Input and Signature with the label sig1, replacing earlier
// ones.
func SignRequest9421(r *http.Request, body []byte, keyID string, key crypto.Signer, now time.Time) error {
	var alg string
	switch key.Public().(type) {
	case *rsa.PublicKey:
		alg = algRSAv15SHA256
	case ed25519.PublicKey:
		alg = algEd25519
	default:
		return fmt.Errorf("httpsig: unsupported key type %T", key.Public())
	}
	comps := components9421
	r.Header.Del("Content-Digest")
	r.Header.Del("Digest") // a retry in this scheme after a draft-cavage knock
	if body != nil || r.Method == http.MethodPost {
		r.Header.Set("Content-Digest", contentDigest(body))
		comps = bodyComponents9421
	}
	items := make([]sfItem, len(comps))
	for i, c := range comps {
		items[i] = sfItem{bare: sfBare{kind: sfString, str: c}}
	}
	params := []sfParam{
		{key: "created", value: sfBare{kind: sfInteger, num: now.Unix()}},
		{key: "keyid", value: sfBare{kind: sfString, str: keyID}},
		{key: "alg", value: sfBare{kind: sfString, str: alg}},
	}
	var p strings.Builder
	writeInnerList(&p, items, params)
	scheme := r.URL.Scheme
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	m := target9421{method: r.Method, scheme: scheme, host: host, target: r.URL.RequestURI(), header: r.Header}
	base, err := m.base(comps, p.String())
	if err != nil {
		return fmt.Errorf("httpsig: %w", err)
	}
	var sig []byte
	if alg == algRSAv15SHA256 {
		sig, err = signBytes(key, "rsa-sha256", []byte(base))
	} else {
		sig, err = signBytes(key, "ed25519", []byte(base))
	}
	if err != nil {
		return fmt.Errorf("httpsig: sign: %w", err)
	}
	r.Header.Del("Signature")
	r.Header.Set("Signature-Input", "sig1="+p.String())
	var v strings.Builder
	v.WriteString("sig1=")
	writeBare(&v, sfBare{kind: sfBytes, bytes: sig})
	r.Header.Set("Signature", v.String())
	return nil
}
