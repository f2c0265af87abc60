package proof

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/piprate/json-gold/ld"
)

// LDSignatureType is the Linked Data signature Mastodon puts on the
// public activities it sends, which lets a server forward them.
const LDSignatureType = "RsaSignature2017"

// ErrNoLDSignature says the document carries no RsaSignature2017.
var ErrNoLDSignature = errors.New("no RsaSignature2017 signature")

// ErrBadLDSignature says an LD signature is present but does not verify.
var ErrBadLDSignature = errors.New("LD signature does not verify")

const identityContext = "https://w3id.org/identity/v1"

//go:embed contexts/*.jsonld
var contextFiles embed.FS

// embeddedContexts maps each context URL the canonicaliser may load to
// its file: only these load, and nothing is ever fetched.
var embeddedContexts = map[string]string{
	"https://www.w3.org/ns/activitystreams": "activitystreams.jsonld",
	"http://www.w3.org/ns/activitystreams":  "activitystreams.jsonld",
	"https://w3id.org/security/v1":          "security.jsonld",
	"http://w3id.org/security/v1":           "security.jsonld",
	"https://w3id.org/identity/v1":          "identity.jsonld",
	"http://w3id.org/identity/v1":           "identity.jsonld",
}

// contextLoader serves the embedded contexts, parsed once.
type contextLoader struct {
	once sync.Once
	docs map[string]any
	err  error
}

var loader = &contextLoader{}

func (l *contextLoader) LoadDocument(u string) (*ld.RemoteDocument, error) {
	l.once.Do(func() {
		l.docs = map[string]any{}
		for url, name := range embeddedContexts {
			b, err := contextFiles.ReadFile("contexts/" + name)
			if err != nil {
				l.err = err
				return
			}
			var v any
			if err := json.Unmarshal(b, &v); err != nil {
				l.err = fmt.Errorf("context %s: %w", name, err)
				return
			}
			l.docs[url] = v
		}
	})
	if l.err != nil {
		return nil, l.err
	}
	doc, ok := l.docs[strings.TrimSuffix(u, "#")]
	if !ok {
		return nil, ld.NewJsonLdError(ld.LoadingDocumentFailed, "context not shipped with kith: "+u)
	}
	return &ld.RemoteDocument{DocumentURL: u, Document: doc}, nil
}

// canonicalHash is the hex SHA-256 of the URDNA2015 canonical N-Quads of
// a JSON-LD document.
func canonicalHash(doc map[string]any) (string, error) {
	opts := ld.NewJsonLdOptions("")
	opts.Algorithm = ld.AlgorithmURDNA2015
	opts.Format = "application/n-quads"
	opts.DocumentLoader = loader
	out, err := ld.NewJsonLdProcessor().Normalize(doc, opts)
	if err != nil {
		return "", fmt.Errorf("canonicalize: %w", err)
	}
	s, _ := out.(string)
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:]), nil
}

// maxBlankNodes bounds the objects without an id (blank nodes) a signed
// document may hold: URDNA2015 can take exponential time on crafted
// graphs of blank nodes, and a real activity has a handful (replies
// pages, tags, attachments).
const maxBlankNodes = 200

// blankNodes counts the JSON objects in v that have no id.
func blankNodes(v any) int {
	n := 0
	switch v := v.(type) {
	case map[string]any:
		if v["id"] == nil && v["@id"] == nil {
			n++
		}
		for k, e := range v {
			if k != "@context" {
				n += blankNodes(e)
			}
		}
	case []any:
		for _, e := range v {
			n += blankNodes(e)
		}
	}
	return n
}

// LDSignature is a document's RsaSignature2017, ready to verify.
type LDSignature struct {
	// Creator is the id of the RSA key that made it: a publicKey of the
	// activity's actor.
	Creator string
	signed  []byte
	sig     []byte
}

// maxLDDocument bounds what is canonicalised: URDNA2015 costs far more
// than parsing, and activities are small.
const maxLDDocument = 256 << 10

// ParseLDSignature finds the RsaSignature2017 of a JSON-LD document and
// computes what it signs, as Mastodon does: the hex SHA-256 of the
// canonical signature options (creator, created and the identity/v1
// context) followed by that of the canonical document without its
// signature.
func ParseLDSignature(doc []byte) (*LDSignature, error) {
	if len(doc) > maxLDDocument {
		return nil, errors.New("LD signature: document too large")
	}
	var obj map[string]any
	if err := json.Unmarshal(doc, &obj); err != nil {
		return nil, fmt.Errorf("LD signature: %w", err)
	}
	if n := blankNodes(obj); n > maxBlankNodes {
		return nil, fmt.Errorf("LD signature: %d objects without an id, at most %d", n, maxBlankNodes)
	}
	s, ok := obj["signature"].(map[string]any)
	if !ok || s["type"] != LDSignatureType {
		return nil, ErrNoLDSignature
	}
	creator, _ := s["creator"].(string)
	value, _ := s["signatureValue"].(string)
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(value))
	if creator == "" || err != nil || len(sig) == 0 {
		return nil, fmt.Errorf("%w: incomplete signature", ErrBadLDSignature)
	}
	opts := map[string]any{"@context": identityContext}
	for k, v := range s {
		if k != "type" && k != "id" && k != "signatureValue" && k != "@context" {
			opts[k] = v
		}
	}
	delete(obj, "signature")
	optsHash, err := canonicalHash(opts)
	if err != nil {
		return nil, err
	}
	docHash, err := canonicalHash(obj)
	if err != nil {
		return nil, err
	}
	return &LDSignature{Creator: creator, signed: []byte(optsHash + docHash), sig: sig}, nil
}

// Verify checks the signature with the creator's RSA public key
// (RSASSA-PKCS1-v1_5 over SHA-256).
func (s *LDSignature) Verify(pub *rsa.PublicKey) error {
	h := sha256.Sum256(s.signed)
	if pub == nil || rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], s.sig) != nil {
		return ErrBadLDSignature
	}
	return nil
}

// SignLD returns doc, a JSON-LD object, with an RsaSignature2017 by key,
// whose id is creator, as Mastodon signs.
func SignLD(doc []byte, key *rsa.PrivateKey, creator string, created time.Time) ([]byte, error) {
	var obj map[string]any
	if err := json.Unmarshal(doc, &obj); err != nil {
		return nil, err
	}
	opts := map[string]any{"@context": identityContext, "creator": creator, "created": created.UTC().Format("2006-01-02T15:04:05Z")}
	optsHash, err := canonicalHash(opts)
	if err != nil {
		return nil, err
	}
	docHash, err := canonicalHash(obj)
	if err != nil {
		return nil, err
	}
	h := sha256.Sum256([]byte(optsHash + docHash))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, h[:])
	if err != nil {
		return nil, err
	}
	delete(opts, "@context")
	opts["type"] = LDSignatureType
	opts["signatureValue"] = base64.StdEncoding.EncodeToString(sig)
	obj["signature"] = opts
	return json.Marshal(obj)
}
