package httpsig

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Params are the parameters of a draft-cavage Signature header.
type Params struct {
	// KeyID is the keyId parameter, unchanged.
	KeyID string
	// Algorithm is the algorithm parameter, lower-cased; "" when absent.
	Algorithm string
	// Headers lists the signed headers, lower-cased, in signing order.
	// When the parameter is absent it holds the draft's default,
	// "(created)".
	Headers []string
	// Signature is the decoded signature.
	Signature []byte
	// Created and Expires are the (created) and (expires) parameters as
	// sent, since the signing string repeats them verbatim; "" when absent.
	Created, Expires string
}

// ParseSignatureHeader parses the value of a Signature header, or of an
// Authorization header without its "Signature " scheme. Parameters are
// token=token or token="quoted string" separated by commas with optional
// whitespace; names are matched case-insensitively, unknown ones ignored,
// duplicates rejected.
//
// Note: Mastodon tolerates a stray "Signature " prefix on the Signature
// header, written by old versions of node-http-signature; so does this.
func ParseSignatureHeader(s string) (Params, error) {
	if len(s) > maxHeaderLen {
		return Params{}, fmt.Errorf("signature header longer than %d bytes", maxHeaderLen)
	}
	raw, err := splitParams(strings.TrimPrefix(strings.TrimSpace(s), "Signature "))
	if err != nil {
		return Params{}, err
	}
	return paramsFrom(raw)
}

// paramsFrom checks and converts the raw name/value pairs.
func paramsFrom(raw map[string]string) (Params, error) {
	p := Params{
		KeyID:     raw["keyid"],
		Algorithm: strings.ToLower(raw["algorithm"]),
		Created:   raw["created"],
		Expires:   raw["expires"],
	}
	if p.KeyID == "" {
		return Params{}, errors.New("missing keyId")
	}
	sig, ok := raw["signature"]
	if !ok || sig == "" {
		return Params{}, errors.New("missing signature")
	}
	var err error
	if p.Signature, err = decodeBase64(sig); err != nil || len(p.Signature) == 0 {
		return Params{}, fmt.Errorf("signature is not base64: %q", truncate(sig, 16))
	}
	if p.Headers, err = headerList(raw); err != nil {
		return Params{}, err
	}
	if p.Created != "" && !isTimestamp(p.Created) {
		return Params{}, fmt.Errorf("created is not a Unix timestamp: %q", p.Created)
	}
	if p.Expires != "" && !isTimestamp(p.Expires) {
		return Params{}, fmt.Errorf("expires is not a Unix timestamp: %q", p.Expires)
	}
	return p, nil
}

// truncate shortens s for an error message.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// headerList splits the headers parameter.
func headerList(raw map[string]string) ([]string, error) {
	v, ok := raw["headers"]
	if !ok {
		return []string{"(created)"}, nil
	}
	list := strings.Fields(strings.ToLower(v))
	if len(list) == 0 {
		return nil, errors.New("empty headers parameter")
	}
	if len(list) > maxSignedHeaders {
		return nil, fmt.Errorf("more than %d signed headers", maxSignedHeaders)
	}
	return list, nil
}

// decodeBase64 accepts padded and unpadded standard base64: the signature
// is opaque bytes, and both forms occur.
func decodeBase64(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		b, err = base64.RawStdEncoding.DecodeString(s)
	}
	return b, err
}

// isTimestamp reports whether s is a Unix time in seconds, optionally with
// a fraction (draft-cavage allows sub-second precision).
func isTimestamp(s string) bool {
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || len(whole) > 12 || !allDigits(whole) {
		return false
	}
	return !hasFrac || (frac != "" && len(frac) <= 9 && allDigits(frac))
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// splitParams splits a comma-separated list of name=value parameters into a
// map keyed by lower-case name. Empty list elements are skipped, as RFC 9110
// list syntax allows.
func splitParams(s string) (map[string]string, error) {
	out := make(map[string]string, 6)
	for i := 0; ; {
		i = skipSpace(s, i)
		for i < len(s) && s[i] == ',' {
			i = skipSpace(s, i+1)
		}
		if i == len(s) {
			return out, nil
		}
		name, value, next, err := nextParam(s, i)
		if err != nil {
			return nil, err
		}
		key := strings.ToLower(name)
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("duplicate parameter %q", name)
		}
		out[key] = value
		i = skipSpace(s, next)
		if i < len(s) && s[i] != ',' {
			return nil, fmt.Errorf("expected ',' after parameter %q at offset %d", name, i)
		}
	}
}

// nextParam reads one name=value at s[i:] and returns the offset after it.
func nextParam(s string, i int) (name, value string, next int, err error) {
	start := i
	for i < len(s) && isTokenChar(s[i]) {
		i++
	}
	if i == start {
		return "", "", 0, fmt.Errorf("expected a parameter name at offset %d", start)
	}
	name = s[start:i]
	i = skipSpace(s, i)
	if i == len(s) || s[i] != '=' {
		return "", "", 0, fmt.Errorf("parameter %q has no value", name)
	}
	i = skipSpace(s, i+1)
	if i < len(s) && s[i] == '"' {
		value, next, err = quotedString(s, i)
		return name, value, next, err
	}
	start = i
	for i < len(s) && isTokenChar(s[i]) {
		i++
	}
	if i == start {
		return "", "", 0, fmt.Errorf("parameter %q has an empty value", name)
	}
	return name, s[start:i], i, nil
}

// quotedString reads an RFC 9110 quoted-string starting at the quote s[i],
// unescaping quoted pairs.
func quotedString(s string, i int) (string, int, error) {
	// Fast path: real headers never escape anything.
	if end := strings.IndexAny(s[i+1:], "\"\\"); end >= 0 && s[i+1+end] == '"' {
		return s[i+1 : i+1+end], i + 2 + end, nil
	}
	var b strings.Builder
	for i++; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			return b.String(), i + 1, nil
		case '\\':
			if i+1 == len(s) {
				return "", 0, errors.New("unterminated quoted string")
			}
			i++
			b.WriteByte(s[i])
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, errors.New("unterminated quoted string")
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// isTokenChar reports whether c may appear in an RFC 9110 token.
func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}
