package media

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// Remote media URLs carry the remote URL itself and a MAC of it, so that
// kith fetches only what it rendered (it is not an open proxy) without
// writing a row for every URL it renders. The key is the instance's own,
// kept in the database, so the URLs survive restarts and apps' caches.

// macLen is the MAC's length in bytes: 128 bits is beyond guessing.
const macLen = 16

// SignURL returns the path segment "MAC/ENCODED" naming rawURL under
// /media/remote/.
func SignURL(key []byte, rawURL string) string {
	return hex.EncodeToString(mac(key, rawURL)) + "/" + base64.RawURLEncoding.EncodeToString([]byte(rawURL))
}

// VerifyURL reads the two segments SignURL made back into the remote URL;
// ok is false if they were not made with key.
func VerifyURL(key []byte, macHex, encoded string) (rawURL string, ok bool) {
	got, err := hex.DecodeString(macHex)
	if err != nil || len(got) != macLen {
		return "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(encoded)
	if err != nil || !hmac.Equal(got, mac(key, string(b))) {
		return "", false
	}
	return string(b), true
}

func mac(key []byte, rawURL string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(rawURL))
	return h.Sum(nil)[:macLen]
}
