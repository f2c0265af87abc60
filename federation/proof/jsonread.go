package proof

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds the nesting of a document the canonicaliser reads, so a
// hostile "[[[[…" cannot exhaust the stack.
const maxDepth = 200

// reader decodes JSON into the values encoding/json gives an any (maps,
// slices, strings, float64, bool, nil) without reflection: it is most of
// the cost of verifying an integrity proof. Duplicate member names keep
// the last value, and a lone surrogate escape becomes U+FFFD, as with
// encoding/json.
type reader struct {
	b []byte
	i int
}

var errSyntax = errors.New("jcs: invalid JSON")

func readJSON(b []byte) (any, error) {
	r := reader{b: b}
	v, err := r.value(0)
	if err != nil {
		return nil, err
	}
	r.space()
	if r.i != len(r.b) {
		return nil, fmt.Errorf("%w: data after the value at offset %d", errSyntax, r.i)
	}
	return v, nil
}

func (r *reader) fail() error { return fmt.Errorf("%w at offset %d", errSyntax, r.i) }

func (r *reader) space() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

func (r *reader) value(depth int) (any, error) {
	if depth > maxDepth {
		return nil, errors.New("jcs: document nested too deeply")
	}
	r.space()
	if r.i >= len(r.b) {
		return nil, r.fail()
	}
	switch c := r.b[r.i]; {
	case c == '{':
		return r.object(depth)
	case c == '[':
		return r.array(depth)
	case c == '"':
		return r.str()
	case c == '-' || c >= '0' && c <= '9':
		return r.number()
	default:
		for _, lit := range [...]struct {
			s string
			v any
		}{{"true", true}, {"false", false}, {"null", nil}} {
			if len(r.b)-r.i >= len(lit.s) && string(r.b[r.i:r.i+len(lit.s)]) == lit.s {
				r.i += len(lit.s)
				return lit.v, nil
			}
		}
		return nil, r.fail()
	}
}

func (r *reader) object(depth int) (any, error) {
	r.i++ // {
	m := make(map[string]any)
	r.space()
	if r.i < len(r.b) && r.b[r.i] == '}' {
		r.i++
		return m, nil
	}
	for {
		r.space()
		if r.i >= len(r.b) || r.b[r.i] != '"' {
			return nil, r.fail()
		}
		k, err := r.str()
		if err != nil {
			return nil, err
		}
		r.space()
		if r.i >= len(r.b) || r.b[r.i] != ':' {
			return nil, r.fail()
		}
		r.i++
		v, err := r.value(depth + 1)
		if err != nil {
			return nil, err
		}
		m[k] = v
		if more, err := r.separator('}'); !more {
			return m, err
		}
	}
}

func (r *reader) array(depth int) (any, error) {
	r.i++ // [
	a := make([]any, 0, 4)
	r.space()
	if r.i < len(r.b) && r.b[r.i] == ']' {
		r.i++
		return a, nil
	}
	for {
		v, err := r.value(depth + 1)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		if more, err := r.separator(']'); !more {
			return a, err
		}
	}
}

// separator reads what follows a member or an element: a comma (more is
// true) or the closing bracket.
func (r *reader) separator(closing byte) (more bool, err error) {
	r.space()
	if r.i < len(r.b) {
		switch r.b[r.i] {
		case ',':
			r.i++
			return true, nil
		case closing:
			r.i++
			return false, nil
		}
	}
	return false, r.fail()
}

// str reads a string; the input is valid UTF-8 already (readJSON's
// callers check).
func (r *reader) str() (string, error) {
	r.i++ // "
	start := r.i
	for r.i < len(r.b) {
		switch c := r.b[r.i]; {
		case c == '"':
			s := string(r.b[start:r.i])
			r.i++
			return s, nil
		case c == '\\':
			return r.escaped(start)
		case c < 0x20:
			return "", r.fail()
		default:
			r.i++
		}
	}
	return "", r.fail()
}

// escaped finishes a string that has escapes, from its first backslash.
func (r *reader) escaped(start int) (string, error) {
	out := append(make([]byte, 0, r.i-start+16), r.b[start:r.i]...)
	for r.i < len(r.b) {
		c := r.b[r.i]
		switch {
		case c == '"':
			r.i++
			return string(out), nil
		case c < 0x20:
			return "", r.fail()
		case c != '\\':
			out = append(out, c)
			r.i++
			continue
		}
		if r.i+1 >= len(r.b) {
			return "", r.fail()
		}
		e := r.b[r.i+1]
		r.i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			c1, ok := r.hex4()
			if !ok {
				return "", r.fail()
			}
			ch := rune(c1)
			if utf16.IsSurrogate(ch) {
				ch = utf8.RuneError
				if r.i+1 < len(r.b) && r.b[r.i] == '\\' && r.b[r.i+1] == 'u' {
					save := r.i
					r.i += 2
					c2, ok := r.hex4()
					if !ok {
						return "", r.fail()
					}
					if d := utf16.DecodeRune(rune(c1), rune(c2)); d != utf8.RuneError {
						ch = d
					} else {
						r.i = save // the second escape stands on its own
					}
				}
			}
			out = utf8.AppendRune(out, ch)
		default:
			return "", r.fail()
		}
	}
	return "", r.fail()
}

func (r *reader) hex4() (uint16, bool) {
	if len(r.b)-r.i < 4 {
		return 0, false
	}
	var v uint16
	for _, c := range r.b[r.i : r.i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		v = v<<4 | uint16(c)
	}
	r.i += 4
	return v, true
}

// number reads a number in JSON's grammar as a float64, which is what JCS
// formats (RFC 8785 §3.2.2.3 serialises numbers as IEEE 754 doubles).
func (r *reader) number() (any, error) {
	start := r.i
	digits := func() int {
		n := 0
		for r.i < len(r.b) && r.b[r.i] >= '0' && r.b[r.i] <= '9' {
			r.i++
			n++
		}
		return n
	}
	if r.b[r.i] == '-' {
		r.i++
	}
	if r.i < len(r.b) && r.b[r.i] == '0' {
		r.i++
	} else if digits() == 0 {
		return nil, r.fail()
	}
	if r.i < len(r.b) && r.b[r.i] == '.' {
		r.i++
		if digits() == 0 {
			return nil, r.fail()
		}
	}
	if r.i < len(r.b) && (r.b[r.i] == 'e' || r.b[r.i] == 'E') {
		r.i++
		if r.i < len(r.b) && (r.b[r.i] == '+' || r.b[r.i] == '-') {
			r.i++
		}
		if digits() == 0 {
			return nil, r.fail()
		}
	}
	f, err := strconv.ParseFloat(string(r.b[start:r.i]), 64)
	if err != nil {
		// Out of float64's range: encoding/json refuses it too.
		return nil, fmt.Errorf("jcs: number %s: %w", r.b[start:r.i], err)
	}
	return f, nil
}
