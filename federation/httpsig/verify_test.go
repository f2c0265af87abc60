package httpsig

import (
	"context"
	"crypto"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestVerifyFailures(t *testing.T) {
	key := rsaKey(t, "rsa2048.pem")
	other := rsaKey(t, "rsa2048-rotated.pem")
	ed := ed25519Key(1)
	body := []byte(`{"type":"Create"}`)
	tests := []struct {
		name string
		// edit changes the signed client request before it is sent; it
		// returns the body the server receives.
		edit      func(t *testing.T, r *http.Request) []byte
		keys      []crypto.PublicKey // lookup answers; default key
		now       time.Time          // default testNow
		want      error
		wantCalls int32
	}{
		{name: "no signature", want: ErrNoSignature, edit: func(t *testing.T, r *http.Request) []byte {
			r.Header.Del("Signature")
			return body
		}},
		{name: "authorization with another scheme", want: ErrNoSignature, edit: func(t *testing.T, r *http.Request) []byte {
			r.Header.Del("Signature")
			r.Header.Set("Authorization", "Bearer abc")
			return body
		}},
		{name: "tampered body", want: ErrDigest, edit: func(t *testing.T, r *http.Request) []byte {
			return []byte(`{"type":"Delete"}`)
		}},
		{name: "digest header missing", want: ErrDigest, edit: func(t *testing.T, r *http.Request) []byte {
			r.Header.Del("Digest")
			return body
		}},
		{name: "digest of an unknown algorithm only", want: ErrDigest, edit: func(t *testing.T, r *http.Request) []byte {
			r.Header.Set("Digest", "MD5=Sd/dVLAcvNLSq16eXua5uQ==")
			signCustom(t, r, key, "rsa-sha256", "(request-target) host date digest", "")
			return body
		}},
		{name: "digest not signed on POST", want: ErrDigest, edit: func(t *testing.T, r *http.Request) []byte {
			signCustom(t, r, key, "rsa-sha256", "(request-target) host date", "")
			return body
		}},
		{name: "date too old", want: ErrDate, now: testNow.Add(2 * time.Hour)},
		{name: "date in the future", want: ErrDate, now: testNow.Add(-2 * time.Hour)},
		{name: "date unparsable", want: ErrDate, edit: func(t *testing.T, r *http.Request) []byte {
			r.Header.Set("Date", "yesterday")
			signCustom(t, r, key, "rsa-sha256", "(request-target) host date digest", "")
			return body
		}},
		{name: "created too old", want: ErrDate, edit: func(t *testing.T, r *http.Request) []byte {
			created := itoa(testNow.Add(-3 * time.Hour).Unix())
			signCustom(t, r, key, "hs2019", "(request-target) host (created) digest", ",created="+created)
			return body
		}},
		{name: "expires beyond 12 hours does not extend the window", want: ErrDate, now: testNow.Add(14 * time.Hour), edit: func(t *testing.T, r *http.Request) []byte {
			exp := itoa(testNow.Add(48 * time.Hour).Unix())
			signCustom(t, r, key, "hs2019", "(request-target) host date digest (expires)", ",expires="+exp)
			return body
		}},
		{name: "wrong key", want: ErrBadSignature, keys: []crypto.PublicKey{other.Public()}, wantCalls: 2},
		{name: "lookup error", want: ErrKeyFetch, keys: []crypto.PublicKey{}, wantCalls: 1},
		{name: "unsupported algorithm", want: ErrAlgorithm, edit: func(t *testing.T, r *http.Request) []byte {
			signCustom(t, r, key, "rsa-sha1", "(request-target) host date digest", "")
			return body
		}},
		{name: "rsa-sha256 label on an Ed25519 signature", want: ErrBadSignature, keys: []crypto.PublicKey{ed.Public()}, wantCalls: 2,
			edit: func(t *testing.T, r *http.Request) []byte {
				signCustom(t, r, ed, "rsa-sha256", "(request-target) host date digest", "")
				return body
			}},
		{name: "ed25519 label on an RSA signature", want: ErrBadSignature, wantCalls: 2, edit: func(t *testing.T, r *http.Request) []byte {
			signCustom(t, r, key, "ed25519", "(request-target) host date digest", "")
			return body
		}},
		{name: "request target not signed", want: ErrMalformed, edit: func(t *testing.T, r *http.Request) []byte {
			signCustom(t, r, key, "rsa-sha256", "host date digest", "")
			return body
		}},
		{name: "host not signed", want: ErrMalformed, edit: func(t *testing.T, r *http.Request) []byte {
			signCustom(t, r, key, "rsa-sha256", "(request-target) date digest", "")
			return body
		}},
		{name: "no date", want: ErrMalformed, edit: func(t *testing.T, r *http.Request) []byte {
			signCustom(t, r, key, "rsa-sha256", "(request-target) host digest", "")
			return body
		}},
		{name: "no headers parameter", want: ErrMalformed, edit: func(t *testing.T, r *http.Request) []byte {
			r.Header.Set("Signature", `keyId="`+testKeyID+`",signature="c2ln"`)
			return body
		}},
		{name: "signed header absent", want: ErrMalformed, edit: func(t *testing.T, r *http.Request) []byte {
			signCustom(t, r, key, "rsa-sha256", "(request-target) host date digest content-type", "")
			r.Header.Del("Content-Type")
			return body
		}},
		{name: "two Signature headers", want: ErrMalformed, edit: func(t *testing.T, r *http.Request) []byte {
			r.Header.Add("Signature", r.Header.Get("Signature"))
			return body
		}},
		{name: "unterminated quote", want: ErrMalformed, edit: func(t *testing.T, r *http.Request) []byte {
			r.Header.Set("Signature", strings.TrimSuffix(r.Header.Get("Signature"), `"`))
			return body
		}},
		{name: "oversized header", want: ErrMalformed, edit: func(t *testing.T, r *http.Request) []byte {
			r.Header.Set("Signature", r.Header.Get("Signature")+`,pad="`+strings.Repeat("x", maxHeaderLen)+`"`)
			return body
		}},
		{name: "signature bytes altered", want: ErrBadSignature, wantCalls: 2, edit: func(t *testing.T, r *http.Request) []byte {
			s := r.Header.Get("Signature")
			i := strings.Index(s, `signature="`) + len(`signature="`)
			flip := "B"
			if s[i] == 'B' {
				flip = "C"
			}
			r.Header.Set("Signature", s[:i]+flip+s[i+1:])
			return body
		}},
		{name: "path changed", want: ErrBadSignature, wantCalls: 2, edit: func(t *testing.T, r *http.Request) []byte {
			r.URL.Path = "/inbox"
			return body
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := signedPost(t, key, body)
			got := body
			if tt.edit != nil {
				got = tt.edit(t, r)
			}
			keys := tt.keys
			if keys == nil {
				keys = []crypto.PublicKey{key.Public()}
			}
			lookup := lookupOf(keys...)
			if len(keys) == 0 {
				lookup.err = errors.New("dial tcp: connection refused")
			}
			now := tt.now
			if now.IsZero() {
				now = testNow
			}
			_, err := Verify(received(t, r, got), got, lookup.lookup, now)
			t.Log(err)
			if !errors.Is(err, ErrUnauthorized) || !errors.Is(err, tt.want) {
				t.Fatalf("got error %v, want %v (and %v)", err, tt.want, ErrUnauthorized)
			}
			if n := lookup.calls.Load(); n != tt.wantCalls {
				t.Errorf("lookup called %d times, want %d", n, tt.wantCalls)
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestVerifyKeyRotation(t *testing.T) {
	oldKey := rsaKey(t, "rsa2048.pem")
	newKey := rsaKey(t, "rsa2048-rotated.pem")
	body := []byte(`{"type":"Update"}`)
	r := received(t, signedPost(t, newKey, body), body)
	lookup := lookupOf(oldKey.Public(), newKey.Public())
	res, err := Verify(r, body, lookup.lookup, testNow)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if res.Owner != testOwner || res.KeyID != testKeyID {
		t.Errorf("got %+v", res)
	}
	if calls, refreshes := lookup.calls.Load(), lookup.refreshes.Load(); calls != 2 || refreshes != 1 {
		t.Errorf("lookup called %d times with %d refreshes, want 2 and 1", calls, refreshes)
	}
}

// Requests that must pass although they are not what SignRequest sends.
func TestVerifyAccepts(t *testing.T) {
	key := rsaKey(t, "rsa2048.pem")
	body := []byte(`{"type":"Like"}`)
	sha512 := "SHA-512=" + base64.StdEncoding.EncodeToString(func() []byte { s := sha512.Sum512(body); return s[:] }())
	tests := []struct {
		name string
		edit func(t *testing.T, r *http.Request)
		now  time.Time
	}{
		{"date an hour in the future", nil, testNow.Add(-59 * time.Minute)},
		{"date 64 minutes old", nil, testNow.Add(64 * time.Minute)},
		{"(created) instead of date", func(t *testing.T, r *http.Request) {
			signCustom(t, r, key, "hs2019", "(request-target) host (created) digest", ",created="+itoa(testNow.Unix()))
		}, testNow},
		{"signed (expires) lengthens the window", func(t *testing.T, r *http.Request) {
			exp := itoa(testNow.Add(6 * time.Hour).Unix())
			signCustom(t, r, key, "hs2019", "(request-target) host date digest (expires)", ",expires="+exp)
		}, testNow.Add(7 * time.Hour)},
		{"no algorithm parameter", func(t *testing.T, r *http.Request) {
			signCustom(t, r, key, "", "(request-target) host date digest", "")
		}, testNow},
		{"SHA-512 and an unknown digest", func(t *testing.T, r *http.Request) {
			r.Header.Set("Digest", "X-UNKNOWN=abc, "+sha512)
			signCustom(t, r, key, "rsa-sha256", "(request-target) host date digest", "")
		}, testNow},
		{"lower-case digest algorithm next to SHA-512", func(t *testing.T, r *http.Request) {
			r.Header.Set("Digest", "sha-256="+strings.TrimPrefix(digestHeader(body), "SHA-256=")+","+sha512)
			signCustom(t, r, key, "rsa-sha256", "(request-target) host date digest", "")
		}, testNow},
		{"Authorization: Signature", func(t *testing.T, r *http.Request) {
			r.Header.Set("Authorization", "Signature "+r.Header.Get("Signature"))
			r.Header.Del("Signature")
		}, testNow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := signedPost(t, key, body)
			if tt.edit != nil {
				tt.edit(t, r)
			}
			if _, err := Verify(received(t, r, body), body, lookupOf(key.Public()).lookup, tt.now); err != nil {
				t.Errorf("Verify: %v", err)
			}
		})
	}
}

// The keyId reaches the lookup exactly as sent, whatever its form.
func TestVerifyPassesKeyIDThrough(t *testing.T) {
	key := ed25519Key(4)
	for _, keyID := range []string{
		"https://host.example/users/a#main-key",
		"https://host.example/users/a/main-key",
		"acct:a@host.example",
	} {
		t.Run(keyID, func(t *testing.T) {
			r, _ := http.NewRequest(http.MethodGet, "https://kith.example/users/kith", nil)
			if err := SignRequest(r, nil, keyID, key, testNow); err != nil {
				t.Fatal(err)
			}
			var got string
			res, err := Verify(received(t, r, nil), nil, func(_ context.Context, id string, _ bool) (Key, error) {
				got = id
				return Key{PublicKey: key.Public(), Owner: "https://host.example/users/a"}, nil
			}, testNow)
			if err != nil || got != keyID || res.KeyID != keyID {
				t.Errorf("got lookup(%q), Result.KeyID %q, err %v; want %q", got, res.KeyID, err, keyID)
			}
		})
	}
}

// A refresh that returns the same key is not verified twice, and a key
// without an owner is refused.
func TestVerifyLookupContract(t *testing.T) {
	key := ed25519Key(5)
	r := received(t, signedPost(t, ed25519Key(6), []byte("{}")), []byte("{}"))
	lookup := lookupOf(key.Public())
	if _, err := Verify(r, []byte("{}"), lookup.lookup, testNow); !errors.Is(err, ErrBadSignature) {
		t.Errorf("got %v, want %v", err, ErrBadSignature)
	}
	if n := lookup.refreshes.Load(); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
	_, err := Verify(r, []byte("{}"), func(context.Context, string, bool) (Key, error) {
		return Key{PublicKey: key.Public()}, nil
	}, testNow)
	if !errors.Is(err, ErrKeyFetch) {
		t.Errorf("key without owner: got %v, want %v", err, ErrKeyFetch)
	}
}
