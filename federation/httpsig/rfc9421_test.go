package httpsig

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestRFC9421VectorB26 checks the signature base and the Ed25519
// signature of RFC 9421 Appendix B.2.6 against the RFC's own text and key.
func TestRFC9421VectorB26(t *testing.T) {
	pub, err := x509.ParsePKIXPublicKey(readPEM(t, "rfc9421-test-ed25519.pem").Bytes)
	if err != nil {
		t.Fatal(err)
	}
	key := Key{PublicKey: pub, Owner: "test"}
	r, body := readVector(t, "rfc9421-b26.http")
	inputs, err := parseSFDictionary(r.Header.Get("Signature-Input"))
	if err != nil {
		t.Fatal(err)
	}
	sigs, err := parseSFDictionary(r.Header.Get("Signature"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := readSig9421(inputs[0], sigs)
	if err != nil {
		t.Fatal(err)
	}
	bases, err := signatureBases(r, s)
	if err != nil {
		t.Fatal(err)
	}
	candidates := func(r *http.Request) *baseSet { return newBaseSet(r, s) }
	want := strings.Join([]string{
		`"date": Tue, 20 Apr 2021 02:07:55 GMT`,
		`"@method": POST`,
		`"@path": /foo`,
		`"@authority": example.com`,
		`"content-type": application/json`,
		`"content-length": 18`,
		`"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"`,
	}, "\n")
	if bases[0] != want {
		t.Fatalf("signature base:\n%s\nwant:\n%s", bases[0], want)
	}
	if alg, err := verifyKey9421(key, s, candidates(r)); err != nil || alg != "ed25519" {
		t.Fatalf("B.2.6 does not verify: %q %v", alg, err)
	}

	// Any covered component changed: the signature no longer verifies.
	for _, edit := range []struct{ header, value string }{
		{"Date", "Tue, 20 Apr 2021 02:07:56 GMT"},
		{"Content-Type", "application/activity+json"},
		{"Content-Length", "19"},
	} {
		r2, _ := readVector(t, "rfc9421-b26.http")
		r2.Header.Set(edit.header, edit.value)
		if _, err := verifyKey9421(key, s, candidates(r2)); err == nil {
			t.Errorf("verified with %s changed", edit.header)
		}
	}
	r3, _ := readVector(t, "rfc9421-b26.http")
	r3.RequestURI = "/bar?param=Value&Pet=dog"
	r3.Host = "example.org"
	if _, err := verifyKey9421(key, s, candidates(r3)); err == nil {
		t.Error("verified for another path and authority")
	}

	// As a delivery the example falls short: its query and body are not
	// covered (no @query, no content-digest), so the same signature would
	// carry any query and any activity.
	_, err = Verify(r, body, func(context.Context, string, bool) (Key, error) { return key, nil },
		time.Unix(1618884473, 0))
	if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrDigest) {
		t.Errorf("B.2.6 accepted as an inbox POST: %v", err)
	}
}

// TestRFC9421FedifyVector verifies a POST in the shape Fedify signs first,
// signed by OpenSSL rather than by kith.
func TestRFC9421FedifyVector(t *testing.T) {
	r, body := readVector(t, "fedify-post-rfc9421.http")
	lookup := lookupOf(rsaKey(t, "rsa2048.pem").Public())
	res, err := Verify(r, body, lookup.lookup, vectorNow)
	if err != nil {
		t.Fatal(err)
	}
	if res.Scheme != RFC9421 || res.Owner != testOwner || res.Algorithm != "rsa-sha256" || len(res.Signature) != 256 {
		t.Errorf("result %+v", res)
	}
	if !res.Created.Equal(vectorNow) {
		t.Errorf("created %v, want %v", res.Created, vectorNow)
	}
	// Tampering with any signed part fails.
	tamper := map[string]func(r *http.Request) []byte{
		"body": func(*http.Request) []byte { return []byte(strings.Replace(string(body), "hello", "HELLO", 1)) },
		"content-digest": func(r *http.Request) []byte {
			r.Header.Set("Content-Digest", "sha-256=:"+strings.Repeat("A", 43)+"=:")
			return body
		},
		"date": func(r *http.Request) []byte {
			r.Header.Set("Date", "Tue, 03 Mar 2026 10:00:01 GMT")
			return body
		},
		"path":   func(r *http.Request) []byte { r.RequestURI = "/users/kith/inbox2"; return body },
		"host":   func(r *http.Request) []byte { r.Host = "kith.example:8443"; return body },
		"method": func(r *http.Request) []byte { r.Method = "PUT"; return body },
		"created": func(r *http.Request) []byte {
			r.Header.Set("Signature-Input", strings.Replace(r.Header.Get("Signature-Input"), "created=1772532000", "created=1772532001", 1))
			return body
		},
		"components": func(r *http.Request) []byte {
			r.Header.Set("Signature-Input", strings.Replace(r.Header.Get("Signature-Input"), `"date" `, "", 1))
			return body
		},
	}
	for name, edit := range tamper {
		r, _ := readVector(t, "fedify-post-rfc9421.http")
		b := edit(r)
		if _, err := Verify(r, b, lookup.lookup, vectorNow); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("%s tampered: %v", name, err)
		}
	}
}

// TestRFC9421RoundTrip signs with SignRequest9421 and verifies what a
// server receives, with both key types, on POST and GET.
func TestRFC9421RoundTrip(t *testing.T) {
	body := []byte(`{"type":"Create"}`)
	for _, k := range []struct {
		name string
		key  crypto.Signer
		alg  string
	}{{"rsa", rsaKey(t, "rsa2048.pem"), "rsa-sha256"}, {"ed25519", ed25519Key(3), "ed25519"}} {
		for _, method := range []string{http.MethodPost, http.MethodGet} {
			b := body
			if method == http.MethodGet {
				b = nil
			}
			r, err := http.NewRequest(method, "https://kith.example/users/kith/outbox?page=true", nil)
			if err != nil {
				t.Fatal(err)
			}
			// A retried request may still carry the other scheme's headers.
			r.Header.Set("Digest", "SHA-256=stale")
			if err := SignRequest9421(r, b, testKeyID, k.key, testNow); err != nil {
				t.Fatal(err)
			}
			if r.Header.Get("Digest") != "" {
				t.Error("draft-cavage Digest left on an RFC 9421 request")
			}
			res, err := Verify(received(t, r, b), b, lookupOf(k.key.Public()).lookup, testNow.Add(time.Minute))
			if err != nil {
				t.Fatalf("%s %s: %v", k.name, method, err)
			}
			if res.Scheme != RFC9421 || res.Algorithm != k.alg {
				t.Errorf("%s %s: %+v", k.name, method, res)
			}
			// And back to draft-cavage on the same request: the RFC 9421
			// headers must not survive, or the verifier would read them.
			if err := SignRequest(r, b, testKeyID, k.key, testNow); err != nil {
				t.Fatal(err)
			}
			res, err = Verify(received(t, r, b), b, lookupOf(k.key.Public()).lookup, testNow)
			if err != nil || res.Scheme != Cavage {
				t.Errorf("%s %s re-signed with draft-cavage: %+v %v", k.name, method, res, err)
			}
		}
	}
}

func TestRFC9421Failures(t *testing.T) {
	key := rsaKey(t, "rsa2048.pem")
	body := []byte(`{"type":"Create"}`)
	sign := func(t *testing.T) *http.Request {
		r, _ := http.NewRequest(http.MethodPost, "https://kith.example/users/kith/inbox", nil)
		if err := SignRequest9421(r, body, testKeyID, key, testNow); err != nil {
			t.Fatal(err)
		}
		return r
	}
	input := func(r *http.Request, old, new string) {
		r.Header.Set("Signature-Input", strings.Replace(r.Header.Get("Signature-Input"), old, new, 1))
	}
	tests := []struct {
		name string
		edit func(r *http.Request) []byte
		keys []crypto.PublicKey
		now  time.Time
		want error
	}{
		{name: "tampered body", want: ErrDigest, edit: func(*http.Request) []byte { return []byte(`{"type":"Delete"}`) }},
		{name: "content-digest missing", want: ErrDigest, edit: func(r *http.Request) []byte {
			r.Header.Del("Content-Digest")
			return body
		}},
		{name: "content-digest not signed", want: ErrDigest, edit: func(r *http.Request) []byte {
			input(r, ` "content-digest"`, "")
			return body
		}},
		{name: "digest of an unknown algorithm only", want: ErrDigest, edit: func(r *http.Request) []byte {
			r.Header.Set("Content-Digest", "md5=:Sd/dVLAcvNLSq16eXua5uQ==:")
			return body
		}},
		{name: "method not signed", want: ErrMalformed, edit: func(r *http.Request) []byte {
			input(r, `"@method" `, "")
			return body
		}},
		{name: "target not signed", want: ErrMalformed, edit: func(r *http.Request) []byte {
			input(r, `"@target-uri" `, "")
			return body
		}},
		{name: "component twice", want: ErrMalformed, edit: func(r *http.Request) []byte {
			input(r, `"@method"`, `"@method" "@method"`)
			return body
		}},
		{name: "component with parameters", want: ErrMalformed, edit: func(r *http.Request) []byte {
			input(r, `"@authority"`, `"@authority";sf`)
			return body
		}},
		{name: "unknown derived component", want: ErrMalformed, edit: func(r *http.Request) []byte {
			input(r, `"@authority"`, `"@status"`)
			return body
		}},
		{name: "no created", want: ErrMalformed, edit: func(r *http.Request) []byte {
			r.Header.Set("Signature-Input", strings.Split(r.Header.Get("Signature-Input"), ";created=")[0]+`;keyid="`+testKeyID+`"`)
			return body
		}},
		{name: "no keyid", want: ErrMalformed, edit: func(r *http.Request) []byte {
			input(r, `keyid=`, `kid=`)
			return body
		}},
		{name: "signature label missing", want: ErrMalformed, edit: func(r *http.Request) []byte {
			r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), "sig1=", "sig2=", 1))
			return body
		}},
		{name: "signature not a byte sequence", want: ErrMalformed, edit: func(r *http.Request) []byte {
			r.Header.Set("Signature", `sig1="abc"`)
			return body
		}},
		{name: "not a dictionary", want: ErrMalformed, edit: func(r *http.Request) []byte {
			r.Header.Set("Signature-Input", `("@method")`)
			return body
		}},
		{name: "hmac", want: ErrAlgorithm, edit: func(r *http.Request) []byte {
			input(r, `alg="rsa-v1_5-sha256"`, `alg="hmac-sha256"`)
			return body
		}},
		{name: "alg of another key type", want: ErrBadSignature, edit: func(r *http.Request) []byte {
			input(r, `alg="rsa-v1_5-sha256"`, `alg="ed25519"`)
			return body
		}},
		{name: "created in the future", want: ErrDate, now: testNow.Add(-2 * time.Hour), edit: func(*http.Request) []byte { return body }},
		{name: "expired", want: ErrDate, now: testNow.Add(2 * time.Hour), edit: func(*http.Request) []byte { return body }},
		{name: "expires lengthened", want: ErrBadSignature, edit: func(r *http.Request) []byte {
			input(r, `;alg=`, `;expires=9999999999;alg=`)
			return body
		}},
		{name: "another key", want: ErrBadSignature, keys: []crypto.PublicKey{rsaKey(t, "rsa2048-rotated.pem").Public()},
			edit: func(*http.Request) []byte { return body }},
		{name: "oversized", want: ErrMalformed, edit: func(r *http.Request) []byte {
			r.Header.Set("Signature-Input", r.Header.Get("Signature-Input")+", "+strings.Repeat("x", maxHeaderLen))
			return body
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sign(t)
			b := tt.edit(r)
			keys := tt.keys
			if keys == nil {
				keys = []crypto.PublicKey{key.Public()}
			}
			now := tt.now
			if now.IsZero() {
				now = testNow
			}
			_, err := Verify(received(t, r, b), b, lookupOf(keys...).lookup, now)
			if !errors.Is(err, tt.want) || !errors.Is(err, ErrUnauthorized) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}

// A second, acceptable signature after one that covers too little is the
// one verified.
func TestRFC9421SecondLabel(t *testing.T) {
	key := rsaKey(t, "rsa2048.pem")
	body := []byte(`{"type":"Create"}`)
	r, _ := http.NewRequest(http.MethodPost, "https://kith.example/users/kith/inbox", nil)
	if err := SignRequest9421(r, body, testKeyID, key, testNow); err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Signature-Input", `weak=("@method");created=1;keyid="x", `+r.Header.Get("Signature-Input"))
	r.Header.Set("Signature", `weak=:c2ln:, `+r.Header.Get("Signature"))
	if _, err := Verify(received(t, r, body), body, lookupOf(key.Public()).lookup, testNow); err != nil {
		t.Fatal(err)
	}
}

func TestSFDictionary(t *testing.T) {
	good := map[string]string{
		`sig1=("@method" "@target-uri");created=1;keyid="a\"b"`: `("@method" "@target-uri");created=1;keyid="a\"b"`,
		`a=(  "x"   "y" );k=tok/en:1;b;c=?0, b=:AAE=:`:          `("x" "y");k=tok/en:1;b;c=?0`,
		`sig1=("date"), sig1=("@method")`:                       `("@method")`,
		`sig1=()`:                                               `()`,
	}
	for in, want := range good {
		ms, err := parseSFDictionary(in)
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		var b strings.Builder
		writeInnerList(&b, ms[0].items, ms[0].params)
		if b.String() != want {
			t.Errorf("%q serialized as %q, want %q", in, b.String(), want)
		}
	}
	for _, in := range []string{`sig1=("a"`, `Sig1=("a")`, `a=("a")x`, `a=1.5`, `a="\x"`, `a=:%%:`, `a=1,`, `a=1234567890123456`, "a=\"\x01\""} {
		if _, err := parseSFDictionary(in); err == nil {
			t.Errorf("%q parsed", in)
		}
	}
}
