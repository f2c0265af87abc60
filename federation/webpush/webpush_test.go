package webpush

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"
)

func mustB64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := b64.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestStandardRFC8291 encrypts the example of RFC 8291 appendix A with its
// keys and salt and expects its ciphertext byte for byte.
func TestStandardRFC8291(t *testing.T) {
	asPrivate, err := ecdh.P256().NewPrivateKey(mustB64(t, "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := b64.EncodeToString(asPrivate.PublicKey().Bytes()), "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"; got != want {
		t.Fatalf("as_public = %s, want %s", got, want)
	}
	sub := Subscription{
		P256dh: "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
		Auth:   "BTBZMqHH6r4Tts7J_aSIgg",
	}
	got, err := encryptStandard([]byte("When I grow up, I want to be a watermelon"), sub, asPrivate, mustB64(t, "DGv6ra1nlYgDCS1FRnbzlw"))
	if err != nil {
		t.Fatal(err)
	}
	want := "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
	if b64.EncodeToString(got) != want {
		t.Errorf("ciphertext\n got %s\nwant %s", b64.EncodeToString(got), want)
	}
}

// receiver is a subscriber's key pair and auth secret.
type receiver struct {
	key  *ecdh.PrivateKey
	auth []byte
}

func newReceiver(t testing.TB) receiver {
	k, err := ecdh.P256().GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return receiver{key: k, auth: bytes.Repeat([]byte{7}, 16)}
}

func (r receiver) sub(standard bool) Subscription {
	return Subscription{Endpoint: "https://push.example/send/abc", P256dh: b64.EncodeToString(r.key.PublicKey().Bytes()),
		Auth: b64.EncodeToString(r.auth), Standard: standard}
}

func open(t *testing.T, cek, nonce, sealed []byte) []byte {
	t.Helper()
	block, _ := aes.NewCipher(cek)
	gcm, _ := cipher.NewGCM(block)
	plain, err := gcm.Open(nil, nonce, sealed, nil)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return plain
}

// decrypt undoes either coding from the receiver's side, following the
// specifications rather than the sender's code paths.
func (r receiver) decrypt(t *testing.T, m Message) []byte {
	t.Helper()
	uaPublic := r.key.PublicKey().Bytes()
	switch m.Header.Get("Content-Encoding") {
	case "aes128gcm":
		salt, rs, idlen := m.Body[:16], binary.BigEndian.Uint32(m.Body[16:20]), int(m.Body[20])
		if rs != 4096 || idlen != 65 {
			t.Fatalf("rs %d idlen %d", rs, idlen)
		}
		asPub, err := ecdh.P256().NewPublicKey(m.Body[21 : 21+idlen])
		if err != nil {
			t.Fatal(err)
		}
		shared, _ := r.key.ECDH(asPub)
		ikm, _ := hkdf.Key(sha256.New, shared, r.auth, "WebPush: info\x00"+string(uaPublic)+string(asPub.Bytes()), 32)
		cek, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
		nonce, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12)
		plain := open(t, cek, nonce, m.Body[21+idlen:])
		if plain[len(plain)-1] != 2 {
			t.Fatalf("last byte %d, want the delimiter 2", plain[len(plain)-1])
		}
		return plain[:len(plain)-1]
	case "aesgcm":
		salt := mustB64(t, strings.TrimPrefix(m.Header.Get("Encryption"), "salt="))
		dh, _, _ := strings.Cut(strings.TrimPrefix(m.Header.Get("Crypto-Key"), "dh="), ";")
		asPub, err := ecdh.P256().NewPublicKey(mustB64(t, dh))
		if err != nil {
			t.Fatal(err)
		}
		shared, _ := r.key.ECDH(asPub)
		ikm, _ := hkdf.Key(sha256.New, shared, r.auth, "Content-Encoding: auth\x00", 32)
		ctx := []byte("P-256\x00\x00\x41")
		ctx = append(append(append(ctx, uaPublic...), 0, 0x41), asPub.Bytes()...)
		cek, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aesgcm\x00"+string(ctx), 16)
		nonce, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00"+string(ctx), 12)
		plain := open(t, cek, nonce, m.Body)
		pad := int(binary.BigEndian.Uint16(plain))
		return plain[2+pad:]
	}
	t.Fatalf("Content-Encoding %q", m.Header.Get("Content-Encoding"))
	return nil
}

func testVAPID(t testing.TB) *VAPID {
	priv, err := NewVAPIDKey()
	if err != nil {
		t.Fatal(err)
	}
	v, err := ParseVAPID(priv)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestRequestRoundTrip(t *testing.T) {
	v := testVAPID(t)
	r := newReceiver(t)
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	payload := []byte(`{"notification_id":"1","title":"bob mentioned you"}`)
	for _, tc := range []struct {
		standard bool
		encoding string
		auth     string
	}{{true, "aes128gcm", "vapid t="}, {false, "aesgcm", "WebPush "}} {
		t.Run(tc.encoding, func(t *testing.T) {
			m, err := v.Request(r.sub(tc.standard), payload, Options{Subject: "https://kith.example", TTL: 48 * time.Hour, Urgency: "normal", Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if got := r.decrypt(t, m); !bytes.Equal(got, payload) {
				t.Errorf("decrypted %q, want %q", got, payload)
			}
			for k, want := range map[string]string{"Content-Encoding": tc.encoding, "TTL": "172800", "Urgency": "normal",
				"Content-Type": "application/octet-stream"} {
				if got := m.Header.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			auth := m.Header.Get("Authorization")
			if !strings.HasPrefix(auth, tc.auth) {
				t.Fatalf("Authorization = %q", auth)
			}
			var token, key string
			if tc.standard {
				token, key, _ = strings.Cut(strings.TrimPrefix(auth, "vapid t="), ",k=")
			} else {
				token = strings.TrimPrefix(auth, "WebPush ")
				_, key, _ = strings.Cut(m.Header.Get("Crypto-Key"), ";p256ecdsa=")
			}
			if key != v.PublicKey() {
				t.Errorf("announced key %q, want %q", key, v.PublicKey())
			}
			checkToken(t, token, v.PublicKey(), now)
		})
	}
}

func checkToken(t *testing.T, token, public string, now time.Time) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic256(), mustB64(t, public))
	if err != nil {
		t.Fatal(err)
	}
	sig := mustB64(t, parts[2])
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		t.Error("token signature does not verify with the announced key")
	}
	var claims struct {
		Aud string `json:"aud"`
		Exp int64  `json:"exp"`
		Sub string `json:"sub"`
	}
	if err := json.Unmarshal(mustB64(t, parts[1]), &claims); err != nil {
		t.Fatal(err)
	}
	if claims.Aud != "https://push.example" || claims.Sub != "https://kith.example" {
		t.Errorf("claims %+v", claims)
	}
	if exp := time.Unix(claims.Exp, 0); !exp.After(now) || exp.Sub(now) > 24*time.Hour {
		t.Errorf("exp %v is not within 24 hours of %v", exp, now)
	}
}

func TestRequestRefuses(t *testing.T) {
	v := testVAPID(t)
	r := newReceiver(t)
	opts := Options{Subject: "https://kith.example", Now: time.Now()}
	if _, err := v.Request(r.sub(true), make([]byte, MaxPayload+1), opts); err == nil {
		t.Error("an oversized payload was encrypted")
	}
	bad := r.sub(true)
	bad.P256dh = b64.EncodeToString([]byte("not a point"))
	if _, err := v.Request(bad, []byte("x"), opts); err == nil {
		t.Error("a bad p256dh was accepted")
	}
	bad = r.sub(false)
	bad.Auth = "AAAA"
	if _, err := v.Request(bad, []byte("x"), opts); err == nil {
		t.Error("a short auth secret was accepted")
	}
}

// BenchmarkTenSubscriptions is one notification pushed to ten
// subscriptions, half in each coding: all the encryption and signing.
func BenchmarkTenSubscriptions(b *testing.B) {
	v := testVAPID(b)
	subs := make([]Subscription, 10)
	for i := range subs {
		subs[i] = newReceiver(b).sub(i%2 == 0)
	}
	payload := bytes.Repeat([]byte("a"), 400)
	opts := Options{Subject: "https://kith.example", TTL: 48 * time.Hour, Urgency: "normal", Now: time.Unix(1_800_000_000, 0)}
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range subs {
			if _, err := v.Request(s, payload, opts); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func elliptic256() elliptic.Curve { return elliptic.P256() }
