package proof

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"
)

// The FEP-8b32 proof this package speaks.
const (
	ProofType   = "DataIntegrityProof"
	Cryptosuite = "eddsa-jcs-2022"
	// Purpose is the only proof purpose accepted: the key must be in the
	// actor's assertionMethod.
	Purpose = "assertionMethod"
)

// ErrNoProof says the document carries no eddsa-jcs-2022 proof.
var ErrNoProof = errors.New("no eddsa-jcs-2022 proof")

// ErrBadProof says a proof is present but does not verify.
var ErrBadProof = errors.New("integrity proof does not verify")

// Integrity is a document's eddsa-jcs-2022 proof, ready to verify.
type Integrity struct {
	// Method is the proof's verificationMethod: the id of a Multikey the
	// caller must find in the claimed signer's assertionMethod.
	Method  string
	Created string
	// What may have been signed: the hash of the proof options followed
	// by the hash of the document without its proof (first) or, if it
	// has one, of the document with its LD signature added back.
	optsHash [32]byte
	doc      map[string]any // without proof nor LD signature
	first    [32]byte
	ldsig    any
	hasLDSig bool
	sig      []byte
}

// ParseIntegrity finds the eddsa-jcs-2022 proof of a JSON object and
// computes what it signs: SHA-256 of the canonical proof options (the
// proof without proofValue) followed by SHA-256 of the canonical document
// without its proof.
func ParseIntegrity(doc []byte) (*Integrity, error) {
	v, err := decode(doc)
	if err != nil {
		return nil, err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("proof: document is not an object")
	}
	opts, err := findProof(obj["proof"])
	if err != nil {
		return nil, err
	}
	method, _ := opts["verificationMethod"].(string)
	value, _ := opts["proofValue"].(string)
	if method == "" || value == "" || opts["proofPurpose"] != Purpose {
		return nil, fmt.Errorf("%w: incomplete proof", ErrBadProof)
	}
	sig, err := decodeMultibase(value)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, fmt.Errorf("%w: malformed proofValue", ErrBadProof)
	}
	// The document is this call's own copy: it becomes the unsecured
	// document in place.
	unsecured := obj
	delete(unsecured, "proof")
	delete(opts, "proofValue")
	if ctx, ok := opts["@context"]; ok {
		if !contextStartsWith(obj["@context"], ctx) {
			return nil, fmt.Errorf("%w: proof context is not the document's", ErrBadProof)
		}
		unsecured["@context"] = ctx
	}
	bindContext(opts, unsecured)
	optsHash, err := jcsHash(opts)
	if err != nil {
		return nil, err
	}
	created, _ := opts["created"].(string)
	in := &Integrity{Method: method, Created: created, optsHash: optsHash, sig: sig}
	// Note: Fedify adds its Linked Data signature after the proof, so the
	// proof does not cover "signature"; a proof made after it does. The
	// document without it is tried first, as Fedify is who sends both; the
	// document with it is hashed only if that fails.
	in.doc = unsecured
	in.ldsig, in.hasLDSig = unsecured["signature"]
	delete(unsecured, "signature")
	// A canonical form that cannot be written (a number out of range) is
	// an error now rather than a failed verification later.
	if in.first, err = jcsHash(unsecured); err != nil {
		return nil, err
	}
	return in, nil
}

// findProof returns a copy of the first eddsa-jcs-2022 proof in a proof
// member, which is one object or a set of them.
func findProof(v any) (map[string]any, error) {
	var list []any
	switch v := v.(type) {
	case nil:
		return nil, ErrNoProof
	case []any:
		list = v
	default:
		list = []any{v}
	}
	for _, p := range list {
		m, ok := p.(map[string]any)
		if !ok || m["type"] != ProofType || m["cryptosuite"] != Cryptosuite {
			continue
		}
		return maps.Clone(m), nil
	}
	return nil, ErrNoProof
}

// contextStartsWith reports whether the document's @context begins with
// every value of the proof's, in order.
func contextStartsWith(doc, proof any) bool {
	asList := func(v any) []any {
		if l, ok := v.([]any); ok {
			return l
		}
		return []any{v}
	}
	d, p := asList(doc), asList(proof)
	if len(p) > len(d) {
		return false
	}
	for i := range p {
		if !jsonEqual(d[i], p[i]) {
			return false
		}
	}
	return true
}

// jsonEqual compares two decoded JSON values; reflect.DeepEqual does the
// same several times slower, and contexts can be large objects.
func jsonEqual(a, b any) bool {
	switch a := a.(type) {
	case string:
		b, ok := b.(string)
		return ok && a == b
	case float64:
		b, ok := b.(float64)
		return ok && a == b
	case bool:
		b, ok := b.(bool)
		return ok && a == b
	case nil:
		return b == nil
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !jsonEqual(a[i], b[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, v := range a {
			w, ok := b[k]
			if !ok || !jsonEqual(v, w) {
				return false
			}
		}
		return true
	}
	return false
}

// bindContext gives the proof options the document's @context, which
// the eddsa-jcs-2022 proof configuration signs though the proof need not
// repeat it (vc-di-eddsa §3.3.5).
//
// Note: Fedify signs and verifies exactly that way, and sends proofs
// without @context.
func bindContext(opts, doc map[string]any) {
	if ctx, ok := doc["@context"]; ok {
		opts["@context"] = ctx
	}
}

// buffers hold canonical forms while they are hashed.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// jcsHash is SHA-256 of v's canonical JSON.
func jcsHash(v any) ([32]byte, error) {
	b := buffers.Get().(*bytes.Buffer)
	defer buffers.Put(b)
	b.Reset()
	if err := writeCanonical(b, v); err != nil {
		return [32]byte{}, err
	}
	return sha256.Sum256(b.Bytes()), nil
}

// hashData is what an eddsa-jcs-2022 signature signs: the hash of the
// canonical proof options followed by that of the canonical document.
func hashData(opts, doc map[string]any) ([]byte, error) {
	h, err := jcsHash(opts)
	if err != nil {
		return nil, err
	}
	d, err := jcsHash(doc)
	if err != nil {
		return nil, err
	}
	return append(h[:], d[:]...), nil
}

// Verify checks the proof with the public key of its verificationMethod.
func (p *Integrity) Verify(pub ed25519.PublicKey) error {
	if len(pub) != ed25519.PublicKeySize {
		return ErrBadProof
	}
	if p.verifies(pub, p.first) {
		return nil
	}
	if !p.hasLDSig {
		return ErrBadProof
	}
	p.doc["signature"] = p.ldsig
	d, err := jcsHash(p.doc)
	delete(p.doc, "signature")
	if err != nil || !p.verifies(pub, d) {
		return ErrBadProof
	}
	return nil
}

func (p *Integrity) verifies(pub ed25519.PublicKey, docHash [32]byte) bool {
	var h [64]byte
	copy(h[:32], p.optsHash[:])
	copy(h[32:], docHash[:])
	return ed25519.Verify(pub, h[:], p.sig)
}

// SignIntegrity returns doc, a JSON object without a proof, with an
// eddsa-jcs-2022 proof by key, whose Multikey id is method.
func SignIntegrity(doc []byte, key ed25519.PrivateKey, method string, created time.Time) ([]byte, error) {
	v, err := decode(doc)
	if err != nil {
		return nil, err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("proof: document is not an object")
	}
	if _, has := obj["proof"]; has {
		return nil, errors.New("proof: document already has a proof")
	}
	opts := map[string]any{
		"type":               ProofType,
		"cryptosuite":        Cryptosuite,
		"verificationMethod": method,
		"proofPurpose":       Purpose,
		"created":            created.UTC().Format(time.RFC3339),
	}
	config := maps.Clone(opts)
	bindContext(config, obj)
	hash, err := hashData(config, obj)
	if err != nil {
		return nil, err
	}
	opts["proofValue"] = "z" + encodeBase58(ed25519.Sign(key, hash))
	// Appended to the original bytes, so that everything before the proof
	// stays as the caller wrote it (member order included).
	p, err := json.Marshal(opts)
	if err != nil {
		return nil, err
	}
	trimmed := bytes.TrimRight(doc, " \t\r\n")
	if len(trimmed) < 2 || trimmed[len(trimmed)-1] != '}' {
		return nil, errors.New("proof: document is not an object")
	}
	out := append([]byte{}, trimmed[:len(trimmed)-1]...)
	if len(obj) > 0 {
		out = append(out, ',')
	}
	out = append(out, `"proof":`...)
	out = append(out, p...)
	return append(out, '}'), nil
}
