package webpush

import (
	"bytes"
	"crypto/ecdh"
	"strings"
	"testing"
	"time"

	"kith/federation/webpush/webpushtest"
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

func newReceiver(t testing.TB) *webpushtest.Receiver {
	r, err := webpushtest.NewReceiver()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func subOf(r *webpushtest.Receiver, standard bool) Subscription {
	return Subscription{Endpoint: "https://push.example/send/abc", P256dh: r.P256dh(), Auth: r.AuthSecret(), Standard: standard}
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
			m, err := v.Request(subOf(r, tc.standard), payload, Options{Subject: "https://kith.example", TTL: 48 * time.Hour, Urgency: "normal", Now: now})
			if err != nil {
				t.Fatal(err)
			}
			got, err := r.Decrypt(m.Header, m.Body)
			if err != nil || !bytes.Equal(got, payload) {
				t.Errorf("decrypted %q, %v; want %q", got, err, payload)
			}
			for k, want := range map[string]string{"Content-Encoding": tc.encoding, "TTL": "172800", "Urgency": "normal",
				"Content-Type": "application/octet-stream"} {
				if got := m.Header.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if auth := m.Header.Get("Authorization"); !strings.HasPrefix(auth, tc.auth) {
				t.Fatalf("Authorization = %q", auth)
			}
			claims, err := webpushtest.CheckVAPID(m.Header, v.PublicKey(), now)
			if err != nil {
				t.Fatal(err)
			}
			if claims.Aud != "https://push.example" || claims.Sub != "https://kith.example" {
				t.Errorf("claims %+v", claims)
			}
		})
	}
}

func TestRequestRefuses(t *testing.T) {
	v := testVAPID(t)
	r := newReceiver(t)
	opts := Options{Subject: "https://kith.example", Now: time.Now()}
	if _, err := v.Request(subOf(r, true), make([]byte, MaxPayload+1), opts); err == nil {
		t.Error("an oversized payload was encrypted")
	}
	bad := subOf(r, true)
	bad.P256dh = b64.EncodeToString([]byte("not a point"))
	if _, err := v.Request(bad, []byte("x"), opts); err == nil {
		t.Error("a bad p256dh was accepted")
	}
	bad = subOf(r, false)
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
		subs[i] = subOf(newReceiver(b), i%2 == 0)
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
