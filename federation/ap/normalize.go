package ap

import (
	"net/url"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// The normalisers below are the trust boundary for everything another
// server sends. Every field of a remote actor, post, attachment, emoji,
// tag and poll passes through exactly one of them before it is stored:
//
//   - HTTPURL for every URL: an absolute http(s) URL, or nothing;
//   - Text and Line for plain text (names, field names, content
//     warnings, poll options, alt text): kept as sent, escaped on output;
//   - SanitizeHTML for HTML (content, bio, field values): reduced to what
//     kith shows, and well-formed.
//
// Output code then only escapes text and marks sanitized HTML as safe; it
// never has to wonder where a value came from.

// Limits on plain-text fields, in runes. Longer values are cut: a name of
// a megabyte is an attack, not a name.
const (
	MaxNameRunes     = 500   // display names, field names, poll options
	MaxSummaryRunes  = 5000  // content warnings
	MaxAltTextRunes  = 5000  // attachment descriptions
	MaxTagRunes      = 100   // hashtag names and emoji shortcodes
	maxURLBytes      = 4096  // longer URLs are dropped, not cut
	maxMediaTypeSize = 128   // a media type is short
	maxBlurhashBytes = 200   // components of at most 9×9 fit easily
	maxTextBytes     = 65536 // read no further than this before cutting
)

// HTTPURL returns s when it is an absolute http or https URL with a host,
// and "" otherwise: javascript:, data:, vbscript:, relative references,
// URLs with spaces or control characters inside, and ones a browser might
// read differently from Go. Surrounding white space is trimmed and the
// scheme lower-cased; nothing else changes.
//
// Note: Mastodon, GoToSocial and Misskey only ever send http(s) URLs in
// these fields; anything else is a mistake or an attack.
func HTTPURL(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxURLBytes {
		return ""
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c <= ' ', c == 0x7f, c == '"', c == '<', c == '>', c == '\\', c == '`':
			return ""
		}
	}
	if !utf8.ValidString(s) {
		return ""
	}
	u, err := url.Parse(s)
	// A host of dots alone ("http://.") names no host: Host drops the
	// final dot of a fully qualified name.
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Opaque != "" || strings.TrimSuffix(u.Hostname(), ".") == "" {
		return ""
	}
	return u.Scheme + s[len(u.Scheme):]
}

// HTTPURLs filters a list through HTTPURL, dropping what it refuses.
func HTTPURLs(list []string) []string {
	var out []string
	for _, s := range list {
		if u := HTTPURL(s); u != "" {
			out = append(out, u)
		}
	}
	return out
}

// Text returns a remote plain-text value as kith stores it: the text as
// sent, entities and tags included (they are shown, not interpreted),
// with invalid UTF-8 replaced, control characters other than line breaks
// and tabs removed, surrounding white space trimmed, and at most max
// runes.
//
// Note: Mastodon treats names, content warnings, poll options and alt
// text as plain text, on the wire and in its API.
func Text(s string, max int) string {
	if len(s) > maxTextBytes {
		s = s[:maxTextBytes]
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if r == '\r' {
			return '\n'
		}
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	return cutRunes(strings.TrimSpace(s), max)
}

// Line is Text for a value shown on one line (a display name, a field
// name, a poll option): line breaks and tabs become spaces.
func Line(s string, max int) string {
	s = Text(s, max)
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
}

// cutRunes returns s cut to at most max runes.
func cutRunes(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	n := 0
	for i := range s {
		if n == max {
			return strings.TrimSpace(s[:i])
		}
		n++
	}
	return s
}

// hashtagRE is a hashtag name: letters, marks, digits, underscores and the
// middle dot and zero-width non-joiner some scripts need, with at least
// one letter or underscore (#2024 is a number, not a tag).
//
// Note: Mastodon's HASHTAG_NAME_RE allows the same characters.
var hashtagRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[\pL\pM\pN_·\x{200c}]*[\pL_][\pL\pM\pN_·\x{200c}]*$`)
})

// Hashtag returns a remote hashtag's name without its '#', lower-cased,
// or "" when it is not a name Mastodon would link.
func Hashtag(s string) string {
	s = strings.TrimPrefix(strings.TrimSpace(s), "#")
	if s == "" || utf8.RuneCountInString(s) > MaxTagRunes || !hashtagRE().MatchString(s) {
		return ""
	}
	return strings.ToLower(s)
}

// shortcodeRE is a custom emoji's shortcode, the characters Mastodon
// allows.
var shortcodeRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_]+$`) })

// Shortcode returns a custom emoji's shortcode without its colons, or ""
// when it is not one.
func Shortcode(s string) string {
	s = strings.Trim(strings.TrimSpace(s), ":")
	if len(s) > MaxTagRunes || !shortcodeRE().MatchString(s) {
		return ""
	}
	return s
}

// mediaTypeRE is a media type such as image/png or video/mp4; parameters
// are not kept.
var mediaTypeRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$`)
})

// MediaType returns an attachment's media type, lower-cased and without
// parameters, or "" when it is not one.
func MediaType(s string) string {
	s, _, _ = strings.Cut(s, ";")
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) > maxMediaTypeSize || !mediaTypeRE().MatchString(s) {
		return ""
	}
	return s
}

// blurhashRE is the base-83 alphabet a blurhash is written in.
var blurhashRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9A-Za-z#$%*+,\-.:;=?@\[\]^_{|}~]{6,}$`) })

// Blurhash returns a remote blurhash, or "" when it is not one.
func Blurhash(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > maxBlurhashBytes || !blurhashRE().MatchString(s) {
		return ""
	}
	return s
}
