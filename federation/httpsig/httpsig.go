// Package httpsig signs and verifies HTTP requests with draft-cavage HTTP
// Signatures (draft-cavage-http-signatures-12), the scheme ActivityPub servers
// use to authenticate deliveries and fetches, and with its successor, RFC
// 9421 HTTP Message Signatures, which Fedify signs with first.
//
// Signing writes the shape Mastodon writes: algorithm="rsa-sha256" for RSA
// keys, a Digest header for bodies, and the headers "(request-target) host
// date" (plus "digest" when there is a body). Ed25519 keys sign with
// algorithm="hs2019", since draft-cavage names no Ed25519 algorithm.
//
// Verifying accepts what real peers send: any list of signed headers that
// covers (request-target), host, date or (created), and digest on POST. The
// verification algorithm comes from the key type, never from the algorithm
// parameter, so a sender cannot choose a weaker algorithm than its key.
//
// Key resolution (fetching a keyId, following a stub key document to its
// owner, resolving an acct: keyId, caching) belongs to the caller's
// [KeyLookup]; this package passes the keyId through unchanged.
package httpsig

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"time"
)

// ErrUnauthorized is wrapped by every verification failure. The server
// answers it with 401 Unauthorized whatever the detail.
//
// Note: Fedify knocks with one scheme and falls back to the other only
// after a 401; a 400 or 500 would end the exchange.
var ErrUnauthorized = errors.New("unauthorized")

// Reasons for a verification failure. Each wraps [ErrUnauthorized]; they
// exist so logs and callers can tell the cases apart.
var (
	// ErrNoSignature: the request carries no draft-cavage signature. A
	// server that allows unsigned GETs checks for this one.
	ErrNoSignature = fmt.Errorf("%w: no signature", ErrUnauthorized)
	// ErrMalformed: the Signature header does not parse, or covers too
	// little of the request.
	ErrMalformed = fmt.Errorf("%w: malformed signature", ErrUnauthorized)
	// ErrAlgorithm: the algorithm parameter names an algorithm kith does
	// not accept.
	ErrAlgorithm = fmt.Errorf("%w: unsupported algorithm", ErrUnauthorized)
	// ErrDate: the Date header or (created)/(expires) is outside the
	// accepted window.
	ErrDate = fmt.Errorf("%w: date out of window", ErrUnauthorized)
	// ErrDigest: the Digest header is missing, unusable or does not match
	// the body.
	ErrDigest = fmt.Errorf("%w: digest mismatch", ErrUnauthorized)
	// ErrKeyFetch: the KeyLookup failed (network errors included: the peer
	// still gets a 401).
	ErrKeyFetch = fmt.Errorf("%w: key fetch failed", ErrUnauthorized)
	// ErrBadSignature: the signature does not verify with the key.
	ErrBadSignature = fmt.Errorf("%w: bad signature", ErrUnauthorized)
)

// Key is a public key as the caller's KeyLookup resolved it.
type Key struct {
	// PublicKey is an *rsa.PublicKey or an ed25519.PublicKey.
	PublicKey crypto.PublicKey
	// Owner is the id of the actor the key belongs to. It is required: the
	// caller compares it with the activity's actor.
	Owner string
}

// KeyLookup resolves a keyId to a public key. With refresh false it may
// answer from a cache; with refresh true the cached copy just failed to
// verify a signature, so it should fetch the key document again (key
// rotation). It may still return the cached key when it refetched recently:
// Verify then does not retry with an identical key.
//
// keyId arrives exactly as the sender wrote it: a fragment
// (https://host/users/a#main-key), a stub key document
// (https://host/users/a/main-key, whose owner must be followed) or an old
// acct:user@host form.
type KeyLookup func(ctx context.Context, keyID string, refresh bool) (Key, error)

// Result describes a verified signature.
type Result struct {
	// Scheme is the scheme the request was signed with.
	Scheme Scheme
	// KeyID is the keyId parameter as the sender wrote it.
	KeyID string
	// Owner is the key's owner as returned by the KeyLookup.
	Owner string
	// Algorithm is the algorithm that verified the signature, chosen by
	// key type: "rsa-sha256" or "ed25519".
	Algorithm string
	// Signed lists the signed headers, lower-case, in signing order.
	Signed []string
	// Signature is the decoded signature value: what [Replays] remembers.
	Signature []byte
	// Created is when the signature was made (its Date or (created)), and
	// ValidUntil the last moment Verify accepts it (its expiry plus the
	// allowed clock skew).
	Created, ValidUntil time.Time
}

// Limits on what Verify reads from a request.
const (
	// maxHeaderLen bounds the Signature and Digest headers. Real ones are
	// under 1 KiB; an RSA-4096 signature is 684 base64 characters.
	maxHeaderLen = 8 << 10
	// maxSignedHeaders bounds the headers parameter; real senders sign 3–7.
	maxSignedHeaders = 32
)

// Time window for signatures, Mastodon's: a signature is valid from its
// creation (Date or (created)) until (expires), or five minutes when it has
// none, and never longer than twelve hours; one hour of clock skew is
// allowed on either side.
//
// Note: Mastodon (SignedRequest#matches_time_window?) applies exactly these
// limits, so any peer that federates with Mastodon fits in them.
const (
	clockSkew      = time.Hour
	defaultExpiry  = 5 * time.Minute
	maxExpiryLimit = 12 * time.Hour
)
