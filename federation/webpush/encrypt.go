package webpush

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// MaxPayload bounds the plaintext of one push: a single record of 4096
// bytes must hold it with its padding delimiter and the AEAD tag, and the
// aes128gcm header takes 86 more.
const MaxPayload = 3800

// recordSize is the rs both codings announce (or assume).
const recordSize = 4096

// Subscription is where a push goes and the keys it is encrypted for.
type Subscription struct {
	Endpoint string
	P256dh   string // the receiver's public key, base64url
	Auth     string // the receiver's 16-byte auth secret, base64url
	// Standard selects RFC 8291 aes128gcm; false is the legacy aesgcm
	// coding.
	Standard bool
}

// Message is one push's headers and body, ready to POST to the endpoint.
type Message struct {
	Header http.Header
	Body   []byte
}

// Options are what the request says beside the payload.
type Options struct {
	Subject string        // VAPID sub: the instance's URL
	TTL     time.Duration // how long the push service may hold the message
	Urgency string        // very-low, low, normal or high
	Now     time.Time     // for the token's expiry
}

// Request encrypts payload for sub and signs it with v. Note: the headers
// are Mastodon's: for aes128gcm "Authorization: vapid t=<jwt>,k=<key>";
// for aesgcm "Authorization: WebPush <jwt>", "Encryption: salt=…" and
// "Crypto-Key: dh=…;p256ecdsa=<key>".
func (v *VAPID) Request(sub Subscription, payload []byte, opts Options) (Message, error) {
	if len(payload) > MaxPayload {
		return Message{}, fmt.Errorf("webpush: payload of %d bytes is over %d", len(payload), MaxPayload)
	}
	token, err := v.Token(sub.Endpoint, opts.Subject, opts.Now)
	if err != nil {
		return Message{}, err
	}
	ephemeral, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return Message{}, err
	}
	salt := make([]byte, 16)
	if _, err := io.ReadFull(rand.Reader, salt); err != nil {
		return Message{}, err
	}
	h := http.Header{}
	h.Set("Content-Type", "application/octet-stream")
	h.Set("TTL", strconv.Itoa(int(opts.TTL/time.Second)))
	if opts.Urgency != "" {
		h.Set("Urgency", opts.Urgency)
	}
	var body []byte
	if sub.Standard {
		body, err = encryptStandard(payload, sub, ephemeral, salt)
		h.Set("Content-Encoding", "aes128gcm")
		h.Set("Authorization", "vapid t="+token+",k="+v.PublicKey())
	} else {
		body, err = encryptLegacy(payload, sub, ephemeral, salt)
		h.Set("Content-Encoding", "aesgcm")
		h.Set("Authorization", "WebPush "+token)
		h.Set("Encryption", "salt="+b64.EncodeToString(salt))
		h.Set("Crypto-Key", "dh="+b64.EncodeToString(ephemeral.PublicKey().Bytes())+";p256ecdsa="+v.PublicKey())
	}
	if err != nil {
		return Message{}, err
	}
	return Message{Header: h, Body: body}, nil
}

// secrets does the ECDH both codings start from.
func secrets(sub Subscription, ephemeral *ecdh.PrivateKey) (shared, uaPublic, auth []byte, err error) {
	ua, uaPublic, err := ecdhKey(sub.P256dh)
	if err != nil {
		return nil, nil, nil, err
	}
	auth, err = decodeKey(sub.Auth)
	if err != nil {
		return nil, nil, nil, err
	}
	if len(auth) < 16 {
		return nil, nil, nil, errors.New("webpush: auth secret is shorter than 16 bytes")
	}
	shared, err = ephemeral.ECDH(ua)
	return shared, uaPublic, auth, err
}

// encryptStandard is RFC 8291: one record, the header carrying the salt,
// the record size and the sender's public key.
func encryptStandard(payload []byte, sub Subscription, ephemeral *ecdh.PrivateKey, salt []byte) ([]byte, error) {
	shared, uaPublic, auth, err := secrets(sub, ephemeral)
	if err != nil {
		return nil, err
	}
	asPublic := ephemeral.PublicKey().Bytes()
	keyInfo := append(append([]byte("WebPush: info\x00"), uaPublic...), asPublic...)
	ikm, err := hkdf.Key(sha256.New, shared, auth, string(keyInfo), 32)
	if err != nil {
		return nil, err
	}
	cek, nonce, err := contentKeys(ikm, salt, "Content-Encoding: aes128gcm\x00", "Content-Encoding: nonce\x00")
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, 16+4+1+len(asPublic)+len(payload)+1+16)
	out = append(out, salt...)
	out = binary.BigEndian.AppendUint32(out, recordSize)
	out = append(out, byte(len(asPublic)))
	out = append(out, asPublic...)
	plain := append(append(make([]byte, 0, len(payload)+1), payload...), 2) // 2: the last record's delimiter
	return seal(out, cek, nonce, plain)
}

// encryptLegacy is the aesgcm coding of draft-ietf-webpush-encryption-04:
// the auth secret is mixed in first, the keys are bound by a "P-256"
// context, and the record starts with a two-byte padding length.
func encryptLegacy(payload []byte, sub Subscription, ephemeral *ecdh.PrivateKey, salt []byte) ([]byte, error) {
	shared, uaPublic, auth, err := secrets(sub, ephemeral)
	if err != nil {
		return nil, err
	}
	ikm, err := hkdf.Key(sha256.New, shared, auth, "Content-Encoding: auth\x00", 32)
	if err != nil {
		return nil, err
	}
	asPublic := ephemeral.PublicKey().Bytes()
	context := []byte("P-256\x00")
	context = binary.BigEndian.AppendUint16(context, uint16(len(uaPublic)))
	context = append(context, uaPublic...)
	context = binary.BigEndian.AppendUint16(context, uint16(len(asPublic)))
	context = append(context, asPublic...)
	cek, nonce, err := contentKeys(ikm, salt, "Content-Encoding: aesgcm\x00"+string(context), "Content-Encoding: nonce\x00"+string(context))
	if err != nil {
		return nil, err
	}
	plain := append([]byte{0, 0}, payload...) // no padding
	return seal(nil, cek, nonce, plain)
}

func contentKeys(ikm, salt []byte, keyInfo, nonceInfo string) (cek, nonce []byte, err error) {
	prk, err := hkdf.Extract(sha256.New, ikm, salt)
	if err != nil {
		return nil, nil, err
	}
	if cek, err = hkdf.Expand(sha256.New, prk, keyInfo, 16); err != nil {
		return nil, nil, err
	}
	nonce, err = hkdf.Expand(sha256.New, prk, nonceInfo, 12)
	return cek, nonce, err
}

func seal(dst, cek, nonce, plain []byte) ([]byte, error) {
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return gcm.Seal(dst, nonce, plain, nil), nil
}

// Check reports whether a subscription can be pushed to: its key is a
// P-256 point and its auth secret 16 bytes or more.
func (s Subscription) Check() error {
	if _, _, err := ecdhKey(s.P256dh); err != nil {
		return err
	}
	auth, err := decodeKey(s.Auth)
	if err != nil {
		return err
	}
	if len(auth) < 16 || len(auth) > 64 {
		return errors.New("webpush: the auth secret is not 16 bytes")
	}
	return nil
}
