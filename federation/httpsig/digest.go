package httpsig

import (
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// digestHeader is the RFC 3230 Digest value for body.
func digestHeader(body []byte) string {
	sum := sha256.Sum256(body)
	return "SHA-256=" + base64.StdEncoding.EncodeToString(sum[:])
}

// checkDigest compares the Digest header with body. Every algorithm kith
// knows (SHA-256, SHA-512) that the header lists must match, and at least
// one must be listed; unknown algorithms are ignored, since a sender may
// offer several.
//
// Note: Mastodon sends only SHA-256 and accepts only SHA-256; some servers
// send SHA-512 as well or instead.
func checkDigest(h http.Header, body []byte) error {
	vs := h.Values("Digest")
	if len(vs) == 0 {
		return errors.New("no Digest header")
	}
	v := strings.Join(vs, ",")
	if len(v) > maxHeaderLen {
		return fmt.Errorf("Digest header longer than %d bytes", maxHeaderLen)
	}
	sums := bodySums{body: body}
	known := 0
	for _, item := range strings.Split(v, ",") {
		alg, val, _ := strings.Cut(strings.TrimSpace(item), "=")
		sum := sums.of(strings.ToLower(alg))
		if sum == nil {
			continue
		}
		known++
		got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(val))
		if err != nil {
			return fmt.Errorf("%s digest is not base64", alg)
		}
		if subtle.ConstantTimeCompare(got, sum) != 1 {
			return fmt.Errorf("%s digest does not match the body", alg)
		}
	}
	if known == 0 {
		return fmt.Errorf("no SHA-256 or SHA-512 digest in %q", truncate(v, 64))
	}
	return nil
}

// bodySums computes each digest of the body at most once: a header that
// lists SHA-256 thousands of times must not hash a large body thousands of
// times.
type bodySums struct {
	body           []byte
	sha256, sha512 []byte
}

// of returns the digest for a lower-case algorithm name, or nil for an
// algorithm kith does not check.
func (b *bodySums) of(alg string) []byte {
	switch alg {
	case "sha-256":
		if b.sha256 == nil {
			s := sha256.Sum256(b.body)
			b.sha256 = s[:]
		}
		return b.sha256
	case "sha-512":
		if b.sha512 == nil {
			s := sha512.Sum512(b.body)
			b.sha512 = s[:]
		}
		return b.sha512
	}
	return nil
}
