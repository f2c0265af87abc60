// Package webpush encrypts and signs Web Push messages the way Mastodon
// sends them: the payload encrypted for the subscriber's P-256 key and
// auth secret, in the standard "aes128gcm" content coding (RFC 8291) or
// the older "aesgcm" one (draft-ietf-webpush-encryption-04) that apps
// which subscribed without standard=true still expect, and a VAPID
// (RFC 8292) token so the push service knows who sends.
//
// It has no I/O: Request builds the headers and body, the caller sends
// them. The encryption is written here rather than taken from
// github.com/SherClockHolmes/webpush-go because that library speaks only
// aes128gcm, reads the wall clock for the token's expiry whatever it is
// given, prefixes "mailto:" to any subject that is not an https URL, pads
// every message to 4 KiB and sends the request itself; kith needs both
// codings, its own clock and its own guarded HTTP client.
package webpush

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"
)

// b64 is the base64 Web Push uses everywhere: URL alphabet, no padding.
var b64 = base64.RawURLEncoding

// VAPID is the instance's application server key pair.
type VAPID struct {
	key *ecdsa.PrivateKey
	pub []byte // uncompressed point, 65 bytes
}

// NewVAPIDKey makes a fresh key pair and returns its private scalar,
// base64url, the form kith stores.
func NewVAPIDKey() (string, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", err
	}
	d, err := k.Bytes()
	if err != nil {
		return "", err
	}
	return b64.EncodeToString(d), nil
}

// ParseVAPID reads a private key made by NewVAPIDKey.
func ParseVAPID(private string) (*VAPID, error) {
	d, err := b64.DecodeString(private)
	if err != nil {
		return nil, fmt.Errorf("vapid key: %w", err)
	}
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
	if err != nil {
		return nil, fmt.Errorf("vapid key: %w", err)
	}
	pub, err := k.PublicKey.Bytes()
	if err != nil {
		return nil, err
	}
	return &VAPID{key: k, pub: pub}, nil
}

// PublicKey is the public key as apps are given it: the uncompressed
// point, base64url without padding (instance configuration.vapid and the
// subscription's server_key).
func (v *VAPID) PublicKey() string { return b64.EncodeToString(v.pub) }

// TokenLifetime is how long a VAPID token is valid. RFC 8292 allows at
// most 24 hours and push services refuse tokens that expire further out.
// Note: Mastodon signs for exactly 24 hours; half that leaves room for a
// clock that runs ahead.
const TokenLifetime = 12 * time.Hour

// Token signs a VAPID JWT (ES256) for endpoint: aud is the endpoint's
// origin, sub the instance's URL, exp now plus TokenLifetime.
func (v *VAPID) Token(endpoint, subject string, now time.Time) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return "", errors.New("webpush: endpoint is not an absolute URL")
	}
	header := b64.EncodeToString([]byte(`{"typ":"JWT","alg":"ES256"}`))
	claims, err := json.Marshal(struct {
		Aud string `json:"aud"`
		Exp int64  `json:"exp"`
		Sub string `json:"sub"`
	}{u.Scheme + "://" + u.Host, now.Add(TokenLifetime).Unix(), subject})
	if err != nil {
		return "", err
	}
	signing := header + "." + b64.EncodeToString(claims)
	digest := sha256.Sum256([]byte(signing))
	r, s, err := ecdsa.Sign(rand.Reader, v.key, digest[:])
	if err != nil {
		return "", err
	}
	// JWS wants r and s as two 32-byte big-endian numbers, not ASN.1.
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return signing + "." + b64.EncodeToString(sig), nil
}

// ecdhKey is the receiver's public key as crypto/ecdh reads it.
func ecdhKey(p256dh string) (*ecdh.PublicKey, []byte, error) {
	raw, err := decodeKey(p256dh)
	if err != nil {
		return nil, nil, err
	}
	k, err := ecdh.P256().NewPublicKey(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("webpush: p256dh is not a P-256 point: %w", err)
	}
	return k, raw, nil
}

// decodeKey reads a subscription key: apps send base64url, a few send
// standard base64, with or without padding.
func decodeKey(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.StdEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("webpush: key is not base64")
}
