package ap

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// PeekActivity reads only the top-level type and actor of an activity, so
// the inbox can drop what needs no work (a Delete from a stranger) without
// the full parse, which costs many times more. It reports ok only when both
// are plain JSON strings; for anything unusual (escapes, an embedded actor,
// an array of types) it gives up and the caller parses in full. When it
// reports ok, the values are those ParseActivity would give.
//
// The values it skips over are not validated: a document that the full
// parse would refuse can still be peeked at.
func PeekActivity(data []byte) (typ Type, actor string, ok bool) {
	p := peeker{b: data}
	if !p.consume('{') {
		return "", "", false
	}
	var gotType, gotActor bool
	for !p.consume('}') {
		key, ok := p.plainString()
		if !ok || !p.consume(':') {
			return "", "", false
		}
		// Note: encoding/json, and so ParseActivity, matches keys without
		// regard to case, and the last of duplicate keys wins.
		switch {
		case bytes.EqualFold(key, []byte("type")):
			v, ok := p.plainString()
			if !ok {
				return "", "", false
			}
			typ, gotType = Type(trimASPrefix(string(v))), true
		case bytes.EqualFold(key, []byte("actor")):
			v, ok := p.plainString()
			if !ok {
				return "", "", false
			}
			actor, gotActor = strings.TrimSpace(string(v)), true
		default:
			if !p.skipValue() {
				return "", "", false
			}
		}
		if !p.consume(',') && p.peek() != '}' {
			return "", "", false
		}
	}
	p.space()
	if p.i != len(p.b) || !gotType || !gotActor {
		return "", "", false
	}
	return typ, actor, true
}

// peeker walks a JSON document without decoding what it passes.
type peeker struct {
	b []byte
	i int
}

func (p *peeker) space() {
	for p.i < len(p.b) && (p.b[p.i] == ' ' || p.b[p.i] == '\t' || p.b[p.i] == '\r' || p.b[p.i] == '\n') {
		p.i++
	}
}

// peek returns the next byte after white space, or 0 at the end.
func (p *peeker) peek() byte {
	p.space()
	if p.i == len(p.b) {
		return 0
	}
	return p.b[p.i]
}

func (p *peeker) consume(c byte) bool {
	if p.peek() != c {
		return false
	}
	p.i++
	return true
}

// plainString reads a string without escapes or invalid UTF-8, whose value
// is its bytes.
func (p *peeker) plainString() ([]byte, bool) {
	if !p.consume('"') {
		return nil, false
	}
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			v := p.b[start:p.i]
			p.i++
			return v, utf8.Valid(v)
		case c == '\\' || c < 0x20:
			return nil, false
		}
		p.i++
	}
	return nil, false
}

// skipValue passes over one value of any kind.
func (p *peeker) skipValue() bool {
	switch p.peek() {
	case '"':
		return p.skipString()
	case '{', '[':
		return p.skipNested()
	case 0, '}', ']', ',', ':':
		return false
	}
	start := p.i
	for p.i < len(p.b) && isLiteralByte(p.b[p.i]) {
		p.i++
	}
	return p.i > start
}

func (p *peeker) skipString() bool {
	p.i++ // the opening quote
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case '"':
			p.i++
			return true
		case '\\':
			p.i++
		}
		p.i++
	}
	return false
}

// skipNested passes over an object or array, strings inside included.
func (p *peeker) skipNested() bool {
	depth := 0
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case '"':
			if !p.skipString() {
				return false
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				p.i++
				return true
			}
		}
		p.i++
	}
	return false
}

func isLiteralByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'E'
}
