package proof

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// The W3C vc-di-eddsa test vector's key (TestVectors/keyPair.json).
const w3cMultikey = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"

func TestIntegrityW3CVector(t *testing.T) {
	doc, err := os.ReadFile("testdata/w3c-eddsa-jcs-2022.json")
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ParseMultikey(w3cMultikey)
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParseIntegrity(doc)
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://vc.example/issuers/5678#" + w3cMultikey; p.Method != want {
		t.Errorf("method = %q, want %q", p.Method, want)
	}
	if err := p.Verify(pub); err != nil {
		t.Fatalf("W3C vector does not verify: %v", err)
	}
	assertTamperFails(t, doc, pub)
}

// assertTamperFails changes every string of doc in turn, the proof's
// own fields (but proofValue's encoding) included, and wants each copy
// refused.
func assertTamperFails(t *testing.T, doc []byte, pub ed25519.PublicKey) {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatal(err)
	}
	n := 0
	for path := range stringPaths(v, "") {
		tampered := setString(cloneJSON(t, v), strings.Split(path, "/")[1:], "tampered")
		b, _ := json.Marshal(tampered)
		p, err := ParseIntegrity(b)
		if err == nil {
			err = p.Verify(pub)
		}
		if err == nil {
			t.Errorf("changing %s still verifies", path)
		}
		n++
	}
	if n < 5 {
		t.Fatalf("only %d fields tampered with", n)
	}
	// An added member is a change too.
	var m map[string]any
	json.Unmarshal(doc, &m)
	m["extra"] = true
	b, _ := json.Marshal(m)
	if p, err := ParseIntegrity(b); err == nil && p.Verify(pub) == nil {
		t.Error("an added member still verifies")
	}
}

func stringPaths(v any, prefix string) map[string]bool {
	out := map[string]bool{}
	switch v := v.(type) {
	case string:
		out[prefix] = true
	case map[string]any:
		for k, e := range v {
			for p := range stringPaths(e, prefix+"/"+k) {
				out[p] = true
			}
		}
	case []any:
		for i, e := range v {
			for p := range stringPaths(e, prefix+"/"+itoa(i)) {
				out[p] = true
			}
		}
	}
	return out
}

func itoa(i int) string { return string(rune('0' + i)) }

func cloneJSON(t *testing.T, v any) any {
	b, _ := json.Marshal(v)
	var c any
	json.Unmarshal(b, &c)
	return c
}

func setString(v any, path []string, s string) any {
	if len(path) == 0 {
		return s
	}
	switch c := v.(type) {
	case map[string]any:
		c[path[0]] = setString(c[path[0]], path[1:], s)
	case []any:
		i := int(path[0][0] - '0')
		c[i] = setString(c[i], path[1:], s)
	}
	return v
}

func TestIntegritySignRoundTrip(t *testing.T) {
	pub, key, _ := ed25519.GenerateKey(nil)
	doc := []byte(`{"@context":["https://www.w3.org/ns/activitystreams","https://w3id.org/security/data-integrity/v1"],` +
		`"id":"https://a.test/notes/1","type":"Note","content":"<p>héllo 𝄞 \"q\"</p>","n":1e21,"to":["https://www.w3.org/ns/activitystreams#Public"]}`)
	method := "https://a.test/users/a#ed25519-key"
	signed, err := SignIntegrity(doc, key, method, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(signed, doc[:len(doc)-1]) {
		t.Errorf("signing rewrote the document: %s", signed)
	}
	p, err := ParseIntegrity(signed)
	if err != nil {
		t.Fatal(err)
	}
	if p.Method != method || p.Created != "2026-01-02T03:04:05Z" {
		t.Errorf("method, created = %q, %q", p.Method, p.Created)
	}
	if err := p.Verify(pub); err != nil {
		t.Fatal(err)
	}
	other, _, _ := ed25519.GenerateKey(nil)
	if err := p.Verify(other); !errors.Is(err, ErrBadProof) {
		t.Errorf("another key: err = %v, want ErrBadProof", err)
	}
	assertTamperFails(t, signed, pub)
}

func TestIntegrityRefusesMalformed(t *testing.T) {
	for name, doc := range map[string]string{
		"no proof":         `{"type":"Note"}`,
		"other suite":      `{"proof":{"type":"DataIntegrityProof","cryptosuite":"eddsa-rdfc-2022","verificationMethod":"x","proofPurpose":"assertionMethod","proofValue":"z1"}}`,
		"not base58btc":    `{"proof":{"type":"DataIntegrityProof","cryptosuite":"eddsa-jcs-2022","verificationMethod":"x","proofPurpose":"assertionMethod","proofValue":"uAAAA"}}`,
		"short signature":  `{"proof":{"type":"DataIntegrityProof","cryptosuite":"eddsa-jcs-2022","verificationMethod":"x","proofPurpose":"assertionMethod","proofValue":"z2222"}}`,
		"other purpose":    `{"proof":{"type":"DataIntegrityProof","cryptosuite":"eddsa-jcs-2022","verificationMethod":"x","proofPurpose":"authentication","proofValue":"z2222"}}`,
		"not an object":    `["proof"]`,
		"trailing data":    `{"type":"Note"} {}`,
		"context mismatch": `{"@context":"a","proof":{"@context":"b","type":"DataIntegrityProof","cryptosuite":"eddsa-jcs-2022","verificationMethod":"x","proofPurpose":"assertionMethod","proofValue":"z` + strings.Repeat("2", 88) + `"}}`,
	} {
		if _, err := ParseIntegrity([]byte(doc)); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}

func TestMultikey(t *testing.T) {
	pub, _, _ := ed25519.GenerateKey(nil)
	s := Multikey(pub)
	if !strings.HasPrefix(s, "z6Mk") {
		t.Errorf("multikey %q does not start z6Mk", s)
	}
	got, err := ParseMultikey(s)
	if err != nil || !bytes.Equal(got, pub) {
		t.Errorf("round trip: %x, %v", got, err)
	}
	for _, bad := range []string{"", "z", "6Mk", "z6Mk0OIl", "z" + encodeBase58(append([]byte{0xe7, 0x01}, pub...))} {
		if _, err := ParseMultikey(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestCanonical(t *testing.T) {
	for in, want := range map[string]string{
		// RFC 8785 §3.2.2 and appendix B number examples.
		`[0, -0, 1e21, 1e20, 123456789012345680000, 1e-7, 0.000001, 4.5, 2e-3, 333333333.33333329, 1E30, -5e-324, 9007199254740993]`: `[0,0,1e+21,100000000000000000000,123456789012345680000,1e-7,0.000001,4.5,0.002,333333333.3333333,1e+30,-5e-324,9007199254740992]`,
		`{"b":1, "a":{"d":[true,null], "c":"\u00e9\u20ac\n\u001f\"\\/"}}`:                                                            `{"a":{"c":"é€\n\u001f\"\\/","d":[true,null]},"b":1}`,
		// Sorted by UTF-16 code units: U+1F600 (D83D DE00) sorts before U+FB33.
		`{"\ufb33":1,"\ud83d\ude00":2,"a":3}`: "{\"a\":3,\"\U0001F600\":2,\"\uFB33\":1}",
	} {
		got, err := Canonical([]byte(in))
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if string(got) != want {
			t.Errorf("Canonical(%s)\n got %s\nwant %s", in, got, want)
		}
	}
	for _, bad := range []string{`1e400`, "\"\xff\"", `{`, `{} x`} {
		if _, err := Canonical([]byte(bad)); err == nil {
			t.Errorf("Canonical(%q) succeeded", bad)
		}
	}
}

// fedifyMultikey is the public key of the Ed25519 pair Fedify 2.3.6
// signed testdata/fedify-create.json with (signObject).
const fedifyMultikey = "z6MkhfY9sQkzKE3hdQe3E8DKPdSoDLDnmCdkcLS7axSYBuFM"

// TestIntegrityCoversLDSignature: a proof made after an LD signature was
// added covers it, and verifies (the second document tried); one made
// before it (Fedify's order) verifies too, and a changed signature value
// fails only the proof that covers it.
func TestIntegrityCoversLDSignature(t *testing.T) {
	pub, key, _ := ed25519.GenerateKey(nil)
	withSig := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"https://a.test/c/1","type":"Create",` +
		`"signature":{"type":"RsaSignature2017","signatureValue":"abc"}}`)
	signed, err := SignIntegrity(withSig, key, "https://a.test/users/a#k", time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParseIntegrity(signed)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Verify(pub); err != nil {
		t.Fatalf("a proof covering the LD signature: %v", err)
	}
	changed := bytes.Replace(signed, []byte(`"abc"`), []byte(`"abd"`), 1)
	if p, err = ParseIntegrity(changed); err != nil {
		t.Fatal(err)
	}
	if err := p.Verify(pub); !errors.Is(err, ErrBadProof) {
		t.Errorf("changed LD signature under the proof: err = %v, want ErrBadProof", err)
	}
	// Twice: Verify restores the document it tried the second time.
	if err := p.Verify(pub); !errors.Is(err, ErrBadProof) {
		t.Errorf("second Verify: err = %v, want ErrBadProof", err)
	}
}

func TestIntegrityFedifyVector(t *testing.T) {
	doc, err := os.ReadFile("testdata/fedify-create.json")
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ParseMultikey(fedifyMultikey)
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParseIntegrity(doc)
	if err != nil {
		t.Fatal(err)
	}
	if p.Method != "https://peer.test/users/peer#ed25519-key" {
		t.Errorf("method = %q", p.Method)
	}
	if err := p.Verify(pub); err != nil {
		t.Fatalf("Fedify's proof does not verify: %v", err)
	}
	assertTamperFails(t, doc, pub)
}

// TestBase58RoundTrip: decoding undoes encoding, leading zero bytes
// (written as "1") included, and the known value of Bitcoin's alphabet.
func TestBase58RoundTrip(t *testing.T) {
	for _, b := range [][]byte{{}, {0}, {0, 0, 1}, {0xff}, []byte("hello world"), bytes.Repeat([]byte{0xab}, 64), append([]byte{0, 0}, bytes.Repeat([]byte{7}, 33)...)} {
		got, err := decodeBase58(encodeBase58(b))
		if err != nil || !bytes.Equal(got, b) {
			t.Errorf("%x: round trip gives %x, %v", b, got, err)
		}
	}
	if got, err := decodeBase58("StV1DL6CwTryKyV"); err != nil || string(got) != "hello world" {
		t.Errorf(`"StV1DL6CwTryKyV" decodes to %q, %v`, got, err)
	}
}
