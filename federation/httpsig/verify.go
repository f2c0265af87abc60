package httpsig

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Verify checks the signature of a received request whose body (already
// read, and capped by the caller) is body: an RFC 9421 signature when the
// request has a Signature-Input header, a draft-cavage one otherwise. For
// draft-cavage it checks, cheapest first and before any key lookup: the
// Signature header parses, the algorithm is acceptable, the signature
// covers (request-target), host, date or (created), and digest on POST,
// the time window, and the Digest; RFC 9421 gets the same checks in its
// own terms (@method, the target, the authority, content-digest, the
// created parameter, the Content-Digest). Then it asks lookup for the key and verifies; when that fails it asks
// once more with refresh set, in case the key was rotated, and retries if
// the key changed.
//
// now is the verifier's clock. Every error wraps [ErrUnauthorized] and one
// of the reasons beside it (ErrNoSignature, ErrDigest, …).
func Verify(r *http.Request, body []byte, lookup KeyLookup, now time.Time) (Result, error) {
	if len(r.Header.Values("Signature-Input")) > 0 {
		return verify9421(r, body, lookup, now)
	}
	p, w, candidates, err := prepare(r, body, now)
	if err != nil {
		return Result{}, err
	}
	res, err := verifyWithLookup(r, p, candidates, lookup)
	if err != nil {
		return Result{}, err
	}
	res.Signature, res.Created, res.ValidUntil = p.Signature, w.created, w.until
	return res, nil
}

// prepare does every check that needs no key and returns the parameters,
// the signature's time window and the candidate signing strings.
func prepare(r *http.Request, body []byte, now time.Time) (Params, window, []string, error) {
	p, err := requestParams(r)
	if err != nil {
		return Params{}, window{}, nil, err
	}
	if err := checkAlgorithm(p.Algorithm); err != nil {
		return Params{}, window{}, nil, err
	}
	if err := checkCoverage(r.Method, p, body); err != nil {
		return Params{}, window{}, nil, err
	}
	w, err := checkTime(r.Header, p, now)
	if err != nil {
		return Params{}, window{}, nil, fmt.Errorf("%w: %w", ErrDate, err)
	}
	if slices.Contains(p.Headers, "digest") {
		if err := checkDigest(r.Header, body); err != nil {
			return Params{}, window{}, nil, fmt.Errorf("%w: %w", ErrDigest, err)
		}
	}
	candidates, err := signingStrings(serverMessage(r, p), p.Headers)
	if err != nil {
		return Params{}, window{}, nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return p, w, candidates, nil
}

// verifyWithLookup fetches the key and verifies, refreshing the key once.
func verifyWithLookup(r *http.Request, p Params, candidates []string, lookup KeyLookup) (Result, error) {
	ctx := r.Context()
	key, err := lookupKey(ctx, lookup, p.KeyID, false)
	if err != nil {
		return Result{}, err
	}
	alg, err := verifyKey(key, p, candidates)
	if err != nil {
		fresh, ferr := lookupKey(ctx, lookup, p.KeyID, true)
		if ferr != nil {
			return Result{}, fmt.Errorf("%w (refetch after: %v)", ferr, err)
		}
		if !sameKey(key, fresh) {
			key = fresh
			alg, err = verifyKey(key, p, candidates)
		}
	}
	if err != nil {
		return Result{}, fmt.Errorf("%w: keyId %q: %w", ErrBadSignature, p.KeyID, err)
	}
	return Result{Scheme: Cavage, KeyID: p.KeyID, Owner: key.Owner, Algorithm: alg, Signed: p.Headers}, nil
}

// lookupKey calls lookup and checks the answer is usable.
func lookupKey(ctx context.Context, lookup KeyLookup, keyID string, refresh bool) (Key, error) {
	k, err := lookup(ctx, keyID, refresh)
	if err != nil {
		return Key{}, fmt.Errorf("%w: keyId %q: %w", ErrKeyFetch, keyID, err)
	}
	if k.PublicKey == nil || k.Owner == "" {
		return Key{}, fmt.Errorf("%w: keyId %q: lookup returned no key or no owner", ErrKeyFetch, keyID)
	}
	return k, nil
}

// requestParams finds and parses the request's draft-cavage signature.
func requestParams(r *http.Request) (Params, error) {
	var v string
	switch vs := r.Header.Values("Signature"); {
	case len(vs) > 1:
		return Params{}, fmt.Errorf("%w: %d Signature headers", ErrMalformed, len(vs))
	case len(vs) == 1:
		v = vs[0]
	default:
		auth := r.Header.Get("Authorization")
		const scheme = "Signature "
		if len(auth) <= len(scheme) || !strings.EqualFold(auth[:len(scheme)], scheme) {
			return Params{}, ErrNoSignature
		}
		v = auth[len(scheme):]
	}
	p, err := ParseSignatureHeader(v)
	if err != nil {
		return Params{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return p, nil
}

// checkAlgorithm rejects algorithm parameters kith never accepts, before
// any key is fetched. The key type decides the rest.
//
// rsa-sha1 and the HMAC and ECDSA families are refused: SHA-1 signatures
// are forgeable, and no fediverse server sends the others.
//
// Note: Mastodon accepts exactly "rsa-sha256" and "hs2019" (and no
// parameter); a few implementations label Ed25519 signatures "ed25519".
func checkAlgorithm(alg string) error {
	switch alg {
	case "", "hs2019", "rsa-sha256", "ed25519":
		return nil
	}
	return fmt.Errorf("%w: %q", ErrAlgorithm, alg)
}

// checkCoverage makes sure the signature covers enough of the request
// that it cannot be replayed against another URL or with another body.
//
// Note: Mastodon requires date or (created), (request-target) or digest,
// host on GET and digest on POST; kith requires (request-target) and host
// always, which every server we know signs.
func checkCoverage(method string, p Params, body []byte) error {
	has := func(h string) bool { return slices.Contains(p.Headers, h) }
	switch {
	case !has("(request-target)"):
		return fmt.Errorf("%w: (request-target) not signed", ErrMalformed)
	case !has("host"):
		return fmt.Errorf("%w: host not signed", ErrMalformed)
	case !has("date") && !has("(created)"):
		return fmt.Errorf("%w: neither date nor (created) signed", ErrMalformed)
	case (method == http.MethodPost || len(body) > 0) && !has("digest"):
		return fmt.Errorf("%w: digest not signed", ErrDigest)
	}
	return nil
}

// signingStrings returns the signing string, and when the target has a
// query, the same string without the query as a second candidate.
//
// Note: Mastodon before 4.x signed (request-target) without the query
// string, and Mastodon's verifier still accepts both forms.
func signingStrings(m message, headers []string) ([]string, error) {
	s, err := m.signingString(headers)
	if err != nil {
		return nil, err
	}
	path, _, hasQuery := strings.Cut(m.target, "?")
	if !hasQuery {
		return []string{s}, nil
	}
	m.target = path
	s2, err := m.signingString(headers)
	if err != nil {
		return nil, err
	}
	return []string{s, s2}, nil
}

// verifyKey verifies the signature against each candidate signing string
// with an algorithm chosen by the key's type, and names that algorithm.
func verifyKey(k Key, p Params, candidates []string) (string, error) {
	switch pub := k.PublicKey.(type) {
	case *rsa.PublicKey:
		if p.Algorithm == "ed25519" {
			return "", errors.New(`algorithm "ed25519" with an RSA key`)
		}
		for _, s := range candidates {
			sum := sha256.Sum256([]byte(s))
			if rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], p.Signature) == nil {
				return "rsa-sha256", nil
			}
		}
		return "", errors.New("rsa-sha256 verification failed")
	case ed25519.PublicKey:
		if p.Algorithm == "rsa-sha256" {
			return "", errors.New(`algorithm "rsa-sha256" with an Ed25519 key`)
		}
		if len(pub) != ed25519.PublicKeySize {
			return "", fmt.Errorf("Ed25519 public key of %d bytes", len(pub))
		}
		for _, s := range candidates {
			if ed25519.Verify(pub, []byte(s), p.Signature) {
				return "ed25519", nil
			}
		}
		return "", errors.New("ed25519 verification failed")
	}
	return "", fmt.Errorf("unsupported key type %T", k.PublicKey)
}

// sameKey reports whether a refreshed key is the one that already failed,
// so verifying again would be wasted work.
func sameKey(a, b Key) bool {
	eq, ok := a.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	return ok && b.PublicKey != nil && eq.Equal(b.PublicKey)
}
