package proof

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Canonical returns the JSON Canonicalization Scheme (RFC 8785) form of a
// JSON text: object members sorted by the UTF-16 code units of their
// names, no insignificant whitespace, numbers as ECMAScript prints them,
// strings with the minimal escapes.
func Canonical(doc []byte) ([]byte, error) {
	v, err := decode(doc)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := writeCanonical(&b, v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// decode parses JSON keeping numbers as their source text, and refuses
// invalid UTF-8, which a canonical form cannot carry faithfully.
func decode(doc []byte) (any, error) {
	if !utf8.Valid(doc) {
		return nil, errors.New("jcs: invalid UTF-8")
	}
	return readJSON(doc)
}

func writeCanonical(b *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case string:
		writeString(b, v)
	case float64:
		s, err := canonicalNumber(v)
		if err != nil {
			return err
		}
		b.WriteString(s)
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeCanonical(b, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, compareUTF16)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, k)
			b.WriteByte(':')
			if err := writeCanonical(b, v[k]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	default:
		return fmt.Errorf("jcs: unexpected value %T", v)
	}
	return nil
}

// compareUTF16 orders strings by UTF-16 code units, as RFC 8785 §3.2.3
// requires; it differs from byte order only beyond the BMP.
func compareUTF16(a, b string) int {
	if isASCII(a) && isASCII(b) {
		return strings.Compare(a, b)
	}
	return slices.Compare(utf16.Encode([]rune(a)), utf16.Encode([]rune(b)))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

const hexDigits = "0123456789abcdef"

// writeString writes s as JSON.stringify would (RFC 8785 §3.2.2.2).
func writeString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\b':
			b.WriteString(`\b`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\f':
			b.WriteString(`\f`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0xf])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}

// canonicalNumber prints a JSON number as ECMAScript's Number.prototype
// .toString does for its IEEE 754 double (RFC 8785 §3.2.2.3).
func canonicalNumber(f float64) (string, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return "", fmt.Errorf("jcs: number %v out of range", f)
	}
	if f == 0 {
		return "0", nil // -0 too
	}
	sign := ""
	if f < 0 {
		sign, f = "-", -f
	}
	// Shortest round-tripping digits and their exponent: d.ddde±x.
	e := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	x, _ := strconv.Atoi(exp)
	k, p := len(digits), x+1 // p: position of the decimal point
	var s string
	switch {
	case k <= p && p <= 21:
		s = digits + strings.Repeat("0", p-k)
	case 0 < p && p <= 21:
		s = digits[:p] + "." + digits[p:]
	case -6 < p && p <= 0:
		s = "0." + strings.Repeat("0", -p) + digits
	default:
		s = digits[:1]
		if k > 1 {
			s += "." + digits[1:]
		}
		if p-1 >= 0 {
			s += "e+" + strconv.Itoa(p-1)
		} else {
			s += "e" + strconv.Itoa(p-1)
		}
	}
	return sign + s, nil
}
