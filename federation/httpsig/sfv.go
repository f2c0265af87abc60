package httpsig

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// This file reads and writes the parts of RFC 8941 Structured Field Values
// that RFC 9421 signatures and RFC 9530 digests use: dictionaries whose
// members are inner lists or items, with parameters, and the bare item
// types integer, string, token, byte sequence and boolean. Decimals are
// refused: no signature field uses them.

// sfKind is the type of a bare item.
type sfKind uint8

const (
	sfInteger sfKind = iota + 1
	sfString
	sfToken
	sfBytes
	sfBool
)

// sfBare is a bare item.
type sfBare struct {
	kind  sfKind
	num   int64
	str   string // string and token
	bytes []byte
	flag  bool
}

// sfParam is one parameter, in the order it was written.
type sfParam struct {
	key   string
	value sfBare
}

// sfItem is a bare item with its parameters.
type sfItem struct {
	bare   sfBare
	params []sfParam
}

// sfMember is one dictionary member: an inner list (list true) or an item.
type sfMember struct {
	key    string
	list   bool
	items  []sfItem // the inner list's items
	item   sfBare   // the item, when not a list
	params []sfParam
}

// param returns the parameter named key.
func param(ps []sfParam, key string) (sfBare, bool) {
	for _, p := range ps {
		if p.key == key {
			return p.value, true
		}
	}
	return sfBare{}, false
}

// Limits on what the parser builds, far above real signatures (one or two
// members, six or seven components, four parameters).
const (
	maxSFMembers = 16
	maxSFItems   = 32
	maxSFParams  = 16
)

// parseSFDictionary parses a dictionary. As RFC 8941 says, a key written
// twice keeps its last value, in the place of its first.
func parseSFDictionary(s string) ([]sfMember, error) {
	p := sfParser{s: s}
	p.skipSP()
	members := make([]sfMember, 0, 2)
	for !p.done() {
		key, err := p.key()
		if err != nil {
			return nil, err
		}
		m := sfMember{key: key}
		if p.peek() == '=' {
			p.i++
			if p.peek() == '(' {
				m.list = true
				if m.items, err = p.innerList(); err != nil {
					return nil, err
				}
			} else if m.item, err = p.bare(); err != nil {
				return nil, err
			}
		} else {
			m.item = sfBare{kind: sfBool, flag: true}
		}
		if m.params, err = p.params(); err != nil {
			return nil, err
		}
		replaced := false
		for i := range members {
			if members[i].key == key {
				members[i], replaced = m, true
			}
		}
		if !replaced {
			if len(members) == maxSFMembers {
				return nil, fmt.Errorf("more than %d dictionary members", maxSFMembers)
			}
			members = append(members, m)
		}
		p.skipOWS()
		if p.done() {
			break
		}
		if p.peek() != ',' {
			return nil, fmt.Errorf("expected a comma at byte %d", p.i)
		}
		p.i++
		p.skipOWS()
		if p.done() {
			return nil, errors.New("trailing comma")
		}
	}
	return members, nil
}

type sfParser struct {
	s string
	i int
}

func (p *sfParser) done() bool { return p.i >= len(p.s) }

func (p *sfParser) peek() byte {
	if p.done() {
		return 0
	}
	return p.s[p.i]
}

func (p *sfParser) skipSP() {
	for p.peek() == ' ' {
		p.i++
	}
}

func (p *sfParser) skipOWS() {
	for p.peek() == ' ' || p.peek() == '\t' {
		p.i++
	}
}

// key reads a dictionary or parameter key: lcalpha or "*", then lcalpha,
// digits, "_", "-", "." or "*".
func (p *sfParser) key() (string, error) {
	start := p.i
	if c := p.peek(); !(c >= 'a' && c <= 'z' || c == '*') {
		return "", fmt.Errorf("expected a key at byte %d", p.i)
	}
	for !p.done() {
		c := p.s[p.i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == '*') {
			break
		}
		p.i++
	}
	return p.s[start:p.i], nil
}

// innerList reads "(" items ")" and leaves the list's parameters to the
// caller.
func (p *sfParser) innerList() ([]sfItem, error) {
	p.i++ // "("
	// A signature names four or five components.
	items := make([]sfItem, 0, 8)
	for {
		p.skipSP()
		if p.peek() == ')' {
			p.i++
			return items, nil
		}
		if p.done() {
			return nil, errors.New("unterminated inner list")
		}
		if len(items) == maxSFItems {
			return nil, fmt.Errorf("more than %d items in an inner list", maxSFItems)
		}
		b, err := p.bare()
		if err != nil {
			return nil, err
		}
		ps, err := p.params()
		if err != nil {
			return nil, err
		}
		items = append(items, sfItem{bare: b, params: ps})
		if c := p.peek(); c != ' ' && c != ')' {
			return nil, fmt.Errorf("expected a space or ) at byte %d", p.i)
		}
	}
}

// params reads ";key[=value]" parameters.
func (p *sfParser) params() ([]sfParam, error) {
	var ps []sfParam
	for p.peek() == ';' {
		p.i++
		p.skipSP()
		key, err := p.key()
		if err != nil {
			return nil, err
		}
		v := sfBare{kind: sfBool, flag: true}
		if p.peek() == '=' {
			p.i++
			if v, err = p.bare(); err != nil {
				return nil, err
			}
		}
		replaced := false
		for i := range ps {
			if ps[i].key == key {
				ps[i].value, replaced = v, true
			}
		}
		if !replaced {
			if ps == nil {
				ps = make([]sfParam, 0, 6) // created, expires, keyid, alg, nonce, tag
			}
			if len(ps) == maxSFParams {
				return nil, fmt.Errorf("more than %d parameters", maxSFParams)
			}
			ps = append(ps, sfParam{key: key, value: v})
		}
	}
	return ps, nil
}

// bare reads one bare item.
func (p *sfParser) bare() (sfBare, error) {
	switch c := p.peek(); {
	case c == '-' || c >= '0' && c <= '9':
		return p.integer()
	case c == '"':
		return p.str()
	case c == ':':
		return p.byteSeq()
	case c == '?':
		if p.i+1 < len(p.s) && (p.s[p.i+1] == '0' || p.s[p.i+1] == '1') {
			p.i += 2
			return sfBare{kind: sfBool, flag: p.s[p.i-1] == '1'}, nil
		}
		return sfBare{}, fmt.Errorf("bad boolean at byte %d", p.i)
	case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '*':
		return p.token()
	}
	return sfBare{}, fmt.Errorf("unexpected %q at byte %d", p.peek(), p.i)
}

func (p *sfParser) integer() (sfBare, error) {
	start := p.i
	if p.peek() == '-' {
		p.i++
	}
	digits := p.i
	for c := p.peek(); c >= '0' && c <= '9'; c = p.peek() {
		p.i++
	}
	switch n := p.i - digits; {
	case n == 0:
		return sfBare{}, fmt.Errorf("expected digits at byte %d", digits)
	case n > 15:
		return sfBare{}, fmt.Errorf("integer of more than 15 digits at byte %d", start)
	case p.peek() == '.':
		return sfBare{}, fmt.Errorf("decimal at byte %d: not used by signatures", start)
	}
	v, err := strconv.ParseInt(p.s[start:p.i], 10, 64)
	if err != nil {
		return sfBare{}, err
	}
	return sfBare{kind: sfInteger, num: v}, nil
}

func (p *sfParser) str() (sfBare, error) {
	p.i++ // opening quote
	// The common case, no escapes: the value is a slice of the input.
	if end := strings.IndexAny(p.s[p.i:], "\\\""); end >= 0 && p.s[p.i+end] == '"' {
		v := p.s[p.i : p.i+end]
		for i := 0; i < len(v); i++ {
			if v[i] < 0x20 || v[i] > 0x7e {
				return sfBare{}, fmt.Errorf("byte %#x in a string", v[i])
			}
		}
		p.i += end + 1
		return sfBare{kind: sfString, str: v}, nil
	}
	var b strings.Builder
	for !p.done() {
		c := p.s[p.i]
		p.i++
		switch {
		case c == '"':
			return sfBare{kind: sfString, str: b.String()}, nil
		case c == '\\':
			if p.done() || p.s[p.i] != '"' && p.s[p.i] != '\\' {
				return sfBare{}, fmt.Errorf("bad escape at byte %d", p.i)
			}
			b.WriteByte(p.s[p.i])
			p.i++
		case c < 0x20 || c > 0x7e:
			return sfBare{}, fmt.Errorf("byte %#x in a string", c)
		default:
			b.WriteByte(c)
		}
	}
	return sfBare{}, errors.New("unterminated string")
}

func (p *sfParser) token() (sfBare, error) {
	start := p.i
	for !p.done() {
		c := p.s[p.i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~:/", c) >= 0) {
			break
		}
		p.i++
	}
	return sfBare{kind: sfToken, str: p.s[start:p.i]}, nil
}

func (p *sfParser) byteSeq() (sfBare, error) {
	p.i++ // opening colon
	end := strings.IndexByte(p.s[p.i:], ':')
	if end < 0 {
		return sfBare{}, errors.New("unterminated byte sequence")
	}
	enc := p.s[p.i : p.i+end]
	p.i += end + 1
	b, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		// RFC 8941 lets a parser accept unpadded base64.
		if b, err = base64.RawStdEncoding.DecodeString(enc); err != nil {
			return sfBare{}, errors.New("byte sequence is not base64")
		}
	}
	return sfBare{kind: sfBytes, bytes: b}, nil
}

// writeBare appends the serialization of a bare item.
func writeBare(b *strings.Builder, v sfBare) {
	switch v.kind {
	case sfInteger:
		b.WriteString(strconv.FormatInt(v.num, 10))
	case sfString:
		b.WriteByte('"')
		for i := 0; i < len(v.str); i++ {
			if c := v.str[i]; c == '"' || c == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(v.str[i])
		}
		b.WriteByte('"')
	case sfToken:
		b.WriteString(v.str)
	case sfBytes:
		b.WriteByte(':')
		b.WriteString(base64.StdEncoding.EncodeToString(v.bytes))
		b.WriteByte(':')
	case sfBool:
		if v.flag {
			b.WriteString("?1")
		} else {
			b.WriteString("?0")
		}
	}
}

// writeParams appends parameters; a true boolean is written bare.
func writeParams(b *strings.Builder, ps []sfParam) {
	for _, p := range ps {
		b.WriteByte(';')
		b.WriteString(p.key)
		if p.value.kind == sfBool && p.value.flag {
			continue
		}
		b.WriteByte('=')
		writeBare(b, p.value)
	}
}

// writeInnerList appends an inner list and its parameters.
func writeInnerList(b *strings.Builder, items []sfItem, ps []sfParam) {
	b.WriteByte('(')
	for i, it := range items {
		if i > 0 {
			b.WriteByte(' ')
		}
		writeBare(b, it.bare)
		writeParams(b, it.params)
	}
	b.WriteByte(')')
	writeParams(b, ps)
}
