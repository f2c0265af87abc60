package proof

import (
	"crypto/ed25519"
	"os"
	"syscall"
	"testing"
	"time"
)

// FuzzIntegrity feeds hostile documents to the proof parser: it must
// never panic, and nothing but the signed bytes' canonical form may
// verify under the signing key.
func FuzzIntegrity(f *testing.F) {
	w3c, err := os.ReadFile("testdata/w3c-eddsa-jcs-2022.json")
	if err != nil {
		f.Fatal(err)
	}
	fedify, err := os.ReadFile("testdata/fedify-create.json")
	if err != nil {
		f.Fatal(err)
	}
	seed := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	signed, err := SignIntegrity([]byte(`{"type":"Note","content":"hi","n":[1.5,-0,1e300]}`), seed, "https://a.test/u#k", time.Unix(0, 0))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range [][]byte{w3c, fedify, signed, []byte(`{"proof":[{},{"type":"DataIntegrityProof"}]}`)} {
		f.Add(s)
	}
	want, _ := Canonical(signed)
	f.Fuzz(func(t *testing.T, doc []byte) {
		p, err := ParseIntegrity(doc)
		if err != nil {
			return
		}
		if p.Verify(seed.Public().(ed25519.PublicKey)) == nil {
			got, err := Canonical(doc)
			if err != nil || string(got) != string(want) {
				t.Fatalf("a different document verifies: %s", doc)
			}
		}
	})
}

// BenchmarkIntegrityVerify measures one eddsa-jcs-2022 verification of a
// Create the size Fedify sends: parse, canonicalise, hash, Ed25519.
func BenchmarkIntegrityVerify(b *testing.B) {
	doc, err := os.ReadFile("testdata/fedify-create.json")
	if err != nil {
		b.Fatal(err)
	}
	pub, err := ParseMultikey(fedifyMultikey)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		p, err := ParseIntegrity(doc)
		if err != nil {
			b.Fatal(err)
		}
		if err := p.Verify(pub); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIntegritySignature measures the Ed25519 check alone, the part
// that does not grow with the document.
func BenchmarkIntegritySignature(b *testing.B) {
	doc, err := os.ReadFile("testdata/fedify-create.json")
	if err != nil {
		b.Fatal(err)
	}
	pub, _ := ParseMultikey(fedifyMultikey)
	p, err := ParseIntegrity(doc)
	if err != nil {
		b.Fatal(err)
	}
	defer reportCPU(b)()
	for b.Loop() {
		if err := p.Verify(pub); err != nil {
			b.Fatal(err)
		}
	}
}

// reportCPU adds the process's CPU time per operation to a benchmark:
// on a machine shared with other work, wall time per operation says more
// about the neighbours than about the code.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/float64(b.N)/1000, "cpu-µs/op")
		}
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// FuzzLDSignature feeds hostile documents to the LD signature parser and
// its JSON-LD canonicaliser: no panic, no fetch (the loader has none).
func FuzzLDSignature(f *testing.F) {
	for _, name := range []string{"mastodon-reply-signed.json", "mastodon-create-with-attachment.json"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"@context":{"@vocab":"http://x/"},"a":[{},{},{"b":{}}],"signature":{"type":"RsaSignature2017","creator":"x","signatureValue":"AA=="}}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		ParseLDSignature(doc)
	})
}
