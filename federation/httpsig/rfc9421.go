package httpsig

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"slices"
	"strings"
	"time"
)

// RFC 9421 HTTP Message Signatures.
//
// A request carries Signature-Input, a dictionary of labelled signatures
// each naming its covered components and parameters, and Signature, the
// same labels with the signature bytes. The signed text (the signature
// base) is one line per component, `"name": value`, and a last line
// `"@signature-params": ` followed by the serialized Signature-Input member.
//
// kith verifies rsa-v1_5-sha256 and ed25519 signatures, the two that
// fediverse servers sign with, and signs with the same components Fedify
// does: @method, @target-uri, @authority and, with a body,
// content-digest (RFC 9530).

// Scheme names a signature scheme.
type Scheme string

const (
	// Cavage is draft-cavage-http-signatures-12, the Signature header
	// Mastodon signs with.
	Cavage Scheme = "draft-cavage"
	// RFC9421 is RFC 9421 HTTP Message Signatures.
	RFC9421 Scheme = "rfc9421"
)

// Other returns the other scheme: the one to knock with next.
func (s Scheme) Other() Scheme {
	if s == RFC9421 {
		return Cavage
	}
	return RFC9421
}

// RFC 9421 algorithm names.
const (
	algRSAv15SHA256 = "rsa-v1_5-sha256"
	algEd25519      = "ed25519"
)

// sig9421 is one parsed RFC 9421 signature: a Signature-Input member and
// its Signature value.
type sig9421 struct {
	label      string
	components []string
	keyID      string
	alg        string
	created    int64
	expires    int64 // 0 when absent
	signature  []byte
	// params is the serialized @signature-params value.
	params string
}

// parse9421 reads the Signature-Input and Signature headers and returns the
// first signature that covers enough of the request; when none does, the
// error says why the first one fell short.
func parse9421(r *http.Request, body []byte) (sig9421, error) {
	input := strings.Join(r.Header.Values("Signature-Input"), ", ")
	sigs := strings.Join(r.Header.Values("Signature"), ", ")
	if len(input) > maxHeaderLen || len(sigs) > maxHeaderLen {
		return sig9421{}, fmt.Errorf("%w: Signature-Input or Signature longer than %d bytes", ErrMalformed, maxHeaderLen)
	}
	inputs, err := parseSFDictionary(input)
	if err != nil {
		return sig9421{}, fmt.Errorf("%w: Signature-Input: %w", ErrMalformed, err)
	}
	values, err := parseSFDictionary(sigs)
	if err != nil {
		return sig9421{}, fmt.Errorf("%w: Signature: %w", ErrMalformed, err)
	}
	var first error
	for _, in := range inputs {
		s, err := readSig9421(in, values)
		if err == nil {
			err = checkCoverage9421(r, s.components, body)
		}
		if err == nil {
			return s, nil
		}
		if first == nil {
			first = fmt.Errorf("signature %q: %w", in.key, err)
		}
	}
	if first == nil {
		return sig9421{}, fmt.Errorf("%w: Signature-Input names no signature", ErrMalformed)
	}
	return sig9421{}, first
}

// readSig9421 checks one Signature-Input member and pairs it with its
// signature.
func readSig9421(in sfMember, values []sfMember) (sig9421, error) {
	s := sig9421{label: in.key}
	if !in.list {
		return s, fmt.Errorf("%w: not an inner list", ErrMalformed)
	}
	for _, it := range in.items {
		if it.bare.kind != sfString {
			return s, fmt.Errorf("%w: a component that is not a string", ErrMalformed)
		}
		if len(it.params) > 0 {
			// ;sf, ;key, ;bs, ;req, ;name: no fediverse server signs
			// with them.
			return s, fmt.Errorf("%w: component %q has parameters", ErrMalformed, it.bare.str)
		}
		name := it.bare.str
		if name != strings.ToLower(name) || name == "" {
			return s, fmt.Errorf("%w: component %q is not lower-case", ErrMalformed, name)
		}
		if slices.Contains(s.components, name) {
			return s, fmt.Errorf("%w: component %q twice", ErrMalformed, name)
		}
		if s.components == nil {
			s.components = make([]string, 0, len(in.items))
		}
		s.components = append(s.components, name)
	}
	keyID, ok := param(in.params, "keyid")
	if !ok || keyID.kind != sfString || keyID.str == "" {
		return s, fmt.Errorf("%w: no keyid", ErrMalformed)
	}
	s.keyID = keyID.str
	created, ok := param(in.params, "created")
	if !ok || created.kind != sfInteger {
		return s, fmt.Errorf("%w: no created time", ErrMalformed)
	}
	s.created = created.num
	if exp, ok := param(in.params, "expires"); ok {
		if exp.kind != sfInteger {
			return s, fmt.Errorf("%w: expires is not an integer", ErrMalformed)
		}
		s.expires = exp.num
	}
	if alg, ok := param(in.params, "alg"); ok {
		if alg.kind != sfString {
			return s, fmt.Errorf("%w: alg is not a string", ErrMalformed)
		}
		if alg.str != algRSAv15SHA256 && alg.str != algEd25519 {
			return s, fmt.Errorf("%w: %q", ErrAlgorithm, alg.str)
		}
		s.alg = alg.str
	}
	for _, v := range values {
		if v.key == in.key {
			if v.list || v.item.kind != sfBytes || len(v.item.bytes) == 0 {
				return s, fmt.Errorf("%w: Signature %q is not a byte sequence", ErrMalformed, in.key)
			}
			s.signature = v.item.bytes
		}
	}
	if s.signature == nil {
		return s, fmt.Errorf("%w: no Signature for %q", ErrMalformed, in.key)
	}
	var b strings.Builder
	writeInnerList(&b, in.items, in.params)
	s.params = b.String()
	return s, nil
}

// checkCoverage9421 is checkCoverage for RFC 9421: the signature must name
// the method, the target (the whole URI, or the path and any query), the
// server it was meant for, and the body's digest when there is a body.
func checkCoverage9421(r *http.Request, comps []string, body []byte) error {
	has := func(c string) bool { return slices.Contains(comps, c) }
	target := has("@target-uri") || has("@request-target") ||
		has("@path") && (has("@query") || !strings.Contains(requestTarget(r), "?"))
	switch {
	case !has("@method"):
		return fmt.Errorf("%w: @method not signed", ErrMalformed)
	case !target:
		return fmt.Errorf("%w: neither @target-uri nor @path signed", ErrMalformed)
	case !has("@target-uri") && !has("@authority") && !has("host"):
		return fmt.Errorf("%w: neither @authority nor host signed", ErrMalformed)
	case (r.Method == http.MethodPost || len(body) > 0) && !has("content-digest"):
		return fmt.Errorf("%w: content-digest not signed", ErrDigest)
	}
	return nil
}

// prepare9421 does every check that needs no key: parsing, coverage, the
// time window, the Content-Digest. It returns the signature and its
// candidate signature bases, the first one built.
func prepare9421(r *http.Request, body []byte, now time.Time) (sig9421, window, *baseSet, error) {
	s, err := parse9421(r, body)
	if err != nil {
		return sig9421{}, window{}, nil, err
	}
	created := time.Unix(s.created, 0)
	var expires time.Time
	if s.expires != 0 {
		expires = time.Unix(s.expires, 0)
	}
	until, err := inWindow(created, expires, now)
	if err != nil {
		return sig9421{}, window{}, nil, fmt.Errorf("%w: created %d: %w", ErrDate, s.created, err)
	}
	if slices.Contains(s.components, "content-digest") {
		if err := checkContentDigest(r.Header, body); err != nil {
			return sig9421{}, window{}, nil, fmt.Errorf("%w: %w", ErrDigest, err)
		}
	}
	bases := newBaseSet(r, s)
	if _, err := bases.get(0); err != nil {
		return sig9421{}, window{}, nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return s, window{created: created, until: until}, bases, nil
}

// verify9421 is Verify for a request signed with RFC 9421.
func verify9421(r *http.Request, body []byte, lookup KeyLookup, now time.Time) (Result, error) {
	s, w, bases, err := prepare9421(r, body, now)
	if err != nil {
		return Result{}, err
	}
	ctx := r.Context()
	key, err := lookupKey(ctx, lookup, s.keyID, false)
	if err != nil {
		return Result{}, err
	}
	alg, err := verifyKey9421(key, s, bases)
	if err != nil {
		fresh, ferr := lookupKey(ctx, lookup, s.keyID, true)
		if ferr != nil {
			return Result{}, fmt.Errorf("%w (refetch after: %v)", ferr, err)
		}
		if !sameKey(key, fresh) {
			key = fresh
			alg, err = verifyKey9421(key, s, bases)
		}
	}
	if err != nil {
		return Result{}, fmt.Errorf("%w: keyid %q: %w", ErrBadSignature, s.keyID, err)
	}
	return Result{
		Scheme: RFC9421, KeyID: s.keyID, Owner: key.Owner, Algorithm: alg,
		Signed: s.components, Signature: s.signature, Created: w.created, ValidUntil: w.until,
	}, nil
}

// verifyKey9421 verifies the signature over each candidate base with the
// algorithm the key's type calls for; an alg parameter must agree with it.
func verifyKey9421(k Key, s sig9421, bases *baseSet) (string, error) {
	switch pub := k.PublicKey.(type) {
	case *rsa.PublicKey:
		if s.alg != "" && s.alg != algRSAv15SHA256 {
			return "", fmt.Errorf("alg %q with an RSA key", s.alg)
		}
		for i := range bases.n() {
			b, err := bases.get(i)
			if err != nil {
				return "", err
			}
			sum := sha256.Sum256([]byte(b))
			if rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], s.signature) == nil {
				return "rsa-sha256", nil
			}
		}
		return "", errors.New("rsa-v1_5-sha256 verification failed")
	case ed25519.PublicKey:
		if s.alg != "" && s.alg != algEd25519 {
			return "", fmt.Errorf("alg %q with an Ed25519 key", s.alg)
		}
		if len(pub) != ed25519.PublicKeySize {
			return "", fmt.Errorf("Ed25519 public key of %d bytes", len(pub))
		}
		for i := range bases.n() {
			b, err := bases.get(i)
			if err != nil {
				return "", err
			}
			if ed25519.Verify(pub, []byte(b), s.signature) {
				return "ed25519", nil
			}
		}
		return "", errors.New("ed25519 verification failed")
	}
	return "", fmt.Errorf("unsupported key type %T", k.PublicKey)
}

// baseSet holds the candidate signature bases of a received request,
// built when first asked for. The scheme in @target-uri is r.URL.Scheme
// when the caller set it (the scheme of the server's public URL: behind a
// proxy that ended TLS, the request itself does not show it), else the
// connection's. When the signature covers the scheme or the authority,
// the other scheme's base is a second candidate, for a sender that saw the
// server differently; it is built, and costs a public-key operation, only
// when the first fails.
type baseSet struct {
	m       target9421
	s       sig9421
	schemes []string
	built   []string
}

func newBaseSet(r *http.Request, s sig9421) *baseSet {
	scheme := r.URL.Scheme
	if scheme != "https" && scheme != "http" {
		scheme = "http"
		if r.TLS != nil {
			scheme = "https"
		}
	}
	m := target9421{method: r.Method, target: requestTarget(r), host: r.Host, header: r.Header}
	if m.host == "" {
		m.host = r.URL.Host
	}
	b := &baseSet{m: m, s: s, schemes: []string{scheme}}
	if slices.Contains(s.components, "@target-uri") || slices.Contains(s.components, "@scheme") || slices.Contains(s.components, "@authority") {
		other := "https"
		if scheme == "https" {
			other = "http"
		}
		b.schemes = append(b.schemes, other)
	}
	return b
}

// n is the number of candidates.
func (b *baseSet) n() int { return len(b.schemes) }

// get returns candidate i, building it (and those before it) if needed.
func (b *baseSet) get(i int) (string, error) {
	for len(b.built) <= i {
		b.m.scheme = b.schemes[len(b.built)]
		base, err := b.m.base(b.s.components, b.s.params)
		if err != nil {
			return "", err
		}
		b.built = append(b.built, base)
	}
	return b.built[i], nil
}

// signatureBases builds every candidate signature base of a received
// request (see baseSet).
func signatureBases(r *http.Request, s sig9421) ([]string, error) {
	b := newBaseSet(r, s)
	for i := range b.n() {
		if _, err := b.get(i); err != nil {
			return nil, err
		}
	}
	return b.built, nil
}

// requestTarget is the request line's target, byte for byte.
func requestTarget(r *http.Request) string {
	if strings.HasPrefix(r.RequestURI, "/") {
		return r.RequestURI
	}
	return r.URL.RequestURI()
}

// target9421 is what an RFC 9421 signature covers of a request.
type target9421 struct {
	method, scheme, host string
	target               string // path and query, as on the request line
	header               http.Header
}

// base builds the signature base for the given components and serialized
// signature parameters.
func (m target9421) base(components []string, params string) (string, error) {
	var b strings.Builder
	b.Grow(256)
	for _, c := range components {
		v, err := m.value(c)
		if err != nil {
			return "", err
		}
		if strings.ContainsAny(v, "\r\n") {
			return "", fmt.Errorf("component %q has a line break", c)
		}
		writeBare(&b, sfBare{kind: sfString, str: c})
		b.WriteString(": ")
		b.WriteString(v)
		b.WriteByte('\n')
	}
	b.WriteString(`"@signature-params": `)
	b.WriteString(params)
	return b.String(), nil
}

// value is one component's value (RFC 9421 §2.1 and §2.2).
func (m target9421) value(c string) (string, error) {
	path, query, hasQuery := strings.Cut(m.target, "?")
	switch c {
	case "@method":
		return m.method, nil
	case "@target-uri":
		return m.scheme + "://" + m.authority() + m.target, nil
	case "@authority":
		return m.authority(), nil
	case "@scheme":
		return m.scheme, nil
	case "@request-target":
		return m.target, nil
	case "@path":
		if path == "" {
			return "/", nil
		}
		return path, nil
	case "@query":
		if !hasQuery {
			return "?", nil
		}
		return "?" + query, nil
	case "host":
		return m.host, nil
	}
	if strings.HasPrefix(c, "@") {
		return "", fmt.Errorf("component %q is not supported", c)
	}
	vs := m.header[textproto.CanonicalMIMEHeaderKey(c)]
	if len(vs) == 0 {
		return "", fmt.Errorf("signed header %q is missing", c)
	}
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = strings.TrimSpace(v)
	}
	return strings.Join(parts, ", "), nil
}

// authority is the host, lower-cased, without the scheme's default port.
func (m target9421) authority() string {
	return NormalAuthority(m.host, m.scheme)
}

// NormalAuthority is a URL's host as RFC 9421's @authority gives it:
// lower-cased, without the scheme's default port.
func NormalAuthority(host, scheme string) string {
	host = strings.ToLower(host)
	switch {
	case scheme == "https" && strings.HasSuffix(host, ":443"):
		return strings.TrimSuffix(host, ":443")
	case scheme == "http" && strings.HasSuffix(host, ":80"):
		return strings.TrimSuffix(host, ":80")
	}
	return host
}

// checkContentDigest compares an RFC 9530 Content-Digest with body: every
// algorithm kith knows (sha-256, sha-512) must match, and one at least
// must be there.
func checkContentDigest(h http.Header, body []byte) error {
	v := strings.Join(h.Values("Content-Digest"), ", ")
	if v == "" {
		return errors.New("no Content-Digest header")
	}
	if len(v) > maxHeaderLen {
		return fmt.Errorf("Content-Digest longer than %d bytes", maxHeaderLen)
	}
	members, err := parseSFDictionary(v)
	if err != nil {
		return fmt.Errorf("Content-Digest: %w", err)
	}
	sums := bodySums{body: body}
	known := 0
	for _, m := range members {
		sum := sums.of(m.key)
		if sum == nil {
			continue
		}
		known++
		if m.list || m.item.kind != sfBytes {
			return fmt.Errorf("%s digest is not a byte sequence", m.key)
		}
		if subtle.ConstantTimeCompare(m.item.bytes, sum) != 1 {
			return fmt.Errorf("%s digest does not match the body", m.key)
		}
	}
	if known == 0 {
		return fmt.Errorf("no sha-256 or sha-512 digest in %q", truncate(v, 64))
	}
	return nil
}

// contentDigest is the RFC 9530 Content-Digest value for body.
func contentDigest(body []byte) string {
	sum := sha256.Sum256(body)
	var b strings.Builder
	b.WriteString("sha-256=")
	writeBare(&b, sfBare{kind: sfBytes, bytes: sum[:]})
	return b.String()
}
