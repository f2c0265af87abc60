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
