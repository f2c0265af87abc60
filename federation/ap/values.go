package ap

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
)

// The lenient value types below never return an error from UnmarshalJSON:
// a value of the wrong shape becomes the zero value, so one odd property
// does not cost us the whole document. The decoder has already checked
// that the input is valid JSON before any of them runs.

// Str is a string property that also accepts null (""), a number or a
// boolean (their JSON text), a JSON-LD value object {"@value": ...} and an
// array (its first scalar).
type Str string

// UnmarshalJSON implements json.Unmarshaler.
func (s *Str) UnmarshalJSON(b []byte) error {
	*s = Str(scalarText(b))
	return nil
}

// Bool is a boolean property that also accepts "true"/"false" in any case,
// 1/0, a JSON-LD typed literal and null (false).
//
// Note: Kroeg sends {"@value":"False","type":"xsd:boolean"}; Mastodon's
// test actors and Osada send "discoverable": "true".
type Bool bool

// UnmarshalJSON implements json.Unmarshaler.
func (v *Bool) UnmarshalJSON(b []byte) error {
	t := scalarText(b)
	*v = Bool(strings.EqualFold(t, "true") || t == "1")
	return nil
}

// Int is an integer property (totalItems, width, votersCount) that also
// accepts a numeric string, a float (truncated) and null (0).
type Int int64

// UnmarshalJSON implements json.Unmarshaler.
func (n *Int) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(strings.TrimSpace(scalarText(b)), 64)
	if err != nil || math.IsNaN(f) || math.Abs(f) > math.MaxInt64/2 {
		*n = 0
		return nil
	}
	*n = Int(f)
	return nil
}

// Time is a timestamp property. It is the zero time when the value is
// missing or cannot be read, never an error: a bad date is no reason to
// drop a post.
type Time struct{ time.Time }

// UnmarshalJSON implements json.Unmarshaler.
func (t *Time) UnmarshalJSON(b []byte) error {
	t.Time = ParseTime(scalarText(b))
	return nil
}

// timeLayouts are tried in order. A fractional second is accepted after the
// seconds by every layout, so none of them needs to spell it.
var timeLayouts = []string{
	time.RFC3339,
	"2006-01-02T15:04:05", // Note: Pleroma polls send "closed" without a zone.
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05",
	"2006-01-02",
}

// ParseTime reads an AS2 timestamp: RFC 3339 with or without fractional
// seconds, "Z" or a numeric zone, or no zone at all (taken as UTC). It
// returns the time in UTC, or the zero time for anything else.
func ParseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return time.Time{}
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// Type is an object's type. When several are given it holds the primary
// ActivityStreams one.
//
// Note: Mastodon's vcard-flavoured actors send ["Person","vcard:individual"];
// Kroeg sends "type": [] on keys.
type Type string

// UnmarshalJSON implements json.Unmarshaler.
func (t *Type) UnmarshalJSON(b []byte) error {
	*t = ""
	if firstByte(b) != '[' {
		*t = Type(trimASPrefix(primitiveText(b)))
		return nil
	}
	var elems []json.RawMessage
	if json.Unmarshal(b, &elems) != nil {
		return nil
	}
	for _, e := range elems {
		name := trimASPrefix(primitiveText(e))
		if name == "" {
			continue
		}
		if *t == "" {
			*t = Type(name) // the first name, in case none is unprefixed
		}
		if !strings.Contains(name, ":") {
			*t = Type(name)
			return nil
		}
	}
	return nil
}

// trimASPrefix turns "as:Hashtag" or the full AS2 IRI of a type into its
// compact name.
func trimASPrefix(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "as:")
	return strings.TrimPrefix(s, "https://www.w3.org/ns/activitystreams#")
}

// LangString is one entry of a language map such as contentMap.
type LangString struct {
	Lang  string
	Value string
}

// LangMap is a language map (contentMap, summaryMap, nameMap) in the order
// the sender wrote it, so "the first value" means the same thing every
// time.
type LangMap []LangString

// UnmarshalJSON implements json.Unmarshaler. Entries whose value is not a
// scalar are dropped.
func (m *LangMap) UnmarshalJSON(b []byte) error {
	*m = nil
	if firstByte(b) != '{' {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil { // the opening brace
		return nil
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil
		}
		var v Str
		if err := dec.Decode(&v); err != nil {
			return nil
		}
		lang, _ := key.(string)
		if v != "" {
			*m = append(*m, LangString{Lang: lang, Value: string(v)})
		}
	}
	return nil
}

// First returns the first non-empty value, or "".
func (m LangMap) First() string {
	if len(m) == 0 {
		return ""
	}
	return m[0].Value
}

// Get returns the value for lang, or "".
func (m LangMap) Get(lang string) string {
	for _, e := range m {
		if strings.EqualFold(e.Lang, lang) {
			return e.Value
		}
	}
	return ""
}

// scalarText is the text of a scalar, of a JSON-LD value object's @value,
// or of an array's first scalar. It looks one level deep at most.
func scalarText(b []byte) string {
	switch firstByte(b) {
	case '{':
		var lit struct {
			Value json.RawMessage `json:"@value"`
		}
		if json.Unmarshal(b, &lit) != nil {
			return ""
		}
		return primitiveText(lit.Value)
	case '[':
		var elems []json.RawMessage
		if json.Unmarshal(b, &elems) != nil {
			return ""
		}
		for _, e := range elems {
			if s := primitiveText(e); s != "" {
				return s
			}
		}
		return ""
	}
	return primitiveText(b)
}

// primitiveText is the text of a JSON string, number or boolean; "" for
// null, objects and arrays.
func primitiveText(b []byte) string {
	b = bytes.TrimSpace(b)
	switch firstByte(b) {
	case '"':
		var s string
		if json.Unmarshal(b, &s) != nil {
			return ""
		}
		return s
	case 't', 'f', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return string(b)
	}
	return ""
}

// stringText is the value of a JSON string, "" for anything else: an IRI
// is never a number.
func stringText(b []byte) string {
	if firstByte(b) != '"' {
		return ""
	}
	return primitiveText(b)
}

// firstByte returns the first non-space byte of b, or 0.
func firstByte(b []byte) byte {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 {
		return 0
	}
	return b[0]
}
