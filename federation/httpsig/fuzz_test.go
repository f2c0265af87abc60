package httpsig

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// FuzzParseSignatureHeader checks the parser never panics and that what
// it accepts is internally consistent.
func FuzzParseSignatureHeader(f *testing.F) {
	for _, s := range []string{
		`keyId="https://m.example/users/a#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="c2ln"`,
		`Signature keyId="k",created=1700000000,expires=1700000300.5,signature="c2ln"`,
		`keyId="a\"b,c",signature=c2ln,headers="date",,`,
		`sig1=:c2ln:`,
		`keyId="k\`,
		` , = "`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseSignatureHeader(s)
		if err != nil {
			return
		}
		if p.KeyID == "" || len(p.Signature) == 0 {
			t.Errorf("accepted %q with keyId %q and signature %q", s, p.KeyID, p.Signature)
		}
		if len(p.Headers) == 0 || len(p.Headers) > maxSignedHeaders {
			t.Errorf("accepted %q with %d headers", s, len(p.Headers))
		}
		for _, h := range p.Headers {
			if h == "" || h != strings.ToLower(h) {
				t.Errorf("accepted %q with header %q", s, h)
			}
		}
	})
}

// FuzzVerify feeds arbitrary Signature, Digest and Date values to Verify:
// it must not panic, must call the lookup only for a parsed keyId, and
// every error must wrap ErrUnauthorized.
func FuzzVerify(f *testing.F) {
	key := rsaKey(f, "rsa2048.pem")
	body := []byte(`{"type":"Create"}`)
	r := signedPost(f, key, body)
	f.Add(r.Header.Get("Signature"), r.Header.Get("Digest"), r.Header.Get("Date"), string(body))
	f.Add(`keyId="k",headers="(request-target) host (created) (expires)",created=1,expires=99999999999,signature="c2ln"`, "", "", "")
	f.Add(`keyId="k",headers="(request-target) host date digest",signature="AAAA"`, "SHA-256=;SHA-512=,=", "Sun, 06 Nov 1994 08:49:37 GMT", "x")
	pub := key.Public()
	f.Fuzz(func(t *testing.T, sig, digest, date, b string) {
		req, _ := http.NewRequest(http.MethodPost, "https://kith.example/users/kith/inbox", nil)
		req.Header.Set("Signature", sig)
		req.Header.Set("Digest", digest)
		req.Header.Set("Date", date)
		_, err := Verify(req, []byte(b), func(_ context.Context, keyID string, _ bool) (Key, error) {
			if keyID == "" {
				t.Error("lookup called with an empty keyId")
			}
			return Key{PublicKey: pub, Owner: testOwner}, nil
		}, testNow)
		if err != nil && !errors.Is(err, ErrUnauthorized) {
			t.Errorf("error %v does not wrap ErrUnauthorized", err)
		}
	})
}

// FuzzParseSFDictionary checks the structured-field parser never panics
// and that an inner list it accepts serializes to text it reads back the
// same way, which is what the signature base relies on.
func FuzzParseSFDictionary(f *testing.F) {
	for _, s := range []string{
		`sig1=("@method" "@target-uri" "@authority" "content-digest");alg="rsa-v1_5-sha256";keyid="https://a.example/u#k";created=1772532000`,
		`sig1=:c2ln:, sig2=:AAE=:`,
		`sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:`,
		`a=(  "x"   "y" );k=tok/en:1;b;c=?0, b=?1;d=-5`,
		`a=("\"\\")`,
		`a=1.5, b="`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ms, err := parseSFDictionary(s)
		if err != nil {
			return
		}
		if len(ms) > maxSFMembers {
			t.Fatalf("%d members", len(ms))
		}
		for _, m := range ms {
			if !m.list {
				continue
			}
			var b strings.Builder
			writeInnerList(&b, m.items, m.params)
			again, err := parseSFDictionary(m.key + "=" + b.String())
			if err != nil {
				t.Fatalf("%q serialized as %q, which does not parse: %v", s, b.String(), err)
			}
			var b2 strings.Builder
			writeInnerList(&b2, again[0].items, again[0].params)
			if b.String() != b2.String() {
				t.Fatalf("%q: %q then %q", s, b.String(), b2.String())
			}
		}
	})
}

// FuzzVerify9421 feeds arbitrary Signature-Input, Signature and
// Content-Digest values to Verify: it must not panic, must call the lookup
// only for a non-empty keyid, and every error must wrap ErrUnauthorized.
func FuzzVerify9421(f *testing.F) {
	key := rsaKey(f, "rsa2048.pem")
	body := []byte(`{"type":"Create"}`)
	r, _ := http.NewRequest(http.MethodPost, "https://kith.example/users/kith/inbox", nil)
	if err := SignRequest9421(r, body, testKeyID, key, testNow); err != nil {
		f.Fatal(err)
	}
	f.Add(r.Header.Get("Signature-Input"), r.Header.Get("Signature"), r.Header.Get("Content-Digest"), string(body))
	f.Add(`sig1=("@method" "@path" "@authority" "content-digest");created=1;expires=99999999999;keyid="k"`, `sig1=:AAAA:`, `sha-512=:AA==:, sha-256=:AA==:`, "x")
	f.Add(`a=("host" "@query");created=-1;keyid=""`, `a=()`, ``, ``)
	pub := key.Public()
	f.Fuzz(func(t *testing.T, input, sig, digest, b string) {
		req, _ := http.NewRequest(http.MethodPost, "https://kith.example/users/kith/inbox?x=1", nil)
		req.Header.Set("Signature-Input", input)
		req.Header.Set("Signature", sig)
		req.Header.Set("Content-Digest", digest)
		_, err := Verify(req, []byte(b), func(_ context.Context, keyID string, _ bool) (Key, error) {
			if keyID == "" {
				t.Error("lookup called with an empty keyid")
			}
			return Key{PublicKey: pub, Owner: testOwner}, nil
		}, testNow)
		if err != nil && !errors.Is(err, ErrUnauthorized) {
			t.Errorf("error %v does not wrap ErrUnauthorized", err)
		}
	})
}
