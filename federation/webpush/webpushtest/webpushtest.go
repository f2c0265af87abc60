// Package webpushtest is the receiving end of Web Push for tests: a
// subscriber's key pair and auth secret, and the decryption and token
// checks a push service and an app would make, written from the
// specifications rather than from the sender's code.
package webpushtest

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"time"
)

var b64 = base64.RawURLEncoding

// Receiver is one subscriber.
type Receiver struct {
	Key  *ecdh.PrivateKey
	Auth []byte
}

// NewReceiver makes a subscriber with fresh keys.
func NewReceiver() (*Receiver, error) {
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	auth := make([]byte, 16)
	rand.Read(auth)
	return &Receiver{Key: k, Auth: auth}, nil
}

// P256dh and AuthSecret are the subscription keys an app sends.
func (r *Receiver) P256dh() string     { return b64.EncodeToString(r.Key.PublicKey().Bytes()) }
func (r *Receiver) AuthSecret() string { return b64.EncodeToString(r.Auth) }

// Decrypt reads a push in either coding, chosen by Content-Encoding.
func (r *Receiver) Decrypt(h http.Header, body []byte) ([]byte, error) {
	uaPublic := r.Key.PublicKey().Bytes()
	switch h.Get("Content-Encoding") {
	case "aes128gcm":
		if len(body) < 21 {
			return nil, errors.New("short body")
		}
		salt, rs, idlen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
		if rs < 18 || len(body) < 21+idlen {
			return nil, fmt.Errorf("bad header: rs %d idlen %d", rs, idlen)
		}
		asPub, err := ecdh.P256().NewPublicKey(body[21 : 21+idlen])
		if err != nil {
			return nil, err
		}
		shared, err := r.Key.ECDH(asPub)
		if err != nil {
			return nil, err
		}
		ikm, _ := hkdf.Key(sha256.New, shared, r.Auth, "WebPush: info\x00"+string(uaPublic)+string(asPub.Bytes()), 32)
		cek, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
		nonce, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12)
		plain, err := open(cek, nonce, body[21+idlen:])
		if err != nil {
			return nil, err
		}
		end := len(plain) - 1
		for end >= 0 && plain[end] == 0 {
			end--
		}
		if end < 0 || plain[end] != 2 {
			return nil, errors.New("no last-record delimiter")
		}
		return plain[:end], nil
	case "aesgcm":
		salt, err := b64.DecodeString(strings.TrimPrefix(h.Get("Encryption"), "salt="))
		if err != nil {
			return nil, fmt.Errorf("Encryption header: %w", err)
		}
		var dh string
		for _, part := range strings.Split(h.Get("Crypto-Key"), ";") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(part), "dh="); ok {
				dh = v
			}
		}
		raw, err := b64.DecodeString(dh)
		if err != nil {
			return nil, fmt.Errorf("Crypto-Key dh: %w", err)
		}
		asPub, err := ecdh.P256().NewPublicKey(raw)
		if err != nil {
			return nil, err
		}
		shared, err := r.Key.ECDH(asPub)
		if err != nil {
			return nil, err
		}
		ikm, _ := hkdf.Key(sha256.New, shared, r.Auth, "Content-Encoding: auth\x00", 32)
		ctx := append([]byte("P-256\x00\x00\x41"), uaPublic...)
		ctx = append(append(ctx, 0, 0x41), asPub.Bytes()...)
		cek, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aesgcm\x00"+string(ctx), 16)
		nonce, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00"+string(ctx), 12)
		plain, err := open(cek, nonce, body)
		if err != nil {
			return nil, err
		}
		if len(plain) < 2 || len(plain) < 2+int(binary.BigEndian.Uint16(plain)) {
			return nil, errors.New("bad padding")
		}
		return plain[2+int(binary.BigEndian.Uint16(plain)):], nil
	}
	return nil, fmt.Errorf("Content-Encoding %q", h.Get("Content-Encoding"))
}

func open(cek, nonce, sealed []byte) ([]byte, error) {
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return gcm.Open(nil, nonce, sealed, nil)
}

// Claims are a VAPID token's.
type Claims struct {
	Aud string `json:"aud"`
	Exp int64  `json:"exp"`
	Sub string `json:"sub"`
}

// CheckVAPID finds the token and key in a push's headers (either coding's
// form), checks the key is public and the signature verifies with it, and
// returns the claims. It checks that exp is in the future and at most 24
// hours after now.
func CheckVAPID(h http.Header, public string, now time.Time) (Claims, error) {
	var token, key string
	auth := h.Get("Authorization")
	switch {
	case strings.HasPrefix(auth, "vapid "):
		for _, part := range strings.Split(strings.TrimPrefix(auth, "vapid "), ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
			switch k {
			case "t":
				token = v
			case "k":
				key = v
			}
		}
	case strings.HasPrefix(auth, "WebPush "):
		token = strings.TrimPrefix(auth, "WebPush ")
		for _, part := range strings.Split(h.Get("Crypto-Key"), ";") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(part), "p256ecdsa="); ok {
				key = v
			}
		}
	default:
		return Claims{}, fmt.Errorf("Authorization %q", auth)
	}
	if key != public {
		return Claims{}, fmt.Errorf("the request names key %q, not the announced %q", key, public)
	}
	raw, err := b64.DecodeString(key)
	if err != nil {
		return Claims{}, err
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), raw)
	if err != nil {
		return Claims{}, err
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return Claims{}, errors.New("the token is not a JWS")
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return Claims{}, errors.New("the signature is not 64 bytes")
	}
	var header struct{ Alg, Typ string }
	if hb, err := b64.DecodeString(parts[0]); err != nil || json.Unmarshal(hb, &header) != nil || header.Alg != "ES256" {
		return Claims{}, fmt.Errorf("token header %+v", header)
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return Claims{}, errors.New("the token's signature does not verify")
	}
	var c Claims
	cb, err := b64.DecodeString(parts[1])
	if err != nil {
		return Claims{}, err
	}
	if err := json.Unmarshal(cb, &c); err != nil {
		return Claims{}, err
	}
	if exp := time.Unix(c.Exp, 0); !exp.After(now) || exp.Sub(now) > 24*time.Hour {
		return c, fmt.Errorf("exp %v is not within 24 hours after %v", exp, now)
	}
	return c, nil
}
