package httpsig

import (
	"slices"
	"strings"
	"testing"
)

func TestParseSignatureHeader(t *testing.T) {
	tests := []struct {
		name, in       string
		keyID, alg     string
		headers        []string
		sig            string // decoded
		created, expir string
	}{
		{
			name:    "mastodon",
			in:      `keyId="https://m.example/users/a#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest content-type",signature="c2ln"`,
			keyID:   "https://m.example/users/a#main-key",
			alg:     "rsa-sha256",
			headers: []string{"(request-target)", "host", "date", "digest", "content-type"},
			sig:     "sig",
		},
		{
			name:    "whitespace around separators and a trailing comma",
			in:      ` keyId = "k" ,	headers="(request-target)  Host DATE" , signature="c2ln",`,
			keyID:   "k",
			headers: []string{"(request-target)", "host", "date"},
			sig:     "sig",
		},
		{
			name:    "comma and escaped quote inside quotes",
			in:      `keyId="acct:a,b\"c@host",signature="c2ln",headers="date"`,
			keyID:   `acct:a,b"c@host`,
			headers: []string{"date"},
			sig:     "sig",
		},
		{
			name:    "stray Signature prefix, unknown and case-folded params",
			in:      `Signature KEYID="k",Algorithm="HS2019",nonce="x",created=1700000000,expires=1700000300.5,signature="c2ln"`,
			keyID:   "k",
			alg:     "hs2019",
			headers: []string{"(created)"},
			sig:     "sig",
			created: "1700000000",
			expir:   "1700000300.5",
		},
		{
			name:    "unpadded base64 and token values",
			in:      `keyId=k,signature="c2lnMQ",headers=date`,
			keyID:   "k",
			headers: []string{"date"},
			sig:     "sig1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParseSignatureHeader(tt.in)
			if err != nil {
				t.Fatalf("ParseSignatureHeader: %v", err)
			}
			if p.KeyID != tt.keyID || p.Algorithm != tt.alg || string(p.Signature) != tt.sig {
				t.Errorf("got keyId %q alg %q sig %q, want %q %q %q", p.KeyID, p.Algorithm, p.Signature, tt.keyID, tt.alg, tt.sig)
			}
			if !slices.Equal(p.Headers, tt.headers) {
				t.Errorf("got headers %q, want %q", p.Headers, tt.headers)
			}
			if p.Created != tt.created || p.Expires != tt.expir {
				t.Errorf("got created %q expires %q, want %q %q", p.Created, p.Expires, tt.created, tt.expir)
			}
		})
	}
}

func TestParseSignatureHeaderErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", ``, "missing keyId"},
		{"only commas", ` , ,`, "missing keyId"},
		{"missing keyId", `signature="c2ln"`, "missing keyId"},
		{"missing signature", `keyId="k"`, "missing signature"},
		{"empty signature", `keyId="k",signature=""`, "missing signature"},
		{"duplicate", `keyId="k",keyid="j",signature="c2ln"`, "duplicate parameter"},
		{"unterminated quote", `signature="c2ln",keyId="k`, "unterminated"},
		{"backslash at end", `keyId="k\`, "unterminated"},
		{"no value", `keyId,signature="c2ln"`, "has no value"},
		{"empty token value", `keyId=,signature="c2ln"`, "empty value"},
		{"garbage after value", `keyId="k" x,signature="c2ln"`, "expected ','"},
		{"no name", `="k"`, "expected a parameter name"},
		{"bad base64", `keyId="k",signature="c2ln!"`, "signature"},
		{"empty headers", `keyId="k",signature="c2ln",headers=""`, "empty headers"},
		{"too many headers", `keyId="k",signature="c2ln",headers="` + strings.Repeat("a ", 33) + `"`, "more than"},
		{"created not a number", `keyId="k",signature="c2ln",created="soon"`, "created"},
		{"expires negative", `keyId="k",signature="c2ln",expires="-1"`, "expires"},
		{"too long", `keyId="` + strings.Repeat("k", maxHeaderLen) + `",signature="c2ln"`, "longer than"},
		{"RFC 9421 dictionary", `sig1=:c2ln:`, "has an empty value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSignatureHeader(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}
